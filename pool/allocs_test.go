package pool_test

import (
	"context"
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/httpwire/httpwire/internal/canned"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// Allocation budgets per pooled GET with a 13-byte body, read to the end (docs/performance.md). The servers
// here answer from canned bytes and allocate nothing per request, so every allocation counted is the
// client's (pool, driver and core). The counts are averages: a fraction is a share of memory allocated for
// many requests at once (the chunks response fields are copied into).
const (
	h1AllocBudget = 1.1 // the response with its body, and a share of a field chunk
	h2AllocBudget = 5
	// A released HTTP/1.1 response (Response.Release) is reused by the next: nothing is allocated but, now
	// and then, a recycled exchange that a collection took from its sync.Pool.
	h1ReleasedAllocBudget = 0.05
)

func TestAllocsPerRequest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		serve   func(net.Conn)
		h2c     bool
		release bool
		budget  float64
	}{
		{"h1", canned.ServeH1, false, false, h1AllocBudget},
		{"h2c", canned.ServeH2, true, false, h2AllocBudget},
		{"h1 released", canned.ServeH1, false, true, h1ReleasedAllocBudget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := canned.Listen(t, tc.serve)
			origin, _ := proto.ParseOrigin("http://" + addr)
			p := pool.New(pool.Options{H2C: tc.h2c, MaxConnectionsPerOrigin: 1})
			defer p.Close()
			req := &pool.Request{Method: "GET", Origin: origin, Target: "/"}
			buf := make([]byte, 64)
			get := func() {
				resp, err := p.Do(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.ReadFull(resp.Body, buf[:13])
				if err != nil || string(buf[:n]) != "Hello, World!" {
					t.Fatalf("body %q, %v", buf[:n], err)
				}
				if _, err := resp.Body.Read(buf); err != io.EOF {
					t.Fatalf("after the body: %v, want EOF", err)
				}
				if tc.release {
					resp.Release()
				} else {
					resp.Body.Close()
				}
			}
			for range 50 {
				get() // warm: the connection, HPACK tables, spare buffers
			}
			allocs := allocsPerRun(500, get)
			t.Logf("%.2f allocations per request", allocs)
			// Under the race detector sync.Pool drops what is put back at random, so the count varies; make
			// test-allocs checks the budget without it.
			if !raceEnabled && allocs > tc.budget {
				t.Errorf("%.2f allocations per request, budget %v", allocs, tc.budget)
			}
		})
	}
}

// allocsPerRun is testing.AllocsPerRun without its rounding down to a whole number: a budget below one
// allocation per request must see the fraction.
func allocsPerRun(runs int, f func()) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f() // as AllocsPerRun does: a first run outside the count
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / float64(runs)
}
