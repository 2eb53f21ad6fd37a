package driver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// countingFinisher counts the Finish calls it gets.
type countingFinisher struct{ n atomic.Int32 }

func (f *countingFinisher) Finish() { f.n.Add(1) }

// finishingConn dials srv over HTTP/1.1 and returns the connection as a driver.FinishingConn.
func finishingConn(t *testing.T, srv *httptest.Server) (driver.FinishingConn, proto.Origin) {
	t.Helper()
	origin, _ := proto.ParseOrigin(srv.URL)
	c, err := driver.Dial(context.Background(), origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fc, ok := c.(driver.FinishingConn)
	if !ok {
		t.Fatalf("an HTTP/1.1 connection (%T) is not a FinishingConn", c)
	}
	return fc, origin
}

// TestRoundTripFinishOnce: the finisher is told once per response, when its body is over, however it ends;
// never for a failed round trip or a response that takes the connection over.
func TestRoundTripFinishOnce(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			_, _ = io.WriteString(w, "small body")
		case "/held":
			// Part of a body, then nothing until the test ends: the rest is not buffered.
			_, _ = io.WriteString(w, "first part")
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/hangup":
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case "/upgrade":
			conn, brw, _ := w.(http.Hijacker).Hijack()
			_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")
			_ = brw.Flush()
			conn.Close()
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx := context.Background()

	t.Run("read to the end, then closed", func(t *testing.T) {
		c, origin := finishingConn(t, srv)
		for i := range 2 { // the second request reuses the connection the first finished
			f := &countingFinisher{}
			resp, err := c.RoundTripFinish(ctx, &driver.Request{Method: "GET", Origin: origin, Target: "/small"}, f)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if n := f.n.Load(); n != 0 {
				t.Fatalf("request %d: told %d times before the body was read", i, n)
			}
			if body, err := io.ReadAll(resp.Body); err != nil || string(body) != "small body" {
				t.Fatalf("request %d: body %q, %v", i, body, err)
			}
			resp.Body.Close()
			if n := f.n.Load(); n != 1 {
				t.Fatalf("request %d: told %d times after the end and a Close, want 1", i, n)
			}
			if c.Available() != 1 {
				t.Fatalf("request %d: the connection is not free after the body", i)
			}
		}
	})

	t.Run("closed unread, rest buffered", func(t *testing.T) {
		c, origin := finishingConn(t, srv)
		f := &countingFinisher{}
		resp, err := c.RoundTripFinish(ctx, &driver.Request{Method: "GET", Origin: origin, Target: "/small"}, f)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp.Body.Close()
		if n := f.n.Load(); n != 1 {
			t.Fatalf("told %d times after two Closes, want 1", n)
		}
	})

	t.Run("closed while a Read waits", func(t *testing.T) {
		c, origin := finishingConn(t, srv)
		f := &countingFinisher{}
		resp, err := c.RoundTripFinish(ctx, &driver.Request{Method: "GET", Origin: origin, Target: "/held"}, f)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len("first part"))
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatal(err)
		}
		readDone := make(chan error)
		go func() {
			_, err := resp.Body.Read(make([]byte, 64))
			readDone <- err
		}()
		waitUntil(t, func() bool { return blockedIn("(*h1Body).Read", "IO wait") })
		resp.Body.Close()
		if err := <-readDone; err == nil {
			t.Fatal("a Read of a closed body succeeded")
		}
		if n := f.n.Load(); n != 1 {
			t.Fatalf("told %d times, want 1", n)
		}
		if c.Capacity() != -1 {
			t.Fatal("the connection outlived a body closed halfway")
		}
	})

	t.Run("cancelled while reading", func(t *testing.T) {
		c, origin := finishingConn(t, srv)
		f := &countingFinisher{}
		cctx, cancel := context.WithCancel(ctx)
		resp, err := c.RoundTripFinish(cctx, &driver.Request{Method: "GET", Origin: origin, Target: "/held"}, f)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		cancel()
		if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
			t.Fatalf("read after cancel: %v", err)
		}
		if n := f.n.Load(); n != 1 {
			t.Fatalf("told %d times, want 1", n)
		}
	})

	t.Run("failed round trip", func(t *testing.T) {
		c, origin := finishingConn(t, srv)
		f := &countingFinisher{}
		if _, err := c.RoundTripFinish(ctx, &driver.Request{Method: "GET", Origin: origin, Target: "/hangup"}, f); err == nil {
			t.Fatal("a request the server hung up on succeeded")
		}
		if n := f.n.Load(); n != 0 {
			t.Fatalf("told %d times for a failed round trip, want 0", n)
		}
	})

	t.Run("switching protocols", func(t *testing.T) {
		c, origin := finishingConn(t, srv)
		f := &countingFinisher{}
		req := &driver.Request{Method: "GET", Origin: origin, Target: "/upgrade",
			Header: proto.Fields{{Name: []byte("Connection"), Value: []byte("Upgrade")}, {Name: []byte("Upgrade"), Value: []byte("test")}}}
		resp, err := c.RoundTripFinish(ctx, req, f)
		if err != nil {
			t.Fatal(err)
		}
		stream := resp.Extensions.NetworkStream
		if stream == nil {
			t.Fatalf("status %d without a network stream", resp.Status)
		}
		_, err = io.ReadAll(stream)
		if err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
			t.Fatal(err)
		}
		stream.Close()
		if resp.Body != nil {
			resp.Body.Close()
		}
		if n := f.n.Load(); n != 0 {
			t.Fatalf("told %d times for a connection handed over, want 0", n)
		}
	})
}

// blockedIn reports whether a goroutine with fn on its stack is parked in the given wait ("IO wait" for
// the network, "sync.Cond.Wait" for a condition variable), as runtime.Stack names it.
func blockedIn(fn, wait string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte(fn)) && bytes.Contains(g, []byte("["+wait)) {
			return true
		}
	}
	return false
}

// reuseInFinish does what a pool does when told: it starts the next request on the connection at once. While
// the Read that reached the end of the first body is still inside Finish, another goroutine closes that body.
type reuseInFinish struct {
	c             driver.FinishingConn
	next          *driver.Request
	first, second *driver.Response
	err           error
}

func (f *reuseInFinish) Finish() {
	f.second, f.err = f.c.RoundTripFinish(context.Background(), f.next, &countingFinisher{})
	done := make(chan struct{})
	go func() { f.first.Body.Close(); close(done) }()
	<-done
}

// TestLateCloseSparesTheNextRequest: closing a body after its Read reached the end, while the connection
// already carries the next request, leaves that request and the connection alone.
func TestLateCloseSparesTheNextRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/second" {
			_, _ = io.WriteString(w, "second ")
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond) // the rest comes after the late Close
		}
		_, _ = io.WriteString(w, "body")
	}))
	defer srv.Close()
	c, origin := finishingConn(t, srv)
	f := &reuseInFinish{c: c, next: &driver.Request{Method: "GET", Origin: origin, Target: "/second"}}
	first, err := c.RoundTripFinish(context.Background(), &driver.Request{Method: "GET", Origin: origin}, f)
	if err != nil {
		t.Fatal(err)
	}
	f.first = first
	if b, err := io.ReadAll(first.Body); err != nil || string(b) != "body" {
		t.Fatalf("first body: %q, %v", b, err)
	}
	if f.err != nil {
		t.Fatalf("second request: %v", f.err)
	}
	if c.Capacity() < 0 {
		t.Error("the first body's late Close closed the connection carrying the second request")
	}
	if b, err := io.ReadAll(f.second.Body); err != nil || string(b) != "second body" {
		t.Fatalf("second body: %q, %v", b, err)
	}
	f.second.Body.Close()
}

// TestBodyEndsWithItsLastBytes: a Read that returns the last bytes of a body whose end is already here returns
// io.EOF with them (as net/http's bodies do), and the connection is free at once, before any Close; a Read
// that leaves bytes behind does not.
func TestBodyEndsWithItsLastBytes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length: chunked
		}
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()
	c, origin := finishingConn(t, srv)
	for _, target := range []string{"/", "/chunked"} {
		f := &countingFinisher{}
		resp, err := c.RoundTripFinish(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: target}, f)
		if err != nil {
			t.Fatal(err)
		}
		small := make([]byte, 2)
		if n, err := resp.Body.Read(small); n != 2 || err != nil {
			t.Fatalf("%s: a Read of 2 of 5 bytes returned %d, %v", target, n, err)
		}
		var rest [64]byte
		n, err := resp.Body.Read(rest[:])
		if string(rest[:n]) != "llo" || err != io.EOF {
			t.Fatalf("%s: the last Read returned %q, %v; want \"llo\" with io.EOF", target, rest[:n], err)
		}
		if f.n.Load() != 1 || c.Available() != 1 {
			t.Fatalf("%s: after the last bytes, finisher told %d times, %d available", target, f.n.Load(), c.Available())
		}
		if n, err := resp.Body.Read(rest[:]); n != 0 || err != io.EOF {
			t.Fatalf("%s: a Read after the end returned %d, %v", target, n, err)
		}
		resp.Body.Close()
	}
}
