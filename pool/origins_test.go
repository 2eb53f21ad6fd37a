package pool_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// virtualClock is a pool clock that moves only when told.
type virtualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestOriginsForgotten: an origin whose connections are all gone, or whose dial failed, leaves the pool's
// books, so that a pool meeting many origins keeps only those in use; Total keeps the counts.
func TestOriginsForgotten(t *testing.T) {
	clock := &virtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := pool.New(pool.Options{KeepaliveExpiry: time.Minute, Now: clock.Now})
	defer p.Close()
	var servers []*countingServer
	for range 3 {
		servers = append(servers, newServer(t, false, hello))
	}
	for _, s := range servers {
		if _, err := get(context.Background(), p, s.origin, "/"); err != nil {
			t.Fatal(err)
		}
	}
	if st := p.Stats(); len(st.Origins) != 3 || st.Total.Idle != 3 {
		t.Fatalf("three origins in use: %d origins, %+v", len(st.Origins), st.Total)
	}
	clock.advance(time.Minute)
	st := p.Stats()
	if len(st.Origins) != 0 {
		t.Fatalf("after expiry the origins are still known: %v", st.Origins)
	}
	if st.Total.Dials != 3 || st.Total.Expired != 3 || st.Total.Connections != 0 {
		t.Fatalf("Total lost the forgotten origins' counts: %+v", st.Total)
	}

	// A dial that fails leaves nothing behind either.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused, _ := proto.ParseOrigin("http://" + l.Addr().String())
	l.Close()
	if _, err := get(context.Background(), p, refused, "/"); err == nil {
		t.Fatal("a request to a closed port succeeded")
	}
	if st := p.Stats(); len(st.Origins) != 0 || st.Total.Dials != 4 {
		t.Fatalf("after a failed dial: %d origins, %+v", len(st.Origins), st.Total)
	}

	// A forgotten origin comes back with fresh counts.
	if _, err := get(context.Background(), p, servers[0].origin, "/"); err != nil {
		t.Fatal(err)
	}
	st = p.Stats()
	if o, ok := st.Origins[servers[0].origin.String()]; !ok || o.Dials != 1 || len(st.Origins) != 1 || st.Total.Dials != 5 {
		t.Fatalf("the origin back: %v, total %+v", st.Origins, st.Total)
	}
}

// TestIdleConnectionMakesRoom: at MaxConnections, a request to a new origin closes the connection idle the
// longest elsewhere instead of waiting for it to expire (KeepaliveExpiry is an hour of a clock that does not
// move here; the context only bounds a broken pool).
func TestIdleConnectionMakesRoom(t *testing.T) {
	clock := &virtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := pool.New(pool.Options{MaxConnections: 2, KeepaliveExpiry: time.Hour, Now: clock.Now})
	defer p.Close()
	a, b, c := newServer(t, false, hello), newServer(t, false, hello), newServer(t, false, hello)
	for _, s := range []*countingServer{a, b} {
		if _, err := get(context.Background(), p, s.origin, "/"); err != nil {
			t.Fatal(err)
		}
		clock.advance(time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := get(ctx, p, c.origin, "/"); err != nil {
		t.Fatalf("a third origin at MaxConnections 2: %v", err)
	}
	st := p.Stats()
	if st.Total.Connections != 2 {
		t.Fatalf("connections: %+v", st.Total)
	}
	if _, ok := st.Origins[a.origin.String()]; ok {
		t.Fatalf("the connection idle the longest (a) was kept: %v", st.Origins)
	}
	if _, ok := st.Origins[b.origin.String()]; !ok {
		t.Fatalf("b's connection was closed, not the oldest: %v", st.Origins)
	}
}
