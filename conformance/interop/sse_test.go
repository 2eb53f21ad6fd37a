package interop_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
)

// TestSSELockstep serves each event only after the test has read the previous one: a client that buffered
// the body before returning it would deadlock here.
func TestSSELockstep(t *testing.T) {
	next := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 5 {
			fmt.Fprintf(w, "id: %d\ndata: event %d\n\n", i, i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Second):
				return // the test never read the event: it fails on its own side
			}
		}
	})
	for _, p := range serve(t, handler) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin, Target: "/events"})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for i := range 5 {
				ev := readEvent(t, sc)
				if want := fmt.Sprintf("event %d", i); ev != want {
					t.Fatalf("event %d: %q, want %q", i, ev, want)
				}
				next <- struct{}{}
			}
			if sc.Scan() {
				t.Fatalf("more after the last event: %q", sc.Text())
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// readEvent returns the data of the next event of an event stream (WHATWG HTML, server-sent events):
// lines up to an empty one, comments skipped.
func readEvent(t *testing.T, sc *bufio.Scanner) string {
	t.Helper()
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data != nil {
				return strings.Join(data, "\n")
			}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	t.Fatalf("stream ended inside an event: %v", sc.Err())
	return ""
}

// TestSSEHeartbeatsOutliveReadTimeout: a stream idle but for comment heartbeats every 200 ms lives for
// several seconds under a 1 s read-idle timeout, then ends normally.
func TestSSEHeartbeatsOutliveReadTimeout(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		end := time.After(2500 * time.Millisecond)
		for {
			select {
			case <-tick.C:
				_, _ = fmt.Fprint(w, ": heartbeat\n\n")
				w.(http.Flusher).Flush()
			case <-end:
				_, _ = fmt.Fprint(w, "data: done\n\n")
				return
			case <-r.Context().Done():
				return
			}
		}
	})
	for _, p := range serve(t, handler) {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			p.opts.ReadTimeout = time.Second
			c := dial(t, p)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin, Target: "/events"})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			if ev := readEvent(t, sc); ev != "done" {
				t.Fatalf("got %q, want done", ev)
			}
		})
	}
}
