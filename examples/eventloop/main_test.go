package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "hello, "+r.Proto+"\n")
}

func targetConfig(t *testing.T, url string) config {
	t.Helper()
	cfg, err := parseTarget(url + "/hello?x=1")
	if err != nil {
		t.Fatal(err)
	}
	cfg.timeout = 10 * time.Second
	return cfg
}

func checkRun(t *testing.T, cfg config) {
	t.Helper()
	st, err := run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	report(&b, cfg, st)
	t.Logf("\n%s", b.String())
	if st.done != cfg.n || st.errors != 0 || st.non2xx != 0 {
		t.Errorf("done %d, errors %d (first: %v), non-2xx %d; want %d, 0, 0",
			st.done, st.errors, st.firstErr, st.non2xx, cfg.n)
	}
	if st.opened != cfg.conns {
		t.Errorf("opened %d connections, want %d (keep-alive should need no reconnects)", st.opened, cfg.conns)
	}
	if st.lat.n != uint64(cfg.n) {
		t.Errorf("%d latencies recorded, want %d", st.lat.n, cfg.n)
	}
}

func TestSmoke(t *testing.T) {
	t.Run("h1", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(hello))
		defer srv.Close()
		cfg := targetConfig(t, srv.URL)
		cfg.conns, cfg.n, cfg.streams = 100, 3000, 1
		checkRun(t, cfg)
	})
	t.Run("h2c", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var protos http.Protocols
		protos.SetUnencryptedHTTP2(true)
		seen := make(chan string, 1)
		srv := &http.Server{Protocols: &protos, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case seen <- r.Proto:
			default:
			}
			hello(w, r)
		})}
		go srv.Serve(ln)
		defer srv.Close()
		cfg := targetConfig(t, "http://"+ln.Addr().String())
		cfg.conns, cfg.n, cfg.h2c, cfg.streams = 20, 3000, true, 10
		checkRun(t, cfg)
		if p := <-seen; p != "HTTP/2.0" {
			t.Errorf("server saw %s, want HTTP/2.0", p)
		}
	})
}

// TestPartialWritesAndEOF drives the loop over a socketpair, with a write that takes at most 7 bytes and
// fails with EAGAIN every other call, against a peer that answers with a close-delimited body: the request
// must arrive whole, and the EOF must end the response, not fail it.
func TestPartialWritesAndEOF(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	peer := os.NewFile(uintptr(fds[1]), "peer")
	got := make(chan string, 1)
	go func() {
		defer peer.Close()
		var req []byte
		buf := make([]byte, 256)
		for !bytes.Contains(req, []byte("\r\n\r\n")) {
			n, err := peer.Read(buf)
			if err != nil {
				break
			}
			req = append(req, buf[:n]...)
		}
		got <- string(req)
		fmt.Fprint(peer, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody until EOF")
	}()

	cfg := config{host: "example.test", path: "/p", conns: 1, n: 1, streams: 1, timeout: 5 * time.Second}
	l, err := newLoop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(l.epfd)
	calls, short := 0, 0
	l.write = func(fd int, p []byte) (int, error) {
		calls++
		if calls%2 == 0 {
			return -1, unix.EAGAIN
		}
		if len(p) > 7 {
			p, short = p[:7], short+1
		}
		return unix.Write(fd, p)
	}
	l.add(fds[0], false)
	st, err := l.run()
	if err != nil {
		t.Fatal(err)
	}
	if req := <-got; req != "GET /p HTTP/1.1\r\nHost: example.test\r\n\r\n" {
		t.Errorf("peer got %q", req)
	}
	if short < 2 {
		t.Errorf("only %d short writes: the test did not exercise them", short)
	}
	if st.done != 1 || st.errors != 0 {
		t.Errorf("done %d, errors %d (%v); want 1, 0", st.done, st.errors, st.firstErr)
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.9, 900 * time.Millisecond}, {0.99, 990 * time.Millisecond}} {
		got := h.percentile(c.p)
		if d := got - c.want; d < -c.want/16 || d > c.want/16 {
			t.Errorf("p%v = %v, want %v ±6%%", c.p*100, got, c.want)
		}
	}
}
