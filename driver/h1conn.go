package driver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/internal/clock"
	"github.com/httpwire/httpwire/internal/coreio"
	"github.com/httpwire/httpwire/proto"
)

// readBuffers lends HTTP/1.1 connections their read buffer for the time of a request.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, readBufferSize); return &b }}

// readBufferSize is the size of an HTTP/1.1 connection's read buffer, borrowed for each request.
const readBufferSize = 32 << 10

// h1Conn is an HTTP/1.1 client connection: one request at a time, run by the caller's goroutine.
type h1Conn struct {
	nc   net.Conn
	opts *Options
	tls  *tls.ConnectionState
	tc   *tls.Conn // the TLS layer, under any WrapConn wrapper, for the idle check; nil in plain text
	core *h1.Conn
	buf  *[]byte // borrowed from readBuffers while a request runs

	mu         sync.Mutex
	busy       bool
	dead       bool          // closed, broken, or handed over after a protocol switch
	idleAt     time.Duration // clock.Mono when the last request ended
	dialed     Timings       // Connect and TLS, reported by the first request only
	reused     bool
	stop       func() bool // ends the context watch of the request in flight
	ctx        context.Context
	trace      *RequestTrace // of the request in flight
	finisher   Finisher      // of the request in flight (RoundTripFinish), handed to its response's body
	peek       *idlePeeker   // looks at the socket between requests
	x          *exchanger    // writes and reads a reused plain connection's bodiless requests; nil: cannot
	xMade      bool          // x was made (lazily, on the first reuse)
	authority  []byte        // the Host of authOrigin, built once
	authOrigin proto.Origin
	head       proto.RequestHead // the request head, rebuilt in place for each request
	fields     proto.Fields
	scratch    []byte
	lengthBuf  []byte
	gotBytes   bool // a byte of the current response has arrived
}

// newH1Conn binds a connection to a client core. A TLS layer that nc is itself (one a DialContext made, for an
// http origin) is found here; Dial names the one under a WrapConn wrapper after.
func newH1Conn(nc net.Conn, opts *Options, state *tls.ConnectionState, t Timings) *h1Conn {
	tc, _ := nc.(*tls.Conn)
	return &h1Conn{nc: nc, opts: opts, tls: state, tc: tc, core: h1.NewConnWithLimits(h1.Client, opts.H1Limits),
		idleAt: clock.Mono(), dialed: t}
}

func (c *h1Conn) Protocol() string { return "http/1.1" }

func (c *h1Conn) Available() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.dead:
		return -1
	case c.busy:
		return 0
	}
	return 1
}

func (c *h1Conn) Capacity() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return -1
	}
	return 1
}

func (c *h1Conn) Idle() (bool, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.busy && !c.dead, clock.At(c.idleAt)
}

func (c *h1Conn) Close() error {
	c.mu.Lock()
	c.dead = true
	c.mu.Unlock()
	return c.nc.Close()
}

// RoundTrip runs one request. The context covers the whole exchange, body included: cancelling it closes
// the connection, since an HTTP/1.1 message cannot be abandoned halfway.
func (c *h1Conn) RoundTrip(ctx context.Context, req *Request) (*Response, error) {
	return c.RoundTripFinish(ctx, req, nil)
}

// RoundTripFinish implements FinishingConn.
func (c *h1Conn) RoundTripFinish(ctx context.Context, req *Request, f Finisher) (*Response, error) {
	c.mu.Lock()
	switch {
	case c.dead:
		c.mu.Unlock()
		return nil, ErrConnClosed
	case c.busy:
		c.mu.Unlock()
		return nil, ErrConnBusy
	}
	c.busy = true
	reused := c.reused
	c.reused = true
	c.ctx = ctx
	c.trace, c.gotBytes, c.finisher = req.Trace, false, f
	c.mu.Unlock()
	c.stop = nil
	if ctx.Done() != nil { // a context that can never end needs no watch
		c.stop = context.AfterFunc(ctx, func() { c.nc.Close() })
	}

	exchange := reused && c.canExchange(req)
	if reused {
		if err := c.checkIdle(exchange); err != nil {
			c.finish(false)
			return nil, err
		}
	}
	start := clock.Mono()
	resp, err := c.roundTrip(req, reused, exchange)
	closeRequestBody(req) // sent, or never will be: HTTP/1.1 sends it before the response is read
	if err == nil && ctx.Err() != nil && resp.Extensions.NetworkStream == nil {
		// The context ended while the head arrived: closing a TLS connection says close_notify first, and a
		// server may answer that (go-httpbin sends a 499) before the socket closes. The caller gave up.
		err = ctx.Err()
	}
	if err != nil {
		c.finish(false)
		return nil, c.wrap(err)
	}
	resp.Extensions.Timings.FirstByte = clock.Mono() - start
	if !reused {
		resp.Extensions.Timings.Connect, resp.Extensions.Timings.TLS = c.dialed.Connect, c.dialed.TLS
	}
	return resp, nil
}

func (c *h1Conn) roundTrip(req *Request, reused, exchange bool) (*Response, error) {
	if c.authority == nil || c.authOrigin != req.Origin {
		c.authority, c.authOrigin = []byte(req.Origin.Authority()), req.Origin
	}
	head, chunked := c.h1Head(req)
	if viaHTTPProxy(req.Origin, c.opts) {
		// RFC 9112 §3.2.2: a request to a proxy names the whole target URI.
		head.Target = append([]byte(req.Origin.String()), head.Target...)
		if auth := proxyAuthorization(c.opts.Proxy); auth != "" {
			head.Fields.Add("Proxy-Authorization", auth)
		}
	}
	if err := c.core.SendRequest(head); err != nil {
		return nil, err
	}
	if exchange {
		return c.exchange(req)
	}
	hasBody := req.Body != nil || req.Trailer != nil
	expect := head.Fields.HasToken("Expect", "100-continue") && hasBody
	if err := c.flush(); err != nil {
		return nil, c.stale(err, reused)
	}
	var early *Response
	if expect {
		// RFC 9110 §10.1.1: wait for 100 Continue (or a final answer) before sending the body, not forever.
		resp, err := c.awaitContinue(req)
		if err != nil {
			if connLost(err) {
				err = c.stale(err, reused) // the connection was gone: as for the head
			}
			return nil, err
		}
		early = resp
	}
	if early == nil && hasBody {
		if err := c.sendBody(req, chunked); err != nil {
			// The server may have answered early and closed (a 413, say): its response is worth more
			// than our write error. The connection is done either way.
			var werr *writeError
			if errors.As(err, &werr) && !isTimeout(err) && c.ctx.Err() == nil && c.core.TheirState() != h1.Error {
				c.mu.Lock()
				c.dead = true
				c.mu.Unlock()
				// The peer closed on us: what it said before is already here or about to be.
				_ = c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
				if resp, rerr := c.readResponse(req, false); rerr == nil {
					return resp, nil
				}
			}
			if werr != nil && connLost(err) {
				return nil, c.stale(err, reused) // a reused connection that was gone: as for the head
			}
			return nil, err
		}
	} else if early == nil || c.core.OurState() == h1.SendBody {
		if early != nil {
			// A final response came instead of 100 Continue: the body is not sent, so the connection
			// cannot carry another request (RFC 9110 §10.1.1).
			c.mu.Lock()
			c.dead = true
			c.mu.Unlock()
		} else if err := c.core.SendEnd(nil); err != nil {
			return nil, err
		} else if err := c.flush(); err != nil {
			return nil, err
		}
	}
	if early != nil {
		return early, nil
	}
	req.Trace.wroteRequest()
	return c.readResponse(req, reused)
}

// checkIdle makes sure a kept-alive connection is still quiet before reusing it: bytes that arrived while it
// was idle answer no request of ours (net/http: "unsolicited response on idle HTTP channel"), and the end of
// input means the server closed it. Either way nothing was sent, so the request can go elsewhere. With
// exchange, the socket is left to the exchanger, whose first read makes the same look.
func (c *h1Conn) checkIdle(exchange bool) error {
	if extra, eof := c.core.TrailingData(); len(extra) > 0 || eof {
		return fmt.Errorf("%w: the idle connection has data or was closed", ErrNotProcessed)
	}
	if exchange {
		return nil
	}
	if c.tc != nil {
		if err := c.checkTLSBuffered(c.tc); err != nil {
			return err
		}
	}
	if c.peek == nil {
		var under net.Conn = c.nc
		if c.tc != nil {
			under = c.tc // the socket under TLS, wrapped or not
		}
		c.peek = newIdlePeeker(under)
	}
	switch data, closed, _ := c.peek.peek(); {
	case data:
		return fmt.Errorf("%w: unsolicited bytes on an idle connection", ErrNotProcessed)
	case closed:
		return fmt.Errorf("%w: the server closed the idle connection", ErrNotProcessed)
	}
	return nil
}

// checkTLSBuffered looks at the records the TLS layer already took from the socket, which a look at the
// socket cannot see: a Read with a deadline in the past returns what a whole buffered record holds (bytes,
// or io.EOF for close_notify) without touching the socket, and a timeout when there is none (crypto/tls does
// not keep a timeout as the connection's error). The deadline is cleared after: each read arms its own. A
// transport without deadlines (a tunnel of some SSH library, say) cannot be looked at this way: the check is
// skipped, as the socket's is for a connection it cannot reach.
func (c *h1Conn) checkTLSBuffered(tc *tls.Conn) error {
	if err := tc.SetReadDeadline(time.Unix(1, 0)); err != nil {
		return nil
	}
	n, err := tc.Read(c.readBuffer())
	if derr := tc.SetReadDeadline(time.Time{}); derr != nil && err == nil {
		err = derr
	}
	switch {
	case n > 0:
		return fmt.Errorf("%w: unsolicited bytes on an idle connection", ErrNotProcessed)
	case isTimeout(err):
		return nil
	case err == io.EOF:
		return fmt.Errorf("%w: the server closed the idle connection", ErrNotProcessed)
	}
	return fmt.Errorf("%w: %w", ErrNotProcessed, err)
}

// h1Head builds the request head, with authority as its Host unless the fields name one; it reports
// whether the body goes chunked.
func (c *h1Conn) h1Head(req *Request) (*proto.RequestHead, bool) {
	target := req.Target
	if target == "" {
		target = "/"
	}
	// The head is built in the connection's scratch space: SendRequest copies it out at once, and the
	// connection runs one request at a time.
	buf := append(c.scratch[:0], req.Method...)
	buf = append(buf, target...)
	c.scratch = buf
	h := &c.head
	*h = proto.RequestHead{Method: buf[:len(req.Method)], Target: buf[len(req.Method):], Version: proto.HTTP11,
		Authority: c.authority, Fields: c.fields[:0]}
	for _, f := range req.Header {
		switch {
		case proto.EqualFold(f.Name, "content-length"), proto.EqualFold(f.Name, "transfer-encoding"):
			continue // framing follows Body and ContentLength
		}
		h.Fields = append(h.Fields, f)
	}
	chunked := false
	switch {
	case req.Body != nil && req.ContentLength >= 0 && req.Trailer == nil:
		c.lengthBuf = strconv.AppendInt(c.lengthBuf[:0], req.ContentLength, 10)
		h.Fields.AddBytes(contentLength, c.lengthBuf)
	case req.Body != nil || req.Trailer != nil:
		// Trailers need the chunked coding (RFC 9112 §7.1.2), whatever the length.
		h.Fields.AddBytes(transferEncoding, chunkedValue)
		chunked = true
	case req.Method == "POST" || req.Method == "PUT" || req.Method == "PATCH":
		h.Fields.AddBytes(contentLength, zero) // RFC 9110 §8.6: a user agent SHOULD send it
	}
	c.fields = h.Fields
	return h, chunked
}

var (
	contentLength    = []byte("Content-Length")
	transferEncoding = []byte("Transfer-Encoding")
	chunkedValue     = []byte("chunked")
	zero             = []byte("0")
)

// sendBody streams the request body and ends the message.
func (c *h1Conn) sendBody(req *Request, chunked bool) error {
	bp := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(bp)
	buf := *bp
	var sent int64
	for req.Body != nil {
		n, rerr := req.Body.Read(buf)
		if n > 0 {
			if err := c.core.SendData(buf[:n]); err != nil {
				return err
			}
			if err := c.flush(); err != nil {
				return &writeError{err}
			}
			sent += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("driver: reading the request body: %w", rerr)
		}
	}
	if !chunked && sent != req.ContentLength {
		return bodyLengthError(sent, req.ContentLength)
	}
	var trailers proto.Fields
	if req.Trailer != nil && chunked {
		trailers = req.Trailer()
	}
	if err := c.core.SendEnd(trailers); err != nil {
		return err
	}
	if err := c.flush(); err != nil {
		return &writeError{err}
	}
	return nil
}

// writeError marks a failure to write to the network, as opposed to one of the request body.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// awaitContinue waits for 100 Continue; it returns a final response if one came first, nil to go on.
func (c *h1Conn) awaitContinue(req *Request) (*Response, error) {
	deadline := time.Now().Add(c.opts.expectContinueTimeout())
	if err := c.nc.SetReadDeadline(deadline); err != nil {
		// A transport without deadlines (a tunnel of some SSH library, say): the wait could not end, so
		// the body goes at once, as RFC 9110 §10.1.1 lets a client do.
		return nil, nil
	}
	for c.core.ClientAwaitsContinue() {
		ev, err := c.core.NextEvent()
		if err != nil {
			return nil, err
		}
		switch e := ev.(type) {
		case nil:
			if _, err := c.fillBy(deadline); err != nil {
				if isTimeout(err) && c.ctx.Err() == nil {
					return nil, c.nc.SetReadDeadline(time.Time{}) // no answer: send the body anyway
				}
				return nil, err
			}
		case *h1.InformationalResponse:
			if e.Status == 101 {
				// The server switched before the body: the connection is the caller's now, and the body
				// is not sent (switched clears the deadline).
				return c.switched(req, &e.ResponseHead), nil
			}
			if req.OnInformational != nil {
				req.OnInformational(e.ResponseHead.Clone())
			}
		case *h1.Response:
			if c.core.TheirState() == h1.SwitchedProtocol {
				return c.switched(req, &e.ResponseHead), nil // 2xx to CONNECT
			}
			return c.response(req, e), c.nc.SetReadDeadline(time.Time{})
		}
	}
	return nil, c.nc.SetReadDeadline(time.Time{})
}

// canExchange reports whether req, on a reused connection, can go through the exchanger: a plain socket, a
// request without a body (which the exchanger writes in one go), and no trace (whose WroteRequest would
// come late).
func (c *h1Conn) canExchange(req *Request) bool {
	if req.Body != nil || req.Trailer != nil || req.Trace != nil {
		return false
	}
	if !c.xMade {
		c.x, c.xMade = newExchanger(c.nc), true
	}
	return c.x != nil
}

// exchange sends the bodiless request whose head the core holds, with the look at the idle socket, the write
// and the read of the answer's first bytes made as one (exchanger), then reads on as readResponse does.
func (c *h1Conn) exchange(req *Request) (*Response, error) {
	if err := c.core.SendEnd(nil); err != nil {
		return nil, err
	}
	if err := c.armReadTimeout(); err != nil {
		return nil, err
	}
	buf := c.readBuffer()
	r := c.x.exchange(c.core.Pending(), buf)
	c.core.Advance(r.wrote)
	switch {
	case r.idle:
		return nil, fmt.Errorf("%w: unsolicited bytes or the end of input on an idle connection", ErrNotProcessed)
	case r.werr != nil && r.wrote == 0 && c.ctx.Err() == nil && !isTimeout(r.werr):
		// Nothing of the request left: the server cannot have acted on it (a connection closed, or reset
		// between the look and the write).
		return nil, fmt.Errorf("%w: %w", ErrNotProcessed, r.werr)
	case r.werr != nil:
		return nil, c.stale(r.werr, true)
	case !r.sent: // the socket took part of the request: the rest goes the ordinary way
		if err := c.flush(); err != nil {
			return nil, c.stale(err, true)
		}
		return c.readResponse(req, true)
	case r.rerr != nil:
		return nil, c.stale(r.rerr, true)
	case r.eof:
		if err := c.core.ReceiveEOF(); err != nil {
			return nil, err
		}
	default:
		c.gotBytes = true
		c.trace.gotFirstResponseByte()
		if err := c.core.Receive(buf[:r.n]); err != nil {
			return nil, err
		}
	}
	return c.readResponse(req, true)
}

// stale explains a write or read that failed before any byte of the response: on a kept-alive connection,
// unless the caller's context or a timeout caused it, the server had closed the connection.
func (c *h1Conn) stale(err error, reused bool) error {
	if reused && !c.gotBytes && !isTimeout(err) && c.ctx.Err() == nil {
		return fmt.Errorf("%w: %w", ErrConnStale, err) // the idle connection was gone
	}
	return err
}

// readResponse reads up to the final response head.
func (c *h1Conn) readResponse(req *Request, reused bool) (*Response, error) {
	for {
		ev, err := c.core.NextEvent()
		if err != nil {
			if reused && !c.gotBytes && errors.Is(err, proto.ErrIncomplete) {
				// A kept-alive connection the server had closed.
				return nil, fmt.Errorf("%w: %w", ErrConnStale, err)
			}
			return nil, err
		}
		switch e := ev.(type) {
		case nil:
			if _, err := c.fill(); err != nil {
				return nil, c.stale(err, reused)
			}
		case *h1.InformationalResponse:
			if e.Status == 101 {
				return c.switched(req, &e.ResponseHead), nil
			}
			if req.OnInformational != nil {
				req.OnInformational(e.ResponseHead.Clone())
			}
		case *h1.Response:
			if c.core.TheirState() == h1.SwitchedProtocol {
				return c.switched(req, &e.ResponseHead), nil // 2xx to CONNECT
			}
			return c.response(req, e), nil
		case *h1.ConnectionClosed:
			err := fmt.Errorf("%w: closed before a response", ErrConnClosed)
			if reused && !c.gotBytes {
				err = fmt.Errorf("%w: %w", ErrConnStale, err)
			}
			return nil, err
		default: // Paused, and nothing else can come before a response: asking again would never end
			return nil, fmt.Errorf("%w: %T before a response", proto.ErrState, ev)
		}
	}
}

// h1Exchange is a response and its body, allocated together: 256 bytes, a size class (TestH1ExchangeSize).
type h1Exchange struct {
	resp Response
	body h1Body
}

func (c *h1Conn) response(req *Request, e *h1.Response) *Response {
	both, source, header := newExchange(e.Fields)
	body := &both.body
	body.c, body.finisher = c, c.finisher
	resp := &both.resp
	*resp = Response{Status: e.Status, Header: header, Body: body, trailers: source}
	resp.Extensions.HTTPVersion = httpVersion(e.Version)
	resp.Extensions.ReasonPhrase = reasonPhrase(e.Reason)
	resp.Extensions.TLS = c.tls
	return resp
}

// httpVersion names a version without allocating.
func httpVersion(v proto.Version) string {
	switch v {
	case proto.HTTP11:
		return "HTTP/1.1"
	case proto.HTTP10:
		return "HTTP/1.0"
	}
	return "HTTP/" + v.String()
}

// reasonPhrase returns the reason as a string, sharing the common ones instead of allocating.
func reasonPhrase(b []byte) string {
	switch string(b) {
	case "OK":
		return "OK"
	case "Not Found":
		return "Not Found"
	case "No Content":
		return "No Content"
	case "Not Modified":
		return "Not Modified"
	case "":
		return ""
	}
	return string(b)
}

// switched hands the raw connection over after 101 or a 2xx to CONNECT; the connection leaves the pool.
func (c *h1Conn) switched(req *Request, h *proto.ResponseHead) *Response {
	buffered, _ := c.core.TrailingData()
	stream := newRawStream(c.nc, buffered)
	if c.stop != nil {
		c.stop()
	}
	_ = c.nc.SetDeadline(time.Time{}) // ReadTimeout and WriteTimeout were ours; the stream is the caller's now
	c.mu.Lock()
	c.dead, c.busy = true, false
	c.mu.Unlock()
	resp := &Response{Status: h.Status, Header: keepFields(h.Fields), Body: io.NopCloser(eofReader{})}
	resp.Extensions.HTTPVersion = httpVersion(h.Version)
	resp.Extensions.ReasonPhrase = reasonPhrase(h.Reason)
	resp.Extensions.NetworkStream = stream
	resp.Extensions.TLS = c.tls
	return resp
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// fill reads from the network into the core and returns how many bytes arrived.
func (c *h1Conn) fill() (int, error) { return c.fillBy(time.Time{}) }

// readDirect reads body bytes from the network into p, bypassing the core (DirectBody). The end of input is
// handed to the core, which decides what it means for the message; with bytes, the caller hands it over
// after them (io.EOF with n > 0).
func (c *h1Conn) readDirect(p []byte) (int, error) {
	if err := c.armReadTimeout(); err != nil {
		return 0, err
	}
	n, err := c.nc.Read(p)
	switch {
	case n > 0 && err == io.EOF:
		return n, io.EOF
	case n > 0:
		return n, nil
	case err == io.EOF:
		return 0, c.core.ReceiveEOF()
	}
	return 0, err
}

// armReadTimeout sets the read deadline ReadTimeout asks for, counted from now; without one it leaves the
// deadline alone.
func (c *h1Conn) armReadTimeout() error {
	if c.opts.ReadTimeout > 0 {
		return c.nc.SetReadDeadline(time.Now().Add(c.opts.ReadTimeout))
	}
	return nil
}

// readBuffer is the buffer reads go into, borrowed from readBuffers while a request runs (finish gives it
// back).
func (c *h1Conn) readBuffer() []byte {
	if c.buf == nil {
		c.buf = readBuffers.Get().(*[]byte)
	}
	return *c.buf
}

// fillBy is fill with a read deadline of at most by (zero: none beyond ReadTimeout).
func (c *h1Conn) fillBy(by time.Time) (int, error) {
	var deadline time.Time
	if c.opts.ReadTimeout > 0 {
		deadline = time.Now().Add(c.opts.ReadTimeout)
	}
	if !by.IsZero() && (deadline.IsZero() || by.Before(deadline)) {
		deadline = by
	}
	if !deadline.IsZero() || c.opts.ReadTimeout > 0 {
		if err := c.nc.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
	}
	buf := c.readBuffer()
	n, err := c.nc.Read(buf)
	switch {
	case n > 0:
		if !c.gotBytes {
			c.gotBytes = true // the first byte of the response, 100 Continue included
			c.trace.gotFirstResponseByte()
		}
		if rerr := c.core.Receive(buf[:n]); rerr != nil || err != io.EOF {
			return n, rerr
		}
		return n, c.core.ReceiveEOF() // the last bytes and the end at once (TLS does it after close_notify)
	case err == io.EOF:
		return 0, c.core.ReceiveEOF()
	}
	return 0, err
}

// flush writes what the core has pending.
func (c *h1Conn) flush() error {
	if c.opts.WriteTimeout > 0 {
		if err := c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout)); err != nil {
			return err
		}
	}
	return coreio.WriteAll(c.nc, c.core.Pending, c.core.Advance)
}

// finish ends the request in flight; a connection that is not reusable is closed.
func (c *h1Conn) finish(reusable bool) {
	if c.stop != nil && !c.stop() {
		reusable = false // the context ended first: its callback closes the connection
	}
	if reusable && c.buf != nil {
		// An idle connection holds no read buffer, so thousands of them stay cheap. Only here: on the other
		// paths a Read may still be running in another goroutine (a Close from elsewhere).
		readBuffers.Put(c.buf)
		c.buf = nil
	}
	c.mu.Lock()
	c.busy = false
	c.idleAt = clock.Mono()
	if !reusable {
		c.dead = true
	}
	dead := c.dead
	c.mu.Unlock()
	if dead {
		c.nc.Close()
	}
}

// wrap explains an error: a cancelled or expired context wins over the network error it caused, and a
// connection that is gone (closed, reset) is ErrConnClosed.
func (c *h1Conn) wrap(err error) error {
	if ctxErr := c.ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w: %w", ctxErr, err)
	}
	if connLost(err) && !errors.Is(err, ErrConnClosed) {
		// As on HTTP/2. The network error, and ErrConnStale or ErrNotProcessed if it was found so, stay in
		// the chain.
		return fmt.Errorf("%w: %w", ErrConnClosed, err)
	}
	return err
}

// reusableAfterResponse reports whether the cycle ended cleanly and starts the next one.
func (c *h1Conn) reusableAfterResponse() bool {
	if c.core.OurState() != h1.Done || c.core.TheirState() != h1.Done {
		return false
	}
	if extra, _ := c.core.TrailingData(); len(extra) > 0 {
		return false // bytes nobody asked for: do not let them answer the next request
	}
	return c.core.StartNextCycle() == nil
}

func isTimeout(err error) bool {
	if err == nil {
		return false // the common case, without errors.As's allocation
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
