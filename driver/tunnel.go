package driver

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/httpwire/httpwire/h2"
)

// h2Tunnel is an HTTP/2 stream used as a byte channel after a 2xx to CONNECT or an extended CONNECT
// (RFC 9113 §8.5, RFC 8441): reads return DATA, writes send DATA, Close ends the stream.
type h2Tunnel struct {
	st   *h2Stream
	stop func() bool
}

func (t *h2Tunnel) Read(p []byte) (int, error) {
	b := h2Body{st: t.st, stop: t.stop, ctx: context.Background(), tunnel: true}
	return b.Read(p)
}

func (t *h2Tunnel) Write(p []byte) (int, error) {
	if err := t.st.c.sendData(t.st, p); err != nil {
		if errors.Is(err, errSendStopped) {
			return 0, io.ErrClosedPipe
		}
		return 0, err
	}
	return len(p), nil
}

// Close ends the tunnel: END_STREAM when the peer already ended its side, otherwise RST_STREAM CANCEL, so
// that the stream, its buffered data and its flow-control credit are all given back at once.
func (t *h2Tunnel) Close() error {
	st := t.st
	c := st.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.bodyClosed {
		return nil
	}
	st.bodyClosed = true
	if c.err != nil {
		c.removeLocked(st)
		st.cond.Broadcast()
		return nil
	}
	if st.err != nil {
		c.cancelLocked(st) // failed on our side: reset at the peer, unless that was done when it failed
		return nil
	}
	if st.ended && st.in.empty() {
		if _, err := c.core.SendData(st.id, nil, true); err != nil && !errors.Is(err, h2.ErrStreamNotWritable) {
			return err
		}
		c.kickLocked()
		c.removeLocked(st)
		st.cond.Broadcast()
		c.window.Broadcast() // a Write waiting for a window finds the tunnel closed
		return nil
	}
	c.cancelLocked(st)
	return nil
}

func (t *h2Tunnel) LocalAddr() net.Addr  { return t.st.c.nc.LocalAddr() }
func (t *h2Tunnel) RemoteAddr() net.Addr { return t.st.c.nc.RemoteAddr() }

// Deadlines are not supported on a stream: they would affect every stream of the connection.
func (t *h2Tunnel) SetDeadline(time.Time) error      { return os.ErrNoDeadline }
func (t *h2Tunnel) SetReadDeadline(time.Time) error  { return os.ErrNoDeadline }
func (t *h2Tunnel) SetWriteDeadline(time.Time) error { return os.ErrNoDeadline }
