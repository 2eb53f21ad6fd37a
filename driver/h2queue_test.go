package driver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// gatedConn is a connection whose writes wait while the gate is shut.
type gatedConn struct {
	net.Conn
	mu      sync.Mutex
	shut    chan struct{} // nil: open
	waiting chan struct{} // closed when a write starts waiting at the shut gate
}

func (g *gatedConn) Write(p []byte) (int, error) {
	g.mu.Lock()
	shut, waiting := g.shut, g.waiting
	g.mu.Unlock()
	if shut != nil {
		close(waiting)
		<-shut
	}
	return g.Conn.Write(p)
}

// close shuts the gate; the function returned opens it, and is called when the test ends too (before the
// connection's Close, which waits for its writer).
func (g *gatedConn) close(t *testing.T) (waiting <-chan struct{}, open func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	shut, w := make(chan struct{}), make(chan struct{})
	g.shut, g.waiting = shut, w
	open = sync.OnceFunc(func() {
		g.mu.Lock()
		g.shut = nil
		g.mu.Unlock()
		close(shut)
	})
	t.Cleanup(open)
	return w, open
}

// dialGated connects to origin over h2c through a gatedConn, and returns the connection, its gate, and a GET
// that reads the response's body to its end.
func dialGated(t *testing.T, origin proto.Origin) (driver.Conn, *gatedConn, func(context.Context, string) error) {
	t.Helper()
	var gc *gatedConn
	opts := &driver.Options{H2C: true, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		gc = &gatedConn{Conn: nc}
		return gc, nil
	}}
	c := dialOrigin(t, origin, opts)
	get := func(ctx context.Context, target string) error {
		resp, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: origin, Target: target})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return err
	}
	return c, gc, get
}

// stuckAtGate makes a first request, shuts the gate, and starts /first, whose HEADERS the writer then waits
// to write: it returns /first's result, the gate's opener, and what Available reported with /first open.
func stuckAtGate(t *testing.T, c driver.Conn, gc *gatedConn, get func(context.Context, string) error) (
	first <-chan error, open func(), base int) {
	t.Helper()
	if err := get(context.Background(), "/warm"); err != nil {
		t.Fatal(err)
	}
	// Acknowledged, a PING leaves nothing written before it (a SETTINGS ACK, say) to be the write that
	// waits at the gate instead of /first's.
	if err := c.(driver.Pinger).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	waiting, open := gc.close(t)
	result := make(chan error, 1)
	go func() { result <- get(context.Background(), "/first") }()
	within(t, waiting, "a write of /first")
	return result, open, c.Available()
}

// TestH2QueuedRequestCancelled: a bodiless request waits for the connection's writer to encode and send its
// head. Cancelled while the writer is busy (here, stuck in a write), it returns at once, and its head is never
// sent: the server sees only the requests still wanted, and the connection goes idle once they end.
func TestH2QueuedRequestCancelled(t *testing.T) {
	var seen sync.Map // targets the server received
	var count atomic.Int32
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		e, ok := ev.(*h2.HeadersReceived)
		if !ok || e.Kind != h2.KindRequest {
			return
		}
		seen.Store(string(e.Request.Target), true)
		count.Add(1)
		_ = sc.SendResponse(e.StreamID, proto.NewResponse(200, "content-length", "2"), false)
		_, _ = sc.SendData(e.StreamID, []byte("ok"), true)
	})
	c, gc, get := dialGated(t, origin)
	first, open, base := stuckAtGate(t, c, gc, get)
	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { second <- get(ctx, "/second") }()
	waitUntil(t, func() bool { return c.Available() < base }) // /second is queued
	cancel()
	if err := within(t, second, "the result of second"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled request: %v; want context.Canceled", err)
	}
	open()
	if err := within(t, first, "the result of first"); err != nil {
		t.Fatalf("first request: %v", err)
	}
	if err := get(context.Background(), "/third"); err != nil {
		t.Fatalf("third request: %v", err)
	}
	if _, ok := seen.Load("/second"); ok {
		t.Error("the server received the cancelled request")
	}
	if n := count.Load(); n != 3 {
		t.Errorf("the server received %d requests; want 3 (/warm, /first, /third)", n)
	}
	waitUntil(t, func() bool { idle, _ := c.Idle(); return idle })
}

// TestH2QueuedRequestConnectionEnds: a request still waiting for the writer when the connection ends was
// never sent, so it fails with ErrNotProcessed, which a pool retries elsewhere.
func TestH2QueuedRequestConnectionEnds(t *testing.T) {
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		if e, ok := ev.(*h2.HeadersReceived); ok && e.Kind == h2.KindRequest {
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(200, "content-length", "0"), true)
		}
	})
	c, gc, get := dialGated(t, origin)
	first, open, base := stuckAtGate(t, c, gc, get)
	second := make(chan error, 1)
	go func() { second <- get(context.Background(), "/second") }()
	waitUntil(t, func() bool { return c.Available() < base })
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	if err := within(t, second, "the result of second"); !errors.Is(err, driver.ErrNotProcessed) {
		t.Errorf("queued request: %v; want ErrNotProcessed", err)
	}
	open()
	within(t, closed, "the end of Close")
	if err := within(t, first, "the result of first"); err == nil || errors.Is(err, driver.ErrNotProcessed) {
		t.Errorf("sent request: %v; want a failure other than ErrNotProcessed (its head went out)", err)
	}
}

// TestH2QueuedRequestGoAway: a GOAWAY that arrives while a request waits for the writer (stuck here) fails it
// at once with ErrNotProcessed, for the pool to send elsewhere; and once the last open stream ends, the
// connection closes itself.
func TestH2QueuedRequestGoAway(t *testing.T) {
	// The server holds /first unanswered, and sends its GOAWAY when the test says (its handler waits, and
	// the server's loop writes what the core queued once the handler returns).
	gotFirst, goAway := make(chan struct{}), make(chan struct{})
	sendGoAway := sync.OnceFunc(func() { close(goAway) })
	t.Cleanup(sendGoAway) // a test that ends early frees the handler
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		e, ok := ev.(*h2.HeadersReceived)
		if !ok || e.Kind != h2.KindRequest {
			return
		}
		if string(e.Request.Target) != "/first" {
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(200, "content-length", "0"), true)
			return
		}
		close(gotFirst)
		<-goAway
		_ = sc.GoAway(h2.ErrCodeNo, nil)
	})
	c, gc, get := dialGated(t, origin)
	if err := get(context.Background(), "/warm"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { first <- get(ctx, "/first") }()
	within(t, gotFirst, "the arrival of /first")

	waiting, open := gc.close(t)
	pinged := make(chan error, 1)
	go func() { pinged <- c.(driver.Pinger).Ping(context.Background()) }()
	within(t, waiting, "a write of the PING") // the writer is stuck
	base := c.Available()
	second := make(chan error, 1)
	go func() { second <- get(context.Background(), "/second") }()
	waitUntil(t, func() bool { return c.Available() < base }) // /second is queued

	sendGoAway()
	if err := within(t, second, "the result of second"); !errors.Is(err, driver.ErrNotProcessed) {
		t.Fatalf("queued request: %v; want ErrNotProcessed", err)
	}
	cancel() // the last open stream ends: the connection, going away, is done
	if err := within(t, first, "the result of first"); !errors.Is(err, context.Canceled) {
		t.Fatalf("first request: %v; want context.Canceled", err)
	}
	open()
	waitUntil(t, func() bool { return c.Available() == -1 })
	if idle, _ := c.Idle(); idle {
		t.Error("a connection drained after GOAWAY reports itself idle")
	}
	if err := c.(driver.Pinger).Ping(context.Background()); err == nil {
		t.Error("a connection drained after GOAWAY still answers a Ping")
	}
	_ = within(t, pinged, "the result of pinged")
}
