package main

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// goal is one of the speed and memory targets of docs/performance.md, judged on one run's results.
type goal struct {
	Name   string `json:"goal"`
	Target string `json:"target"`
	Result string `json:"result"` // httpwire's figure against the target's, as ratios
	Met    bool   `json:"met"`
	// Level marks a figure that missed its target by less than the rounds can tell apart from noise
	// (significance.go): not met, and not missed either.
	Level bool `json:"level,omitempty"`
}

// verdict is how a figure stands against its target.
type verdict int

const (
	missed verdict = iota
	level          // the median is short, but not significantly
	met
)

// figures looks results up by scenario and implementation.
type figures map[[2]string]result

func (f figures) get(scenario, impl string) (result, bool) {
	r, ok := f[[2]string{scenario, impl}]
	return r, ok && r.Err == ""
}

// scaled returns runs with every round times factor.
func scaled(runs [][]float64, factor float64) [][]float64 {
	out := make([][]float64, len(runs))
	for i, run := range runs {
		for _, r := range run {
			out[i] = append(out[i], factor*r)
		}
	}
	return out
}

// rateAtLeast judges "a rate of hw at least factor times them's": met when the medians say so; level when
// they do not, but hw's rounds are not significantly below factor times them's (at alpha); missed
// otherwise. Only rounds of the same run are compared (pBelowByRun). p is the test's, when it was asked.
func rateAtLeast(hw, them, factor float64, hwRuns, themRuns [][]float64) (v verdict, p float64) {
	if hw >= factor*them {
		return met, 0
	}
	if p = pBelowByRun(hwRuns, scaled(themRuns, factor)); p >= alpha {
		return level, p
	}
	return missed, p
}

// costAtMost judges "a cost of hw (CPU per request or per byte) at most factor times them's" the same way:
// met when the totals over all rounds say so; level when they do not, but hw's rounds are not
// significantly above factor times them's; missed otherwise.
func costAtMost(hw, them, factor float64, hwRuns, themRuns [][]float64) (v verdict, p float64) {
	if hw <= factor*them {
		return met, 0
	}
	if p = pBelowByRun(scaled(themRuns, factor), hwRuns); p >= alpha {
		return level, p
	}
	return missed, p
}

// note is what a goal's result adds for one of its conditions: its p-value, when the goal is level and this
// condition is what made it so; side is where the figure is not significantly ("below" its target for a
// rate, "above" for a cost).
func note(goal, part verdict, p float64, side string) string {
	if goal != level || part != level {
		return ""
	}
	return fmt.Sprintf(" (not significantly %s: p = %.3f)", side, p)
}

// perByte turns rounds of CPU per operation into CPU per byte, with each round's bytes per operation.
func perByte(r result) [][]float64 {
	out := make([][]float64, len(r.RoundCPU))
	for i := range min(len(r.RoundCPU), len(r.RoundOps), len(r.RoundBytes)) {
		for j := range min(len(r.RoundCPU[i]), len(r.RoundOps[i]), len(r.RoundBytes[i])) {
			out[i] = append(out[i], r.RoundCPU[i][j]/(r.RoundBytes[i][j]/r.RoundOps[i][j]))
		}
	}
	return out
}

// unless is v, or missed when a condition judged on its figure alone (allocations, p99, memory) fails.
func unless(v verdict, ok bool) verdict {
	if !ok {
		return missed
	}
	return v
}

// judge evaluates every goal whose scenarios are in results (with -only, some are not).
func judge(results []result) []goal {
	f := figures{}
	for _, r := range results {
		f[[2]string{r.Scenario, r.Impl}] = r
	}
	var goals []goal
	// ratio adds a goal comparing httpwire's figures with another implementation's in one scenario.
	ratio := func(name, target, scenario, other string, verdictOf func(hw, them result) (string, verdict)) {
		hw, ok1 := f.get(scenario, "httpwire")
		them, ok2 := f.get(scenario, other)
		if !ok1 || !ok2 {
			return
		}
		res, v := verdictOf(hw, them)
		goals = append(goals, goal{Name: name, Target: target, Result: res, Met: v == met, Level: v == level})
	}
	// opsAtLeast and bytesAtLeast are rateAtLeast on the rates of requests and of bytes.
	opsAtLeast := func(hw, them result, factor float64) (verdict, float64) {
		return rateAtLeast(hw.OpsPerSec, them.OpsPerSec, factor, hw.RoundOps, them.RoundOps)
	}
	bytesAtLeast := func(hw, them result, factor float64) (verdict, float64) {
		return rateAtLeast(hw.BytesPerSec, them.BytesPerSec, factor, hw.RoundBytes, them.RoundBytes)
	}
	ratio("h1-parse", "≤ fasthttp's time, 0 allocations", "h1-parse", "fasthttp", func(hw, them result) (string, verdict) {
		vr, p := opsAtLeast(hw, them, 1)
		v := unless(vr, hw.AllocsPerOp < 0.05) // 0.0: a stray allocation in millions is no allocation per parse
		return fmt.Sprintf("%.2f× fasthttp's rate%s, %.1f allocations", hw.OpsPerSec/them.OpsPerSec, note(v, vr, p, "below"), hw.AllocsPerOp), v
	})
	ratio("h1-seq", "≥ 0.95× the floor's rate, CPU ≤ 1.1× the floor's", "h1-seq", "raw floor", func(hw, them result) (string, verdict) {
		vr, pr := opsAtLeast(hw, them, 0.95)
		vc, pc := costAtMost(hw.CPUusPerOp, them.CPUusPerOp, 1.1, hw.RoundCPU, them.RoundCPU)
		v := min(vr, vc)
		return fmt.Sprintf("%.2f× the rate%s, %.2f× the CPU%s", hw.OpsPerSec/them.OpsPerSec, note(v, vr, pr, "below"),
			hw.CPUusPerOp/them.CPUusPerOp, note(v, vc, pc, "above")), v
	})
	ratio("h1-par64", "≥ fasthttp's rate", "h1-par64", "fasthttp", func(hw, them result) (string, verdict) {
		v, p := opsAtLeast(hw, them, 1)
		return fmt.Sprintf("%.2f×%s", hw.OpsPerSec/them.OpsPerSec, note(v, v, p, "below")), v
	})
	ratio("h1-par64", "≥ 0.9× the floor's rate", "h1-par64", "raw floor", func(hw, them result) (string, verdict) {
		v, p := opsAtLeast(hw, them, 0.9)
		return fmt.Sprintf("%.2f×%s", hw.OpsPerSec/them.OpsPerSec, note(v, v, p, "below")), v
	})
	// The process's allocations over the requests made: a fraction above the whole number is the harness's
	// and the runtime's (timers, samples), not the requests', which make test-allocs counts exactly.
	allocs := func(name, scenario string, most float64) {
		if hw, ok := f.get(scenario, "httpwire"); ok {
			goals = append(goals, goal{Name: name, Target: fmt.Sprintf("≤ %.0f per request (%s)", most, scenario),
				Result: fmt.Sprintf("%.2f", hw.AllocsPerOp), Met: math.Round(hw.AllocsPerOp) <= most})
		}
	}
	allocs("h1 allocations", "h1-seq", 2)
	allocs("h2 allocations", "h2c-par64", 5)
	ratio("h2c-par64", "≥ 2× x/net/http2's rate", "h2c-par64", "x/net/http2", func(hw, them result) (string, verdict) {
		v, p := opsAtLeast(hw, them, 2)
		return fmt.Sprintf("%.2f×%s", hw.OpsPerSec/them.OpsPerSec, note(v, v, p, "below")), v
	})
	ratio("bulk-h1", "≥ 0.95× the floor's bytes/s, CPU per byte ≤ 1.2×", "bulk-h1", "raw floor", func(hw, them result) (string, verdict) {
		if hw.BytesPerSec <= 0 || them.BytesPerSec <= 0 {
			return "no bytes moved", missed // no cost per byte to compare
		}
		vr, pr := bytesAtLeast(hw, them, 0.95)
		hwCost, themCost := hw.CPUusPerOp/(hw.BytesPerSec/hw.OpsPerSec), them.CPUusPerOp/(them.BytesPerSec/them.OpsPerSec)
		vc, pc := costAtMost(hwCost, themCost, 1.2, perByte(hw), perByte(them))
		v := min(vr, vc)
		return fmt.Sprintf("%.2f× the bytes/s%s, %.2f× the CPU per byte%s", hw.BytesPerSec/them.BytesPerSec, note(v, vr, pr, "below"),
			hwCost/themCost, note(v, vc, pc, "above")), v
	})
	ratio("bulk-h2", "≥ 0.9× h2load's bytes/s", "bulk-h2", "h2load", func(hw, them result) (string, verdict) {
		v, p := bytesAtLeast(hw, them, 0.9)
		return fmt.Sprintf("%.2f×%s", hw.BytesPerSec/them.BytesPerSec, note(v, v, p, "below")), v
	})
	ratio("pool-contention", "p99 ≤ net/http's", "pool-contention", "net/http", func(hw, them result) (string, verdict) {
		return fmt.Sprintf("%.1f ms vs %.1f ms", hw.P99us/1000, them.P99us/1000), unless(met, hw.P99us <= them.P99us)
	})
	for _, sc := range []string{"idle-mem", "stream-mem"} {
		ratio(sc, "≤ 0.5× net/http's memory", sc, "net/http", func(hw, them result) (string, verdict) {
			r := hw.BytesPerConn / them.BytesPerConn
			return fmt.Sprintf("%.2f×", r), unless(met, r <= 0.5)
		})
	}
	return goals
}

// printGoals prints the goals and whether the figures (of one run, or the medians of runs) met each.
func printGoals(w io.Writer, goals []goal, runs int) {
	if len(goals) == 0 {
		return
	}
	what := "this run"
	if runs > 1 {
		what = fmt.Sprintf("median of %d runs", runs)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\ngoal\ttarget\t%s\t\t\n", what)
	met, level := 0, 0
	for _, g := range goals {
		mark := "not met"
		switch {
		case g.Met:
			mark, met = "met", met+1
		case g.Level:
			mark, level = "level within noise", level+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Name, g.Target, g.Result, mark)
	}
	tw.Flush()
	by := "in this run (one run: see docs/performance.md on noise, and RUNS=N)"
	if runs > 1 {
		by = fmt.Sprintf("by the medians of %d runs", runs)
	}
	fmt.Fprintf(w, "%d of %d goals met %s", met, len(goals), by)
	if level > 0 {
		fmt.Fprintf(w, "; %d more short by less than noise (one-sided Mann–Whitney U over the rounds, p ≥ %.2f)", level, alpha)
	}
	fmt.Fprintln(w)
}
