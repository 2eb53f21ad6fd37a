package driver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
)

// gatedReader returns its data only once gate is closed (and a little after, for a reset to land).
type gatedReader struct {
	gate <-chan struct{}
	r    io.Reader
}

func (g *gatedReader) Read(p []byte) (int, error) {
	<-g.gate
	time.Sleep(50 * time.Millisecond)
	return g.r.Read(p)
}

// TestStaleConnectionWithABody: a kept-alive connection the server resets while the request body is being
// written, or while the request waits for 100 Continue, before any byte of an answer, fails with
// ErrConnStale, as when writing the head fails, so that the pool may retry an idempotent request; it was
// ErrConnClosed (or a bare network error), as if the request might have been answered.
func TestStaleConnectionWithABody(t *testing.T) {
	for _, expect := range []bool{false, true} {
		name := "while writing the body"
		if expect {
			name = "while awaiting 100 Continue"
		}
		t.Run(name, func(t *testing.T) {
			reset := make(chan struct{})
			origin := rawServer(t, func(nc net.Conn) {
				br := bufio.NewReader(nc)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				if _, err := http.ReadRequest(br); err != nil { // the second request's head
					return
				}
				_ = nc.(*net.TCPConn).SetLinger(0)
				nc.Close() // RST
				close(reset)
			})
			c := dialOrigin(t, origin, nil)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadAll(resp.Body); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			req := &driver.Request{Method: "PUT", Origin: origin,
				Body: &gatedReader{gate: reset, r: strings.NewReader(strings.Repeat("d", 1<<20))}, ContentLength: 1 << 20}
			if expect {
				req.Header.Add("Expect", "100-continue")
			}
			_, err = c.RoundTrip(context.Background(), req)
			if !errors.Is(err, driver.ErrConnStale) || !errors.Is(err, driver.ErrConnClosed) {
				t.Errorf("%v, want ErrConnStale and ErrConnClosed (a reset)", err)
			}
		})
	}
}
