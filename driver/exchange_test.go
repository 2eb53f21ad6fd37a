package driver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// answerFirst serves one connection: the first request gets "ok", each later one is handed to later, which
// reports whether to go on serving.
func answerFirst(t *testing.T, later func(nc net.Conn, r *http.Request) bool) proto.Origin {
	return rawServer(t, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		for i := 0; ; i++ {
			r, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if i == 0 {
				_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				continue
			}
			if !later(nc, r) {
				return
			}
		}
	})
}

// getTwice makes a first GET on c and reads its body, then, after pause, a second GET (on the kept-alive
// connection, so through the exchanger on unix) and returns what it got, its body read.
func getTwice(t *testing.T, c driver.Conn, origin proto.Origin, pause time.Duration, second *driver.Request) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	time.Sleep(pause)
	resp, err = c.RoundTrip(ctx, second)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestExchangeReadTimeout: a reused connection whose server goes silent fails at ReadTimeout with the
// socket's deadline error, not as a stale connection (which a pool would retry) nor at the context's end.
func TestExchangeReadTimeout(t *testing.T) {
	origin := answerFirst(t, func(net.Conn, *http.Request) bool { return true })
	c := dialOrigin(t, origin, &driver.Options{ReadTimeout: 300 * time.Millisecond})
	_, err := getTwice(t, c, origin, 0, &driver.Request{Method: "GET", Origin: origin})
	if !errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, driver.ErrConnStale) {
		t.Fatalf("second request: %v; want the read deadline's error, not ErrConnStale", err)
	}
}

// TestExchangeReadTimeoutRenewed: ReadTimeout counts from the reused request, not from the last read of the
// previous one. The connection sits idle for longer than ReadTimeout, then the server answers after a pause.
func TestExchangeReadTimeoutRenewed(t *testing.T) {
	origin := answerFirst(t, func(nc net.Conn, _ *http.Request) bool {
		time.Sleep(20 * time.Millisecond)
		_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nlater")
		return true
	})
	c := dialOrigin(t, origin, &driver.Options{ReadTimeout: 300 * time.Millisecond})
	if body, err := getTwice(t, c, origin, 400*time.Millisecond, &driver.Request{Method: "GET", Origin: origin}); err != nil || body != "later" {
		t.Fatalf("second request: %q, %v; want \"later\"", body, err)
	}
}

// TestExchangeReset: a server that resets the connection after reading the request leaves the client unable
// to tell whether it acted on it: ErrConnStale, which the pool retries only for idempotent requests.
func TestExchangeReset(t *testing.T) {
	origin := answerFirst(t, func(nc net.Conn, _ *http.Request) bool {
		_ = nc.(*net.TCPConn).SetLinger(0) // Close sends a reset
		return false
	})
	c := dialOrigin(t, origin, nil)
	_, err := getTwice(t, c, origin, 0, &driver.Request{Method: "GET", Origin: origin})
	if !errors.Is(err, driver.ErrConnStale) {
		t.Fatalf("second request: %v; want ErrConnStale", err)
	}
}

// TestExchangeLargeHead: a head larger than the socket takes at once goes out whole, the rest written after
// the exchange's first write.
func TestExchangeLargeHead(t *testing.T) {
	big := strings.Repeat("a", 4<<20)
	origin := answerFirst(t, func(nc net.Conn, r *http.Request) bool {
		if r.Header.Get("X-Big") != big {
			_, _ = io.WriteString(nc, "HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad")
			return false
		}
		_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbig")
		return true
	})
	c := dialOrigin(t, origin, nil)
	req := &driver.Request{Method: "GET", Origin: origin}
	req.Header.Add("X-Big", big)
	if body, err := getTwice(t, c, origin, 0, req); err != nil || body != "big" {
		t.Fatalf("second request: %q, %v; want \"big\"", body, err)
	}
}

// TestExchangeManyReuses: one connection carries many requests in a row, answered at once or after a pause
// (so that the exchange waits), each getting its own answer.
func TestExchangeManyReuses(t *testing.T) {
	origin := rawServer(t, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		for i := 0; ; i++ {
			r, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if i%50 == 0 {
				time.Sleep(time.Millisecond)
			}
			target := r.URL.Path
			_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(target))+"\r\n\r\n"+target)
		}
	})
	c := dialOrigin(t, origin, nil)
	for i := range 1000 {
		target := "/" + itoa(i)
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: target})
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != target {
			t.Fatalf("request %d: %q, %v; want %q", i, b, err, target)
		}
	}
}
