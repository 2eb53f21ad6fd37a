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
	return compare("pool-contention", d, []contender{
		withBuffers("httpwire", 1000, buf, func(b []byte) (int64, error) {
			resp, err := p.Do(context.Background(), preq)
			if err != nil {
				return 0, err
			}
			n, err := drain(resp.Body, b)
			resp.Body.Close()
			return n, err
		}),
		withBuffers("net/http", 1000, buf, func(b []byte) (int64, error) {
			resp, err := tr.RoundTrip(hreq)
			if err != nil {
				return 0, err
			}
			n, err := drain(resp.Body, b)
			resp.Body.Close()
			return n, err
		}),
	}), nil
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
		before := settledInUse()
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
		r.BytesPerConn = (float64(after) - float64(before)) / idleConns
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

// settledInUse is inUse once the goroutines of earlier scenarios have wound down: it reads until two
// readings 100 ms apart agree within 16 KiB, for at most 3 s.
func settledInUse() uint64 {
	last := inUse()
	for range 30 {
		time.Sleep(100 * time.Millisecond)
		now := inUse()
		if now <= last+16<<10 && last <= now+16<<10 {
			return now
		}
		last = now
	}
	return last
}

// inUse is heap and stack memory in use after a collection.
func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// openStreams is how many concurrent streams stream-mem holds open on one HTTP/2 connection.
const openStreams = 200

// runStreamMem opens openStreams concurrent requests over one h2c connection to a net/http server that holds
// each for a second, and reports the memory each open stream costs the client: heap and stacks in use after
// a GC while all are open, per stream, the callers' goroutines included (they are part of what a request in
// flight costs in a blocking API).
func runStreamMem(time.Duration) ([]result, error) {
	addr, stop, err := startServer("h2c")
	if err != nil {
		return nil, err
	}
	defer stop()
	origin, _ := proto.ParseOrigin("http://" + addr)
	measureOpen := func(impl string, get func() error) result {
		r := result{Scenario: "stream-mem", Impl: impl}
		if err := get(); err != nil { // the connection is open before the baseline
			r.Err = err.Error()
			return r
		}
		before := settledInUse()
		errs := make(chan error, openStreams)
		for range openStreams {
			go func() { errs <- get() }()
		}
		time.Sleep(500 * time.Millisecond) // every stream is open and waiting for its response
		during := inUse()
		for range openStreams {
			if err := <-errs; err != nil && r.Err == "" {
				r.Err = err.Error()
			}
		}
		r.BytesPerConn = (float64(during) - float64(before)) / openStreams
		return r
	}
	p := pool.New(pool.Options{H2C: true, MaxConnectionsPerOrigin: 1})
	defer p.Close()
	tr := &http.Transport{Protocols: new(http.Protocols), DisableCompression: true, MaxConnsPerHost: 1}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	hreq, _ := http.NewRequest("GET", "http://"+addr+"/slow", nil)
	netHTTP := func(rt http.RoundTripper) func() error {
		return func() error {
			resp, err := rt.RoundTrip(hreq)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return err
		}
	}
	xt, closeXT := xnetTransport()
	defer closeXT()
	return []result{
		measureOpen("httpwire", func() error {
			resp, err := p.Do(context.Background(), &pool.Request{Method: "GET", Origin: origin, Target: "/slow"})
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return err
		}),
		measureOpen("net/http", netHTTP(tr)),
		measureOpen("x/net/http2", netHTTP(xt)),
	}, nil
}
