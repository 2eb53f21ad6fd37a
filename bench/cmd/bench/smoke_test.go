package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the benchmark's children: servers ("serve h1", "serve h2c") and
// memory measurements ("memchild ...").
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "serve" {
		serveMain(os.Args[2:])
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "memchild" {
		memChildMain(os.Args[2:])
		return
	}
	os.Exit(m.Run())
}

// TestSmoke runs every scenario but the 64 MiB downloads for a few milliseconds per implementation: each
// implementation must complete operations without error, and the table and JSON must carry them. The
// figures themselves are not judged (no timed assertions).
func TestSmoke(t *testing.T) {
	var results []result
	for _, name := range []string{"h1-parse", "h1-seq", "h1-par64", "h2c-par64", "pool-contention", "idle-mem", "stream-mem"} {
		rs := runScenarios(name, 30*time.Millisecond)
		if len(rs) == 0 {
			t.Fatalf("%s: no results", name)
		}
		results = append(results, rs...)
	}
	impls := map[string][]string{}
	for _, r := range results {
		if r.Err != "" {
			t.Errorf("%s %s: %s", r.Scenario, r.Impl, r.Err)
			continue
		}
		if r.OpsPerSec <= 0 && r.BytesPerConn <= 0 {
			t.Errorf("%s %s: no figures: %+v", r.Scenario, r.Impl, r)
		}
		impls[r.Scenario] = append(impls[r.Scenario], r.Impl)
	}
	for _, want := range []struct{ scenario, impl string }{
		{"h1-parse", "fasthttp"}, {"h1-seq", "raw floor"}, {"h1-par64", "net/http"},
		{"h2c-par64", "x/net/http2"}, {"pool-contention", "httpwire"}, {"idle-mem", "net/http"},
		{"stream-mem", "httpwire"},
	} {
		if !strings.Contains(strings.Join(impls[want.scenario], ","), want.impl) {
			t.Errorf("%s: implementations %v, want %s among them", want.scenario, impls[want.scenario], want.impl)
		}
	}

	var table bytes.Buffer
	printTable(&table, results)
	if !strings.Contains(table.String(), "h2c-par64") || !strings.Contains(table.String(), "vs httpwire") {
		t.Errorf("table:\n%s", table.String())
	}
	path := filepath.Join(t.TempDir(), "out", "latest.json")
	if err := writeJSON(path, results, judge(results)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Scenarios []map[string]any `json:"scenarios"`
		Goals     []goal           `json:"goals"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Scenarios) != len(results) {
		t.Fatalf("JSON: %v, %d scenarios for %d results", err, len(doc.Scenarios), len(results))
	}
	// Every scenario run here has its goals judged (not bulk-h1 and bulk-h2, left out above).
	names := map[string]bool{}
	for _, g := range doc.Goals {
		names[g.Name] = true
	}
	for _, want := range []string{"h1-parse", "h1-seq", "h1-par64", "h1 allocations", "h2 allocations", "h2c-par64",
		"pool-contention", "idle-mem", "stream-mem"} {
		if !names[want] {
			t.Errorf("JSON goals %v: none named %q", doc.Goals, want)
		}
	}
	for _, key := range []string{"scenario", "impl", "ops_per_sec", "bytes_per_sec", "allocs_per_op", "cpu_us_per_op", "p99_us"} {
		if _, ok := doc.Scenarios[0][key]; !ok {
			t.Errorf("JSON result has no %q: %v", key, doc.Scenarios[0])
		}
	}
}
