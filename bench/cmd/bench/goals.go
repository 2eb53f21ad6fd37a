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
}

// figures looks results up by scenario and implementation.
type figures map[[2]string]result

func (f figures) get(scenario, impl string) (result, bool) {
	r, ok := f[[2]string{scenario, impl}]
	return r, ok && r.Err == ""
}

// judge evaluates every goal whose scenarios are in results (with -only, some are not).
func judge(results []result) []goal {
	f := figures{}
	for _, r := range results {
		f[[2]string{r.Scenario, r.Impl}] = r
	}
	var goals []goal
	// ratio adds a goal comparing httpwire's figure with another implementation's in one scenario.
	ratio := func(name, target, scenario, other string, ok func(hw, them result) (string, bool)) {
		hw, ok1 := f.get(scenario, "httpwire")
		them, ok2 := f.get(scenario, other)
		if !ok1 || !ok2 {
			return
		}
		res, met := ok(hw, them)
		goals = append(goals, goal{Name: name, Target: target, Result: res, Met: met})
	}
	ratio("h1-parse", "≤ fasthttp's time, 0 allocations", "h1-parse", "fasthttp", func(hw, them result) (string, bool) {
		return fmt.Sprintf("%.2f× fasthttp's rate, %.1f allocations", hw.OpsPerSec/them.OpsPerSec, hw.AllocsPerOp),
			hw.OpsPerSec >= them.OpsPerSec && hw.AllocsPerOp < 0.05 // 0.0: a stray allocation in millions is no allocation per parse
	})
	ratio("h1-seq", "≥ 0.95× the floor's rate, CPU ≤ 1.1× the floor's", "h1-seq", "raw floor", func(hw, them result) (string, bool) {
		r, c := hw.OpsPerSec/them.OpsPerSec, hw.CPUusPerOp/them.CPUusPerOp
		return fmt.Sprintf("%.2f× the rate, %.2f× the CPU", r, c), r >= 0.95 && c <= 1.1
	})
	ratio("h1-par64", "≥ fasthttp's rate", "h1-par64", "fasthttp", func(hw, them result) (string, bool) {
		r := hw.OpsPerSec / them.OpsPerSec
		return fmt.Sprintf("%.2f×", r), r >= 1
	})
	ratio("h1-par64", "≥ 0.9× the floor's rate", "h1-par64", "raw floor", func(hw, them result) (string, bool) {
		r := hw.OpsPerSec / them.OpsPerSec
		return fmt.Sprintf("%.2f×", r), r >= 0.9
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
	ratio("h2c-par64", "≥ 2× x/net/http2's rate", "h2c-par64", "x/net/http2", func(hw, them result) (string, bool) {
		r := hw.OpsPerSec / them.OpsPerSec
		return fmt.Sprintf("%.2f×", r), r >= 2
	})
	ratio("bulk-h1", "≥ 0.95× the floor's bytes/s, CPU per byte ≤ 1.2×", "bulk-h1", "raw floor", func(hw, them result) (string, bool) {
		r := hw.BytesPerSec / them.BytesPerSec
		c := (hw.CPUusPerOp / (hw.BytesPerSec / hw.OpsPerSec)) / (them.CPUusPerOp / (them.BytesPerSec / them.OpsPerSec))
		return fmt.Sprintf("%.2f× the bytes/s, %.2f× the CPU per byte", r, c), r >= 0.95 && c <= 1.2
	})
	ratio("bulk-h2", "≥ 0.9× h2load's bytes/s", "bulk-h2", "h2load", func(hw, them result) (string, bool) {
		r := hw.BytesPerSec / them.BytesPerSec
		return fmt.Sprintf("%.2f×", r), r >= 0.9
	})
	ratio("pool-contention", "p99 ≤ net/http's", "pool-contention", "net/http", func(hw, them result) (string, bool) {
		return fmt.Sprintf("%.1f ms vs %.1f ms", hw.P99us/1000, them.P99us/1000), hw.P99us <= them.P99us
	})
	for _, sc := range []string{"idle-mem", "stream-mem"} {
		ratio(sc, "≤ 0.5× net/http's memory", sc, "net/http", func(hw, them result) (string, bool) {
			r := hw.BytesPerConn / them.BytesPerConn
			return fmt.Sprintf("%.2f×", r), r <= 0.5
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
	met := 0
	for _, g := range goals {
		mark := "not met"
		if g.Met {
			mark, met = "met", met+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Name, g.Target, g.Result, mark)
	}
	tw.Flush()
	if runs > 1 {
		fmt.Fprintf(w, "%d of %d goals met by the medians of %d runs\n", met, len(goals), runs)
		return
	}
	fmt.Fprintf(w, "%d of %d goals met in this run (one run: see docs/performance.md on noise, and RUNS=N)\n", met, len(goals))
}
