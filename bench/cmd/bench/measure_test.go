package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCompareOutsideProgram: an outside program's turns are interleaved with the others', and its result is
// its median turn's reported rates, marked external.
func TestCompareOutsideProgram(t *testing.T) {
	var mu sync.Mutex
	var turns []string
	inside := each("inside", 1, func() (int64, error) {
		mu.Lock()
		if len(turns) == 0 || turns[len(turns)-1] != "i" {
			turns = append(turns, "i")
		}
		mu.Unlock()
		return 1, nil
	})
	rates := []float64{30, 10, 50, 20, 40} // median 30
	outside := contender{impl: "outside", round: func(time.Duration) sample {
		mu.Lock()
		defer mu.Unlock()
		turns = append(turns, "o")
		r := rates[0]
		rates = rates[1:]
		return sample{rate: r, byteRate: r * 1000}
	}}
	rs := compare("test", 50*time.Millisecond, []contender{inside, outside})
	mu.Lock()
	order := strings.Join(turns, "")
	mu.Unlock()
	// The inside contender's warm-up op comes first; then five rounds of a turn each, the first contender
	// of a round rotating: i o, o i, i o, o i, i o. Consecutive inside turns are recorded once (the warm-up
	// with round 0's, round 1's with round 2's, round 3's with round 4's).
	if order != "iooiooio" {
		t.Errorf("turns %q, want warm-up, then i o, o i, i o, o i, i o", order)
	}
	if rs[0].Err != "" || rs[0].External || rs[0].OpsPerSec <= 0 {
		t.Errorf("inside: %+v", rs[0])
	}
	if o := rs[1]; o.Err != "" || !o.External || o.OpsPerSec != 30 || o.BytesPerSec != 30000 {
		t.Errorf("outside: %+v, want the median turn (30 ops/s, 30000 B/s), external", o)
	}
	// Every round's rates are kept, for the test of a shortfall.
	if o := rs[1]; len(o.RoundOps) != 5 || len(o.RoundBytes) != 5 || o.RoundBytes[2] != 1000*o.RoundOps[2] {
		t.Errorf("outside's rounds: %v and %v, want the five turns' rates", o.RoundOps, o.RoundBytes)
	}
	if in := rs[0]; len(in.RoundOps) != 5 || len(in.RoundBytes) != 5 || in.RoundOps[0] <= 0 || in.RoundBytes[0] != in.RoundOps[0] {
		t.Errorf("inside's rounds: %v and %v, want five, one byte per operation", in.RoundOps, in.RoundBytes)
	}
}

// TestMedianRuns: each figure of each implementation is the median of the runs it completed.
func TestMedianRuns(t *testing.T) {
	runs := [][]result{
		{{Scenario: "s", Impl: "a", OpsPerSec: 10, CPUusPerOp: 3, RoundOps: []float64{9, 10, 11}}, {Scenario: "s", Impl: "b", Err: "boom"}},
		{{Scenario: "s", Impl: "a", OpsPerSec: 30, CPUusPerOp: 1, RoundOps: []float64{30}}, {Scenario: "s", Impl: "b", Err: "boom"}},
		{{Scenario: "s", Impl: "a", OpsPerSec: 20, CPUusPerOp: 2, RoundOps: []float64{20, 21}}, {Scenario: "s", Impl: "b", Err: "boom"},
			{Scenario: "s", Impl: "c", OpsPerSec: 5}},
	}
	got := medianRuns(runs)
	if len(got) != 3 {
		t.Fatalf("%d results, want 3: %+v", len(got), got)
	}
	if a := got[0]; a.Impl != "a" || a.OpsPerSec != 20 || a.CPUusPerOp != 2 || a.Err != "" {
		t.Errorf("a: %+v, want the medians 20 ops/s and 2 µs", a)
	}
	if a := got[0]; len(a.RoundOps) != 6 || a.RoundOps[0] != 9 || a.RoundOps[5] != 21 {
		t.Errorf("a's rounds: %v, want all six of its three runs", a.RoundOps)
	}
	if len(runs[0][0].RoundOps) != 3 {
		t.Errorf("the first run's rounds changed to %v", runs[0][0].RoundOps)
	}
	if b := got[1]; b.Impl != "b" || b.Err == "" {
		t.Errorf("b: %+v, want a failure (it completed no run)", b)
	}
	if c := got[2]; c.Impl != "c" || c.OpsPerSec != 5 {
		t.Errorf("c: %+v, want its one run", c)
	}
	if one := medianRuns(runs[:1]); len(one) != 2 || one[1].Err != "boom" {
		t.Errorf("one run: %+v, want it as it was", one)
	}
}

// TestCompareWarmsUpEveryWorker: before the first measured turn, every worker of every contender has run,
// and together (so that a client has all its connections open), not only the first few one by one.
func TestCompareWarmsUpEveryWorker(t *testing.T) {
	const workers = 16
	var mu sync.Mutex
	seen := map[int]bool{}
	running, most := 0, 0
	inside := contender{impl: "inside", workers: workers, op: func(w int) (int64, error) {
		mu.Lock()
		seen[w] = true
		running++
		most = max(most, running)
		mu.Unlock()
		time.Sleep(time.Millisecond) // long enough for the others to start meanwhile
		mu.Lock()
		running--
		mu.Unlock()
		return 1, nil
	}}
	var before int
	var together bool
	first := true
	outside := contender{impl: "outside", round: func(time.Duration) sample {
		mu.Lock()
		defer mu.Unlock()
		if first { // round 0 begins with the first contender: nothing measured has run yet
			before, together, first = len(seen), most > 1, false
		}
		return sample{rate: 1, byteRate: 1}
	}}
	compare("test", 100*time.Millisecond, []contender{outside, inside})
	if before != workers || !together {
		t.Errorf("before the first measured turn, %d of %d workers had run (together: %v)", before, workers, together)
	}
}
