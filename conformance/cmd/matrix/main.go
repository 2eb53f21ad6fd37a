// Command matrix runs the interoperability matrix: the httpwire client (through the pool) against servers
// the project did not write — nginx, nghttpd, go-httpbin, Go's net/http server, WebSocket echo servers in
// Python and Node — and curl and h2load against the project's thin server drivers. Every peer runs on
// 127.0.0.1. It prints a matrix (peer × case) and ends with "N passed, N failed"; the exit status is
// non-zero when a case fails or a peer cannot start.
//
// Usage: matrix [-v] [-node-modules DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// result is the outcome of one case against one peer.
type result struct {
	peer, name string
	err        error
	took       time.Duration
}

func main() { os.Exit(run()) }

func run() int {
	verbose := flag.Bool("v", false, "print every case as it runs")
	nodeModules := flag.String("node-modules", os.Getenv("HTTPWIRE_NODE_MODULES"), "folder holding node_modules/ws")
	flag.Parse()

	env, err := newEnv(*nodeModules)
	if err != nil {
		fmt.Fprintln(os.Stderr, "matrix:", err)
		return 2
	}
	defer env.close()

	var results []result
	record := func(peer, name string, run func() error) {
		start := time.Now()
		err := run()
		r := result{peer: peer, name: name, err: err, took: time.Since(start)}
		if *verbose || err != nil {
			status := "ok"
			if err != nil {
				status = "FAIL: " + err.Error()
			}
			fmt.Printf("%-22s %-18s %s (%v)\n", peer, name, status, r.took.Round(time.Millisecond))
		}
		results = append(results, r)
	}
	for _, p := range env.httpPeers() {
		runHTTPCases(p, record)
	}
	for _, p := range env.wsPeers() {
		runWSCases(p, record)
	}
	runReverse(env, record)

	printMatrix(results)
	passed, failed := 0, 0
	for _, r := range results {
		if r.err == nil {
			passed++
		} else {
			failed++
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 || env.startErrors > 0 {
		return 1
	}
	return 0
}

// printMatrix prints one row per peer and one column per case.
func printMatrix(results []result) {
	var peers, cases []string
	seenPeer, seenCase := map[string]bool{}, map[string]bool{}
	cell := map[[2]string]string{}
	for _, r := range results {
		if !seenPeer[r.peer] {
			seenPeer[r.peer] = true
			peers = append(peers, r.peer)
		}
		if !seenCase[r.name] {
			seenCase[r.name] = true
			cases = append(cases, r.name)
		}
		mark := "ok"
		if r.err != nil {
			mark = "FAIL"
		}
		cell[[2]string{r.peer, r.name}] = mark
	}
	sort.Strings(cases)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 1, ' ', 0)
	fmt.Fprintln(tw, "\nPEER\t"+strings.Join(cases, "\t"))
	for _, p := range peers {
		row := []string{p}
		for _, c := range cases {
			v := cell[[2]string{p, c}]
			if v == "" {
				v = "-"
			}
			row = append(row, v)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}
