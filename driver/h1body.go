package driver

import (
	"io"
	"sync"
	"sync/atomic"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// h1Body streams an HTTP/1.1 response body from the connection as the application reads.
type h1Body struct {
	c        *h1Conn
	readMu   sync.Mutex // held by Read; Close takes it only when no Read runs
	leftover []byte     // part of a Data event not yet returned; borrows the core's buffer
	trailers proto.Fields
	err      error    // sticky: io.EOF after the end, or what failed
	finisher Finisher // told once when the body is over (RoundTripFinish)

	told   atomic.Bool // the body ended: the connection and the finisher were told
	closed atomic.Bool // Close was called
}

// finish ends the connection's cycle (reusable or not), then tells the finisher; only the first ending of the
// body does. A Close racing a Read can end it a second time, after the Read reached the end and the
// connection went on to carry another request: that one must not touch the connection.
func (b *h1Body) finish(reusable bool) {
	if !b.told.CompareAndSwap(false, true) {
		return
	}
	b.c.finish(reusable)
	if b.finisher != nil {
		b.finisher.Finish()
	}
}

func (b *h1Body) Read(p []byte) (int, error) {
	b.readMu.Lock()
	defer b.readMu.Unlock()
	if b.isClosed() {
		return 0, ErrBodyClosed
	}
	if b.err != nil {
		return 0, b.err
	}
	if err := b.c.ctx.Err(); err != nil {
		return 0, b.fail(err) // as net/http: a cancelled request's body fails, buffered bytes or not
	}
	for len(b.leftover) == 0 {
		if len(p) >= directMin {
			// Nothing buffered, inside body data: read from the socket straight into p (h1 DirectBody).
			if limit := b.c.core.DirectBody(); limit > 0 {
				n, err := b.c.readDirect(p[:min(int64(len(p)), limit)])
				if n > 0 {
					if cerr := b.c.core.ConsumeDirect(n); cerr != nil {
						return 0, b.fail(cerr)
					}
					if err == io.EOF {
						_ = b.c.core.ReceiveEOF() // after the bytes, so that a reused connection knows
					}
					return n, b.endWith()
				}
				if err != nil {
					if b.isClosed() {
						return 0, ErrBodyClosed
					}
					return 0, b.fail(err)
				}
				continue
			}
		}
		if err := b.next(true); err != nil {
			if err == io.EOF {
				return 0, err
			}
			if b.isClosed() {
				return 0, ErrBodyClosed
			}
			return 0, b.err
		}
	}
	n := copy(p, b.leftover)
	b.leftover = b.leftover[n:]
	if len(b.leftover) > 0 {
		return n, nil
	}
	return n, b.endWith()
}

// endWith returns io.EOF along with the bytes a Read returns when they were the last of the message and its
// end is already buffered (io.Reader allows it, and net/http does it too), so that the connection goes back
// for the next request without waiting for another Read. Otherwise nil; an error found on the way is kept
// for the next Read.
func (b *h1Body) endWith() error {
	if b.next(false) == io.EOF {
		return io.EOF
	}
	return nil
}

// next reads one event of the body; with network false it only uses buffered input. It returns io.EOF at
// the end of the message and errMore when buffered input ran out.
func (b *h1Body) next(network bool) error {
	c := b.c
	ev, err := c.core.NextEvent()
	if err != nil {
		return b.fail(err)
	}
	switch e := ev.(type) {
	case nil:
		if !network {
			return errMore
		}
		if _, err := c.fill(); err != nil {
			return b.fail(err)
		}
	case *h1.Data:
		b.leftover = e.Data
	case *h1.EndOfMessage:
		b.trailers = keepFields(e.Trailers)
		b.err = io.EOF
		b.finish(c.reusableAfterResponse())
		return io.EOF
	case *h1.ConnectionClosed, *h1.Paused:
		return b.fail(io.ErrUnexpectedEOF)
	}
	return nil
}

// directMin is the smallest read worth taking straight from the socket: the size of the connection's read
// buffer. A smaller read goes through that buffer, so that an application reading 8 KiB at a time (as
// io.Copy into io.Discard does) still costs one system call per 32 KiB rather than one per 8 KiB.
const directMin = readBufferSize

type moreError struct{}

func (moreError) Error() string { return "more input needed" }

var errMore error = moreError{}

func (b *h1Body) fail(err error) error {
	b.err = b.c.wrap(err)
	b.finish(false)
	return b.err
}

// Close ends the body. If the rest of the message is already buffered it is drained and the connection can
// be reused; otherwise the connection closes, which is cheaper than reading an unknown remainder.
func (b *h1Body) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return nil
	}
	if !b.readMu.TryLock() {
		b.finish(false) // a Read is running, most likely blocked on the network: closing the connection ends it
		return nil
	}
	defer b.readMu.Unlock()
	if b.err != nil {
		return nil
	}
	b.leftover = nil
	for {
		err := b.next(false)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if err == errMore {
				b.err = ErrBodyClosed
				b.finish(false)
			}
			return nil
		}
		b.leftover = nil
	}
}

func (b *h1Body) isClosed() bool { return b.closed.Load() }

// waitReads returns once no Read runs: after Close, one still running in another goroutine is on its way out.
func (b *h1Body) waitReads() {
	b.readMu.Lock()
	//lint:ignore SA2001 an empty critical section: the wait is the point
	b.readMu.Unlock()
}

func (b *h1Body) trailerFields() proto.Fields {
	b.readMu.Lock()
	defer b.readMu.Unlock()
	if b.err != io.EOF {
		return nil
	}
	return b.trailers
}
