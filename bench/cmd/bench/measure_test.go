package main

import (
	"math"
	"slices"
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
		return 3, nil
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
	if o := rs[1]; len(o.RoundOps) != 1 || len(o.RoundOps[0]) != 5 || len(o.RoundBytes) != 1 ||
		o.RoundOps[0][0] != 30 || o.RoundOps[0][1] != 10 || o.RoundBytes[0][2] != 50000 {
		t.Errorf("outside's rounds: %v and %v, want the five turns' rates in their order", o.RoundOps, o.RoundBytes)
	}
	if in := rs[0]; len(in.RoundCPU) != 1 || len(in.RoundCPU[0]) != 5 {
		t.Errorf("inside's CPU per operation by round: %v, want five", in.RoundCPU)
	} else if lo, hi := slices.Min(in.RoundCPU[0]), slices.Max(in.RoundCPU[0]); in.CPUusPerOp < lo-0.5 || in.CPUusPerOp > hi+0.5 {
		// The total per operation is a weighted mean of the rounds' (each rounded to whole microseconds).
		t.Errorf("inside's CPU: %v µs per operation over all rounds, but %v to %v by round", in.CPUusPerOp, lo, hi)
	}
	if o := rs[1]; o.RoundCPU != nil {
		t.Errorf("outside's CPU by round: %v, want none (an outside program's CPU is not measured)", o.RoundCPU)
	}
	if in := rs[0]; len(in.RoundOps) != 1 || len(in.RoundOps[0]) != 5 || len(in.RoundBytes) != 1 || len(in.RoundBytes[0]) != 5 {
		t.Errorf("inside's rounds: %v and %v, want five", in.RoundOps, in.RoundBytes)
	} else {
		for i, r := range in.RoundOps[0] {
			if b := in.RoundBytes[0][i]; r <= 0 || math.Abs(b-3*r) > 1e-9*b {
				t.Errorf("inside's round %d: %v ops/s and %v B/s, want three bytes per operation", i, r, b)
			}
		}
	}
}

// TestMedianRuns: each figure of each implementation is the median of the runs it completed.
func TestMedianRuns(t *testing.T) {
	runs := [][]result{
		{{Scenario: "s", Impl: "a", OpsPerSec: 10, CPUusPerOp: 3, RoundOps: [][]float64{{9, 10, 11}}, RoundBytes: [][]float64{{90, 100, 110}}}, {Scenario: "s", Impl: "b", Err: "boom"}},
		{{Scenario: "s", Impl: "a", OpsPerSec: 30, CPUusPerOp: 1, RoundOps: [][]float64{{30}}, RoundBytes: [][]float64{{300}}}, {Scenario: "s", Impl: "b", Err: "boom"}},
		{{Scenario: "s", Impl: "a", OpsPerSec: 20, CPUusPerOp: 2, RoundOps: [][]float64{{20, 21}}, RoundBytes: [][]float64{{200, 210}}, RoundCPU: [][]float64{{2, 2.1}}}, {Scenario: "s", Impl: "b", Err: "boom"},
			{Scenario: "s", Impl: "c", OpsPerSec: 5, RoundOps: [][]float64{{5}}, RoundBytes: [][]float64{{5}}}},
	}
	got := medianRuns(runs)
	if len(got) != 3 {
		t.Fatalf("%d results, want 3: %+v", len(got), got)
	}
	if a := got[0]; a.Impl != "a" || a.OpsPerSec != 20 || a.CPUusPerOp != 2 || a.Err != "" {
		t.Errorf("a: %+v, want the medians 20 ops/s and 2 µs", a)
	}
	if a := got[0]; len(a.RoundOps) != 3 || len(a.RoundOps[0]) != 3 || a.RoundOps[1][0] != 30 || a.RoundOps[2][1] != 21 ||
		len(a.RoundBytes) != 3 || a.RoundBytes[2][1] != 210 {
		t.Errorf("a's rounds: %v and %v, want each of its three runs'", a.RoundOps, a.RoundBytes)
	}
	if a := got[0]; len(a.RoundCPU) != 3 || a.RoundCPU[0] != nil || len(a.RoundCPU[2]) != 2 || a.RoundCPU[2][1] != 2.1 {
		t.Errorf("a's CPU by round: %v, want the third run's only", a.RoundCPU)
	}
	// c completed only the third run: its rounds are kept in their run's place, so that judge pairs them
	// with the others' third run.
	if c := got[2]; len(c.RoundOps) != 3 || c.RoundOps[0] != nil || c.RoundOps[1] != nil {
		t.Errorf("c's rounds: %v, want none in the first two runs", c.RoundOps)
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
