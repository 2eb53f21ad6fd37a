package main

import (
	"math/bits"
	"time"
)

// stats counts what the loop did. The loop goroutine owns it; nothing else touches it while the loop runs.
type stats struct {
	done     int           // requests that got a complete response (any status)
	errors   int           // requests that failed: connect, I/O or protocol error, stream reset, timeout
	non2xx   int           // complete responses whose status was not 2xx (counted in done as well)
	opened   int           // connections opened, reconnects included
	firstErr error         // the first error seen, for the report
	elapsed  time.Duration // from the first connect to the last response
	heap     uint64        // runtime.MemStats.HeapInuse after a GC, connections still open
	mem      uint64        // HeapInuse + StackInuse, read at the same time
	live     int           // connections open at that time

	warmupErrors int // timed run: requests that failed in the warm-up (not in errors)

	lat histogram
}

// fail records n requests that failed with err.
func (s *stats) fail(n int, err error) {
	if n <= 0 {
		return
	}
	s.errors += n
	if s.firstErr == nil {
		s.firstErr = err
	}
}

// complete records one complete response.
func (s *stats) complete(status int, latency time.Duration) {
	s.done++
	if status < 200 || status > 299 {
		s.non2xx++
	}
	s.lat.record(latency)
}

// histogram records latencies in constant memory: log-linear buckets of microseconds, subBuckets per power
// of two, so a reported percentile is within 1/subBuckets (about 6%) of the true value.
type histogram struct {
	counts [64 * subBuckets]uint64
	n      uint64
}

const (
	subBits    = 4
	subBuckets = 1 << subBits
)

// bucket returns the index of the bucket that holds us microseconds.
func bucket(us uint64) int {
	if us < subBuckets {
		return int(us) // exact below 16 µs
	}
	exp := bits.Len64(us) - 1 - subBits // us>>exp lies in [subBuckets, 2*subBuckets)
	return (exp+1)*subBuckets + int(us>>exp) - subBuckets
}

// bucketMid returns the middle of bucket i, in microseconds.
func bucketMid(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	exp := i/subBuckets - 1
	lo := uint64(i%subBuckets+subBuckets) << exp
	return lo + (uint64(1)<<exp)/2
}

func (h *histogram) record(d time.Duration) {
	us := max(d.Microseconds(), 0)
	h.counts[bucket(uint64(us))]++
	h.n++
}

// percentile returns the latency below which a fraction p (0 < p ≤ 1) of the recorded values lie.
func (h *histogram) percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(p*float64(h.n) + 0.5)
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(bucketMid(i)) * time.Microsecond
		}
	}
	return 0
}
