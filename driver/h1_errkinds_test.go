package driver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/httpwire/httpwire/driver"
)

// TestH1LostConnectionIsErrConnClosed: an HTTP/1.1 connection that breaks under a request, reset by the
// peer before the head or within the body, or closed by the caller while a body is read, fails with
// ErrConnClosed, as on HTTP/2; the network error stays in the chain.
func TestH1LostConnectionIsErrConnClosed(t *testing.T) {
	reset := func(answer string) func(nc net.Conn) {
		return func(nc net.Conn) {
			if _, err := http.ReadRequest(bufio.NewReader(nc)); err != nil {
				return
			}
			_, _ = io.WriteString(nc, answer)
			_ = nc.(*net.TCPConn).SetLinger(0) // close with RST
		}
	}
	t.Run("reset before the head", func(t *testing.T) {
		origin := rawServer(t, reset(""))
		c := dialOrigin(t, origin, nil)
		_, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
		var ne *net.OpError
		if !errors.Is(err, driver.ErrConnClosed) || !errors.As(err, &ne) {
			t.Errorf("%v (%T), want ErrConnClosed wrapping a *net.OpError", err, err)
		}
	})
	t.Run("reset within the body", func(t *testing.T) {
		origin := rawServer(t, reset("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"))
		c := dialOrigin(t, origin, nil)
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
		if err != nil {
			// The reset can overtake the head: then the round trip reports it.
			if !errors.Is(err, driver.ErrConnClosed) {
				t.Errorf("round trip: %v, want ErrConnClosed", err)
			}
			return
		}
		_, err = io.ReadAll(resp.Body)
		if !errors.Is(err, driver.ErrConnClosed) {
			t.Errorf("body: %v (%T), want ErrConnClosed", err, err)
		}
	})
	t.Run("closed by the caller within the body", func(t *testing.T) {
		hold := make(chan struct{})
		origin := rawServer(t, func(nc net.Conn) {
			if _, err := http.ReadRequest(bufio.NewReader(nc)); err != nil {
				return
			}
			_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
			<-hold
		})
		defer close(hold)
		c := dialOrigin(t, origin, nil)
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 7)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := resp.Body.Read(buf)
			done <- err
		}()
		waitUntil(t, func() bool { return blockedIn("(*h1Body).Read", "IO wait") })
		c.Close()
		if err := <-done; !errors.Is(err, driver.ErrConnClosed) {
			t.Errorf("%v (%T), want ErrConnClosed", err, err)
		}
	})
}
