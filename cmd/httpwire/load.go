package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// runLoad sends cfg.n requests, cfg.c at a time, and reports throughput and latency.
func runLoad(ctx context.Context, cfg *config, stdout, stderr io.Writer) error {
	if cfg.c < 1 || cfg.data == "@-" {
		return usageError{"load mode needs -c ≥ 1 and a body that can be sent again (not -d @-)"}
	}
	p, err := newPool(cfg, stderr)
	if err != nil {
		return err
	}
	defer p.Close()
	var next, failed atomic.Int64
	latencies := make([]time.Duration, cfg.n)
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	done := make(chan struct{})
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		go progress(stderr, &next, cfg.n, done)
	}
	var wg sync.WaitGroup
	for range cfg.c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.n || ctx.Err() != nil {
					return
				}
				req, cleanup, err := buildRequest(cfg, nil)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					failed.Add(1)
					return
				}
				t0 := time.Now()
				resp, err := p.Do(ctx, req)
				if err == nil {
					_, err = io.CopyBuffer(io.Discard, resp.Body, buf)
					resp.Body.Close()
				}
				cleanup()
				latencies[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	elapsed := time.Since(start)
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	pct := func(q float64) time.Duration { return latencies[min(len(latencies)-1, int(q*float64(len(latencies))))] }
	st := p.Stats().Total
	protocol := "HTTP/1.1"
	if st.HTTP2 > 0 {
		protocol = "HTTP/2"
	}
	fmt.Fprintf(stdout, "requests     %d (%d failed)\n", cfg.n, failed.Load())
	fmt.Fprintf(stdout, "concurrency  %d\n", cfg.c)
	fmt.Fprintf(stdout, "protocol     %s\n", protocol)
	fmt.Fprintf(stdout, "connections  %d opened, %d reused\n", st.Dials, st.Reuses)
	fmt.Fprintf(stdout, "time         %v\n", elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "throughput   %.0f req/s\n", float64(cfg.n)/elapsed.Seconds())
	fmt.Fprintf(stdout, "latency      p50 %v  p90 %v  p99 %v  max %v\n", pct(0.5), pct(0.9), pct(0.99), latencies[len(latencies)-1])
	if failed.Load() > 0 {
		return fmt.Errorf("%d requests failed, the first: %w", failed.Load(), firstErr)
	}
	return nil
}

// progress draws a bar on a terminal until done.
func progress(w io.Writer, next *atomic.Int64, total int, done <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			fmt.Fprint(w, "\r\033[K")
			return
		case <-tick.C:
			n := min(int(next.Load()), total)
			width := 40
			filled := width * n / max(total, 1)
			fmt.Fprintf(w, "\r[%s%s] %d/%d", bar('#', filled), bar('.', width-filled), n, total)
		}
	}
}

func bar(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

// isTerminal reports whether f is a character device (a terminal), without a dependency.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
