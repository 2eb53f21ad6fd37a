// Command checkdeps enforces httpwire's dependency rule (DESIGN.md §2) on the root module: what the protocol
// cores (proto, h1, h2) may import and call, how driver, pool and cmd layer, and that only tests use the pair
// harness. See package depcheck for the rule in full.
//
// Usage:
//
//	go run ./internal/depcheck/cmd/checkdeps [-root dir]
//
// It prints one "file:line: rule" line per violation and exits 1 if there is any; otherwise it prints
// "check-deps: N packages ok" and exits 0. It exits 2 when the check cannot run. Without -root it looks for
// the module root from the current directory upwards.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/httpwire/httpwire/internal/depcheck"
)

func main() {
	root := flag.String("root", "", "root directory of the httpwire module (default: found from the current directory)")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: checkdeps [-root dir]")
		os.Exit(2)
	}

	dir := *root
	if dir == "" {
		var err error
		if dir, err = depcheck.FindRoot("."); err != nil {
			fmt.Fprintln(os.Stderr, "check-deps:", err)
			os.Exit(2)
		}
	}
	n, vs, err := depcheck.CheckModule(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "check-deps:", err)
		os.Exit(2)
	}
	for _, v := range vs {
		fmt.Println(v)
	}
	if len(vs) > 0 {
		fmt.Fprintf(os.Stderr, "check-deps: %d violations\n", len(vs))
		os.Exit(1)
	}
	fmt.Printf("check-deps: %d packages ok\n", n)
}
