package main

import (
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// cpuTime is this process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs op on workers goroutines for about d and reports the figures. op returns the bytes it moved.
func measure(scenario, impl string, workers int, d time.Duration, op func() (int64, error)) result {
	if implFilter != "" && impl != implFilter {
		return result{Scenario: scenario, Impl: impl, Err: "skipped (-impl)"}
	}
	// Warm up: connections, caches.
	for range min(workers, 8) {
		if _, err := op(); err != nil {
			return result{Scenario: scenario, Impl: impl, Err: err.Error()}
		}
	}
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	reads0, writes0 := ioCalls()
	// The harness stays out of the way: a timer ends the run, counters are per worker, and only every 8th
	// operation is timed for the latency percentiles.
	var stop atomic.Bool
	start := time.Now()
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	var ops, bytes atomic.Int64
	var firstErr atomic.Value
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range workers {
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
				n, err := op()
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
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	reads1, writes1 := ioCalls()
	runtime.ReadMemStats(&ms1)
	r := result{Scenario: scenario, Impl: impl}
	if e := firstErr.Load(); e != nil {
		r.Err = e.(string)
		return r
	}
	n := float64(ops.Load())
	if n == 0 {
		r.Err = "no operation completed"
		return r
	}
	r.OpsPerSec = n / elapsed.Seconds()
	r.BytesPerSec = float64(bytes.Load()) / elapsed.Seconds()
	r.AllocsPerOp = float64(ms1.Mallocs-ms0.Mallocs) / n
	r.CPUusPerOp = float64(cpu.Microseconds()) / n
	r.ReadCallsPerOp = float64(reads1-reads0) / n
	r.WriteCallsPerOp = float64(writes1-writes0) / n
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		r.P99us = float64(lat[len(lat)*99/100].Microseconds())
	}
	return r
}
