package depcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// listedPackage is the part of `go list -json` output that CheckModule uses.
type listedPackage struct {
	ImportPath     string
	Name           string
	Dir            string
	GoFiles        []string
	CgoFiles       []string
	IgnoredGoFiles []string // files excluded by build constraints on this platform
}

// CheckModule lists the packages of the module rooted at dir with `go list -e -json ./...` and checks the
// non-test files of each with CheckFiles. Violation file names are slash paths relative to dir. It returns the
// number of packages checked. Packages that fail to build are still checked, from their source.
//
// Files excluded by build constraints are checked too when they belong to the package (so a core file built
// only on another platform cannot slip through); files of another package, such as a `//go:build ignore`
// generator in package main, are not.
func CheckModule(dir string) (int, []Violation, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return 0, nil, err
	}
	cmd := exec.Command("go", "list", "-e", "-json", "./...")
	cmd.Dir = dir
	// Only the module at dir matters; a go.work above it must not change what ./... means.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, nil, fmt.Errorf("go list in %s: %v\n%s", dir, err, stderr.Bytes())
	}

	var vs []Violation
	n := 0
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return 0, nil, fmt.Errorf("decoding go list output: %v", err)
		}
		if p.Dir == "" {
			continue // a pattern error, not a package
		}
		names := append(append([]string(nil), p.GoFiles...), p.CgoFiles...)
		for _, name := range p.IgnoredGoFiles {
			if !strings.HasSuffix(name, "_test.go") && samePackage(filepath.Join(p.Dir, name), p.Name) {
				names = append(names, name)
			}
		}
		files := make(map[string][]byte, len(names))
		for _, name := range names {
			path := filepath.Join(p.Dir, name)
			src, err := os.ReadFile(path)
			if err != nil {
				return 0, nil, err
			}
			r, err := filepath.Rel(dir, path)
			if err != nil {
				return 0, nil, err
			}
			files[filepath.ToSlash(r)] = src
		}
		vs = append(vs, CheckFiles(p.ImportPath, files)...)
		n++
	}
	return n, vs, nil
}

// samePackage reports whether the file at path declares package name. Unreadable files count as members, so
// that they are reported rather than skipped.
func samePackage(path, name string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly)
	if err != nil {
		return true
	}
	return name == "" || f.Name.Name == name
}

// FindRoot walks up from dir to the directory whose go.mod declares Module.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if src, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(src) == Module {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod declaring module %s in %s or above", Module, dir)
		}
		d = parent
	}
}

// modulePath returns the path in a go.mod file's module directive, or "".
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module")
		if ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\t") || strings.HasPrefix(rest, `"`)) {
			if i := strings.Index(rest, "//"); i >= 0 {
				rest = rest[:i]
			}
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
