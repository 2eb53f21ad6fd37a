package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// h2Stream is one request on an HTTP/2 connection. Its fields are guarded by the connection's mutex.
type h2Stream struct {
	c    *h2Conn
	id   uint32
	cond sync.Cond // signalled when the head, data, the end or an error arrives; L is the connection's mu

	req     *Request
	infos   []*proto.ResponseHead // 1xx heads not yet handed to OnInformational
	resp    *Response             // its exchange's; the reader fills Status and Header
	gotHead bool
	data    []byte // received; data[readOff:] is not yet read
	readOff int
	// dst is the buffer of a Read waiting for data, with nothing in data: the reader copies DATA payloads
	// straight into it (dstN bytes so far), saving a copy.
	dst      []byte
	dstN     int
	ended    bool // END_STREAM received
	trailers proto.Fields
	err      error

	woken bool // listed in c.toWake

	// A detached stream (detachLocked) is off the connection: data[readOff:] is its body, read by h2Body
	// under its own lock.
	detached    bool
	buf         *dataBuffer // where data came from (takeBuffer), to give back
	bodyClosed  bool
	sendStopped bool // the server has the whole response out and asked us to stop sending (RFC 9113 §8.1)
}

func (st *h2Stream) onHeaders(e *h2.HeadersReceived) {
	switch e.Kind {
	case h2.KindInformational:
		st.infos = append(st.infos, e.Response.Clone())
	case h2.KindResponse:
		st.resp.Status = e.Response.Status
		st.resp.Header = e.Response.Fields // kept as is: the core decodes into memory it never reuses (StableFields)
		st.gotHead = true
	case h2.KindTrailers:
		st.trailers = e.Trailers
	}
	st.c.wakeLocked(st)
}

func (st *h2Stream) failLocked(err error) {
	if st.err == nil {
		st.err = err
	}
	st.cond.Broadcast()
}

// RoundTrip opens a stream, sends the request and its body under flow control, and returns when the final
// response head arrives. Cancelling ctx resets the stream (RST_STREAM CANCEL); the connection goes on.
//
// It is split in three so that a request waiting for its head holds a small stack: open and finish do the
// work with their larger frames before and after the wait, and only this frame and awaitHead's stay.
func (c *h2Conn) RoundTrip(ctx context.Context, req *Request) (*Response, error) {
	start := time.Now()
	ex, err := c.open(ctx, req)
	if err != nil {
		return nil, err
	}
	ex.start = start
	ex.stop = c.watch(ctx, &ex.st)
	if ex.sendsBody {
		if err := c.sendBody(&ex.st, req); err != nil {
			ex.stop()
			c.abandon(&ex.st)
			return nil, wrapCtx(ctx, err)
		}
	}
	req.Trace.wroteRequest()
	resp, err := c.awaitHead(&ex.st, &ex.resp)
	return c.finish(ctx, ex, resp, err)
}

// open sends the request head on a new stream and registers the stream.
func (c *h2Conn) open(ctx context.Context, req *Request) (*h2Exchange, error) {
	tunnel := req.Method == "CONNECT"
	endStream := req.Body == nil && req.Trailer == nil && req.Protocol == "" && !tunnel
	c.mu.Lock()
	if req.Protocol != "" {
		// RFC 8441 §3: an extended CONNECT needs the server's SETTINGS_ENABLE_CONNECT_PROTOCOL, so wait for
		// its first SETTINGS.
		stop := context.AfterFunc(ctx, func() { c.mu.Lock(); c.window.Broadcast(); c.mu.Unlock() })
		for !c.settingsSeen && c.err == nil && ctx.Err() == nil {
			c.window.Wait()
		}
		stop()
		if err := ctx.Err(); err != nil && c.err == nil {
			c.mu.Unlock()
			return nil, err
		}
	}
	if c.err != nil {
		err := fmt.Errorf("%w: %w", ErrNotProcessed, c.err) // nothing was sent on this connection
		c.mu.Unlock()
		return nil, err
	}
	id, err := c.core.SendRequest(c.h2Head(req), endStream) // the core encodes the head at once
	if err != nil {
		c.mu.Unlock()
		if errors.Is(err, h2.ErrGoingAway) || errors.Is(err, h2.ErrStreamLimit) || errors.Is(err, h2.ErrStreamIDsExhausted) {
			return nil, fmt.Errorf("%w: %w", ErrNotProcessed, err)
		}
		return nil, err
	}
	ex := &h2Exchange{st: h2Stream{c: c, id: id, req: req}, sendsBody: !endStream && !tunnel}
	st := &ex.st
	st.resp = &ex.resp
	st.cond.L = &c.mu
	c.streams[id] = st
	ex.reused = c.reused
	c.reused = true
	c.armLocked()
	c.kickLocked()
	c.mu.Unlock()
	return ex, nil
}

// watch resets the stream when ctx ends; the function returned stops watching.
func (c *h2Conn) watch(ctx context.Context, st *h2Stream) func() bool {
	if ctx.Done() == nil { // a context that can never end needs no watch
		return noStop
	}
	return context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		st.failLocked(ctx.Err())
		c.cancelLocked(st)
	})
}

// finish turns the response head that arrived (or the error) into RoundTrip's result.
func (c *h2Conn) finish(ctx context.Context, ex *h2Exchange, resp *Response, err error) (*Response, error) {
	st, stop := &ex.st, ex.stop
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // the head came as the caller gave up: it is not returned (as on HTTP/1.1)
	}
	if err != nil {
		stop()
		c.abandon(st)
		return nil, wrapCtx(ctx, err)
	}
	resp.Extensions.Timings.FirstByte = time.Since(ex.start)
	if !ex.reused {
		resp.Extensions.Timings.Connect, resp.Extensions.Timings.TLS = c.dialed.Connect, c.dialed.TLS
	}
	if st.req.Method == "CONNECT" && resp.Status >= 200 && resp.Status < 300 {
		// RFC 9113 §8.5, RFC 8441 §5: the stream is now a byte channel both ways, the caller's to close; the
		// request's context no longer governs it (as after a 101 on HTTP/1.1).
		stop()
		resp.Extensions.NetworkStream = &h2Tunnel{st: st, stop: func() bool { return false }}
		resp.Body = io.NopCloser(eofReader{})
		return resp, nil
	}
	ex.body = h2Body{st: st, stop: stop, ctx: ctx}
	resp.Body = &ex.body
	return resp, nil
}

// h2Exchange holds what one request needs, allocated at once.
type h2Exchange struct {
	st        h2Stream
	resp      Response
	body      h2Body
	sendsBody bool // the request has a body to send after its head
	reused    bool // the connection carried a request before
	start     time.Time
	stop      func() bool // ends the context watch
}

// noStop stands for the context watch of a context that cannot end.
func noStop() bool { return false }

// h2Head translates a request into HTTP/2 form: pseudo-header fields, lower-case names, and none of the
// connection-specific fields (RFC 9113 §8.2.2, §8.3.1). It builds the head in the connection's scratch space,
// with c.mu held: SendRequest encodes it at once.
func (c *h2Conn) h2Head(req *Request) *proto.RequestHead {
	target := req.Target
	if target == "" {
		target = "/"
	}
	if c.authority == nil || c.authOrigin != req.Origin {
		c.authority, c.authOrigin = []byte(req.Origin.Authority()), req.Origin
	}
	b := c.scratch[:0]
	piece := func(s string) []byte {
		start := len(b)
		b = append(b, s...)
		return b[start:len(b):len(b)]
	}
	h := &c.head
	*h = proto.RequestHead{Method: piece(req.Method), Version: proto.HTTP2, Authority: c.authority,
		Fields: c.fields[:0]}
	if req.Method != "CONNECT" || req.Protocol != "" {
		h.Scheme, h.Target = piece(req.Origin.Scheme), piece(target)
	} else {
		h.Authority = piece(target)
	}
	h.Protocol = piece(req.Protocol)
	for _, f := range req.Header {
		start := len(b)
		for _, x := range f.Name {
			if 'A' <= x && x <= 'Z' {
				x += 'a' - 'A'
			}
			b = append(b, x)
		}
		name := b[start:len(b):len(b)]
		switch string(name) {
		case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "content-length":
			continue
		case "host":
			if req.Method != "CONNECT" {
				h.Authority = f.Value
			}
			continue
		case "te":
			if !proto.EqualFold(f.Value, "trailers") {
				continue
			}
		}
		h.Fields = append(h.Fields, proto.Field{Name: name, Value: f.Value})
	}
	if req.Body != nil && req.ContentLength >= 0 {
		start := len(b)
		b = strconv.AppendInt(b, req.ContentLength, 10)
		h.Fields = append(h.Fields, proto.Field{Name: contentLengthLower, Value: b[start:len(b):len(b)]})
	}
	c.scratch, c.fields = b, h.Fields
	return h
}

var contentLengthLower = []byte("content-length")

// sendBody streams the request body, waiting for flow-control windows as needed.
func (c *h2Conn) sendBody(st *h2Stream, req *Request) error {
	buf := make([]byte, 16<<10)
	for req.Body != nil {
		n, rerr := req.Body.Read(buf)
		if n > 0 {
			if err := c.sendData(st, buf[:n]); err == errSendStopped {
				return nil
			} else if err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("driver: reading the request body: %w", rerr)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.err != nil {
		return st.err
	}
	if st.sendStopped {
		return nil
	}
	var err error
	if req.Trailer != nil {
		err = c.core.SendTrailers(st.id, req.Trailer())
	} else {
		_, err = c.core.SendData(st.id, nil, true)
	}
	c.armLocked()
	c.kickLocked()
	return err
}

// errSendStopped: the server asked for no more request body (RST_STREAM NO_ERROR after its response).
var errSendStopped = errors.New("driver: the server needs no more of the request body")

// sendData sends p on the stream, blocking while the windows are closed.
func (c *h2Conn) sendData(st *h2Stream, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(p) > 0 {
		if st.err != nil {
			return st.err
		}
		if c.err != nil {
			return c.err // also for a stream already forgotten (a tunnel whose peer ended its side)
		}
		if st.sendStopped {
			return errSendStopped
		}
		n, err := c.core.SendData(st.id, p, false)
		if err != nil {
			return err
		}
		p = p[n:]
		c.armLocked()
		c.kickLocked()
		if len(p) > 0 && n == 0 {
			c.window.Wait()
		}
	}
	return nil
}

// awaitHead waits for the final response head, handing 1xx heads to OnInformational on the way.
func (c *h2Conn) awaitHead(st *h2Stream, resp *Response) (*Response, error) {
	c.mu.Lock()
	for {
		if len(st.infos) > 0 {
			c.informLocked(st)
		}
		if st.gotHead {
			break
		}
		if st.err != nil {
			err := st.err
			c.mu.Unlock()
			return nil, err
		}
		c.waitIdle(st)
	}
	if st.ended && st.err == nil && st.req.Method != "CONNECT" {
		c.detachLocked(st)
	}
	c.mu.Unlock()
	st.req.Trace.gotFirstResponseByte()
	resp.Extensions.HTTPVersion = "HTTP/2"
	resp.Extensions.TLS = c.tls
	resp.trailers = st
	return resp, nil
}

// detachLocked takes a stream whose response arrived whole along with its head (the common case for small
// responses) off the connection at once: its body is credited to the connection's window and left to the
// body reader, so that reading and closing it need no connection lock.
func (c *h2Conn) detachLocked(st *h2Stream) {
	if n := len(st.data) - st.readOff; n > 0 {
		c.core.Consume(st.id, n)
		c.kickLocked()
	}
	st.detached = true // from here on, st.data and st.readOff are the body's
	c.removeLocked(st)
}

// informLocked hands the 1xx heads that arrived to OnInformational, without the lock while it runs.
func (c *h2Conn) informLocked(st *h2Stream) {
	for len(st.infos) > 0 {
		info := st.infos[0]
		st.infos = st.infos[1:]
		if st.req.OnInformational != nil {
			c.mu.Unlock()
			st.req.OnInformational(info)
			c.mu.Lock()
		}
	}
}

// trailerFields returns the stream's trailers, once they arrived.
func (st *h2Stream) trailerFields() proto.Fields {
	st.c.mu.Lock()
	defer st.c.mu.Unlock()
	return st.trailers
}

// cancelLocked resets a stream the application gave up on.
func (c *h2Conn) cancelLocked(st *h2Stream) {
	if c.streams[st.id] != st {
		return
	}
	if unread := len(st.data) - st.readOff + st.dstN; unread > 0 {
		c.core.Consume(st.id, unread)
	}
	st.dst, st.dstN = nil, 0 // a Read waiting on the stream returns nothing of it
	if c.err == nil {
		_ = c.core.Reset(st.id, h2.ErrCodeCancel)
		c.kickLocked()
	}
	c.removeLocked(st)
	st.cond.Broadcast() // a Read waiting on the stream returns
	c.window.Broadcast()
}

// abandon resets the stream after a failed request.
func (c *h2Conn) abandon(st *h2Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelLocked(st)
}

// h2Body streams a response body; reading credits the flow-control windows (DESIGN.md §4).
type h2Body struct {
	st   *h2Stream
	stop func() bool
	ctx  context.Context
	eof  bool

	mu     sync.Mutex // guards eof, closed and the body of a detached stream
	closed bool
}

// readDetached reads the body of a detached stream.
func (b *h2Body) readDetached(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, ErrBodyClosed
	}
	if err := b.ctx.Err(); err != nil && !b.eof {
		return 0, err // as net/http: a cancelled request's body fails, buffered bytes or not
	}
	if st := b.st; st.readOff < len(st.data) {
		n := copy(p, st.data[st.readOff:])
		st.readOff += n
		return n, nil
	}
	if !b.eof {
		b.eof = true
		b.st.releaseBuffer()
		b.stop()
	}
	return 0, io.EOF
}

func (b *h2Body) Read(p []byte) (int, error) {
	if b.st.detached {
		return b.readDetached(p)
	}
	st := b.st
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if st.bodyClosed {
			return 0, ErrBodyClosed
		}
		if err := b.ctx.Err(); err != nil && !b.eof {
			return 0, err // as net/http: a cancelled request's body fails, buffered bytes or not
		}
		if len(st.data) > st.readOff {
			n := copy(p, st.data[st.readOff:])
			st.readOff += n
			if st.readOff == len(st.data) {
				st.data, st.readOff = st.data[:0], 0 // keep the buffer for the next DATA
			}
			c.core.Consume(st.id, n)
			c.kickLocked()
			return n, nil
		}
		if st.ended {
			if !b.eof {
				b.eof = true
				b.stop()
				c.removeLocked(st)
			}
			return 0, io.EOF
		}
		if st.err != nil {
			return 0, wrapCtx(b.ctx, st.err)
		}
		// Lend p for DATA to be copied straight into, unless another Read (a tunnel is a net.Conn, used
		// from several goroutines) already lent its buffer: then this one waits for st.data.
		lent := st.dst == nil
		if lent {
			st.dst, st.dstN = p, 0
		}
		c.waitIdle(st)
		if lent {
			n := st.dstN
			st.dst, st.dstN = nil, 0
			if n > 0 {
				c.core.Consume(st.id, n)
				c.kickLocked()
				return n, nil
			}
		}
	}
}

// waitIdle waits for the stream to change; with Options.ReadTimeout, a stream that stays silent that long
// fails with ErrReadTimeout (the idle time between bytes, as on HTTP/1.1).
func (c *h2Conn) waitIdle(st *h2Stream) {
	if c.opts.ReadTimeout <= 0 {
		st.cond.Wait()
		return
	}
	c.waitIdleTimed(st)
}

// waitIdleTimed is waitIdle with Options.ReadTimeout.
func (c *h2Conn) waitIdleTimed(st *h2Stream) {
	expired := false
	t := time.AfterFunc(c.opts.ReadTimeout, func() {
		c.mu.Lock()
		expired = true
		st.cond.Broadcast()
		c.mu.Unlock()
	})
	st.cond.Wait()
	t.Stop()
	if expired && len(st.data) == st.readOff && st.dstN == 0 && !st.ended {
		st.failLocked(ErrReadTimeout)
	}
}

// Close abandons the rest of the body: the stream is reset with CANCEL unless it already ended.
func (b *h2Body) Close() error {
	st := b.st
	c := st.c
	b.stop()
	if st.detached {
		b.mu.Lock()
		b.closed = true
		st.releaseBuffer()
		b.mu.Unlock()
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st.bodyClosed = true
	if st.ended && len(st.data) == st.readOff {
		c.removeLocked(st)
		return nil
	}
	c.cancelLocked(st)
	return nil
}

// dataBuffers holds DATA buffers of finished streams for new ones, across connections: a buffer is given back
// by whoever reads the stream last (the connection when it removes the stream, or a detached body at its end).
var dataBuffers = sync.Pool{New: func() any { return new(dataBuffer) }}

// dataBuffer boxes a buffer, so that the pool holds pointers.
type dataBuffer struct{ b []byte }

// maxSpareBuf is the largest DATA buffer given back for reuse.
const maxSpareBuf = 32 << 10

// takeBuffer gives st an empty DATA buffer.
func (st *h2Stream) takeBuffer() {
	st.buf = dataBuffers.Get().(*dataBuffer)
	st.data, st.readOff = st.buf.b[:0], 0
}

// releaseBuffer gives st's DATA buffer back; st has no data afterwards.
func (st *h2Stream) releaseBuffer() {
	if st.buf != nil && cap(st.data) <= maxSpareBuf {
		st.buf.b = st.data[:0]
		dataBuffers.Put(st.buf)
	}
	st.buf, st.data, st.readOff = nil, nil, 0
}
