//go:build unix && !aix

package driver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/proto"
)

// TestIdlePeeker: a quiet socket, one with a byte waiting (which the look leaves in place), one the peer
// closed, and one closed on our side.
func TestIdlePeeker(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	srv := <-accepted
	if srv == nil {
		t.Fatal("no connection accepted")
	}
	defer srv.Close()
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

// TestIdleLookGrace: a connection reused within idleLookGrace is looked at only for a request that could not
// be sent again. The server closes the connection after its first response, and the test waits until the
// close is visible: a request that looks fails with ErrNotProcessed before sending anything; one that does
// not look is sent and fails with ErrConnStale, which the pool retries.
func TestIdleLookGrace(t *testing.T) {
	defer func(g time.Duration) { idleLookGrace = g }(idleLookGrace)
	body := func() (io.Reader, error) { return strings.NewReader("x"), nil }
	for _, tc := range []struct {
		name  string
		grace time.Duration
		req   Request
		want  error
	}{
		{"GET within the grace", time.Hour, Request{Method: "GET"}, ErrConnStale},
		{"GET after the grace", 0, Request{Method: "GET"}, ErrNotProcessed},
		{"POST within the grace", time.Hour, Request{Method: "POST", Body: strings.NewReader("x"), ContentLength: 1}, ErrNotProcessed},
		{"POST with an Idempotency-Key within the grace", time.Hour,
			Request{Method: "POST", Header: proto.Fields{{Name: []byte("Idempotency-Key"), Value: []byte("k1")}}}, ErrConnStale},
		{"PUT whose body cannot be had again", time.Hour,
			Request{Method: "PUT", Body: strings.NewReader("x"), ContentLength: 1}, ErrNotProcessed},
		{"PUT whose body can be had again", time.Hour,
			Request{Method: "PUT", Body: strings.NewReader("x"), ContentLength: 1, GetBody: body}, ErrConnStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idleLookGrace = tc.grace
			origin := closingServer(t)
			conn, err := Dial(context.Background(), origin, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			resp, err := conn.RoundTrip(context.Background(), &Request{Method: "GET", Origin: origin})
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			p := newIdlePeeker(conn.(*h1Conn).nc)
			waitFor(t, func() bool { _, closed, _ := p.peek(); return closed })

			req := tc.req
			req.Origin = origin
			if _, err := conn.RoundTrip(context.Background(), &req); !errors.Is(err, tc.want) {
				t.Fatalf("second request: %v, want %v", err, tc.want)
			}
		})
	}
}

// closingServer answers one request on one connection, then closes its side without saying so (no
// Connection: close) and reads whatever comes next.
func closingServer(t *testing.T) proto.Origin {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		_ = nc.(*net.TCPConn).CloseWrite()
		_, _ = io.Copy(io.Discard, br)
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	o, _ := proto.ParseOrigin("http://" + l.Addr().String())
	return o
}
