package interop_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

func httpbinPeers(t *testing.T) []peer {
	return serve(t, httpbin.New().Handler())
}

func TestHTTPBinMethodsAndStatuses(t *testing.T) {
	for _, p := range httpbinPeers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			resp, body := do(t, c, &driver.Request{Method: "GET", Origin: p.origin, Target: "/get?x=1",
				Header: proto.Fields{{Name: []byte("X-Probe"), Value: []byte("yes")}}})
			var got struct {
				Args    map[string][]string `json:"args"`
				Headers map[string][]string `json:"headers"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("GET /get: %v in %q", err, body)
			}
			if resp.Status != 200 || got.Args["x"][0] != "1" || got.Headers["X-Probe"][0] != "yes" {
				t.Fatalf("GET /get: %d %+v", resp.Status, got)
			}
			for _, status := range []int{200, 204, 304, 404, 418, 503} {
				resp, body := do(t, c, &driver.Request{Method: "GET", Origin: p.origin,
					Target: fmt.Sprintf("/status/%d", status)})
				if resp.Status != status {
					t.Fatalf("/status/%d answered %d", status, resp.Status)
				}
				if (status == 204 || status == 304) && len(body) != 0 {
					t.Fatalf("/status/%d has a body: %q", status, body)
				}
			}
			resp, body = do(t, c, &driver.Request{Method: "HEAD", Origin: p.origin, Target: "/get"})
			if resp.Status != 200 || len(body) != 0 {
				t.Fatalf("HEAD /get: %d, %d body bytes", resp.Status, len(body))
			}
			payload := strings.Repeat("httpwire ", 10000)
			resp, body = do(t, c, &driver.Request{Method: "POST", Origin: p.origin, Target: "/post",
				Body: strings.NewReader(payload), ContentLength: -1,
				Header: proto.Fields{{Name: []byte("Content-Type"), Value: []byte("text/plain")}}})
			var echoed struct {
				Data string `json:"data"`
			}
			if err := json.Unmarshal(body, &echoed); err != nil || echoed.Data != payload {
				t.Fatalf("POST /post: %d, echoed %d bytes of %d (%v)", resp.Status, len(echoed.Data), len(payload), err)
			}
		})
	}
}

// TestHTTPBinIncremental reads /drip and /stream/N as they arrive: more than one read returns data.
func TestHTTPBinIncremental(t *testing.T) {
	for _, p := range httpbinPeers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin,
				Target: "/drip?numbytes=5&duration=0.5&delay=0"})
			if err != nil {
				t.Fatal(err)
			}
			reads, total := 0, 0
			buf := make([]byte, 1024)
			for {
				n, err := resp.Body.Read(buf)
				if n > 0 {
					reads++
					total += n
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			resp.Body.Close()
			if total != 5 || reads < 2 {
				t.Fatalf("/drip: %d bytes in %d reads; want 5 bytes arriving in several reads", total, reads)
			}
			resp, body := do(t, c, &driver.Request{Method: "GET", Origin: p.origin, Target: "/stream/20"})
			if lines := strings.Count(string(body), "\n"); resp.Status != 200 || lines != 20 {
				t.Fatalf("/stream/20: %d with %d lines", resp.Status, lines)
			}
		})
	}
}

func TestHTTPBinDeadline(t *testing.T) {
	for _, p := range httpbinPeers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: p.origin, Target: "/delay/5"})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("/delay/5 with a 200 ms deadline: %v, want context.DeadlineExceeded", err)
			}
		})
	}
}

// TestHTTPBinMultiplexed runs 100 requests at once on one HTTP/2 connection; no body may mix with another.
func TestHTTPBinMultiplexed(t *testing.T) {
	for _, p := range httpbinPeers(t) {
		if p.proto != "h2" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					target := fmt.Sprintf("/anything/%d?pad=%s", i, strings.Repeat("x", i*50))
					resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin, Target: target})
					if err != nil {
						errs <- err
						return
					}
					defer resp.Body.Close()
					var got struct {
						URL string `json:"url"`
					}
					if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
						errs <- err
						return
					}
					if !strings.HasSuffix(got.URL, target) {
						errs <- fmt.Errorf("request %s got the body of %s", target, got.URL)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
