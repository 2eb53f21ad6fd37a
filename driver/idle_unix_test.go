//go:build unix && !aix

package driver

import (
	"io"
	"testing"
	"time"
)

// TestIdlePeeker: a quiet socket, one with a byte waiting (which the look leaves in place), one the peer
// closed, and one closed on our side.
func TestIdlePeeker(t *testing.T) {
	nc, srv := tcpPair(t)
	p := newIdlePeeker(nc)

	if data, closed, checked := p.peek(); data || closed || !checked {
		t.Fatalf("quiet socket: data %v closed %v checked %v", data, closed, checked)
	}
	if _, err := srv.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { data, _, _ := p.peek(); return data })
	var b [1]byte
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(nc, b[:]); err != nil || b[0] != 'x' {
		t.Fatalf("the byte looked at is gone: %q, %v", b[:], err)
	}
	if data, closed, _ := p.peek(); data || closed {
		t.Fatalf("after reading the byte: data %v closed %v", data, closed)
	}
	srv.Close()
	waitFor(t, func() bool { _, closed, _ := p.peek(); return closed })
	nc.Close()
	if _, closed, checked := p.peek(); !closed || !checked {
		t.Errorf("our side closed: closed %v checked %v", closed, checked)
	}
}

// waitFor polls cond until it holds, for at most 5 s (the bytes of a loopback write arrive at once; the
// bound is for a loaded machine).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("condition not reached in 5 s")
		}
	}
}
