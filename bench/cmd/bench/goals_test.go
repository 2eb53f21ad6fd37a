package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestJudge: each goal compares the right figures, and its threshold is where the target puts it.
func TestJudge(t *testing.T) {
	base := func() []result {
		return []result{
			{Scenario: "h1-parse", Impl: "httpwire", OpsPerSec: 110, AllocsPerOp: 0.001},
			{Scenario: "h1-parse", Impl: "fasthttp", OpsPerSec: 100},
			{Scenario: "h1-seq", Impl: "httpwire", OpsPerSec: 96, CPUusPerOp: 11, AllocsPerOp: 2},
			{Scenario: "h1-seq", Impl: "raw floor", OpsPerSec: 100, CPUusPerOp: 10},
			{Scenario: "h1-par64", Impl: "httpwire", OpsPerSec: 100},
			{Scenario: "h1-par64", Impl: "fasthttp", OpsPerSec: 100},
			{Scenario: "h1-par64", Impl: "raw floor", OpsPerSec: 110},
			{Scenario: "h2c-par64", Impl: "httpwire", OpsPerSec: 200, AllocsPerOp: 3},
			{Scenario: "h2c-par64", Impl: "x/net/http2", OpsPerSec: 100},
			// 1 MB per op for both; CPU per byte 1.2× the floor's.
			{Scenario: "bulk-h1", Impl: "httpwire", OpsPerSec: 95, BytesPerSec: 95e6, CPUusPerOp: 12},
			{Scenario: "bulk-h1", Impl: "raw floor", OpsPerSec: 100, BytesPerSec: 100e6, CPUusPerOp: 10},
			{Scenario: "bulk-h2", Impl: "httpwire", BytesPerSec: 90},
			{Scenario: "bulk-h2", Impl: "h2load", BytesPerSec: 100, External: true},
			{Scenario: "pool-contention", Impl: "httpwire", P99us: 1000},
			{Scenario: "pool-contention", Impl: "net/http", P99us: 1000},
			{Scenario: "idle-mem", Impl: "httpwire", BytesPerConn: 50},
			{Scenario: "idle-mem", Impl: "net/http", BytesPerConn: 100},
			{Scenario: "stream-mem", Impl: "httpwire", BytesPerConn: 30},
			{Scenario: "stream-mem", Impl: "net/http", BytesPerConn: 100},
		}
	}
	// Every figure above sits on or inside its target's line.
	goals := judge(base())
	if len(goals) != 12 {
		t.Fatalf("%d goals, want 12: %+v", len(goals), goals)
	}
	for _, g := range goals {
		if !g.Met {
			t.Errorf("%s (%s): %s judged not met", g.Name, g.Target, g.Result)
		}
	}
	// Each change below crosses one line, and only that goal fails.
	for _, tc := range []struct {
		goal   string
		target string // part of the goal's target, to tell the two h1-par64 goals apart
		change func(rs []result)
	}{
		{"h1-parse", "", func(rs []result) { rs[0].AllocsPerOp = 1 }},
		{"h1-parse", "", func(rs []result) { rs[0].OpsPerSec = 99 }},
		{"h1-seq", "", func(rs []result) { rs[2].OpsPerSec = 94 }},
		{"h1-seq", "", func(rs []result) { rs[2].CPUusPerOp = 11.2 }},
		{"h1-par64", "fasthttp", func(rs []result) { rs[5].OpsPerSec = 101 }},
		{"h1-par64", "floor", func(rs []result) { rs[6].OpsPerSec = 112 }},
		{"h1 allocations", "", func(rs []result) { rs[2].AllocsPerOp = 2.5 }},
		{"h2 allocations", "", func(rs []result) { rs[7].AllocsPerOp = 5.5 }},
		{"h2c-par64", "", func(rs []result) { rs[8].OpsPerSec = 101 }},
		{"bulk-h1", "", func(rs []result) { rs[9].CPUusPerOp = 12.2 }},
		{"bulk-h1", "", func(rs []result) { rs[9].BytesPerSec, rs[9].OpsPerSec = 94e6, 94 }},
		{"bulk-h2", "", func(rs []result) { rs[11].BytesPerSec = 89 }},
		{"pool-contention", "", func(rs []result) { rs[13].P99us = 1001 }},
		{"idle-mem", "", func(rs []result) { rs[15].BytesPerConn = 51 }},
		{"stream-mem", "", func(rs []result) { rs[17].BytesPerConn = 51 }},
	} {
		rs := base()
		tc.change(rs)
		for _, g := range judge(rs) {
			hit := g.Name == tc.goal && strings.Contains(g.Target, tc.target)
			if g.Met == hit {
				t.Errorf("changed for %s %s: %s (%s) met %v", tc.goal, tc.target, g.Name, g.Target, g.Met)
			}
		}
	}
	// A median short of its target is level with it when the rounds overlap, and missed when they do not.
	overlap := func(median float64) [][]float64 {
		return [][]float64{{median - 4, median - 2, median, median + 2, median + 4}}
	}
	for _, tc := range []struct {
		goal, target string
		change       func(rs []result)
		level        bool
		side         string // for a level goal: "below" (its rate) or "above" (its cost), when it matters
	}{
		{"h1-par64", "fasthttp", func(rs []result) {
			rs[4].OpsPerSec, rs[4].RoundOps = 98, overlap(98)
			rs[5].RoundOps, rs[6].OpsPerSec = overlap(100), 105
		}, true, ""},
		{"h1-par64", "fasthttp", func(rs []result) {
			rs[4].OpsPerSec, rs[4].RoundOps = 98, [][]float64{{96, 97, 98, 98.5, 99}}
			rs[5].RoundOps, rs[6].OpsPerSec = [][]float64{{99.5, 100, 100, 101, 102}}, 105
		}, false, ""},
		// The factor applies to the other's rounds: 1.95× with rounds that overlap twice x/net's.
		{"h2c-par64", "", func(rs []result) {
			rs[7].OpsPerSec, rs[7].RoundOps = 195, overlap(195)
			rs[8].RoundOps = overlap(100)
		}, true, ""},
		{"h2c-par64", "", func(rs []result) {
			rs[7].OpsPerSec, rs[7].RoundOps = 195, overlap(195)
			rs[8].RoundOps = [][]float64{{100, 101, 102, 103, 104}}
		}, false, ""},
		{"bulk-h2", "", func(rs []result) {
			rs[11].BytesPerSec, rs[11].RoundBytes = 88, overlap(88)
			rs[12].RoundBytes = overlap(100)
		}, true, ""},
		// Only the runs both completed count: httpwire's fast first run, whose other side failed, does not
		// hide a clear shortfall in the two runs after it.
		{"h1-par64", "fasthttp", func(rs []result) {
			rs[4].OpsPerSec, rs[6].OpsPerSec = 92.5, 100
			rs[4].RoundOps = [][]float64{{110, 112, 114, 116, 118}, {90, 91, 92, 93, 94}, {90.5, 91.5, 92.5, 93.5, 94.5}}
			rs[5].RoundOps = [][]float64{nil, {98, 99, 100, 101, 102}, {98.5, 99.5, 100.5, 101.5, 102.5}}
		}, false, ""},
		// A cost over its line is weighed the same way, in the other direction: CPU per request whose rounds
		// overlap 1.1× the floor's is level; rounds all above it, or no rounds at all, miss the goal, and
		// level rates do not save it.
		{"h1-seq", "", func(rs []result) {
			rs[2].OpsPerSec, rs[2].RoundOps, rs[2].CPUusPerOp = 94, overlap(94), 11.2
			rs[3].RoundOps = overlap(100)
		}, false, ""},
		{"h1-seq", "", func(rs []result) {
			rs[2].OpsPerSec, rs[2].RoundOps = 94, overlap(94)
			rs[3].RoundOps = overlap(100)
		}, true, "below"},
		{"h1-seq", "", func(rs []result) {
			rs[2].CPUusPerOp, rs[2].RoundCPU = 11.2, [][]float64{{10.6, 10.9, 11.2, 11.5, 11.8}}
			rs[3].RoundCPU = [][]float64{{9.6, 9.8, 10, 10.2, 10.4}} // 1.1×: 10.56 to 11.44
		}, true, "above"},
		{"h1-seq", "", func(rs []result) {
			rs[2].CPUusPerOp, rs[2].RoundCPU = 11.2, [][]float64{{11.5, 11.6, 11.7, 11.8, 11.9}}
			rs[3].RoundCPU = [][]float64{{9.6, 9.8, 10, 10.2, 10.4}}
		}, false, ""},
		// bulk-h1's cost is per byte: each round's CPU per operation over its bytes per operation. httpwire
		// moves half the bytes per operation for the same CPU in its slower rounds: 2× the CPU per byte.
		{"bulk-h1", "", func(rs []result) {
			rs[9].CPUusPerOp = 12.2
			rs[9].RoundCPU = [][]float64{{11, 11.5, 12, 12.5, 13}}
			rs[9].RoundOps = [][]float64{{2, 1, 3, 1, 1}} // a megabyte per operation in every round
			rs[9].RoundBytes = [][]float64{{2e6, 1e6, 3e6, 1e6, 1e6}}
			rs[10].RoundCPU = [][]float64{{9.5, 9.8, 10, 10.2, 10.5}}
			rs[10].RoundOps = [][]float64{{1, 1, 1, 1, 1}}
			rs[10].RoundBytes = [][]float64{{1e6, 1e6, 1e6, 1e6, 1e6}}
		}, true, "above"},
		{"bulk-h1", "", func(rs []result) {
			rs[9].CPUusPerOp = 12.2
			rs[9].RoundCPU = [][]float64{{11, 11.5, 12, 12.5, 13}}
			rs[9].RoundOps = [][]float64{{2, 2, 1, 1, 2}} // half a megabyte per operation in three rounds
			rs[9].RoundBytes = [][]float64{{1e6, 1e6, 1e6, 1e6, 1e6}}
			rs[10].RoundCPU = [][]float64{{9.5, 9.8, 10, 10.2, 10.5}}
			rs[10].RoundOps = [][]float64{{1, 1, 1, 1, 1}}
			rs[10].RoundBytes = [][]float64{{1e6, 1e6, 1e6, 1e6, 1e6}}
		}, false, ""},
		// Nothing moved: no cost per byte to weigh, and no goal met.
		{"bulk-h1", "", func(rs []result) {
			rs[9].BytesPerSec, rs[10].BytesPerSec = 0, 0
		}, false, ""},
	} {
		rs := base()
		tc.change(rs)
		for _, g := range judge(rs) {
			hit := g.Name == tc.goal && strings.Contains(g.Target, tc.target)
			switch {
			case hit && (g.Met || g.Level != tc.level):
				t.Errorf("%s %s: met %v, level %v, want level %v (%s)", tc.goal, tc.target, g.Met, g.Level, tc.level, g.Result)
			case hit && tc.level != strings.Contains(g.Result, "not significantly "):
				t.Errorf("%s %s: result %q, want the p-value told only for a level result", tc.goal, tc.target, g.Result)
			case hit && tc.level && tc.side != "" && (strings.Count(g.Result, "not significantly ") != 1 ||
				!strings.Contains(g.Result, "not significantly "+tc.side)):
				t.Errorf("%s %s: result %q, want one p-value, for the part %s its line", tc.goal, tc.target, g.Result, tc.side)
			case !hit && !g.Met:
				t.Errorf("changed for %s %s: %s (%s) not met", tc.goal, tc.target, g.Name, g.Target)
			}
		}
	}
	// Missing or failed scenarios leave their goals out; the table says how many were met.
	rs := base()
	rs[1].Err = "failed"
	goals = judge(rs[:len(rs)-2])
	for _, g := range goals {
		if g.Name == "h1-parse" || g.Name == "stream-mem" {
			t.Errorf("goal %s judged without its figures", g.Name)
		}
	}
	var out bytes.Buffer
	printGoals(&out, goals, 1)
	if !strings.Contains(out.String(), "10 of 10 goals met in this run") {
		t.Errorf("goals table:\n%s", out.String())
	}
	goals[0].Met, goals[0].Level = false, true
	out.Reset()
	printGoals(&out, goals, 1)
	if !strings.Contains(out.String(), "level within noise") || !strings.Contains(out.String(), "9 of 10 goals met in this run") ||
		!strings.Contains(out.String(), "; 1 more short by less than noise") {
		t.Errorf("goals table with a level goal:\n%s", out.String())
	}
	goals[0].Met, goals[0].Level = true, false
	out.Reset()
	printGoals(&out, goals, 3)
	if !strings.Contains(out.String(), "median of 3 runs") || !strings.Contains(out.String(), "10 of 10 goals met by the medians of 3 runs") {
		t.Errorf("goals table of 3 runs:\n%s", out.String())
	}
}
