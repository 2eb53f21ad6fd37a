package main_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"go.uber.org/goleak"
)

// The tests build the command once and drive the binary against local servers.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "httpwire-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "httpwire")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the command: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// cli runs the binary and returns its stdout, stderr and exit status.
func cli(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func handler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/echo":
		w.Header().Set("X-Method", r.Method)
		_, _ = io.Copy(w, r.Body)
	case "/headers":
		_, _ = io.WriteString(w, r.Header.Get("X-Probe"))
	case "/missing":
		http.Error(w, "no such thing", http.StatusNotFound)
	case "/slow":
		time.Sleep(2 * time.Second)
	case "/events":
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, ": comment\nevent: tick\ndata: number %d\n\n", i)
			w.(http.Flusher).Flush()
		}
	case "/ws":
		conn, _, _, err := ws.UpgradeHTTP(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			msg, op, err := wsutil.ReadClientData(conn)
			if err != nil {
				return
			}
			_ = wsutil.WriteServerMessage(conn, op, append([]byte("echo: "), msg...))
		}
	default:
		_, _ = io.WriteString(w, "hello over "+r.Proto)
	}
}

// tlsServer starts a TLS server offering h2 and writes its certificate for --cacert.
func tlsServer(t *testing.T) (*httptest.Server, string) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(handler))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, ca
}

func TestVerboseHTTP2(t *testing.T) {
	srv, ca := tlsServer(t)
	stdout, stderr, code := cli(t, "", "-v", "--cacert", ca, srv.URL+"/")
	if code != 0 || stdout != "hello over HTTP/2.0" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{`ALPN "h2"`, "> [h2] connection preface", "> [h2] HEADERS stream=1",
		"< [h2] SETTINGS stream=0", "< [h2] DATA stream=1", "< HTTP/2 200"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-v output lacks %q:\n%s", want, stderr)
		}
	}
}

func TestHTTP11Flag(t *testing.T) {
	srv, ca := tlsServer(t)
	stdout, stderr, code := cli(t, "", "-v", "--http1.1", "--cacert", ca, srv.URL+"/")
	// The client offers only http/1.1 with ALPN; a server that knows no overlap may leave ALPN empty.
	if code != 0 || stdout != "hello over HTTP/1.1" || !strings.Contains(stderr, "< HTTP/1.1 200 OK") ||
		strings.Contains(stderr, `ALPN "h2"`) || strings.Contains(stderr, "[h2]") {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}

func TestInsecureAndVerification(t *testing.T) {
	srv, _ := tlsServer(t)
	if _, stderr, code := cli(t, "", srv.URL+"/"); code != 2 || !strings.Contains(stderr, "certificate") {
		t.Fatalf("unknown CA: exit %d, %s", code, stderr)
	}
	if stdout, _, code := cli(t, "", "-k", srv.URL+"/"); code != 0 || stdout != "hello over HTTP/2.0" {
		t.Fatalf("-k: exit %d, %q", code, stdout)
	}
}

func TestRequestFlags(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(handler))
	defer srv.Close()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("file body"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")

	if stdout, _, code := cli(t, "", "-d", "@"+in, srv.URL+"/echo"); code != 0 || stdout != "file body" {
		t.Fatalf("-d @file: exit %d, %q", code, stdout)
	}
	if stdout, _, code := cli(t, "from stdin", "-X", "PUT", "-d", "@-", "-i", srv.URL+"/echo"); code != 0 ||
		!strings.HasPrefix(stdout, "HTTP/1.1 200 OK\n") || !strings.Contains(stdout, "X-Method: PUT") ||
		!strings.HasSuffix(stdout, "\n\nfrom stdin") {
		t.Fatalf("-d @- -i: exit %d, %q", code, stdout)
	}
	if stdout, _, code := cli(t, "", "-H", "X-Probe: yes", "-o", out, srv.URL+"/headers"); code != 0 || stdout != "" {
		t.Fatalf("-H -o: exit %d, %q", code, stdout)
	}
	if b, _ := os.ReadFile(out); string(b) != "yes" {
		t.Fatalf("-o wrote %q", b)
	}
	if stdout, _, code := cli(t, "", "-I", srv.URL+"/"); code != 0 || !strings.HasPrefix(stdout, "HTTP/1.1 200 OK\n") ||
		strings.Contains(stdout, "hello") {
		t.Fatalf("-I: exit %d, %q", code, stdout)
	}
	if _, _, code := cli(t, "", "--fail", srv.URL+"/missing"); code != 4 {
		t.Fatalf("--fail on 404: exit %d, want 4", code)
	}
	if _, _, code := cli(t, "", "--max-time", "0.3", srv.URL+"/slow"); code != 3 {
		t.Fatalf("--max-time: exit %d, want 3", code)
	}
	if _, _, code := cli(t, ""); code != 1 {
		t.Fatalf("no URL: exit %d, want 1", code)
	}
}

func TestWebSocketFlag(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(handler))
	defer srv.Close()
	stdout, stderr, code := cli(t, "first\nsecond\n", "--ws", "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws")
	if code != 0 || stdout != "echo: first\necho: second\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}

func TestSSEFlag(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(handler))
	defer srv.Close()
	stdout, stderr, code := cli(t, "", "--sse", srv.URL+"/events")
	want := "event: tick\nnumber 0\nevent: tick\nnumber 1\nevent: tick\nnumber 2\n"
	if code != 0 || stdout != want {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
}

func TestLoadMode(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(handler))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	stdout, stderr, code := cli(t, "", "-n", "200", "-c", "8", "--h2c", srv.URL+"/")
	if code != 0 || !strings.Contains(stdout, "requests     200 (0 failed)") ||
		!strings.Contains(stdout, "protocol     HTTP/2") || !strings.Contains(stdout, "connections  1 opened") ||
		!strings.Contains(stdout, "req/s") || !strings.Contains(stdout, "p99") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr %s", code, stdout, stderr)
	}
}

func TestDemo(t *testing.T) {
	stdout, stderr, code := cli(t, "", "demo")
	if code != 0 || strings.Count(stdout, "  ok  ") != 6 || !strings.Contains(stdout, "all 6 capabilities work") {
		t.Fatalf("exit %d, stdout:\n%s\nstderr %s", code, stdout, stderr)
	}
}
