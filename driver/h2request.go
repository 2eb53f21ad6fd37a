package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/httpwire/httpwire/proto"
)

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

// sendRequestBody sends the request body on its own goroutine, so that the response can arrive and be read
// meanwhile. It ends when the body does, when the stream or the connection fails, or when the server asks
// for no more (RST_STREAM NO_ERROR after its response). A body that fails to read, or cannot be sent,
// resets the stream, and the response's reader gets the error. The body is closed at the end, as
// net/http's RoundTripper closes it.
func (c *h2Conn) sendRequestBody(ctx context.Context, st *h2Stream) {
	req := st.req
	var err error
	if !st.expect || c.awaitContinue(st) {
		err = c.sendBody(st, req)
	} else {
		err = errFinalBeforeContinue
	}
	st.closeRequestBody()
	c.mu.Lock()
	st.sending = false
	st.moved++
	st.cond.Broadcast() // a timed wait for the response starts again (waitIdleTimed)
	if err != nil && st.err == nil {
		if st.ended {
			// The response is whole: the server needs no more of the body, and the response stands. Only
			// our half of the stream ends, with a reset.
			c.resetLocked(st)
		} else {
			st.failLocked(wrapCtx(ctx, err)) // the response's reader gets it
			c.cancelLocked(st)
		}
	}
	wrote := err == nil && !st.sendStopped
	done := st.respDone // the response body was read to its end meanwhile: the stream is over
	if done {
		c.removeLocked(st)
	}
	finisher := st.finisher
	st.finisher = nil
	c.mu.Unlock()
	if done {
		st.stopWatch()
	}
	if finisher != nil {
		finisher.Finish() // a pool gives the stream's place back
	}
	if wrote {
		req.Trace.wroteRequest()
	}
}

// awaitContinue holds the body of a request with Expect: 100-continue until 100 Continue arrives, or
// ExpectContinueTimeout passes without an answer (RFC 9110 §10.1.1), as on HTTP/1.1; ReadTimeout does not
// cut that wait short (it is bounded already). It reports whether to send the body: not when a final
// response of 300 or more came first (the server does not want it, and the stream's end waits for that
// response to end), nor when the stream failed. A 2xx head that comes first lets the body go, as in
// x/net/http2: a full-duplex server answers before it reads.
func (c *h2Conn) awaitContinue(st *h2Stream) bool {
	timer := time.AfterFunc(c.opts.expectContinueTimeout(), func() {
		c.mu.Lock()
		st.waitedEnough = true
		st.cond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !st.got100 && !st.waitedEnough && !st.gotHead && st.err == nil && c.err == nil {
		st.cond.Wait()
	}
	if st.gotHead && !st.got100 && st.resp.Status >= 300 {
		// A final refusal instead: our half of the stream ends once the response has, with a reset. The
		// wait ends too when the stream is given up (off the connection) or fails. Meanwhile ReadTimeout
		// runs for the response's reader.
		st.readingBody = false
		for !st.ended && st.err == nil && c.err == nil && !st.bodyClosed && c.streams[st.id] == st {
			st.cond.Wait()
		}
		return false
	}
	return st.err == nil && c.err == nil
}

// errFinalBeforeContinue ends the sender of a request whose server answered before 100 Continue.
var errFinalBeforeContinue = errors.New("driver: a final response came before 100 Continue: the body is not sent")

// stopSenderLocked has the sender of st's request body, if it still runs, stop reading: the body is
// closed, so that a sender blocked in its Read returns.
func (c *h2Conn) stopSenderLocked(st *h2Stream) {
	if st.sending {
		st.abandonRequestBody()
	}
}

// abortSendLocked resets the stream of a request body that will not be sent to the end, even if the
// connection no longer lists the stream (its response was read to the end): the core would otherwise keep it
// open for the rest of the body. A sender still at work, waiting for a window or about to send, finds st.err.
func (c *h2Conn) abortSendLocked(st *h2Stream) {
	if st.err == nil {
		st.err = errSendAbandoned
	}
	c.resetLocked(st)
	c.window.Broadcast()
}

// errSendAbandoned stops the sender of a request whose response was closed.
var errSendAbandoned = errors.New("driver: the response was closed before the request body was sent")

// closeRequestBody closes the request body once, if it is an io.Closer: the sender, done reading it.
func (st *h2Stream) closeRequestBody() {
	if st.takeBodyClose() {
		closeRequestBody(st.req)
	}
}

// abandonRequestBody closes the request body once, if it is an io.Closer, on a goroutine of its own, when
// the exchange ends before the body was sent: a sender may be blocked in the body's Read, and some bodies'
// Close waits for that Read to return (net/http's server request body does, which a proxy forwards). The
// caller (the connection's reader, say) must not wait with it. x/net/http2 does the same.
func (st *h2Stream) abandonRequestBody() {
	if st.takeBodyClose() {
		go closeRequestBody(st.req)
	}
}

// takeBodyClose reports whether the request body is to be closed now: it is an io.Closer, not closed yet.
func (st *h2Stream) takeBodyClose() bool {
	_, ok := st.req.Body.(io.Closer)
	return ok && st.reqBodyClosed.CompareAndSwap(false, true)
}

// sendBody streams the request body, waiting for flow-control windows as needed.
func (c *h2Conn) sendBody(st *h2Stream, req *Request) error {
	buf := make([]byte, 16<<10)
	var sent int64
	for req.Body != nil {
		n, rerr := req.Body.Read(buf)
		if sent += int64(n); req.ContentLength >= 0 && sent > req.ContentLength {
			// Not one byte beyond the content-length the head declared (RFC 9113 §8.1.1): the stream is
			// reset, and the error is ours, not the server's.
			return bodyLengthError(sent, req.ContentLength)
		}
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
	if req.Body != nil && req.ContentLength >= 0 && sent != req.ContentLength {
		return bodyLengthError(sent, req.ContentLength)
	}
	var trailers proto.Fields
	if req.Trailer != nil {
		trailers = req.Trailer() // the caller's code, called without the connection's lock
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
		err = c.core.SendTrailers(st.id, trailers)
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
	st.readingBody = false // waiting for a window counts against ReadTimeout; reading the body does not
	defer func() {
		st.readingBody = true // back to reading the body (a request's sender; nothing for a tunnel)
		c.mu.Unlock()
	}()
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
		if st.bodyClosed && !st.sending {
			return net.ErrClosed // a tunnel's Write after (or during) its Close
		}
		n, err := c.core.SendData(st.id, p, false)
		if err != nil {
			return err
		}
		p = p[n:]
		if n > 0 {
			st.moved++
		}
		c.armLocked()
		c.kickLocked()
		// armLocked may have failed the connection (a timer expired): then nothing will wake a Wait, and
		// the loop's checks return the error.
		if len(p) > 0 && n == 0 && c.err == nil && st.err == nil {
			c.window.Wait()
		}
	}
	return nil
}
