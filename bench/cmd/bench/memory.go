package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// The memory scenarios measure each implementation in a fresh child process ("bench memchild SCENARIO IMPL
// ADDR"), so that nothing an earlier scenario left behind (goroutines winding down, freed stacks) moves the
// reading.

// idleConns is how many connections idle-mem holds open.
const idleConns = 500

// openStreams is how many concurrent streams stream-mem holds open on one HTTP/2 connection.
const openStreams = 200

// runIdleMem opens idleConns connections at once (the server holds each request 200 ms), lets them go idle
// in the client's pool, and reports the memory each costs: heap and stacks in use after a GC, per
// connection (the goroutines net/http keeps per connection count; the requests' own goroutines have ended).
func runIdleMem(time.Duration) ([]result, error) {
	return runMemChildren("idle-mem", "h1", "httpwire", "net/http")
}

// runStreamMem opens openStreams concurrent requests over one h2c connection to a net/http server that holds
// each for a second, and reports the memory each open stream costs the client: heap and stacks in use after
// a GC while all are open, per stream, the callers' goroutines included (they are part of what a request in
// flight costs in a blocking API).
func runStreamMem(time.Duration) ([]result, error) {
	return runMemChildren("stream-mem", "h2c", "httpwire", "net/http", "x/net/http2")
}

// runMemChildren starts the server, then one child per implementation.
func runMemChildren(scenario, server string, impls ...string) ([]result, error) {
	addr, stop, err := startServer(server)
	if err != nil {
		return nil, err
	}
	defer stop()
	var rs []result
	for _, impl := range impls {
		if implFilter != "" && impl != implFilter {
			continue
		}
		r := result{Scenario: scenario, Impl: impl}
		cmd := exec.Command(os.Args[0], "memchild", scenario, impl, addr)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err == nil {
			err = json.Unmarshal(out, &r)
		}
		if err != nil {
			r.Err = fmt.Sprintf("child: %v", err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// memChildMain is the child: it measures one implementation and prints its result as JSON.
func memChildMain(args []string) {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench memchild idle-mem|stream-mem IMPL ADDR")
		os.Exit(2)
	}
	scenario, impl, addr := args[0], args[1], args[2]
	origin, _ := proto.ParseOrigin("http://" + addr)
	var r result
	switch scenario {
	case "idle-mem":
		r = measureIdle(impl, idleGetter(impl, origin, addr))
	case "stream-mem":
		r = measureOpen(impl, streamGetter(impl, origin, addr))
	default:
		fmt.Fprintln(os.Stderr, "unknown scenario", scenario)
		os.Exit(2)
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
}

// getter runs one request to /slow and reads its body.
type getter func() error

func idleGetter(impl string, origin proto.Origin, addr string) getter {
	switch impl {
	case "httpwire":
		p := pool.New(pool.Options{HTTP1: true, MaxConnectionsPerOrigin: idleConns, MaxIdlePerOrigin: idleConns})
		return poolGetter(p, origin)
	case "net/http":
		return transportGetter(&http.Transport{MaxIdleConnsPerHost: idleConns, DisableCompression: true}, addr)
	}
	return nil
}

func streamGetter(impl string, origin proto.Origin, addr string) getter {
	switch impl {
	case "httpwire":
		return poolGetter(pool.New(pool.Options{H2C: true, MaxConnectionsPerOrigin: 1}), origin)
	case "net/http":
		tr := &http.Transport{Protocols: new(http.Protocols), DisableCompression: true, MaxConnsPerHost: 1}
		tr.Protocols.SetUnencryptedHTTP2(true)
		return transportGetter(tr, addr)
	case "x/net/http2":
		xt, _ := xnetTransport()
		return transportGetter(xt, addr)
	}
	return nil
}

func poolGetter(p *pool.Pool, origin proto.Origin) getter {
	req := &pool.Request{Method: "GET", Origin: origin, Target: "/slow"} // one for all, as transportGetter's
	return func() error {
		resp, err := p.Do(context.Background(), req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
}

func transportGetter(rt http.RoundTripper, addr string) getter {
	req, _ := http.NewRequest("GET", "http://"+addr+"/slow", nil)
	return func() error {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return err
	}
}

// measureIdle opens idleConns connections at once and reads the memory once they are all idle.
func measureIdle(impl string, get getter) result {
	r := result{Scenario: "idle-mem", Impl: impl}
	if get == nil {
		r.Err = "unknown implementation"
		return r
	}
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
		return r
	}
	r.BytesPerConn = (float64(inUse()) - float64(before)) / idleConns
	return r
}

// measureOpen opens openStreams requests at once on one connection and reads the memory while all are open.
func measureOpen(impl string, get getter) result {
	r := result{Scenario: "stream-mem", Impl: impl}
	if get == nil {
		r.Err = "unknown implementation"
		return r
	}
	if err := get(); err != nil { // the connection is open before the baseline
		r.Err = err.Error()
		return r
	}
	before := inUse()
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

// inUse is heap and stack memory in use after a collection.
func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}
