package driver

import (
	"context"
	"io"
	"sync"
	"time"
)

// h2Body streams a response body; reading credits the flow-control windows (DESIGN.md §4).
type h2Body struct {
	st   *h2Stream
	stop func() bool
	ctx  context.Context
	eof  bool
	// tunnel: the peer's end of input leaves the stream on the connection, since our side may still write;
	// h2Tunnel.Close removes it.
	tunnel bool

	mu sync.Mutex // guards eof, and the body and bodyClosed of a detached stream
}

// readDetached reads the body of a detached stream.
func (b *h2Body) readDetached(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.readable(); err != nil {
		return 0, err
	}
	// The whole body is here (detachLocked): the Read that takes its last bytes returns io.EOF with them.
	n := b.st.in.read(p)
	if !b.st.in.empty() {
		return n, nil
	}
	if !b.eof {
		b.eof = true
		b.st.in.release()
		b.stop()
	}
	return n, io.EOF
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
		if err := b.readable(); err != nil {
			return 0, err
		}
		if !st.in.empty() {
			n := st.in.read(p)
			c.core.Consume(st.id, n)
			c.kickLocked()
			return n, b.endWithLocked()
		}
		if st.ended {
			b.endLocked()
			return 0, io.EOF
		}
		if st.err != nil {
			return 0, wrapCtx(b.ctx, st.err)
		}
		// Lend p for DATA to be copied straight into, unless another Read (a tunnel is a net.Conn, used
		// from several goroutines) already lent its buffer: then this one waits for st.in.
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
				return n, b.endWithLocked()
			}
		}
	}
}

// endLocked records that the body was read to its end: the stream leaves the connection, unless its request
// body is still being sent (the sender removes it then) or it is a tunnel (h2Tunnel.Close removes it).
func (b *h2Body) endLocked() {
	if b.eof {
		return
	}
	b.eof = true
	if st := b.st; st.sending {
		st.respDone = true
	} else if !b.tunnel {
		b.stop()
		st.c.removeLocked(st)
	}
}

// endWithLocked returns io.EOF along with the bytes a Read returns when they were the body's last and its end
// has arrived (io.Reader allows it, and the HTTP/1.1 body does the same), so that the stream's place is
// given back without another Read; nil otherwise, and always for a tunnel, which is a net.Conn.
func (b *h2Body) endWithLocked() error {
	if b.tunnel || !b.st.ended || !b.st.in.empty() {
		return nil
	}
	b.endLocked()
	return io.EOF
}

var _ UploadWaiter = (*h2Body)(nil)

// WaitUpload implements UploadWaiter.
func (b *h2Body) WaitUpload(f Finisher) bool {
	st := b.st
	if st.detached {
		return false // its request had no body left to send
	}
	st.c.mu.Lock()
	defer st.c.mu.Unlock()
	if !st.sending {
		return false
	}
	st.finisher = f
	return true
}

// readable is the error a Read returns before looking for data: a closed body, or a cancelled request (as
// net/http: a cancelled request's body fails, buffered bytes or not). The caller holds the stream's lock.
func (b *h2Body) readable() error {
	if b.st.bodyClosed {
		return ErrBodyClosed
	}
	if err := b.ctx.Err(); err != nil && !b.eof {
		return err
	}
	return nil
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
	expired, moved := false, st.moved
	t := time.AfterFunc(c.opts.ReadTimeout, func() {
		c.mu.Lock()
		expired = true
		st.cond.Broadcast()
		c.mu.Unlock()
	})
	st.cond.Wait()
	t.Stop()
	// While the sender reads the request body, or when the upload moved since the wait began (data went out,
	// or the sender finished), the server may be waiting for it before answering: the clock starts again, as
	// on HTTP/1.1, where it starts after the body. A sender that only waited for the server to open a window
	// does not stop it.
	uploading := st.sending && st.readingBody || st.moved != moved
	if expired && !uploading && st.in.empty() && st.dstN == 0 && !st.ended {
		st.failLocked(ErrReadTimeout)
		c.stopSenderLocked(st) // a sender waiting for a window, or in the body's Read, stops too
		// The stream is given up, as Close would: reset, so that it no longer counts against the peer's
		// stream limit. The pool takes its place back as soon as the Read fails.
		c.cancelLocked(st)
		c.window.Broadcast()
	}
}

// Close abandons the rest of the body: the stream is reset with CANCEL unless it already ended. A request
// body still being sent is abandoned too (closed, and the stream reset), as net/http does.
func (b *h2Body) Close() error {
	st := b.st
	c := st.c
	b.stop()
	if st.detached {
		b.mu.Lock()
		st.bodyClosed = true
		st.in.release()
		b.mu.Unlock()
		return nil
	}
	c.mu.Lock()
	st.bodyClosed = true
	sending := st.sending
	if sending {
		c.abortSendLocked(st)
	}
	if st.ended && st.in.empty() && !sending {
		c.removeLocked(st)
	} else {
		c.cancelLocked(st)
	}
	c.mu.Unlock()
	if sending {
		st.abandonRequestBody() // the sender, blocked reading it or not, stops
	}
	return nil
}
