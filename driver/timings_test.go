package driver_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
)

// TestTimingsAndIdle: on every protocol, FirstByte covers the server's delay before its head and no more than
// the round trip took; Connect is reported by the first request only; Idle reports when the body ended.
func TestTimingsAndIdle(t *testing.T) {
	const delay = 30 * time.Millisecond
	ps := peersWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay) // a lower bound only: FirstByte must include it
		_, _ = io.WriteString(w, "late")
	}))
	for _, p := range ps {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			for i := range 2 {
				t0 := time.Now()
				resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin})
				elapsed := time.Since(t0)
				if err != nil {
					t.Fatal(err)
				}
				tm := resp.Extensions.Timings
				if tm.FirstByte < delay || tm.FirstByte > elapsed {
					t.Errorf("request %d: FirstByte %v, want between the server's delay %v and the round trip's %v",
						i, tm.FirstByte, delay, elapsed)
				}
				if reused := i > 0; reused != (tm.Connect == 0) {
					t.Errorf("request %d: Connect %v", i, tm.Connect)
				}
				before := time.Now() // the body ends in the ReadAll
				if _, err := io.ReadAll(resp.Body); err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				waitUntil(t, func() bool { idle, _ := c.Idle(); return idle })
				_, since := c.Idle()
				if since.Before(t0) || since.After(time.Now()) {
					t.Errorf("request %d: idle since %v, outside the request (%v) and now", i, since, t0)
				}
				if since.Before(before) && p.proto == "http/1.1" {
					t.Errorf("request %d: idle since %v, before the body ended (%v)", i, since, before)
				}
			}
		})
	}
}
