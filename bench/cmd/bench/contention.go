package main

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// runContention: 1,000 goroutines share 10 connections: throughput and p99 of the wait plus the request.
func runContention(d time.Duration) ([]result, error) {
	addr, stop, err := startServer("h1")
	if err != nil {
		return nil, err
	}
	defer stop()
	origin, _ := proto.ParseOrigin("http://" + addr)
	buf := func() []byte { return make([]byte, 4<<10) }
	p := pool.New(pool.Options{HTTP1: true, MaxConnectionsPerOrigin: 10})
	defer p.Close()
	preq := &pool.Request{Method: "GET", Origin: origin, Target: "/"}
	tr := &http.Transport{MaxConnsPerHost: 10, MaxIdleConnsPerHost: 10, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hreq, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	return []result{
		measureWith("pool-contention", "httpwire", 1000, d, buf, func(b []byte) (int64, error) {
			resp, err := p.Do(context.Background(), preq)
			if err != nil {
				return 0, err
			}
			n, err := io.CopyBuffer(io.Discard, resp.Body, b)
			resp.Body.Close()
			return n, err
		}),
		measureWith("pool-contention", "net/http", 1000, d, buf, func(b []byte) (int64, error) {
			resp, err := tr.RoundTrip(hreq)
			if err != nil {
				return 0, err
			}
			n, err := io.CopyBuffer(io.Discard, resp.Body, b)
			resp.Body.Close()
			return n, err
		}),
	}, nil
}

// idleConns is how many connections idle-mem holds open.
const idleConns = 500

// runIdleMem opens idleConns connections at once (the server holds each request 200 ms), lets them go idle
// in the client's pool, and reports the memory each costs: heap and stacks in use after a GC, per
// connection (the goroutines net/http keeps per connection count; the requests' own goroutines have ended).
func runIdleMem(time.Duration) ([]result, error) {
	addr, stop, err := startServer("h1")
	if err != nil {
		return nil, err
	}
	defer stop()
	origin, _ := proto.ParseOrigin("http://" + addr)
	measureIdle := func(impl string, get func() error, closeIdle func()) result {
		r := result{Scenario: "idle-mem", Impl: impl}
		before := inUse()
		var wg sync.WaitGroup
		errs := make(chan error, idleConns)
		for range idleConns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := get(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			r.Err = err.Error()
			closeIdle()
			return r
		}
		after := inUse()
		closeIdle()
		r.BytesPerConn = float64(after-before) / idleConns
		return r
	}
	p := pool.New(pool.Options{HTTP1: true, MaxConnectionsPerOrigin: idleConns, MaxIdlePerOrigin: idleConns})
	tr := &http.Transport{MaxIdleConnsPerHost: idleConns, DisableCompression: true}
	hreq, _ := http.NewRequest("GET", "http://"+addr+"/slow", nil)
	return []result{
		measureIdle("httpwire", func() error {
			resp, err := p.Do(context.Background(), &pool.Request{Method: "GET", Origin: origin, Target: "/slow"})
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return err
		}, func() { p.Close() }),
		measureIdle("net/http", func() error {
			resp, err := tr.RoundTrip(hreq)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return err
		}, tr.CloseIdleConnections),
	}, nil
}

// inUse is heap and stack memory in use after a collection.
func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}
