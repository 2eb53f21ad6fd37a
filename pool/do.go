package pool

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"

	"github.com/httpwire/httpwire/driver"
)

// Request and Response are the driver's: a pool runs the same requests as a single connection.
type (
	Request  = driver.Request
	Response = driver.Response
)

// maxNotProcessedRetries bounds the retries of requests the server never processed.
const maxNotProcessedRetries = 3

// Do runs req on a pooled connection and returns the response once its head arrived; the body streams
// after, and the connection returns to the pool when the body is read to the end or closed. A request the
// server provably did not process is retried on another connection, and so is an idempotent one that met a
// stale kept-alive connection (its Body must then be nil, or GetBody set). With GetBody set, the pool owns
// the bodies: each one that is an io.Closer is closed once, when sent, replaced or given up.
//
// The work before and after the round trip is in acquireFor, afterFailure and deliver, so that a request
// waiting for its response holds a small stack.
func (p *Pool) Do(ctx context.Context, req *Request) (*Response, error) {
	req = p.traced(req)
	req = ownBody(req)
	for attempt := 0; ; attempt++ {
		c, err := p.acquireFor(ctx, req)
		if err != nil {
			if oc, ok := req.Body.(*onceCloser); ok {
				_ = oc.Close() // no connection has this body: nothing may be reading it
			}
			return nil, err
		}
		resp, finishing, err := roundTrip(ctx, c, req)
		if err != nil {
			next, ok := p.afterFailure(ctx, req, c, err, attempt)
			if !ok {
				if oc, ok := req.Body.(*onceCloser); ok {
					oc.closeAsync() // an HTTP/2 sender may still be in its Read
				}
				return nil, err
			}
			req = next
			continue
		}
		if finishing && resp.Extensions.NetworkStream == nil {
			return resp, nil // the connection tells c when the body is over (Finish)
		}
		return p.deliver(resp, c), nil
	}
}

// roundTrip runs req on c. An HTTP/1.1 connection (driver.FinishingConn) is asked to tell c itself when the
// response is done with, which spares wrapping its body (finishing reports so).
func roundTrip(ctx context.Context, c *conn, req *Request) (resp *Response, finishing bool, err error) {
	if fc, ok := c.d.(driver.FinishingConn); ok {
		resp, err = fc.RoundTripFinish(ctx, req, c)
		return resp, true, err
	}
	resp, err = c.d.RoundTrip(ctx, req)
	return resp, false, err
}

// Finish takes c back once the HTTP/1.1 response it carried is done with (driver.FinishingConn).
func (c *conn) Finish() { c.p.put(c) }

// ownBody wraps the body of a request that can be retried (GetBody set) in onceCloser: the pool may then
// replace it, and closes each body once it is done with it, on success or failure (Do's doc).
func ownBody(req *Request) *Request {
	if req.GetBody == nil {
		return req
	}
	rc, ok := req.Body.(io.ReadCloser)
	if !ok {
		return req
	}
	if _, wrapped := rc.(*onceCloser); wrapped {
		return req
	}
	owned := *req
	owned.Body = &onceCloser{ReadCloser: rc}
	return &owned
}

// acquireFor takes a connection for req, with the trace hooks around it.
func (p *Pool) acquireFor(ctx context.Context, req *Request) (*conn, error) {
	p.trace(func(t *Trace) {
		if t.GetConn != nil {
			t.GetConn(req.Origin.String())
		}
	})
	c, reused, err := p.acquire(ctx, req.Origin)
	if err != nil {
		return nil, err
	}
	p.trace(func(t *Trace) {
		if t.GotConn != nil {
			t.GotConn(c.op.name, c.d.Protocol(), reused)
		}
	})
	return c, nil
}

// afterFailure gives c back after a failed round trip and returns the request to retry, if it may be.
func (p *Pool) afterFailure(ctx context.Context, req *Request, c *conn, err error, attempt int) (*Request, bool) {
	p.put(c)
	if !retryable(req, err) || attempt >= maxNotProcessedRetries || ctx.Err() != nil {
		return nil, false
	}
	next, ok := replay(req)
	if !ok {
		return nil, false
	}
	p.opts.Logger.Debug("retrying a request the server did not process", "origin", c.op.name, "err", err)
	return next, true
}

// deliver ties the response to c: the connection returns to the pool when the body ends or closes. A
// response that carries the connection away (a switch of protocols, a tunnel) detaches it instead.
func (p *Pool) deliver(resp *Response, c *conn) *Response {
	if stream := resp.Extensions.NetworkStream; stream != nil {
		if c.d.Protocol() == "h2" {
			// A tunnel over one HTTP/2 stream: the connection stays pooled, the stream's slot is taken until
			// the caller closes the tunnel.
			resp.Extensions.NetworkStream = &pooledStream{Conn: stream, slot: slot{p: p, c: c}}
			return resp
		}
		p.detach(c) // the caller owns the connection now
		return resp
	}
	resp.Body = &pooledBody{ReadCloser: resp.Body, slot: slot{p: p, c: c}}
	return resp
}

// traced returns req with the pool's request-level trace hooks attached, if any are set.
func (p *Pool) traced(req *Request) *Request {
	t := p.opts.Trace
	if t.WroteRequest == nil && t.GotFirstResponseByte == nil {
		return req
	}
	name := req.Origin.String()
	inner := req.Trace
	next := *req
	next.Trace = &driver.RequestTrace{
		WroteRequest: func() {
			if inner != nil && inner.WroteRequest != nil {
				inner.WroteRequest()
			}
			if t.WroteRequest != nil {
				t.WroteRequest(name)
			}
		},
		GotFirstResponseByte: func() {
			if inner != nil && inner.GotFirstResponseByte != nil {
				inner.GotFirstResponseByte()
			}
			if t.GotFirstResponseByte != nil {
				t.GotFirstResponseByte(name)
			}
		},
	}
	return &next
}

// retryable reports whether a failed request may be sent again: the server provably did not process it, or
// the kept-alive connection was stale and the request is idempotent (RFC 9110 §9.2.2) or carries an
// Idempotency-Key.
func retryable(req *Request, err error) bool {
	if errors.Is(err, driver.ErrNotProcessed) {
		return true
	}
	return errors.Is(err, driver.ErrConnStale) && req.Idempotent()
}

// put gives a connection back after a request.
func (p *Pool) put(c *conn) {
	p.trace(func(t *Trace) {
		if t.PutConn != nil {
			t.PutConn(c.op.name)
		}
	})
	p.release(c)
}

// replay returns a copy of req with a fresh body, if it can be sent again.
func replay(req *Request) (*Request, bool) {
	if req.Body == nil {
		return req, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	if oc, ok := req.Body.(*onceCloser); ok {
		// The old body is done with: a connection that refused the request left it open, one that had sent
		// it closed it (or will).
		oc.closeAsync()
	}
	if rc, ok := body.(io.ReadCloser); ok {
		body = &onceCloser{ReadCloser: rc} // the pool's: closed once, whoever gets to it
	}
	next := *req
	next.Body = body
	return &next, true
}

// slot is one request's place on a pooled connection, given back to the pool once.
type slot struct {
	p    *Pool
	c    *conn
	done atomic.Bool
}

func (s *slot) giveBack() {
	if s.done.CompareAndSwap(false, true) {
		s.p.put(s.c)
	}
}

// Finish gives the slot back once an HTTP/2 upload that outlived its response is over (driver.UploadWaiter).
func (s *slot) Finish() { s.giveBack() }

// pooledStream gives its request slot back when the tunnel is closed.
type pooledStream struct {
	net.Conn
	slot
}

func (s *pooledStream) Close() error {
	err := s.Conn.Close()
	s.giveBack()
	return err
}

// pooledBody gives its request slot back at the end of the body or when closed (and its upload is over).
type pooledBody struct {
	io.ReadCloser
	slot
}

func (b *pooledBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *pooledBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// release gives the slot back, or, while an HTTP/2 request body is still going out after its response
// (full duplex), once it has: until then the stream holds its place on the connection.
func (b *pooledBody) release() {
	if w, ok := b.ReadCloser.(driver.UploadWaiter); ok && w.WaitUpload(&b.slot) {
		return
	}
	b.giveBack()
}

// onceCloser passes on the first Close only. The connection closes a request body when it is done with it,
// the pool when it replaces it for a retry or gives up, and the RoundTripper when a request fails: the body
// sees one Close.
type onceCloser struct {
	io.ReadCloser
	closed atomic.Bool
}

func (b *onceCloser) Close() error {
	if b.closed.CompareAndSwap(false, true) {
		return b.ReadCloser.Close()
	}
	return nil
}

// closeAsync is Close on a goroutine of its own, for the pool: an HTTP/2 connection may still be reading
// the body on its sending goroutine, and some bodies' Close waits for that Read (see driver's
// abandonRequestBody).
func (b *onceCloser) closeAsync() {
	if b.closed.CompareAndSwap(false, true) {
		go b.ReadCloser.Close()
	}
}
