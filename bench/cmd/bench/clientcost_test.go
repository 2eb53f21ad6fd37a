package main

import (
	"context"
	"testing"

	"github.com/httpwire/httpwire/internal/canned"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
	"github.com/valyala/fasthttp"
)

// BenchmarkClientCost runs sequential GETs from httpwire's pool and from fasthttp's HostClient against a
// server that answers from canned bytes in the same process, so that the server's work is the same for both
// and a CPU profile splits each client's cost per request (write, reads, idle check, the rest):
//
//	cd bench && go test -run '^$' -bench ClientCost -cpuprofile cpu.out ./cmd/bench
func BenchmarkClientCost(b *testing.B) {
	addr := canned.Listen(b, canned.ServeH1)
	origin, _ := proto.ParseOrigin("http://" + addr)
	p := pool.New(pool.Options{HTTP1: true, MaxConnectionsPerOrigin: 1})
	defer p.Close()
	req := &pool.Request{Method: "GET", Origin: origin, Target: "/"}
	buf := make([]byte, 64<<10)
	b.Run("httpwire", func(b *testing.B) {
		for b.Loop() {
			resp, err := p.Do(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := drain(resp.Body, buf); err != nil || n != 13 {
				b.Fatalf("body: %d bytes, %v", n, err)
			}
			resp.Body.Close()
		}
	})
	fc := &fasthttp.HostClient{Addr: addr, MaxConns: 1}
	defer fc.CloseIdleConnections()
	url := "http://" + addr + "/"
	b.Run("fasthttp", func(b *testing.B) {
		for b.Loop() {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			req.SetRequestURI(url)
			if err := fc.Do(req, resp); err != nil || len(resp.Body()) != 13 {
				b.Fatalf("body: %q, %v", resp.Body(), err)
			}
			fasthttp.ReleaseRequest(req)
			fasthttp.ReleaseResponse(resp)
		}
	})
}

// BenchmarkClientCostParallel is BenchmarkClientCost with 64 goroutines and 64 connections, as in h1-par64:
// the memory a request touches across many connections shows in a cache simulation (docs/performance.md,
// h1-par64), which GOMAXPROCS=1 makes deterministic:
//
//	cd bench && go test -c -o cost.test ./cmd/bench
//	GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=yes --LL=1048576,16,64 ./cost.test \
//		-test.run '^$' -test.bench 'ClientCostParallel/httpwire$' -test.benchtime 25000x
func BenchmarkClientCostParallel(b *testing.B) {
	addr := canned.Listen(b, canned.ServeH1)
	origin, _ := proto.ParseOrigin("http://" + addr)
	p := pool.New(pool.Options{HTTP1: true, MaxConnectionsPerOrigin: 64})
	defer p.Close()
	req := &pool.Request{Method: "GET", Origin: origin, Target: "/"}
	b.Run("httpwire", func(b *testing.B) {
		b.SetParallelism(64)
		b.RunParallel(func(pb *testing.PB) {
			buf := make([]byte, 64<<10)
			for pb.Next() {
				resp, err := p.Do(context.Background(), req)
				if err != nil {
					b.Error(err)
					return
				}
				if n, err := drain(resp.Body, buf); err != nil || n != 13 {
					b.Errorf("body: %d bytes, %v", n, err)
					return
				}
				resp.Release()
			}
		})
	})
	fc := &fasthttp.HostClient{Addr: addr, MaxConns: 64}
	defer fc.CloseIdleConnections()
	url := "http://" + addr + "/"
	b.Run("fasthttp", func(b *testing.B) {
		b.SetParallelism(64)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
				req.SetRequestURI(url)
				if err := fc.Do(req, resp); err != nil || len(resp.Body()) != 13 {
					b.Errorf("body: %q, %v", resp.Body(), err)
					return
				}
				fasthttp.ReleaseRequest(req)
				fasthttp.ReleaseResponse(resp)
			}
		})
	})
}
