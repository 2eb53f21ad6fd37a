package main

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/httpwire/httpwire/pool"
)

// cpuTime is this process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rounds is how many turns each implementation of a scenario gets: the turns are interleaved and rotated
// (A B C, B C A, C A B, ...), so that a change in the machine's load falls on every implementation alike and
// none always goes first, and the median turn gives the rate.
const rounds = 5

// contender is one implementation in a scenario: op runs one operation on the given worker (0 to workers-1)
// and returns the bytes it moved. An outside program (h2load) has round instead, which runs it for about the
// given time and reports what it measured; it takes its turns among the others like any contender.
type contender struct {
	impl    string
	workers int
	op      func(worker int) (int64, error)
	round   func(d time.Duration) sample
}

// each makes a contender of an op that does not care which worker runs it.
func each(impl string, workers int, op func() (int64, error)) contender {
	return contender{impl: impl, workers: workers, op: func(int) (int64, error) { return op() }}
}

// withBuffers makes a contender whose workers each have their own buffer from mk.
func withBuffers(impl string, workers int, mk func() []byte, op func([]byte) (int64, error)) contender {
	bufs := make([][]byte, workers)
	for i := range bufs {
		bufs[i] = mk()
	}
	return contender{impl: impl, workers: workers, op: func(w int) (int64, error) { return op(bufs[w]) }}
}

// compare runs the contenders for about d each, in interleaved rounds, and reports each one's figures.
func compare(scenario string, d time.Duration, cs []contender) []result {
	samples := make([][]sample, len(cs))
	failed := make([]string, len(cs))
	for i, c := range cs {
		if implFilter != "" && c.impl != implFilter {
			failed[i] = "skipped (-impl)"
			continue
		}
		if c.round != nil {
			continue // an outside program warms up in its own run
		}
		// Warm up: a few operations to fail fast, then a short turn with every worker at once, so that every
		// connection is open and the server has met every one of them before the first measured turn.
		// Without it, the first turn of round 0 (always the first contender's: httpwire's) paid for dialing
		// them, and for the server's new goroutines and stacks.
		for w := range min(c.workers, 8) {
			if _, err := c.op(w); err != nil {
				failed[i] = err.Error()
				break
			}
		}
		if failed[i] == "" {
			// An operation's error fails the contender; a turn too short for any operation to finish (a
			// smoke test's, under the race detector) does not.
			if s := runRound(c, d/rounds/4); s.err != "" && s.err != errNoOps {
				failed[i] = s.err
			}
		}
	}
	for round := range rounds {
		// Each round starts with the next contender, so that none always runs first (after the previous
		// scenario, or in whatever state the one before leaves the machine).
		for k := range cs {
			i := (round + k) % len(cs)
			c := cs[i]
			if failed[i] != "" {
				continue
			}
			var s sample
			if c.round != nil {
				s = c.round(d / rounds)
			} else {
				s = runRound(c, d/rounds)
			}
			if s.err != "" {
				failed[i] = s.err
				continue
			}
			samples[i] = append(samples[i], s)
		}
	}
	results := make([]result, len(cs))
	for i, c := range cs {
		results[i] = merge(scenario, c.impl, samples[i])
		if failed[i] != "" {
			results[i] = result{Scenario: scenario, Impl: c.impl, Err: failed[i]}
		}
	}
	return results
}

// sample is what one round of one contender measured. An outside program reports rates (rate, byteRate)
// rather than counts, and nothing of its CPU, allocations or latencies.
type sample struct {
	ops, bytes     int64
	elapsed, cpu   time.Duration
	mallocs        uint64
	reads, writes  int64
	lat            []time.Duration // every 8th operation's
	rate, byteRate float64         // operations and bytes per second, as an outside program reported them
	err            string
}

// errNoOps is a round's error when no operation finished within it.
const errNoOps = "no operation completed"

// runRound runs c's op on its workers for about d. The harness stays out of the way: a timer ends the
// round, counters are per worker, and only every 8th operation is timed.
func runRound(c contender, d time.Duration) sample {
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	reads0, writes0 := ioCalls()
	var stop atomic.Bool
	start := time.Now()
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	var ops, bytes atomic.Int64
	var firstErr atomic.Value
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for w := range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			var myOps, myBytes int64
			defer func() { ops.Add(myOps); bytes.Add(myBytes) }()
			for i := 0; !stop.Load(); i++ {
				var t0 time.Time
				if i%8 == 0 {
					t0 = time.Now()
				}
				n, err := c.op(w)
				if err != nil {
					firstErr.CompareAndSwap(nil, err.Error())
					return
				}
				if i%8 == 0 {
					local = append(local, time.Since(t0))
				}
				myOps++
				myBytes += n
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	s := sample{elapsed: time.Since(start), cpu: cpuTime() - cpu0, lat: lat}
	reads1, writes1 := ioCalls()
	runtime.ReadMemStats(&ms1)
	if e := firstErr.Load(); e != nil {
		s.err = e.(string)
	}
	s.ops, s.bytes = ops.Load(), bytes.Load()
	if s.ops == 0 && s.err == "" {
		s.err = errNoOps
	}
	s.mallocs = ms1.Mallocs - ms0.Mallocs
	s.reads, s.writes = reads1-reads0, writes1-writes0
	return s
}

// merge reports a contender's rounds: the median round's rates, and per-operation figures over all rounds.
func merge(scenario, impl string, ss []sample) result {
	r := result{Scenario: scenario, Impl: impl}
	if len(ss) == 0 {
		r.Err = "no round completed"
		return r
	}
	if ss[0].rate > 0 {
		return mergeRates(r, ss)
	}
	var total sample
	rates := make([]float64, len(ss))
	byteRates := make([]float64, len(ss))
	cpus := make([]float64, len(ss))
	for i, s := range ss {
		rates[i] = float64(s.ops) / s.elapsed.Seconds()
		byteRates[i] = float64(s.bytes) / s.elapsed.Seconds()
		cpus[i] = float64(s.cpu.Microseconds()) / float64(s.ops)
		total.ops += s.ops
		total.bytes += s.bytes
		total.cpu += s.cpu
		total.mallocs += s.mallocs
		total.reads += s.reads
		total.writes += s.writes
		total.lat = append(total.lat, s.lat...)
	}
	r.RoundOps, r.RoundBytes, r.RoundCPU = [][]float64{slices.Clone(rates)}, [][]float64{byteRates}, [][]float64{cpus}
	sort.Float64s(rates)
	n := float64(total.ops)
	r.OpsPerSec = rates[len(rates)/2]
	r.BytesPerSec = r.OpsPerSec * float64(total.bytes) / n
	r.AllocsPerOp = float64(total.mallocs) / n
	r.CPUusPerOp = float64(total.cpu.Microseconds()) / n
	r.ReadCallsPerOp = float64(total.reads) / n
	r.WriteCallsPerOp = float64(total.writes) / n
	if len(total.lat) > 0 {
		sort.Slice(total.lat, func(i, j int) bool { return total.lat[i] < total.lat[j] })
		r.P99us = float64(total.lat[len(total.lat)*99/100].Microseconds())
	}
	return r
}

// mergeRates reports the rounds of an outside program: the median round's rates.
func mergeRates(r result, ss []sample) result {
	rates, byteRates := make([]float64, len(ss)), make([]float64, len(ss))
	for i, s := range ss {
		rates[i], byteRates[i] = s.rate, s.byteRate
	}
	r.RoundOps, r.RoundBytes = [][]float64{rates}, [][]float64{byteRates}
	sort.Slice(ss, func(i, j int) bool { return ss[i].rate < ss[j].rate })
	r.OpsPerSec, r.BytesPerSec = ss[len(ss)/2].rate, ss[len(ss)/2].byteRate
	r.External = true
	return r
}

// drain reads r to the end through buf, and returns how many bytes it read. (io.CopyBuffer into io.Discard
// would ignore buf: io.Discard reads in 8 KiB pieces of its own.)
func drain(r io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// poolGet is the operation "GET req through httpwire's pool, body drained through the worker's buffer".
func poolGet(p *pool.Pool, req *pool.Request) func([]byte) (int64, error) {
	return func(b []byte) (int64, error) {
		resp, err := p.Do(context.Background(), req)
		if err != nil {
			return 0, err
		}
		n, err := drain(resp.Body, b)
		resp.Release() // as fasthttp's contender releases its response: the next one reuses the memory
		return n, err
	}
}

// roundTripGet is poolGet for an http.RoundTripper (net/http, x/net/http2).
func roundTripGet(rt http.RoundTripper, req *http.Request) func([]byte) (int64, error) {
	return func(b []byte) (int64, error) {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return 0, err
		}
		n, err := drain(resp.Body, b)
		resp.Body.Close()
		return n, err
	}
}

// medianRuns merges the results of several runs of the same scenarios: each figure of each implementation is
// the median of its runs (an implementation that failed in a run counts only the runs it completed, and
// fails if it completed none), and its rounds are kept run by run.
func medianRuns(runs [][]result) []result {
	if len(runs) == 1 {
		return runs[0]
	}
	type key struct{ scenario, impl string }
	byKey := map[key][]result{}
	rounds := map[key][3][][]float64{} // ops, bytes and CPU, a list per run
	var order []key
	for i, run := range runs {
		for _, r := range run {
			k := key{r.Scenario, r.Impl}
			if _, seen := byKey[k]; !seen {
				order = append(order, k)
				byKey[k] = nil
				rounds[k] = [3][][]float64{make([][]float64, len(runs)), make([][]float64, len(runs)), make([][]float64, len(runs))}
			}
			if r.Err == "" {
				byKey[k] = append(byKey[k], r)
				if len(r.RoundOps) == 1 {
					rounds[k][0][i], rounds[k][1][i] = r.RoundOps[0], r.RoundBytes[0]
				}
				if len(r.RoundCPU) == 1 {
					rounds[k][2][i] = r.RoundCPU[0]
				}
			}
		}
	}
	median := func(rs []result, field func(*result) *float64) float64 {
		vs := make([]float64, len(rs))
		for i := range rs {
			vs[i] = *field(&rs[i])
		}
		sort.Float64s(vs)
		return vs[len(vs)/2]
	}
	fields := []func(*result) *float64{
		func(r *result) *float64 { return &r.OpsPerSec },
		func(r *result) *float64 { return &r.BytesPerSec },
		func(r *result) *float64 { return &r.AllocsPerOp },
		func(r *result) *float64 { return &r.CPUusPerOp },
		func(r *result) *float64 { return &r.P99us },
		func(r *result) *float64 { return &r.ReadCallsPerOp },
		func(r *result) *float64 { return &r.WriteCallsPerOp },
		func(r *result) *float64 { return &r.BytesPerConn },
	}
	var out []result
	for _, k := range order {
		rs := byKey[k]
		if len(rs) == 0 {
			out = append(out, result{Scenario: k.scenario, Impl: k.impl, Err: "failed in every run"})
			continue
		}
		m := rs[0]
		for _, field := range fields {
			*field(&m) = median(rs, field)
		}
		m.RoundOps, m.RoundBytes, m.RoundCPU = rounds[k][0], rounds[k][1], rounds[k][2]
		out = append(out, m)
	}
	return out
}
