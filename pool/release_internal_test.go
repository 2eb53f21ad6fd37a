package pool

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// fakeH2 is an HTTP/2-like driver.Conn: Capacity is 100 until closed, Ping waits for pingErr.
type fakeH2 struct {
	dead    atomic.Bool
	pingErr chan error
	capHook func(int) // called with the value read, before Capacity returns it
	closed  chan struct{}
}

func (f *fakeH2) RoundTrip(context.Context, *driver.Request) (*driver.Response, error) {
	return nil, errors.New("fake")
}
func (f *fakeH2) Protocol() string        { return "h2" }
func (f *fakeH2) Available() int          { return f.Capacity() }
func (f *fakeH2) Idle() (bool, time.Time) { return true, time.Time{} }
func (f *fakeH2) Capacity() int {
	v := 100
	if f.dead.Load() {
		v = -1
	}
	if h := f.capHook; h != nil {
		h(v)
	}
	return v
}
func (f *fakeH2) Close() error {
	if !f.dead.Swap(true) && f.closed != nil {
		close(f.closed)
	}
	return nil
}
func (f *fakeH2) Ping(ctx context.Context) error { return <-f.pingErr }

// TestReleaseAfterHealthCheckRemoved: A reuses an idle HTTP/2 connection and pings it; B takes a stream on
// it meanwhile (multi). B's release reads Capacity (alive), then A's ping fails: the pool removes the
// connection and closes it. B's release then takes the lock with its stale reading and makes the removed
// connection idle.
func TestReleaseAfterHealthCheckRemoved(t *testing.T) {
	clk := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var now atomic.Int64
	p := New(Options{HealthCheckAfter: time.Minute, KeepaliveExpiry: time.Hour,
		Now: func() time.Time { return clk.Add(time.Duration(now.Load())) }})
	defer p.Close()
	o, _ := proto.ParseOrigin("http://127.0.0.1:1")
	f := &fakeH2{pingErr: make(chan error, 1), closed: make(chan struct{})}
	p.mu.Lock()
	op := p.originLocked(o, nil)
	c := &conn{d: f, p: p, op: op, inFlight: 1, idleAt: p.now()}
	op.addLocked(c)
	p.total = 1
	p.releaseLocked(c) // idle
	p.mu.Unlock()
	now.Store(int64(2 * time.Minute))

	aDone := make(chan error, 1)
	go func() { _, _, err := p.acquire(context.Background(), o); aDone <- err }() // pings
	var cB *conn
	for start := time.Now(); cB == nil; time.Sleep(time.Millisecond) {
		p.mu.Lock()
		inFlight := c.inFlight
		p.mu.Unlock()
		if inFlight == 1 {
			var err error
			if cB, _, err = p.acquire(context.Background(), o); err != nil { // the multi path
				t.Fatal(err)
			}
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("A never reserved the connection")
		}
	}
	if cB != c {
		t.Fatal("B got another connection")
	}
	read, resume := make(chan struct{}), make(chan struct{})
	f.capHook = func(v int) { close(read); <-resume }
	bDone := make(chan struct{})
	go func() { p.release(cB); close(bDone) }()
	<-read // B has read Capacity: alive
	f.capHook = nil
	f.pingErr <- errors.New("no answer")
	<-f.closed // A removed it and closed it
	close(resume)
	<-bDone
	<-aDone
	p.mu.Lock()
	defer p.mu.Unlock()
	if !c.removed {
		t.Fatal("not removed")
	}
	if c.idle || p.idleConns != 0 || op.idle != 0 {
		t.Fatalf("a removed connection was made idle: c.idle %v, p.idleConns %d, op.idle %d, conns %d",
			c.idle, p.idleConns, op.idle, len(op.conns))
	}
}

// TestLastOriginInvariant: lastOrigin is nil or the map's entry for its key, across sweeps and proxies.
func TestLastOriginInvariant(t *testing.T) {
	p := New(Options{Proxy: func(o proto.Origin) (*url.URL, error) {
		if o.Port%2 == 0 {
			return url.Parse("http://proxy-a.invalid:8080")
		}
		if o.Port%3 == 0 {
			return url.Parse("socks5://proxy-b.invalid:1080")
		}
		return nil, nil
	}})
	defer p.Close()
	check := func() {
		t.Helper()
		if lo := p.lastOrigin; lo != nil && p.origins[lo.key] != lo {
			t.Fatalf("lastOrigin %s not in the map", lo.name)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range 1000 {
		o := proto.Origin{Scheme: "http", Host: "h.invalid", Port: 1 + i%150}
		proxy, _ := p.opts.Proxy(o)
		op := p.originLocked(o, proxy)
		check()
		if op.origin != o || (proxy == nil) != (op.key.proxy == "") {
			t.Fatalf("wrong origin %s for %v", op.name, o)
		}
		if i%97 == 0 {
			p.expireLocked() // sweeps everything
			check()
		}
	}
	// Same host and port, different proxy: different origins.
	o := proto.Origin{Scheme: "http", Host: "x.invalid", Port: 7}
	pa, _ := url.Parse("http://proxy-a.invalid:8080")
	a := p.originLocked(o, pa)
	b := p.originLocked(o, nil)
	if a == b || p.originLocked(o, pa) != a {
		t.Fatal("proxy keys mixed up")
	}
}
