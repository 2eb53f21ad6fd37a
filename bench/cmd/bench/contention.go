package main

import (
	"net/http"
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
		withBuffers("httpwire", 1000, buf, poolGet(p, preq)),
		withBuffers("net/http", 1000, buf, roundTripGet(tr, hreq)),
	}), nil
}
