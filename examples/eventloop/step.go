package main

import (
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

// step handles one readiness event for one connection: ev is what epoll_wait reported for its socket, or 0
// when the connection's timer expired. It is the whole contract between a socket and a sans-I/O core:
// bytes read go to Receive, the core's events are drained, and what the core queued is written.
func (l *loop) step(c *conn, ev uint32, now time.Time) {
	// 1. Connecting: a non-blocking connect completes when the socket turns writable; SO_ERROR says how.
	if c.connecting && ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		if err := connectResult(c.fd); err != nil {
			l.fail(c, fmt.Errorf("connect: %w", err))
			return
		}
		c.connecting = false
	}

	// 2. Readable: read once (level-triggered epoll reports what is left on the next wait) and hand the bytes
	//    to the core. Receive copies them, so one buffer serves every connection. A zero-byte read is EOF.
	eof := false
	if !c.connecting && ev&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		n, err := unix.Read(c.fd, l.buf)
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
			err = nil // spurious wake-up: nothing to read after all
		case err != nil:
			err = fmt.Errorf("read: %w", err)
		case n > 0:
			err = c.s.receive(l.buf[:n])
		default: // n == 0: the peer closed its side
			eof = true
			err = c.s.receiveEOF()
		}
		if err != nil {
			l.fail(c, err)
			return
		}
	}

	// 3. Timer: the deadline passed. h2 runs its own timers (HandleTimeout); a request may have timed out.
	if ev == 0 {
		if err := c.s.timeout(now); err != nil {
			l.fail(c, err)
			return
		}
	}

	// 4. Events: the session drains NextEvent (events borrow the core's memory, so each is used at once),
	//    records the responses and queues the next requests.
	done, err := c.s.process(now)
	if err != nil {
		l.fail(c, err)
		return
	}

	// 5. Write what the core queued, right away: the socket is almost always writable.
	if !c.connecting {
		if err := l.flush(c); err != nil {
			l.fail(c, err)
			return
		}
	}

	// 6. The connection is over: nothing more to do on it, or the peer closed and nothing more will come.
	if done || eof {
		c.s.fail(io.ErrUnexpectedEOF) // counts the requests still in flight, if any
		l.close(c)
		return
	}

	// 7. Subscribe to EPOLLOUT only while Pending is non-empty (or the connect is under way); a standing
	//    EPOLLOUT interest on a writable socket would wake the loop for nothing.
	want := uint32(unix.EPOLLIN)
	if c.connecting || len(c.s.pending()) > 0 {
		want |= unix.EPOLLOUT
	}
	if want != c.events {
		c.events = want
		e := unix.EpollEvent{Events: want, Fd: int32(c.fd)}
		if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_MOD, c.fd, &e); err != nil {
			l.fail(c, fmt.Errorf("epoll_ctl: %w", err))
			return
		}
	}

	// 8. Re-arm the timer: the core's next deadline or the oldest request's timeout.
	l.setTimer(c)
}

// flush writes Pending until it is empty or the socket is full. A write may take only part of what it is
// given: Advance by what went, and the rest stays in Pending for the next EPOLLOUT.
func (l *loop) flush(c *conn) error {
	for p := c.s.pending(); len(p) > 0; p = c.s.pending() {
		n, err := l.write(c.fd, p)
		if n > 0 {
			c.s.advance(n)
		}
		switch {
		case err == unix.EAGAIN:
			return nil // the send buffer is full: step 7 subscribes to EPOLLOUT
		case err == unix.EINTR:
		case err != nil:
			return fmt.Errorf("write: %w", err)
		}
	}
	return nil
}

// fail ends a connection on an error: its requests in flight count as failed.
func (l *loop) fail(c *conn, err error) {
	c.s.fail(err)
	l.close(c)
}

// connectResult returns the outcome of a non-blocking connect.
func connectResult(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}
