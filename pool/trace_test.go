package pool_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/pool"
)

// TestTraceHooks follows one new and one reused connection through every hook, in order.
func TestTraceHooks(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		srv := newServer(t, h2c, hello)
		var mu sync.Mutex
		var got []string
		log := func(s string) {
			mu.Lock()
			got = append(got, s)
			mu.Unlock()
		}
		p := pool.New(pool.Options{H2C: h2c, Trace: &pool.Trace{
			GetConn:              func(string) { log("get") },
			DialStart:            func(string) { log("dial") },
			DialDone:             func(_, proto string, err error) { log("dialed " + proto) },
			GotConn:              func(_, _ string, reused bool) { log(map[bool]string{true: "reused", false: "new"}[reused]) },
			WroteRequest:         func(string) { log("wrote") },
			GotFirstResponseByte: func(string) { log("first byte") },
			PutConn:              func(string) { log("put") },
		}})
		for range 2 {
			if _, err := get(context.Background(), p, srv.origin, "/"); err != nil {
				t.Fatal(err)
			}
		}
		p.Close()
		protocol := map[bool]string{false: "http/1.1", true: "h2"}[h2c]
		want := []string{"get", "dial", "dialed " + protocol, "new", "wrote", "first byte", "put",
			"get", "reused", "wrote", "first byte", "put"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("h2c=%v: hooks (-want +got):\n%s", h2c, diff)
		}
	}
}

// closeRecorder is a request body that records its Close.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// TestRoundTripperClosesRequestBody: net/http's contract, on success and on failure.
func TestRoundTripperClosesRequestBody(t *testing.T) {
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(w, r.Body) })
	p := pool.New(pool.Options{})
	defer p.Close()
	body := &closeRecorder{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequest("POST", srv.URL, body)
	resp, err := p.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "payload" || !body.closed {
		t.Fatalf("echo %q, request body closed %v", got, body.closed)
	}
	failing := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ = http.NewRequest("POST", "http://127.0.0.1:1/", failing)
	if _, err := p.RoundTrip(req); err == nil || !failing.closed {
		t.Fatalf("failed request: %v, body closed %v", err, failing.closed)
	}
}
