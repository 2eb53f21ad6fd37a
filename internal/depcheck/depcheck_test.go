package depcheck

import (
	"os/exec"
	"strings"
	"testing"
)

const (
	protoPkg  = Module + "/proto"
	h1Pkg     = Module + "/h1"
	h2Pkg     = Module + "/h2"
	driverPkg = Module + "/driver"
	poolPkg   = Module + "/pool"
)

// cleanH1 uses everything a core may use: proto, hpack, the standard library, time as a value.
const cleanH1 = `package h1

import (
	"bytes"
	"errors"
	"time"

	"github.com/httpwire/httpwire/proto"
	"golang.org/x/net/http2/hpack"
)

var _ = hpack.NewEncoder
var _ = bytes.Equal
var _ = errors.New
var _ proto.Limits

// Deadline returns a time computed from an argument; time.Time and time.Duration are values, not clocks.
func Deadline(now time.Time, d time.Duration) time.Time {
	return now.Add(d).Truncate(time.Millisecond)
}

// Now is a method of our own, not time.Now.
type clock struct{}

func (clock) Now() int { return 0 }

func use(c clock) int { return c.Now() }
`

func check(t *testing.T, pkg, name, src string) []Violation {
	t.Helper()
	return CheckFiles(pkg, map[string][]byte{name: []byte(src)})
}

// wantViolation fails the test unless vs holds exactly one violation at line whose rule contains want.
func wantViolation(t *testing.T, vs []Violation, line int, want string) {
	t.Helper()
	if len(vs) != 1 {
		t.Fatalf("got %d violations %v, want 1 at line %d containing %q", len(vs), vs, line, want)
	}
	if vs[0].Line != line || !strings.Contains(vs[0].Rule, want) {
		t.Errorf("got %v, want line %d containing %q", vs[0], line, want)
	}
}

func TestCleanCorePasses(t *testing.T) {
	if vs := check(t, h1Pkg, "h1/conn.go", cleanH1); len(vs) != 0 {
		t.Errorf("clean h1 file: got violations %v, want none", vs)
	}
	h2 := strings.Replace(cleanH1, "package h1", "package h2", 1)
	if vs := check(t, h2Pkg, "h2/conn.go", h2); len(vs) != 0 {
		t.Errorf("clean h2 file: got violations %v, want none", vs)
	}
	proto := "package proto\n\nimport (\n\t\"errors\"\n\t\"time\"\n)\n\nvar ErrX = errors.New(\"x\")\n\nvar D time.Duration\n"
	if vs := check(t, protoPkg, "proto/errors.go", proto); len(vs) != 0 {
		t.Errorf("clean proto file: got violations %v, want none", vs)
	}
}

func TestCoreImportsNet(t *testing.T) {
	src := "package h1\n\nimport \"net\"\n\nvar _ net.Conn\n"
	vs := check(t, h1Pkg, "h1/net.go", src)
	wantViolation(t, vs, 3, `import "net"`)
	if got, want := vs[0].String(), `h1/net.go:3: import "net": protocol cores must not import net (DESIGN.md §2)`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCoreImportsNetSubpackage(t *testing.T) {
	src := "package h1\n\nimport \"net/textproto\"\n\nvar _ = textproto.CanonicalMIMEHeaderKey\n"
	wantViolation(t, check(t, h1Pkg, "h1/textproto.go", src), 3, `import "net/textproto"`)
}

func TestCoreImportsSync(t *testing.T) {
	src := "package h1\n\nimport (\n\t\"bytes\"\n\t\"sync\"\n)\n\nvar mu sync.Mutex\nvar _ = bytes.Equal\n"
	wantViolation(t, check(t, h1Pkg, "h1/lock.go", src), 5, `import "sync"`)
	atomic := "package h2\n\nimport \"sync/atomic\"\n\nvar n atomic.Int64\n"
	wantViolation(t, check(t, h2Pkg, "h2/count.go", atomic), 3, `import "sync/atomic"`)
}

func TestCoreImportsOSAndUnsafe(t *testing.T) {
	wantViolation(t, check(t, protoPkg, "proto/env.go", "package proto\n\nimport \"os\"\n\nvar _ = os.Getenv\n"), 3, `import "os"`)
	wantViolation(t, check(t, h2Pkg, "h2/exec.go", "package h2\n\nimport \"os/exec\"\n\nvar _ = exec.Command\n"), 3, `import "os/exec"`)
	wantViolation(t, check(t, h1Pkg, "h1/cast.go", "package h1\n\nimport \"unsafe\"\n\nvar _ = unsafe.Sizeof(0)\n"), 3, `import "unsafe"`)
}

func TestCoreCallsTimeNowThroughRenamedImport(t *testing.T) {
	src := `package h1

import tm "time"

func stamp() tm.Time {
	return tm.Now()
}
`
	wantViolation(t, check(t, h1Pkg, "h1/clock.go", src), 6, "time.Now")
}

func TestCoreReferencesTimers(t *testing.T) {
	// Referencing without calling counts too, and every clock or timer function is covered.
	src := `package h2

import "time"

var (
	now   = time.Now
	since = time.Since
	until = time.Until
	sleep = time.Sleep
	after = time.After
	af    = time.AfterFunc
	nt    = time.NewTimer
	ntk   = time.NewTicker
	tick  = time.Tick
	d     = time.Second // fine
)
`
	vs := check(t, h2Pkg, "h2/timers.go", src)
	want := []string{"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "NewTimer", "NewTicker", "Tick"}
	if len(vs) != len(want) {
		t.Fatalf("got %d violations %v, want %d", len(vs), vs, len(want))
	}
	for i, name := range want {
		if !strings.HasPrefix(vs[i].Rule, "time."+name+":") || vs[i].Line != 6+i {
			t.Errorf("violation %d = %v, want time.%s at line %d", i, vs[i], name, 6+i)
		}
	}
}

func TestCoreDotImportsTime(t *testing.T) {
	src := "package proto\n\nimport . \"time\"\n\nvar D Duration\n"
	wantViolation(t, check(t, protoPkg, "proto/dot.go", src), 3, `dot import of "time"`)
}

func TestCoreGoStatement(t *testing.T) {
	src := `package h1

func spawn(f func()) {
	if f != nil {
		go f()
	}
}
`
	wantViolation(t, check(t, h1Pkg, "h1/spawn.go", src), 5, "go statement")
}

func TestCoreImportsUpward(t *testing.T) {
	src := "package h1\n\nimport \"github.com/httpwire/httpwire/pool\"\n\nvar _ pool.Pool\n"
	wantViolation(t, check(t, h1Pkg, "h1/pool.go", src), 3, "h1 imports only proto")
	src = "package h1\n\nimport \"github.com/httpwire/httpwire/h2\"\n\nvar _ h2.Conn\n"
	wantViolation(t, check(t, h1Pkg, "h1/h2.go", src), 3, "h1 imports only proto")
}

func TestProtoImportsStandardLibraryOnly(t *testing.T) {
	src := "package proto\n\nimport \"golang.org/x/net/http2/hpack\"\n\nvar _ = hpack.NewEncoder\n"
	wantViolation(t, check(t, protoPkg, "proto/hpack.go", src), 3, "proto imports the standard library only")
	src = "package proto\n\nimport \"github.com/httpwire/httpwire/h1\"\n\nvar _ h1.Conn\n"
	wantViolation(t, check(t, protoPkg, "proto/h1.go", src), 3, "proto imports the standard library only")
}

func TestTestFilesAreSkipped(t *testing.T) {
	src := "package h1\n\nimport (\n\t\"net\"\n\t\"sync\"\n\t\"time\"\n)\n\nfunc f() { go time.Now(); var _ net.Conn; var _ sync.Mutex }\n"
	if vs := check(t, h1Pkg, "h1/conn_test.go", src); len(vs) != 0 {
		t.Errorf("test file: got violations %v, want none", vs)
	}
}

func TestNonCoreMayUseTimeAndGoroutines(t *testing.T) {
	src := "package driver\n\nimport (\n\t\"net\"\n\t\"sync\"\n\t\"time\"\n)\n\nfunc f() { go time.Now(); var _ net.Conn; var _ sync.Mutex }\n"
	if vs := check(t, driverPkg, "driver/conn.go", src); len(vs) != 0 {
		t.Errorf("driver file: got violations %v, want none", vs)
	}
}

func TestCheckImport(t *testing.T) {
	tests := []struct {
		pkg, imp string
		bad      bool
	}{
		{protoPkg, "strings", false},
		{protoPkg, Module + "/proto/internal/ascii", false},
		{protoPkg, Hpack, true},
		{protoPkg, "C", true},
		{h1Pkg, protoPkg, false},
		{h1Pkg, Hpack, false},
		{h1Pkg, Module + "/h1/internal/chunk", false},
		{h1Pkg, "golang.org/x/net/http2", true},
		{h1Pkg, "github.com/google/go-cmp/cmp", true},
		{h1Pkg, "netip", false}, // not under net/
		{h1Pkg, "net/netip", true},
		{h1Pkg, "osx", false}, // a made-up standard path that merely starts with "os"
		{h2Pkg, protoPkg, false},
		{h2Pkg, h1Pkg, true},
		{Module + "/h2/internal/frame", "sync", true},
		{driverPkg, protoPkg, false},
		{driverPkg, h1Pkg, false},
		{driverPkg, h2Pkg, false},
		{driverPkg, "net", false},
		{driverPkg, poolPkg, true},
		{driverPkg, Module + "/cmd/httpwire", true},
		{Module + "/driver/server", poolPkg, true},
		{poolPkg, driverPkg, false},
		{poolPkg, Module + "/cmd/httpwire", true},
		{Module + "/cmd/httpwire", poolPkg, false},
		{Module + "/cmd/httpwire", "github.com/gobwas/ws", false},
		{poolPkg, Module + "/internal/pairtest", true},
		{Module + "/cmd/httpwire", Module + "/internal/pairtest", true},
		{Module + "/internal/pairtest", h1Pkg, false},
		{Module + "/internal/pairtest/clock", Module + "/internal/pairtest", false},
		{"example.com/other", "net", false}, // outside the module: not checked
	}
	for _, tt := range tests {
		rule := CheckImport(tt.pkg, tt.imp)
		if (rule != "") != tt.bad {
			t.Errorf("CheckImport(%q, %q) = %q, want violation: %v", tt.pkg, tt.imp, rule, tt.bad)
		}
	}
}

func TestDriverImportsPool(t *testing.T) {
	src := "package driver\n\nimport \"github.com/httpwire/httpwire/pool\"\n\nvar _ pool.Pool\n"
	wantViolation(t, check(t, driverPkg, "driver/pool.go", src), 3, "driver must not import pool")
}

func TestLibraryImportsPairtest(t *testing.T) {
	src := "package pool\n\nimport \"github.com/httpwire/httpwire/internal/pairtest\"\n\nvar _ pairtest.Pair\n"
	wantViolation(t, check(t, poolPkg, "pool/pair.go", src), 3, "only tests may import the pair harness")
	if vs := check(t, poolPkg, "pool/pool_test.go", src); len(vs) != 0 {
		t.Errorf("test file importing pairtest: got %v, want none", vs)
	}
}

func TestUnparsableFileIsReported(t *testing.T) {
	vs := check(t, h1Pkg, "h1/broken.go", "package h1\n\nfunc {\n")
	if len(vs) != 1 || !strings.Contains(vs[0].Rule, "cannot check") {
		t.Errorf("got %v, want one cannot-check violation", vs)
	}
}

func TestModulePath(t *testing.T) {
	tests := map[string]string{
		"module github.com/httpwire/httpwire\n\ngo 1.26\n": Module,
		"// comment\nmodule \"x.org/y\" // trailing\n":     "x.org/y",
		"modulex foo\n": "",
		"go 1.26\n":     "",
	}
	for in, want := range tests {
		if got := modulePath([]byte(in)); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckModule runs the whole check, go list included, on the modules under testdata: one that breaks the
// rule in several ways and one that keeps it.
func TestCheckModule(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}

	n, vs, err := CheckModule("testdata/clean")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 || n != 3 {
		t.Errorf("testdata/clean: got %d packages, violations %v; want 3 packages, no violations", n, vs)
	}

	_, vs, err = CheckModule("testdata/violations")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.File+":"+v.Rule[:strings.Index(v.Rule, ":")])
	}
	want := []string{
		`driver/driver.go:import "github.com/httpwire/httpwire/pool"`,
		`h1/clock.go:time.Now`,
		`h1/goroutine.go:go statement`,
		`h1/net.go:import "net"`,
		`h1/plan9.go:import "sync"`, // excluded by build constraints here, checked anyway
		`h1/pool.go:import "github.com/httpwire/httpwire/pool"`,
		`h1/sync.go:import "sync"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("testdata/violations:\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
