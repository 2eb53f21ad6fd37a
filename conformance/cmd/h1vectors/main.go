// Command h1vectors runs HTTP/1.1 conformance vectors against the h1 core.
//
// Usage:
//
//	h1vectors [-v] path...
//
// Each path is a vector file (a JSON array, format in shared/conformance/h1-vectors.md) or a folder whose
// *.json files are read. Every vector is fed three ways: the whole input at once, one byte at a time, and
// (for inputs up to 4 KiB) split in two at every offset; it passes only if every way gives the expected
// events. The command prints a FAIL line per failure and ends with "N passed, N failed"; it exits 1 when any
// vector fails.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

func main() {
	verbose := flag.Bool("v", false, "print every vector")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: h1vectors [-v] file-or-folder...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	files, err := collect(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "h1vectors:", err)
		os.Exit(2)
	}
	passed, failed := 0, 0
	seen := map[string]string{}
	for _, f := range files {
		vectors, err := load(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "h1vectors:", err)
			os.Exit(2)
		}
		for _, v := range vectors {
			if prev, dup := seen[v.Name]; dup {
				fmt.Printf("FAIL %s (load): name also used in %s\n", v.Name, prev)
				failed++
				continue
			}
			seen[v.Name] = f
			failures := check(v)
			for _, msg := range failures {
				fmt.Printf("FAIL %s %s\n", v.Name, msg)
			}
			if len(failures) == 0 {
				passed++
				if *verbose {
					fmt.Printf("ok   %s\n", v.Name)
				}
			} else {
				failed++
			}
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// collect expands folders into their .json files, sorted.
func collect(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(p, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("no .json files in %s", p)
		}
		sort.Strings(matches)
		files = append(files, matches...)
	}
	return files, nil
}
