package driver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	io.Reader
	n atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// expectRequest is a POST of body with Expect: 100-continue that records the 1xx statuses.
func expectRequest(origin proto.Origin, body io.Reader, n int64, infos *[]int) *driver.Request {
	req := &driver.Request{Method: "POST", Origin: origin, Target: "/", Body: body, ContentLength: n,
		OnInformational: func(h *proto.ResponseHead) { *infos = append(*infos, h.Status) }}
	req.Header.Add("Expect", "100-continue")
	return req
}

// TestH2ExpectContinue: over HTTP/2 a body with Expect: 100-continue waits for 100 Continue, which Go's
// server sends when its handler reads the body (RFC 9110 §10.1.1).
func TestH2ExpectContinue(t *testing.T) {
	for _, p := range h2Peers(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d bytes", len(b))
	})) {
		t.Run(p.name, func(t *testing.T) {
			opts := *p.opts
			opts.ExpectContinueTimeout = 10 * time.Second // only the 100 lets the body go
			c, err := driver.Dial(context.Background(), p.origin, &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var infos []int
			resp, err := c.RoundTrip(context.Background(), expectRequest(p.origin, strings.NewReader("hello"), 5, &infos))
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || string(b) != "5 bytes" || len(infos) != 1 || infos[0] != 100 {
				t.Fatalf("got %q, %v, informational %v; want 5 bytes after a 100", b, err, infos)
			}
		})
	}
}

// TestH2ExpectFinalFirst: a server that answers with a final status before 100 Continue does not get the
// body: it is never read, it is closed, and the connection serves the next request.
func TestH2ExpectFinalFirst(t *testing.T) {
	for _, p := range h2Peers(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			w.WriteHeader(http.StatusExpectationFailed)
		}
	})) {
		t.Run(p.name, func(t *testing.T) {
			opts := *p.opts
			opts.ExpectContinueTimeout = 10 * time.Second
			c, err := driver.Dial(context.Background(), p.origin, &opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			src := &countingReader{Reader: strings.NewReader(strings.Repeat("x", 100<<10))}
			body := newCloseCounter(src, nil)
			var infos []int
			resp, err := c.RoundTrip(context.Background(), expectRequest(p.origin, body, 100<<10, &infos))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.Status != http.StatusExpectationFailed {
				t.Fatalf("status %d, want 417", resp.Status)
			}
			body.closedOnce(t)
			if n := src.n.Load(); n != 0 {
				t.Fatalf("%d bytes of the body were read after a final response came before 100 Continue", n)
			}
			next, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin})
			if err != nil {
				t.Fatalf("next request: %v", err)
			}
			next.Body.Close()
		})
	}
}

// byteCountServer answers each request, once its body has ended, with the number of body bytes it got. It
// never sends 100 Continue.
func byteCountServer(t *testing.T) proto.Origin {
	var got atomic.Int64
	return h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.DataReceived:
			got.Add(int64(len(e.Data)))
			sc.Consume(e.StreamID, len(e.Data))
		case *h2.StreamEnded:
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(200), false)
			_, _ = sc.SendData(e.StreamID, []byte(fmt.Sprint(got.Load())), true)
		}
	})
}

// TestH2ExpectTimeout: a server that never sends 100 Continue gets the body after ExpectContinueTimeout.
func TestH2ExpectTimeout(t *testing.T) {
	origin := byteCountServer(t)
	c := dialOrigin(t, origin, &driver.Options{H2C: true, ExpectContinueTimeout: 100 * time.Millisecond})
	var infos []int
	resp, err := c.RoundTrip(context.Background(), expectRequest(origin, strings.NewReader("hello"), 5, &infos))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "5" || len(infos) != 0 {
		t.Fatalf("got %q, %v, informational %v; want the 5 bytes sent without a 100", b, err, infos)
	}
}

// TestH2ExpectSuccessFirst: a server that answers 200 at once and then echoes the body (full duplex) gets the
// body although no 100 Continue came: only a final status of 300 or more holds it back.
func TestH2ExpectSuccessFirst(t *testing.T) {
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if e.Kind == h2.KindRequest {
				_ = sc.SendResponse(e.StreamID, proto.NewResponse(200), false)
			}
		case *h2.DataReceived:
			sc.Consume(e.StreamID, len(e.Data))
			_, _ = sc.SendData(e.StreamID, e.Data, false)
		case *h2.StreamEnded:
			_, _ = sc.SendData(e.StreamID, nil, true)
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true, ExpectContinueTimeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var infos []int
	resp, err := c.RoundTrip(ctx, expectRequest(origin, strings.NewReader("hello"), 5, &infos))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "hello" {
		t.Fatalf("echo %q, %v; want the body sent after a 200 without 100 Continue", b, err)
	}
}

// TestH2ExpectWaitOutlastsReadTimeout: a ReadTimeout shorter than ExpectContinueTimeout does not fail the
// wait for 100 Continue: the body goes when ExpectContinueTimeout passes, as on HTTP/1.1.
func TestH2ExpectWaitOutlastsReadTimeout(t *testing.T) {
	origin := byteCountServer(t)
	c := dialOrigin(t, origin, &driver.Options{H2C: true, ReadTimeout: 200 * time.Millisecond,
		ExpectContinueTimeout: 600 * time.Millisecond})
	var infos []int
	resp, err := c.RoundTrip(context.Background(), expectRequest(origin, strings.NewReader("hello"), 5, &infos))
	if err != nil {
		t.Fatalf("a 600 ms wait for 100 Continue with a 200 ms ReadTimeout: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "5" {
		t.Fatalf("got %q, %v", b, err)
	}
}
