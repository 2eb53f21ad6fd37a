package driver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
)

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closes  atomic.Int32
	onClose func()
	closed  chan struct{} // closed by the first Close
}

func newCloseCounter(r io.Reader, onClose func()) *closeCounter {
	return &closeCounter{Reader: r, onClose: onClose, closed: make(chan struct{})}
}

func (b *closeCounter) Close() error {
	if b.closes.Add(1) == 1 {
		close(b.closed)
	}
	if b.onClose != nil {
		b.onClose()
	}
	return nil
}

// closedOnce waits for the first Close (HTTP/2 closes the body on the sending goroutine, which may finish
// after the response), then checks that it was the only one.
func (b *closeCounter) closedOnce(t *testing.T) {
	t.Helper()
	select {
	case <-b.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the request body was never closed")
	}
	if n := b.closes.Load(); n != 1 {
		t.Fatalf("request body closed %d times, want 1", n)
	}
}

// lineEcho answers each line of the request body with the same line, flushed at once: a conversation that
// only a full-duplex client can hold.
func lineEcho(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	br := bufio.NewReader(r.Body)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			_, _ = io.WriteString(w, line)
			_ = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}

// TestH2FullDuplex: over HTTP/2 the response head arrives while the request body is still open, and each
// line written to the body is answered before the next is written. The body is closed once sent.
func TestH2FullDuplex(t *testing.T) {
	for _, p := range peersWith(t, http.HandlerFunc(lineEcho)) {
		if p.proto != "h2" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			pr, pw := io.Pipe()
			body := newCloseCounter(pr, nil)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
				Target: "/", Body: body, ContentLength: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			for _, line := range []string{"one\n", "two\n", "three\n"} {
				if _, err := io.WriteString(pw, line); err != nil {
					t.Fatalf("writing %q: %v", line, err)
				}
				got, err := br.ReadString('\n')
				if err != nil || got != line {
					t.Fatalf("echo of %q: %q, %v", line, got, err)
				}
			}
			pw.Close()
			if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
				t.Fatalf("after the body ended: %q, %v", rest, err)
			}
			body.closedOnce(t)
		})
	}
}

// TestH2ResponseCloseStopsUpload: the server answers at once without reading the request body, whose writer
// never ends it. Closing the response closes the request body (the writer learns it), resets the stream, and
// the connection serves the next request; goleak checks that the sender is gone.
func TestH2ResponseCloseStopsUpload(t *testing.T) {
	for _, p := range peersWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "done")
	})) {
		if p.proto != "h2" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			pr, pw := io.Pipe()
			body := newCloseCounter(pr, func() { pr.Close() })
			writerDone := make(chan error, 1)
			go func() {
				chunk := make([]byte, 4096)
				for {
					if _, err := pw.Write(chunk); err != nil {
						writerDone <- err
						return
					}
				}
			}()
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
				Target: "/", Body: body, ContentLength: -1})
			if err != nil {
				t.Fatal(err)
			}
			if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "done" {
				t.Fatalf("response: %q, %v", b, err)
			}
			resp.Body.Close()
			if err := <-writerDone; !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("the body's writer: %v, want io.ErrClosedPipe", err)
			}
			body.closedOnce(t)
			if _, got := get(t, c, p, "GET", "/", nil, 0); got != "done" {
				t.Fatalf("next request: %q", got)
			}
		})
	}
}

// TestRequestBodyClosedOnce: on both protocols a request body that is an io.Closer is closed exactly once by
// the time the exchange is over.
func TestRequestBodyClosedOnce(t *testing.T) {
	for _, p := range peers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			body := newCloseCounter(io.LimitReader(zeros{}, 100<<10), nil)
			if _, got := get(t, c, p, "POST", "/echo", body, 100<<10); len(got) != 100<<10 {
				t.Fatalf("echo of 100 KiB: %d bytes", len(got))
			}
			body.closedOnce(t)
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestH2BodyErrorAfterHead: a request body that fails after the response head was returned resets the
// stream, and the response's reader gets the body's error.
func TestH2BodyErrorAfterHead(t *testing.T) {
	for _, p := range peersWith(t, http.HandlerFunc(lineEcho)) {
		if p.proto != "h2" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			pr, pw := io.Pipe()
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
				Target: "/", Body: pr, ContentLength: -1})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			_, _ = io.WriteString(pw, "one\n")
			if got, err := br.ReadString('\n'); err != nil || got != "one\n" {
				t.Fatalf("echo: %q, %v", got, err)
			}
			pw.CloseWithError(errors.New("disk error"))
			if _, err := io.ReadAll(br); err == nil || !strings.Contains(err.Error(), "disk error") {
				t.Fatalf("response after the body failed: %v, want the body's error", err)
			}
		})
	}
}
