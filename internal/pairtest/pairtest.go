// Package pairtest wires two protocol cores back to back in memory, so that tests exercise a whole
// conversation without sockets: a virtual clock for the cores' timers, control over how bytes are split in
// transit, and faults (a peer that closes after n bytes, or whose bytes are dropped).
package pairtest

import (
	"errors"
	"time"

	"github.com/httpwire/httpwire/h1"
)

// Clock is a virtual clock: time moves only when Advance is called.
type Clock struct{ now time.Time }

// NewClock returns a clock set to a fixed instant.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.now }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// Splitter cuts the bytes of one transfer into the pieces that reach the receiver. Nil delivers them whole.
type Splitter func(b []byte) [][]byte

// Bytewise delivers one byte at a time.
func Bytewise(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

// Fault changes what reaches the receiver of one direction.
type Fault struct {
	// CloseAfter, when positive, delivers only this many more bytes, then the end of input; the rest is lost.
	CloseAfter int
}

// H1 is an HTTP/1.1 client core and server core connected to each other.
type H1 struct {
	Client, Server *h1.Conn
	Clock          *Clock
	// Split cuts bytes in transit, in both directions.
	Split Splitter

	faults [2]*Fault // by receiving role
	closed [2]bool   // the receiving role saw the end of input
}

// NewH1 returns a connected client and server with default limits.
func NewH1() *H1 {
	return &H1{Client: h1.NewConn(h1.Client), Server: h1.NewConn(h1.Server), Clock: NewClock()}
}

// Inject sets the fault applied to the bytes that role receives.
func (p *H1) Inject(to h1.Role, f Fault) { p.faults[to] = &f }

func (p *H1) conn(r h1.Role) *h1.Conn {
	if r == h1.Client {
		return p.Client
	}
	return p.Server
}

// ErrAfterClose is returned when bytes are sent to a side that has already seen the end of input.
var ErrAfterClose = errors.New("pairtest: bytes sent after the receiver saw the end of input")

// Transfer moves everything the from side has pending to the other side, through Split and any fault, and
// returns the number of bytes delivered.
func (p *H1) Transfer(from h1.Role) (int, error) { return p.transfer(from, nil) }

// transfer is Transfer, calling each (when set) after every piece reaches the receiver.
func (p *H1) transfer(from h1.Role, each func() error) (int, error) {
	src, to := p.conn(from), h1.Server
	if from == h1.Server {
		to = h1.Client
	}
	dst := p.conn(to)
	out := src.Pending()
	if len(out) == 0 {
		return 0, nil
	}
	data := append([]byte(nil), out...)
	src.Advance(len(out))
	if p.closed[to] {
		return 0, ErrAfterClose
	}
	closeNow := false
	if f := p.faults[to]; f != nil && f.CloseAfter > 0 {
		if len(data) >= f.CloseAfter {
			data, closeNow = data[:f.CloseAfter], true
		}
		f.CloseAfter -= len(data)
	}
	pieces := [][]byte{data}
	if p.Split != nil {
		pieces = p.Split(data)
	}
	n := 0
	for _, piece := range pieces {
		if err := dst.Receive(piece); err != nil {
			return n, err
		}
		n += len(piece)
		if each != nil {
			if err := each(); err != nil {
				return n, err
			}
		}
	}
	if closeNow {
		p.closed[to] = true
		if err := dst.ReceiveEOF(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Close delivers the end of input to role, as if its peer closed the connection.
func (p *H1) Close(to h1.Role) error {
	p.closed[to] = true
	return p.conn(to).ReceiveEOF()
}

// Events returns every event role can read now, cloned so that they stay valid, and the error that stopped
// reading, if any. Reading stops at nil (more input needed), Paused or ConnectionClosed (both included).
func (p *H1) Events(role h1.Role) ([]h1.Event, error) {
	c := p.conn(role)
	var evs []h1.Event
	for {
		ev, err := c.NextEvent()
		if err != nil || ev == nil {
			return evs, err
		}
		evs = append(evs, Clone(ev))
		switch ev.(type) {
		case *h1.Paused, *h1.ConnectionClosed:
			return evs, nil
		}
	}
}

// Clone copies an event so that it outlives the next call into its Conn.
func Clone(ev h1.Event) h1.Event {
	switch e := ev.(type) {
	case *h1.Request:
		return e.Clone()
	case *h1.InformationalResponse:
		return e.Clone()
	case *h1.Response:
		return e.Clone()
	case *h1.Data:
		return e.Clone()
	case *h1.EndOfMessage:
		return e.Clone()
	}
	return ev
}
