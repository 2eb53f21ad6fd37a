package pool_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/pool"
)

// TestQueueUnderLoad: 1,000 goroutines × 20 requests through a pool of 10 connections, on HTTP/1.1 and
// HTTP/2; every request succeeds and nothing is left afterwards.
func TestQueueUnderLoad(t *testing.T) {
	goroutines, each := 1000, 20
	if testing.Short() {
		goroutines = 100
	}
	for _, h2c := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2c=%v", h2c), func(t *testing.T) {
			srv := newServer(t, h2c, hello)
			p := pool.New(pool.Options{H2C: h2c, MaxConnections: 10, MaxConnectionsPerOrigin: 10})
			var failed atomic.Int64
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						target := fmt.Sprintf("/%d/%d", g, i)
						if body, err := get(context.Background(), p, srv.origin, target); err != nil || body != "hello "+target {
							if failed.Add(1) <= 5 {
								t.Errorf("%s: %q, %v", target, body, err)
							}
						}
					}
				}()
			}
			wg.Wait()
			st := p.Stats().Total
			if failed.Load() != 0 || st.Active != 0 || st.Waiters != 0 || st.InFlight != 0 {
				t.Fatalf("%d failures; stats %+v", failed.Load(), st)
			}
			if n := srv.conns.Load(); n > 10 {
				t.Fatalf("server saw %d connections, limit 10", n)
			}
			p.Close()
			if st := p.Stats().Total; st.Connections != 0 {
				t.Fatalf("after Close: %+v", st)
			}
		})
	}
}

// TestFIFO: with one connection busy, queued requests are served in the order they queued.
func TestFIFO(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/block" {
			<-release
		} else {
			mu.Lock()
			order = append(order, r.URL.Path)
			mu.Unlock()
		}
		hello(w, r)
	})
	p := pool.New(pool.Options{MaxConnectionsPerOrigin: 1})
	defer p.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = get(context.Background(), p, srv.origin, "/block")
	}()
	waitFor(t, func() bool { return p.Stats().Total.Active == 1 })
	var want []string
	for i := range 20 {
		target := fmt.Sprintf("/%d", i)
		want = append(want, target)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := get(context.Background(), p, srv.origin, target); err != nil {
				t.Error(err)
			}
		}()
		waitFor(t, func() bool { return p.Stats().Total.Waiters == i+1 })
	}
	close(release)
	wg.Wait()
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("served in order %v, want %v", order, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
