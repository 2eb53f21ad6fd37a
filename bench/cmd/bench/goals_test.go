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
	out.Reset()
	printGoals(&out, goals, 3)
	if !strings.Contains(out.String(), "median of 3 runs") || !strings.Contains(out.String(), "10 of 10 goals met by the medians of 3 runs") {
		t.Errorf("goals table of 3 runs:\n%s", out.String())
	}
}
