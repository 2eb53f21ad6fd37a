package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/clock"
	"github.com/httpwire/httpwire/proto"
)

// h2Stream is one request on an HTTP/2 connection. Its fields are guarded by the connection's mutex.
type h2Stream struct {
	c    *h2Conn
	id   uint32
	cond sync.Cond // signalled when the head, data, the end or an error arrives; L is the connection's mu

	req   *Request
	infos []*proto.ResponseHead // 1xx heads not yet handed to OnInformational
	resp  *Response             // its exchange's; the reader fills Status and Header
	// in is the DATA received and not yet read. A detached stream (detachLocked) is off the connection:
	// in holds the rest of its body, and it and bodyClosed are guarded by its h2Body's lock instead of
	// the connection's.
	in recvBuffer
	// dst is the buffer of a Read waiting for data, with nothing in in: the reader copies DATA payloads
	// straight into it (dstN bytes so far), saving a copy.
	dst      []byte
	dstN     int
	trailers proto.Fields
	err      error

	moved     int         // counts the upload's steps: data handed to the core, and its end (ReadTimeout)
	finisher  Finisher    // told when the sender ends (h2Body.WaitUpload)
	stopWatch func() bool // ends the context watch (the sender's, once respDone)

	// The flags sit together, so that an open stream (with its exchange) fits a 512-byte allocation.
	gotHead      bool
	ended        bool // END_STREAM received
	woken        bool // listed in c.toWake
	detached     bool // off the connection: see in
	bodyClosed   bool
	sendStopped  bool // the server has the whole response out and asked us to stop sending (RFC 9113 §8.1)
	sending      bool // the request body is still being sent, by sendRequestBody
	respDone     bool // the response body was read to its end while sending: the sender removes st
	readingBody  bool // the sender is in the request body's Read (not waiting for a window)
	expect       bool // the request asks for 100 Continue before its body (RFC 9110 §10.1.1)
	got100       bool // a 100 Continue arrived
	waitedEnough bool // ExpectContinueTimeout passed without one
	queued       bool // enqueued, not yet opened by the writer (id is 0 until then)

	reqBodyClosed atomic.Bool // the request body was closed (closeRequestBody)
}

func (st *h2Stream) onHeaders(e *h2.HeadersReceived) {
	switch e.Kind {
	case h2.KindInformational:
		st.infos = append(st.infos, e.Response.Clone())
		if e.Response.Status == 100 {
			st.got100 = true // the sender may go on (awaitContinue)
		}
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

// RoundTrip opens a stream, sends the request head, and returns when the final response head arrives. The
// body is sent under flow control on its own goroutine meanwhile, and goes on after RoundTrip returns if it
// has not ended: request and response stream at once (full duplex, RFC 9113 §8.1, as net/http's HTTP/2
// transport). Cancelling ctx resets the stream (RST_STREAM CANCEL); the connection goes on.
//
// It is split so that a request waiting for its head holds a small stack: open (or enqueue) and finish do
// the work with their larger frames before and after the wait, and only this frame and awaitHead's stay. A
// request without a body is encoded by the writer (enqueue), since encoding a head is deeper still.
func (c *h2Conn) RoundTrip(ctx context.Context, req *Request) (*Response, error) {
	start := clock.Mono()
	var ex *h2Exchange
	var err error
	if canEnqueue(req) {
		ex, err = c.enqueue(ctx, req)
	} else {
		ex, err = c.open(ctx, req)
	}
	if err != nil {
		return nil, err
	}
	ex.start = start
	ex.stop = c.watch(ctx, &ex.st)
	ex.st.stopWatch = ex.stop
	if ex.sendsBody {
		go c.sendRequestBody(ctx, &ex.st)
	} else {
		req.Trace.wroteRequest()
		ex.st.closeRequestBody() // a CONNECT's, if any: the tunnel, not the body, carries its bytes
	}
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
	st.sending = ex.sendsBody
	st.readingBody = ex.sendsBody
	st.expect = ex.sendsBody && req.Header.HasToken("Expect", "100-continue")
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

// enqueue registers a request without a body for the writer to open (openQueuedLocked): its head is encoded
// on the writer's goroutine, not the caller's. Encoding is the deepest call a request makes, and a goroutine
// keeps the stack its deepest call grew while it waits for the response: done here, it would double the
// memory of every request in flight (docs/performance.md, stream-mem). The writer was to be woken for the
// HEADERS frame anyway, and the core encodes under the connection's lock either way.
func (c *h2Conn) enqueue(ctx context.Context, req *Request) (*h2Exchange, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // given up on already: not worth a stream
	}
	ex := &h2Exchange{st: h2Stream{c: c, req: req, queued: true}}
	st := &ex.st
	st.resp = &ex.resp
	st.cond.L = &c.mu
	c.mu.Lock()
	if c.err != nil || c.goAway {
		return nil, c.notProcessedLocked()
	}
	c.queue = append(c.queue, st)
	ex.reused = c.reused
	c.reused = true
	c.mu.Unlock()
	c.kick()
	return ex, nil
}

// canEnqueue reports whether req goes through enqueue: no body to send after the head (so no sender to
// start with its stream), not a CONNECT, and no trace (whose WroteHeaders would come before the head is
// written).
func canEnqueue(req *Request) bool {
	return req.Body == nil && req.Trailer == nil && req.Protocol == "" && req.Method != "CONNECT" && req.Trace == nil
}

// notProcessedLocked is the error of a request that a dead or going-away connection never sent; it unlocks.
//
//go:noinline
func (c *h2Conn) notProcessedLocked() error {
	why := c.err
	if why == nil {
		why = h2.ErrGoingAway
	}
	err := fmt.Errorf("%w: %w", ErrNotProcessed, why)
	c.mu.Unlock()
	return err
}

// openQueuedLocked opens the streams of the requests enqueued: their HEADERS go out with the writer's next
// write. A request given up on meanwhile has left the queue (cancelLocked); one that failed before its turn
// (a ReadTimeout) is not opened; one the core refuses fails, with ErrNotProcessed when the server cannot have
// seen it.
func (c *h2Conn) openQueuedLocked() {
	if len(c.queue) == 0 {
		return
	}
	failed := false
	for i, st := range c.queue {
		c.queue[i] = nil
		st.queued = false
		if st.err != nil {
			failed = true // given up on (a ReadTimeout) before its turn: never sent
			continue
		}
		id, err := c.core.SendRequest(c.h2Head(st.req), true)
		if err != nil {
			if errors.Is(err, h2.ErrGoingAway) || errors.Is(err, h2.ErrStreamLimit) || errors.Is(err, h2.ErrStreamIDsExhausted) {
				err = fmt.Errorf("%w: %w", ErrNotProcessed, err)
			}
			st.failLocked(err)
			failed = true
			continue
		}
		st.id = id
		c.streams[id] = st
	}
	c.queue = c.queue[:0]
	if failed {
		c.idleIfEmptyLocked() // the last request of a connection going away may have been one of them
	}
	c.armLocked()
}

// failQueuedLocked fails every request still queued with err: none of them was sent.
func (c *h2Conn) failQueuedLocked(err error) {
	for i, st := range c.queue {
		st.queued = false
		st.failLocked(err)
		c.queue[i] = nil
	}
	c.queue = c.queue[:0]
}

// watch resets the stream when ctx ends; the function returned stops watching.
func (c *h2Conn) watch(ctx context.Context, st *h2Stream) func() bool {
	if ctx.Done() == nil { // a context that can never end needs no watch
		return noStop
	}
	return context.AfterFunc(ctx, func() {
		c.mu.Lock()
		st.failLocked(ctx.Err())
		c.cancelLocked(st)
		c.mu.Unlock()
		st.abandonRequestBody() // a sender blocked reading it returns
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
		st.abandonRequestBody() // a sender blocked reading it returns
		return nil, wrapCtx(ctx, err)
	}
	resp.Extensions.Timings.FirstByte = clock.Mono() - ex.start
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
	if st.req.Method == "CONNECT" {
		// A refused CONNECT: its stream carried no body, and our half is still open; end it, so that the
		// stream closes with the response and does not hold one of the server's streams for good.
		c.mu.Lock()
		if c.err == nil {
			_, _ = c.core.SendData(st.id, nil, true)
			c.kickLocked()
		}
		c.mu.Unlock()
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
	sendsBody bool          // the request has a body to send after its head
	reused    bool          // the connection carried a request before
	start     time.Duration // clock.Mono when RoundTrip began
	stop      func() bool   // ends the context watch
}

// noStop stands for the context watch of a context that cannot end.
func noStop() bool { return false }

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
	if st.ended && st.err == nil && !st.sending && st.req.Method != "CONNECT" {
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
	if n := st.in.buffered(); n > 0 {
		c.core.Consume(st.id, n)
		c.kickLocked()
	}
	st.detached = true // from here on, st.in is the body's
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
	if st.queued {
		st.queued = false // nothing was sent: off the queue
		if i := slices.Index(c.queue, st); i >= 0 {
			c.queue = slices.Delete(c.queue, i, i+1)
		}
		c.idleIfEmptyLocked()
		st.cond.Broadcast()
		return
	}
	if c.streams[st.id] != st {
		return
	}
	if unread := st.in.buffered() + st.dstN; unread > 0 {
		c.core.Consume(st.id, unread)
	}
	st.dst, st.dstN = nil, 0 // a Read waiting on the stream returns nothing of it
	c.resetLocked(st)
	c.removeLocked(st)
	st.cond.Broadcast() // a Read waiting on the stream returns
	c.window.Broadcast()
}

// resetLocked sends RST_STREAM CANCEL for st while the connection lives; a stream the core has closed
// already is left as it is.
func (c *h2Conn) resetLocked(st *h2Stream) {
	if c.err == nil {
		_ = c.core.Reset(st.id, h2.ErrCodeCancel)
		c.kickLocked()
	}
}

// abandon resets the stream after a failed request.
func (c *h2Conn) abandon(st *h2Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelLocked(st)
}
