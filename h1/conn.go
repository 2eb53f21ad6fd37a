package h1

import (
	"github.com/httpwire/httpwire/proto"
)

// Conn is one HTTP/1.1 connection seen from one side. It is not safe for concurrent use.
type Conn struct {
	role Role
	lim  Limits
	m    machine
	err  error // sticky

	// Receive side.
	in        []byte // in[r:] is received input not yet consumed
	r         int
	scanned   int  // bytes of in[r:] already searched for a line end, so that parsing stays linear
	lineStart int  // where the line being searched starts in in[r:]
	eof       bool // the peer closed its side
	body      bodyReader
	// What the response framing depends on (RFC 9112 §6.3): the method of the current request.
	method methodKind
	// awaitsContinue: the client sent Expect: 100-continue and no response or body data has gone by since.
	awaitsContinue bool
	infos          int // 1xx responses received in this cycle (client role)

	// Events handed out by NextEvent; their bytes borrow in.
	req    Request
	info   InformationalResponse
	resp   Response
	data   Data
	end    EndOfMessage
	fields proto.Fields // reused for heads and trailers
	folded []byte       // values joined from obs-fold lines (client role)

	// Send side.
	out  []byte // out[w:] awaits the driver
	w    int
	send bodyWriter
	peer proto.Version // the version of the peer's last head, for what we may send back
}

// NewConn returns a connection playing role, with DefaultLimits.
func NewConn(role Role) *Conn { return NewConnWithLimits(role, DefaultLimits) }

// NewConnWithLimits returns a connection playing role with the given limits; zero fields take defaults.
func NewConnWithLimits(role Role, l Limits) *Conn {
	return &Conn{role: role, lim: l.withDefaults(), m: newMachine(), peer: proto.HTTP11}
}

// Role returns the side this connection plays.
func (c *Conn) Role() Role { return c.role }

// OurState returns the state of our side.
func (c *Conn) OurState() State { return c.m.states[c.role] }

// TheirState returns the state of the peer's side.
func (c *Conn) TheirState() State { return c.m.states[c.role.Peer()] }

// KeepAlive reports whether the connection can still be reused after the current cycle.
func (c *Conn) KeepAlive() bool { return c.m.keepAlive }

// Err returns the sticky error, or nil.
func (c *Conn) Err() error { return c.err }

// ClientAwaitsContinue reports whether the client sent `Expect: 100-continue` (RFC 9110 §10.1.1) and neither a
// response nor body data has gone by since: a client driver waits (with a timeout) before sending the body,
// and a server driver decides whether to answer 100 Continue.
func (c *Conn) ClientAwaitsContinue() bool { return c.awaitsContinue }

// Receive hands received bytes to the connection. It copies them; b may be reused at once.
// Call NextEvent until it returns nil to learn what they mean.
func (c *Conn) Receive(b []byte) error {
	if c.err != nil {
		return c.err
	}
	if c.eof && len(b) > 0 {
		return c.localError(proto.ErrState, "Receive after ReceiveEOF")
	}
	c.in, c.r = proto.AppendInput(c.in, c.r, b)
	return nil
}

// ReceiveEOF tells the connection that the peer closed its side: no more bytes will come.
func (c *Conn) ReceiveEOF() error {
	if c.err != nil {
		return c.err
	}
	c.eof = true
	return nil
}

// TrailingData returns the received bytes not yet consumed, and whether the peer has closed. After the
// connection switched protocols these are the first bytes of the new protocol. The slice borrows the Conn's
// buffer, valid until the next call into the Conn.
func (c *Conn) TrailingData() ([]byte, bool) { return c.in[c.r:], c.eof }

// StartNextCycle resets both sides to Idle for the next request/response on a persistent connection. Both
// sides must be Done.
func (c *Conn) StartNextCycle() error {
	if c.err != nil {
		return c.err
	}
	if !c.m.nextCycle() {
		return c.localError(proto.ErrState, "StartNextCycle with client "+c.m.states[Client].String()+
			" and server "+c.m.states[Server].String())
	}
	c.method = methodOther
	c.awaitsContinue = false
	c.infos = 0
	c.body = bodyReader{}
	c.send = bodyWriter{}
	return nil
}

// NextEvent returns the next event, or nil, nil when more input is needed. The event borrows the Conn's
// memory until the next call into the Conn (see Event).
func (c *Conn) NextEvent() (Event, error) {
	if c.err != nil {
		return nil, c.err
	}
	ev, err := c.nextEvent()
	if err != nil {
		return nil, c.fail(err)
	}
	return ev, nil
}

func (c *Conn) nextEvent() (Event, error) {
	peer := c.role.Peer()
	switch c.m.states[peer] {
	case Idle, SendResponse:
		if c.role == Server && c.m.states[peer] == SendResponse {
			break // a server never reads a response
		}
		return c.readHead()
	case SendBody:
		return c.readBody()
	case Done:
		if len(c.in) > c.r {
			return &Paused{}, nil
		}
	case MustClose:
		if len(c.in) > c.r {
			return nil, remoteError(proto.ErrProtocol, 400, "data after a message that closes the connection")
		}
	case Closed:
		return &ConnectionClosed{}, nil
	case MightSwitchProtocol, SwitchedProtocol:
		return &Paused{}, nil
	}
	if c.eof {
		return c.peerClosed()
	}
	return nil, nil
}

// peerClosed turns the end of input between messages into ConnectionClosed.
func (c *Conn) peerClosed() (Event, error) {
	if !c.m.process(c.role.Peer(), evClosed) {
		return nil, remoteError(proto.ErrIncomplete, 0, "peer closed in state "+c.TheirState().String())
	}
	return &ConnectionClosed{}, nil
}

// consume drops n bytes of input.
func (c *Conn) consume(n int) {
	c.r += n
	c.scanned, c.lineStart = 0, 0
}

// fail records err as the sticky error and puts the blamed side in the Error state.
func (c *Conn) fail(err error) error {
	if c.err == nil {
		c.err = err
		if re, ok := err.(*proto.RemoteError); ok {
			if c.role == Client {
				re.StatusHint = 0 // a hint of what to answer is for servers only
			}
			c.m.fail(c.role.Peer())
		} else {
			c.m.fail(c.role)
		}
	}
	return c.err
}

func (c *Conn) localError(sentinel error, msg string) error {
	return c.fail(&proto.LocalError{Err: sentinel, Msg: msg})
}

// remoteError builds a RemoteError; status is the hint for servers, ignored by clients.
func remoteError(sentinel error, status int, msg string) *proto.RemoteError {
	return &proto.RemoteError{Err: sentinel, Msg: msg, StatusHint: status}
}

// Pending returns the bytes to send to the peer, in order. The driver writes them and calls Advance.
func (c *Conn) Pending() []byte { return c.out[c.w:] }

// Advance marks n bytes of Pending as written.
func (c *Conn) Advance(n int) {
	c.w += n
	if c.w >= len(c.out) {
		c.out, c.w = c.out[:0], 0
	}
}
