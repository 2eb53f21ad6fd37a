package pool_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/h2server"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// TestH2ReadTimeoutResetsTheStream: an HTTP/2 body whose Read fails with ErrReadTimeout gives its stream up
// (RST_STREAM CANCEL), as the pool, which takes the stream's place back on that error, assumes: with one
// stream allowed, the next request runs on the connection while the timed-out body is still unclosed.
func TestH2ReadTimeoutResetsTheStream(t *testing.T) {
	var resets atomic.Int32
	origin, _ := h2server.Start(t, h2.Config{MaxConcurrentStreams: 1}, func(_ int, c *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if e.Kind != h2.KindRequest {
				return
			}
			_ = c.SendResponse(e.StreamID, proto.NewResponse(200), false)
			if string(e.Request.Target) == "/stall" {
				_, _ = c.SendData(e.StreamID, []byte("part"), false) // and nothing more
				return
			}
			_, _ = c.SendData(e.StreamID, []byte("ok"), true)
		case *h2.StreamReset:
			resets.Add(1)
		}
	}, nil)
	opts := pool.Options{H2C: true}
	opts.Driver.ReadTimeout = 200 * time.Millisecond
	p := pool.New(opts)
	defer p.Close()
	resp, err := p.Do(context.Background(), &pool.Request{Method: "GET", Origin: origin, Target: "/stall"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close() // after the next request, as a deferred Close runs
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, driver.ErrReadTimeout) {
		t.Fatalf("reading the stalled body: %v, want ErrReadTimeout", err)
	}
	if body, err := get(context.Background(), p, origin, "/next"); err != nil || body != "ok" {
		t.Errorf("the next request: %q, %v", body, err)
	}
	if n := resets.Load(); n != 1 {
		t.Errorf("the server saw %d stream resets, want 1", n)
	}
}
