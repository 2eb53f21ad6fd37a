// Package depcheck enforces httpwire's dependency rule (DESIGN.md §2) on the root module's packages.
//
// The rule, in full:
//   - proto imports the standard library only.
//   - h1 and h2 import only proto, the standard library and golang.org/x/net/http2/hpack.
//   - proto, h1 and h2 (the protocol cores) never import net, sync, os (or their subpackages) or unsafe,
//     never call or reference time.Now, time.Since, time.Until, time.Sleep, time.After, time.AfterFunc,
//     time.NewTimer, time.NewTicker or time.Tick, and contain no go statement: time enters as an argument
//     and the cores start no goroutines.
//   - Layering: driver may import proto, h1 and h2 but not pool or cmd; pool may not import cmd.
//   - No library package imports internal/pairtest; only tests may.
//
// Only direct imports in non-test files count: the standard library's own use of sync is fine, and tests may
// use whatever they need. A package's subpackages follow the package's rule (h2/hpackutil is part of h2).
//
// The checks work on source text, so they are testable without the go command: CheckImport decides one import
// edge and CheckFiles checks the files of one package. CheckModule lists a module's packages with go list and
// runs CheckFiles on each.
package depcheck

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// Module is the import path of the library module.
const Module = "github.com/httpwire/httpwire"

// Hpack is the one third-party package the HTTP/1.1 and HTTP/2 cores may import.
const Hpack = "golang.org/x/net/http2/hpack"

// A Violation is one breach of the dependency rule at a source position.
type Violation struct {
	File string // file name as given to CheckFiles (CheckModule uses slash paths relative to the module root)
	Line int    // 1-based line; 0 when the file could not be parsed
	Rule string // what was broken
}

// String formats v as "file:line: rule", the format compilers and editors understand.
func (v Violation) String() string {
	return fmt.Sprintf("%s:%d: %s", v.File, v.Line, v.Rule)
}

// forbiddenTime lists the functions of package time that read the clock, sleep or start timers.
var forbiddenTime = map[string]bool{
	"Now":       true,
	"Since":     true,
	"Until":     true,
	"Sleep":     true,
	"After":     true,
	"AfterFunc": true,
	"NewTimer":  true,
	"NewTicker": true,
	"Tick":      true,
}

// forbiddenStd lists the standard-library import trees that no protocol core may import.
var forbiddenStd = []string{"net", "sync", "os", "unsafe"}

// rel returns pkgPath relative to Module ("h1", "proto/x", "" for the module root) and whether pkgPath is in
// the module at all.
func rel(pkgPath string) (string, bool) {
	if pkgPath == Module {
		return "", true
	}
	r, ok := strings.CutPrefix(pkgPath, Module+"/")
	return r, ok
}

// within reports whether the module-relative path r is top or below it.
func within(r, top string) bool {
	return r == top || strings.HasPrefix(r, top+"/")
}

// tree returns the first element of the module-relative path r ("h1" for "h1/internal/x").
func tree(r string) string {
	top, _, _ := strings.Cut(r, "/")
	return top
}

// isStd reports whether importPath names a standard-library package: like the go command, it treats a path
// whose first element has no dot as standard. The cgo pseudo-package "C" is not standard.
func isStd(importPath string) bool {
	if importPath == "C" {
		return false
	}
	first, _, _ := strings.Cut(importPath, "/")
	return !strings.Contains(first, ".")
}

// IsCore reports whether pkgPath belongs to a protocol core: proto, h1, h2 or one of their subpackages.
func IsCore(pkgPath string) bool {
	r, ok := rel(pkgPath)
	if !ok {
		return false
	}
	switch tree(r) {
	case "proto", "h1", "h2":
		return true
	}
	return false
}

// CheckImport returns the rule broken when a non-test file of package pkgPath imports importPath, or "" when
// the import is allowed. Packages outside Module are not checked.
func CheckImport(pkgPath, importPath string) string {
	r, ok := rel(pkgPath)
	if !ok {
		return ""
	}
	imp, impInModule := rel(importPath)
	q := strconv.Quote(importPath)
	top := tree(r)

	// The pair harness is for tests only, whoever the importer is (except the harness itself).
	if impInModule && within(imp, "internal/pairtest") && !within(r, "internal/pairtest") {
		return fmt.Sprintf("import %s: only tests may import the pair harness", q)
	}

	switch top {
	case "proto", "h1", "h2":
		for _, f := range forbiddenStd {
			if importPath == f || strings.HasPrefix(importPath, f+"/") {
				return fmt.Sprintf("import %s: protocol cores must not import %s (DESIGN.md §2)", q, f)
			}
		}
		if impInModule && tree(imp) == top {
			return "" // a package of the same core, e.g. h2 importing h2/internal/x
		}
		if top == "proto" {
			if !isStd(importPath) {
				return fmt.Sprintf("import %s: proto imports the standard library only", q)
			}
			return ""
		}
		if isStd(importPath) || importPath == Hpack || (impInModule && tree(imp) == "proto") {
			return ""
		}
		return fmt.Sprintf("import %s: %s imports only proto, the standard library and %s", q, top, Hpack)
	case "driver":
		if impInModule && (tree(imp) == "pool" || tree(imp) == "cmd") {
			return fmt.Sprintf("import %s: driver must not import %s", q, tree(imp))
		}
	case "pool":
		if impInModule && tree(imp) == "cmd" {
			return fmt.Sprintf("import %s: pool must not import cmd", q)
		}
	}
	return ""
}

// CheckFiles checks the source files of package pkgPath, given as file name to contents, and returns the
// violations sorted by file and line. Files whose names end in _test.go are skipped. A file that does not
// parse is reported as a violation, since it cannot be verified.
func CheckFiles(pkgPath string, files map[string][]byte) []Violation {
	names := make([]string, 0, len(files))
	for name := range files {
		if !strings.HasSuffix(name, "_test.go") {
			names = append(names, name)
		}
	}
	sort.Strings(names)

	core := IsCore(pkgPath)
	var vs []Violation
	for _, name := range names {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, files[name], parser.SkipObjectResolution)
		if err != nil {
			vs = append(vs, Violation{File: name, Rule: fmt.Sprintf("cannot check: %v", err)})
			continue
		}
		at := func(p token.Pos) int { return fset.Position(p).Line }
		add := func(p token.Pos, rule string) {
			vs = append(vs, Violation{File: name, Line: at(p), Rule: rule})
		}

		timeNames := map[string]bool{} // local names of package time in this file
		for _, spec := range f.Imports {
			path, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				add(spec.Pos(), fmt.Sprintf("cannot check: bad import path %s", spec.Path.Value))
				continue
			}
			if rule := CheckImport(pkgPath, path); rule != "" {
				add(spec.Pos(), rule)
			}
			if path != "time" || !core {
				continue
			}
			switch {
			case spec.Name == nil:
				timeNames["time"] = true
			case spec.Name.Name == ".":
				add(spec.Pos(), `dot import of "time": protocol cores must name time's clock functions explicitly`)
			case spec.Name.Name != "_":
				timeNames[spec.Name.Name] = true
			}
		}
		if !core {
			continue
		}

		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				add(n.Pos(), "go statement: protocol cores must not start goroutines (DESIGN.md §2)")
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && timeNames[x.Name] && forbiddenTime[n.Sel.Name] {
					add(n.Pos(), fmt.Sprintf("time.%s: protocol cores take time as an argument (DESIGN.md §2)", n.Sel.Name))
				}
			}
			return true
		})
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].File != vs[j].File {
			return vs[i].File < vs[j].File
		}
		return vs[i].Line < vs[j].Line
	})
	return vs
}
