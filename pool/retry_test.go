package pool_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/canned"
	"github.com/httpwire/httpwire/internal/h2server"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// h2Server serves HTTP/2 by prior knowledge with the project's core (internal/h2server): each connection is
// handed to handle; while silence reports true for a connection, nothing is written on it.
func h2Server(t *testing.T, handle h2server.Handler, silence func(conn int) bool) (proto.Origin, *atomic.Int64) {
	t.Helper()
	return h2server.Start(t, h2.Config{}, handle, silence)
}

// TestRefusedStreamRetried: the server refuses the first request with REFUSED_STREAM (RFC 9113 §8.7); the
// pool retries it and the caller sees only the answer.
func TestRefusedStreamRetried(t *testing.T) {
	var refused atomic.Bool
	origin, _ := h2Server(t, func(_ int, c *h2.Conn, ev h2.Event) {
		if e, ok := ev.(*h2.HeadersReceived); ok {
			if refused.CompareAndSwap(false, true) {
				_ = c.Reset(e.StreamID, h2.ErrCodeRefusedStream)
				return
			}
			_ = c.SendResponse(e.StreamID, proto.NewResponse(200), false)
			_, _ = c.SendData(e.StreamID, []byte("second try"), true)
		}
	}, nil)
	p := pool.New(pool.Options{H2C: true})
	defer p.Close()
	body, err := get(context.Background(), p, origin, "/")
	if err != nil || body != "second try" || !refused.Load() {
		t.Fatalf("got %q, %v (refused once: %v)", body, err, refused.Load())
	}
}

// TestGoAwayRetried: the first connection says GOAWAY with last stream 0 before processing anything; the
// request goes to a new connection (RFC 9113 §6.8).
func TestGoAwayRetried(t *testing.T) {
	origin, conns := h2Server(t, func(n int, c *h2.Conn, ev h2.Event) {
		if _, ok := ev.(*h2.SettingsReceived); ok && n == 1 {
			_ = c.GoAway(h2.ErrCodeNo, nil) // last stream 0: no request on this connection is processed
			return
		}
		if e, ok := ev.(*h2.HeadersReceived); ok {
			_ = c.SendResponse(e.StreamID, proto.NewResponse(200), false)
			_, _ = c.SendData(e.StreamID, []byte("new connection"), true)
		}
	}, nil)
	p := pool.New(pool.Options{H2C: true})
	defer p.Close()
	body, err := get(context.Background(), p, origin, "/")
	if err != nil || body != "new connection" || conns.Load() != 2 {
		t.Fatalf("got %q, %v after %d connections", body, err, conns.Load())
	}
}

// TestHealthCheck: an HTTP/2 connection idle past HealthCheckAfter is pinged before reuse; a silent one is
// dropped and the request goes to a new connection.
func TestHealthCheck(t *testing.T) {
	var silent atomic.Bool
	origin, conns := h2Server(t, func(n int, c *h2.Conn, ev h2.Event) {
		if e, ok := ev.(*h2.HeadersReceived); ok {
			_ = c.SendResponse(e.StreamID, proto.NewResponse(200), false)
			_, _ = c.SendData(e.StreamID, []byte("ok"), true)
		}
	}, func(n int) bool { return n == 1 && silent.Load() })
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := pool.New(pool.Options{H2C: true, Now: clock, KeepaliveExpiry: time.Hour,
		HealthCheckAfter: time.Minute, HealthCheckTimeout: 200 * time.Millisecond})
	defer p.Close()
	if _, err := get(context.Background(), p, origin, "/"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	silent.Store(true)
	body, err := get(context.Background(), p, origin, "/")
	if err != nil || body != "ok" || conns.Load() != 2 {
		t.Fatalf("got %q, %v after %d connections", body, err, conns.Load())
	}
}

// TestCancelWhileDialing: a dial cancelled halfway (a TLS server that never answers) leaves nothing behind.
func TestCancelWhileDialing(t *testing.T) {
	// Connections are held open, never answered, until the test ends.
	addr := canned.Listen(t, func(nc net.Conn) { _, _ = io.Copy(io.Discard, nc) })
	origin, _ := proto.ParseOrigin("https://" + addr)
	p := pool.New(pool.Options{Driver: driver.Options{TLSConfig: &tls.Config{}}})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.Do(ctx, &pool.Request{Method: "GET", Origin: origin})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if st := p.Stats().Total; st.Connections != 0 || st.Connecting != 0 || st.Waiters != 0 {
		t.Fatalf("after a cancelled dial: %+v", st)
	}
}

// TestCloseWaitsForActive: Close closes idle connections at once and active ones when their request ends.
func TestCloseWaitsForActive(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		_, _ = io.WriteString(w, "done")
	})
	p := pool.New(pool.Options{})
	if _, err := get(context.Background(), p, srv.origin, "/idle"); err != nil {
		t.Fatal(err)
	}
	result := make(chan error, 1)
	go func() {
		_, err := get(context.Background(), p, srv.origin, "/slow")
		result <- err
	}()
	waitFor(t, func() bool { return p.Stats().Total.Active == 1 })
	p.Close()
	if _, err := get(context.Background(), p, srv.origin, "/late"); !errors.Is(err, pool.ErrClosed) {
		t.Fatalf("request after Close: %v", err)
	}
	close(release)
	if err := <-result; err != nil {
		t.Fatalf("active request across Close: %v", err)
	}
	if st := p.Stats().Total; st.Connections != 0 {
		t.Fatalf("after the active request ended: %+v", st)
	}
}

// TestCloseDuringDial: a dial cut short by Close reports ErrClosed, not a cancellation the caller never made.
func TestCloseDuringDial(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, err := l.Accept()
		if err == nil {
			accepted <- nc // holds the TLS handshake open
		}
		close(accepted)
	}()
	defer func() {
		l.Close()
		for nc := range accepted {
			nc.Close()
		}
	}()
	origin, _ := proto.ParseOrigin("https://" + l.Addr().String())
	p := pool.New(pool.Options{Driver: driver.Options{TLSConfig: &tls.Config{}}})
	result := make(chan error, 1)
	go func() {
		_, err := p.Do(context.Background(), &pool.Request{Method: "GET", Origin: origin})
		result <- err
	}()
	waitFor(t, func() bool { return p.Stats().Total.Connecting == 1 })
	p.Close()
	if err := <-result; !errors.Is(err, pool.ErrClosed) || errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want ErrClosed", err)
	}
}

// TestUploadOutlivingResponseHoldsSlot: over HTTP/2 the response ends at once while the request body is
// still going out (full duplex). The connection stays in use until the body has been sent: it is neither
// idle nor expired meanwhile, and the upload arrives whole.
func TestUploadOutlivingResponseHoldsSlot(t *testing.T) {
	var received atomic.Int64
	ended := make(chan struct{})
	origin, _ := h2Server(t, func(_ int, c *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if e.Kind == h2.KindRequest {
				_ = c.SendResponse(e.StreamID, proto.NewResponse(200), false)
				_, _ = c.SendData(e.StreamID, []byte("done"), true)
			}
		case *h2.DataReceived:
			received.Add(int64(len(e.Data)))
			c.Consume(e.StreamID, len(e.Data))
		case *h2.StreamEnded:
			close(ended)
		}
	}, nil)
	clock := &virtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := pool.New(pool.Options{H2C: true, KeepaliveExpiry: time.Minute, Now: clock.Now})
	defer p.Close()
	pr, pw := io.Pipe()
	resp, err := p.Do(context.Background(), &pool.Request{Method: "POST", Origin: origin, Body: pr, ContentLength: -1})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "done" {
		t.Fatalf("response: %q, %v", b, err)
	}
	if st := p.Stats().Total; st.InFlight != 1 || st.Idle != 0 {
		t.Fatalf("while the body is still being sent: %+v, want the request in flight", st)
	}
	clock.advance(2 * time.Minute) // long past KeepaliveExpiry: an idle connection would be closed now
	if st := p.Stats().Total; st.Connections != 1 || st.Expired != 0 {
		t.Fatalf("the connection of an upload in progress was expired: %+v", st)
	}
	const rest = "the rest of the upload"
	if _, err := io.WriteString(pw, rest); err != nil {
		t.Fatalf("writing the rest of the body: %v", err)
	}
	pw.Close()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the request body never ended")
	}
	if n := received.Load(); n != int64(len(rest)) {
		t.Fatalf("the server received %d bytes, want %d", n, len(rest))
	}
	for start := time.Now(); p.Stats().Total.InFlight != 0; time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the slot was never given back: %+v", p.Stats().Total)
		}
	}
	resp.Body.Close()
}

// TestKeepaliveFindsSilentPeer: a server that goes silent while a request waits for its head (no ReadTimeout
// set) is found by the HTTP/2 keepalive: a PING after a quiet interval, unanswered for PingTimeout, ends the
// connection, and the request fails with h2.ErrPingTimeout instead of waiting for ever.
func TestKeepaliveFindsSilentPeer(t *testing.T) {
	var silent atomic.Bool
	origin, _ := h2Server(t, func(_ int, c *h2.Conn, ev h2.Event) {
		if _, ok := ev.(*h2.HeadersReceived); ok {
			silent.Store(true) // never answered, and nothing else is sent either
		}
	}, func(int) bool { return silent.Load() })
	opts := pool.Options{H2C: true}
	opts.Driver.H2 = h2.Config{KeepaliveInterval: 100 * time.Millisecond, PingTimeout: 200 * time.Millisecond}
	p := pool.New(opts)
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.Do(ctx, &pool.Request{Method: "GET", Origin: origin})
	if !errors.Is(err, h2.ErrPingTimeout) {
		t.Fatalf("a request to a server gone silent: %v, want h2.ErrPingTimeout", err)
	}
}
