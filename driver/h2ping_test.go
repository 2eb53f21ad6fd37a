package driver_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
)

// TestConcurrentPingsEachGetTheirAck: Pings sent at once carry payloads of their own, so that each is
// answered by its own acknowledgement (RFC 9113 §6.7). Payloads taken from the clock could coincide within
// its resolution, and the second Ping then took the first's place and left it waiting.
func TestConcurrentPingsEachGetTheirAck(t *testing.T) {
	var mu sync.Mutex
	seen := map[[8]byte]int{}
	origin := h2Server(t, h2.Config{}, func(_ *h2.Conn, ev h2.Event) {
		if e, ok := ev.(*h2.PingReceived); ok {
			mu.Lock()
			seen[e.Data]++
			mu.Unlock()
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	const n = 64
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs := make(chan error, n)
	for range n {
		go func() { errs <- c.(driver.Pinger).Ping(ctx) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		t.Errorf("%d PINGs with %d distinct payloads, want %d", n, len(seen), n)
	}
}
