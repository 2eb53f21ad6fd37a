// Command bench runs the benchmark scenarios side by side: every implementation of a scenario in one
// process run, against a server in a child process (so that getrusage measures the client's CPU alone),
// and prints a table of ratios; -json writes the results.
//
// Usage: bench [-quick] [-json FILE] [-only SCENARIO] [-cpuprofile FILE] [-memprofile FILE] [-trace FILE]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// result is one implementation's figures in one scenario.
type result struct {
	Scenario    string  `json:"scenario"`
	Impl        string  `json:"impl"`
	OpsPerSec   float64 `json:"ops_per_sec"`
	BytesPerSec float64 `json:"bytes_per_sec"`
	AllocsPerOp float64 `json:"allocs_per_op"`
	CPUusPerOp  float64 `json:"cpu_us_per_op"`
	P99us       float64 `json:"p99_us"`
	// ReadCallsPerOp and WriteCallsPerOp count the client process's read and write system calls.
	ReadCallsPerOp  float64 `json:"read_calls_per_op,omitempty"`
	WriteCallsPerOp float64 `json:"write_calls_per_op,omitempty"`
	// BytesPerConn is the memory an idle connection (idle-mem) or an open HTTP/2 stream (stream-mem) costs.
	BytesPerConn float64 `json:"bytes_per_conn,omitempty"`
	// RoundOps, RoundBytes and RoundCPU are each round's rates and client CPU per operation, a list per run
	// (empty for a run the implementation failed): what judge tests a shortfall against.
	RoundOps   [][]float64 `json:"round_ops_per_sec,omitempty"`
	RoundBytes [][]float64 `json:"round_bytes_per_sec,omitempty"`
	RoundCPU   [][]float64 `json:"round_cpu_us_per_op,omitempty"`
	// External marks an outside program (h2load): only its rates are known.
	External bool   `json:"external,omitempty"`
	Err      string `json:"error,omitempty"`
}

// implFilter, when set, skips every other implementation.
var implFilter string

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		serveMain(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "memchild" {
		memChildMain(os.Args[2:])
		return
	}
	quick := flag.Bool("quick", false, "short runs (about a minute in all)")
	jsonOut := flag.String("json", "", "write the results to this file")
	only := flag.String("only", "", "run only the scenarios whose name contains this")
	runs := flag.Int("runs", 1, "run everything this many times; each figure is then the median over the runs")
	flag.StringVar(&implFilter, "impl", "", "run only this implementation (httpwire, net/http, ...): for profiling")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (client side) to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the whole run (client side) to this file")
	traceOut := flag.String("trace", "", "write a runtime execution trace of the whole run (client side) to this file")
	flag.Parse()
	if *memProfile != "" {
		runtime.MemProfileRate = 4096
		defer func() {
			f, err := os.Create(*memProfile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "bench:", err)
			}
		}()
	}
	if *traceOut != "" {
		startRecording(*traceOut, trace.Start)
		defer trace.Stop()
	}
	if *cpuProfile != "" {
		startRecording(*cpuProfile, pprof.StartCPUProfile)
		defer pprof.StopCPUProfile()
	}

	dur := 3 * time.Second
	if *quick {
		dur = 2 * time.Second
	}
	var all [][]result
	for i := range max(*runs, 1) {
		if *runs > 1 {
			fmt.Fprintf(os.Stderr, "run %d of %d\n", i+1, *runs)
		}
		all = append(all, runScenarios(*only, dur))
	}
	results := medianRuns(all)
	if *runs > 1 {
		fmt.Printf("each figure is the median over %d runs\n", *runs)
	}
	printTable(os.Stdout, results)
	goals := judge(results)
	printGoals(os.Stdout, goals, *runs)
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, results, goals); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

// runScenarios runs every scenario whose name contains only, with runs of about d per implementation.
func runScenarios(only string, d time.Duration) []result {
	var results []result
	for _, sc := range scenarios() {
		if only != "" && !strings.Contains(sc.name, only) {
			continue
		}
		fmt.Fprintf(os.Stderr, "scenario %s\n", sc.name)
		rs, err := sc.run(d)
		if err != nil {
			fmt.Fprintf(os.Stderr, "  %s: %v\n", sc.name, err)
			results = append(results, result{Scenario: sc.name, Impl: "-", Err: err.Error()})
			continue
		}
		results = append(results, rs...)
	}
	return results
}

// writeJSON writes the results as {"scenarios": [...], "goals": [...]}.
func writeJSON(path string, results []result, goals []goal) error {
	b, err := json.MarshalIndent(map[string]any{"scenarios": results, "goals": goals}, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// printTable prints each scenario with its implementations and their ratio to httpwire.
func printTable(w io.Writer, results []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\timpl\tops/s\tMB/s\tallocs/op\tCPU µs/op\treads/op\twrites/op\tp99 µs\tvs httpwire\tbytes/conn or stream\t")
	byScenario := map[string][]result{}
	var order []string
	for _, r := range results {
		if _, ok := byScenario[r.Scenario]; !ok {
			order = append(order, r.Scenario)
		}
		byScenario[r.Scenario] = append(byScenario[r.Scenario], r)
	}
	for _, name := range order {
		rs := byScenario[name]
		base := 0.0
		for _, r := range rs {
			if r.Impl == "httpwire" {
				base = r.OpsPerSec
			}
		}
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Impl == "httpwire" && rs[j].Impl != "httpwire" })
		for _, r := range rs {
			ratio := "-"
			if base > 0 && r.OpsPerSec > 0 {
				ratio = fmt.Sprintf("%.2fx", r.OpsPerSec/base)
			}
			if r.Err != "" {
				fmt.Fprintf(tw, "%s\t%s\terror: %s\t\t\t\t\t\t\t\t\t\n", r.Scenario, r.Impl, r.Err)
				continue
			}
			if r.External {
				fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t–\t–\t–\t–\t–\t%s\t\t\n", r.Scenario, r.Impl, r.OpsPerSec,
					r.BytesPerSec/1e6, ratio)
				continue
			}
			if r.BytesPerConn > 0 {
				fmt.Fprintf(tw, "%s\t%s\t\t\t\t\t\t\t\t\t%.0f\t\n", r.Scenario, r.Impl, r.BytesPerConn)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.0f\t%s\t\t\n", r.Scenario, r.Impl, r.OpsPerSec,
				r.BytesPerSec/1e6, r.AllocsPerOp, r.CPUusPerOp, r.ReadCallsPerOp, r.WriteCallsPerOp, r.P99us, ratio)
		}
	}
	tw.Flush()
}

// startRecording creates path and starts a recorder writing to it (a trace, a CPU profile); it exits on
// failure, before any scenario runs.
func startRecording(path string, start func(io.Writer) error) {
	f, err := os.Create(path)
	if err == nil {
		err = start(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
