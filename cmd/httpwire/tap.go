package main

import (
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/httpwire/httpwire/h2"
)

// tap logs the HTTP/2 frames that cross a connection: "> " for sent, "< " for received. On an HTTP/1.1
// connection it finds no frames and stays quiet.
type tap struct {
	net.Conn
	out      io.Writer
	mu       sync.Mutex
	sent     frameLog
	received frameLog
}

func newTap(nc net.Conn, out io.Writer) net.Conn {
	t := &tap{Conn: nc, out: out}
	t.sent.dir, t.received.dir = ">", "<"
	t.sent.preface = true
	return t
}

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.log(&t.received, p[:n])
	return n, err
}

func (t *tap) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	t.log(&t.sent, p[:n])
	return n, err
}

func (t *tap) log(l *frameLog, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l.feed(b, t.out)
}

// frameLog splits one direction's bytes into frames.
type frameLog struct {
	dir     string
	preface bool // the client preface comes first on the sending side
	buf     []byte
	off     bool // not HTTP/2: stop looking
}

func (l *frameLog) feed(b []byte, out io.Writer) {
	if l.off {
		return
	}
	l.buf = append(l.buf, b...)
	if l.preface {
		if len(l.buf) < len(h2.ClientPreface) {
			return
		}
		if string(l.buf[:len(h2.ClientPreface)]) != h2.ClientPreface {
			l.off = true
			return
		}
		l.buf = l.buf[len(h2.ClientPreface):]
		l.preface = false
		fmt.Fprintf(out, "%s [h2] connection preface\n", l.dir)
	}
	for {
		h, _, n, err := h2.NextFrame(l.buf, h2.MaxFrameSizeLimit)
		if err != nil || n == 0 {
			if err != nil || len(l.buf) >= 9 && h.Type > 0x20 {
				l.off = true // not HTTP/2 after all
			}
			return
		}
		fmt.Fprintf(out, "%s [h2] %s stream=%d length=%d flags=%#x\n", l.dir, h.Type, h.StreamID, h.Length, uint8(h.Flags))
		l.buf = l.buf[n:]
	}
}
