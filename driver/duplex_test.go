package driver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
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

// h2Peers is peersWith, keeping the HTTP/2 peers (TLS with ALPN h2, and h2c).
func h2Peers(t *testing.T, handler http.Handler) []peer {
	var ps []peer
	for _, p := range peersWith(t, handler) {
		if p.proto == "h2" {
			ps = append(ps, p)
		}
	}
	return ps
}

// post dials p and starts a POST to "/" whose body streams from body (length unknown).
func post(t *testing.T, p peer, body io.Reader) *driver.Response {
	t.Helper()
	resp, err := dial(t, p).RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
		Target: "/", Body: body, ContentLength: -1})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestH2FullDuplex: over HTTP/2 the response head arrives while the request body is still open, and each
// line written to the body is answered before the next is written. The body is closed once sent.
func TestH2FullDuplex(t *testing.T) {
	for _, p := range h2Peers(t, http.HandlerFunc(lineEcho)) {
		t.Run(p.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			body := newCloseCounter(pr, nil)
			resp := post(t, p, body)
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

// duplexServer answers each request at once with a head and "done", ending the response when end is set
// and then resetting the stream with NO_ERROR when stop is set (RFC 9113 §8.1). It takes the request body
// as it comes and reports each stream reset and the request's end.
type duplexServer struct {
	origin   proto.Origin
	received atomic.Int64
	ended    chan struct{} // closed when the request body ends (END_STREAM)
	reset    chan h2.ErrCode
}

func newDuplexServer(t *testing.T, end, stop bool) *duplexServer {
	d := &duplexServer{ended: make(chan struct{}), reset: make(chan h2.ErrCode, 1)}
	var endOnce sync.Once
	d.origin = h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if e.Kind == h2.KindRequest {
				_ = sc.SendResponse(e.StreamID, proto.NewResponse(200), false)
				_, _ = sc.SendData(e.StreamID, []byte("done"), end)
				if stop {
					_ = sc.Reset(e.StreamID, h2.ErrCodeNo)
				}
			}
		case *h2.DataReceived:
			d.received.Add(int64(len(e.Data)))
			sc.Consume(e.StreamID, len(e.Data))
		case *h2.StreamEnded:
			endOnce.Do(func() { close(d.ended) })
		case *h2.StreamReset:
			select {
			case d.reset <- e.Code:
			default:
			}
		}
	})
	return d
}

// upload dials the server and starts a POST whose body streams from body (length unknown).
func (d *duplexServer) upload(t *testing.T, body io.Reader) (driver.Conn, *driver.Response) {
	t.Helper()
	c := dialOrigin(t, d.origin, &driver.Options{H2C: true})
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: d.origin,
		Body: body, ContentLength: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, resp
}

// wantDone reads the response to its end and checks it is the server's "done".
func wantDone(t *testing.T, resp *driver.Response) {
	t.Helper()
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "done" {
		t.Fatalf("response: %q, %v", b, err)
	}
}

// within waits for ch, or fails the test after 10 s.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen", what)
	}
	var zero T
	return zero
}

// TestH2UploadOutlivesResponse: a response that ends while the request body is still being sent leaves the
// stream on the connection, which is not idle until the body has gone out whole.
func TestH2UploadOutlivesResponse(t *testing.T) {
	srv := newDuplexServer(t, true, false)
	pr, pw := io.Pipe()
	body := newCloseCounter(pr, nil)
	c, resp := srv.upload(t, body)
	wantDone(t, resp)
	if idle, _ := c.Idle(); idle {
		t.Fatal("the connection reports idle while the request body is still being sent")
	}
	const rest = "the rest of the upload"
	if _, err := io.WriteString(pw, rest); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	within(t, srv.ended, "the end of the request body")
	if n := srv.received.Load(); n != int64(len(rest)) {
		t.Fatalf("the server received %d bytes of body, want %d", n, len(rest))
	}
	body.closedOnce(t)
	waitUntil(t, func() bool { idle, _ := c.Idle(); return idle })
	resp.Body.Close()
}

// TestH2UploadFailsAfterResponse: a request body that fails after the whole response arrived does not cut
// the response short: it is read whole, or fails with the body's error, never ends early without one.
func TestH2UploadFailsAfterResponse(t *testing.T) {
	srv := newDuplexServer(t, true, false)
	pr, pw := io.Pipe()
	c, resp := srv.upload(t, pr)
	pw.CloseWithError(errors.New("disk error"))
	within(t, srv.reset, "the reset that ends the failed upload") // the sender has handled its failure
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil && string(b) != "done" {
		t.Fatalf("response cut short without an error: %q", b)
	}
	if err != nil && !strings.Contains(err.Error(), "disk error") {
		t.Fatalf("response failed with %v, want the body's error", err)
	}
	waitUntil(t, func() bool { idle, _ := c.Idle(); return idle })
	if _, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: srv.origin}); err != nil {
		t.Fatalf("next request: %v", err)
	}
}

// TestH2StopSendingFreesSender: the server sends its whole response and RST_STREAM NO_ERROR while the
// request body waits on a writer that never writes. The sender must not stay blocked: the body is closed.
func TestH2StopSendingFreesSender(t *testing.T) {
	srv := newDuplexServer(t, true, true)
	pr, _ := io.Pipe()
	body := newCloseCounter(pr, func() { pr.Close() })
	_, resp := srv.upload(t, body)
	wantDone(t, resp)
	body.closedOnce(t)
	resp.Body.Close()
}

// TestH2ResponseCloseStopsUpload: the server keeps the response open and never reads; the request body's
// writer writes nothing. Closing the response closes the request body (so the sender returns) and resets
// the stream, and the connection serves the next request.
func TestH2ResponseCloseStopsUpload(t *testing.T) {
	srv := newDuplexServer(t, false, false)
	pr, _ := io.Pipe()
	body := newCloseCounter(pr, func() { pr.Close() })
	c, resp := srv.upload(t, body)
	got := make([]byte, 4)
	if _, err := io.ReadFull(resp.Body, got); err != nil || string(got) != "done" {
		t.Fatalf("response: %q, %v", got, err)
	}
	resp.Body.Close()
	body.closedOnce(t)
	if code := within(t, srv.reset, "a reset of the stream"); code != h2.ErrCodeCancel {
		t.Fatalf("the stream was reset with %v, want CANCEL", code)
	}
	waitUntil(t, func() bool { idle, _ := c.Idle(); return idle })
}

// waitUntil polls cond until it holds, for at most 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatal("condition not reached in 10 s")
		}
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
	for _, p := range h2Peers(t, http.HandlerFunc(lineEcho)) {
		t.Run(p.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			resp := post(t, p, pr)
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

// lockedBody is a request body whose Close waits for a Read in progress, as net/http's server request body
// does: a proxy that forwards one hands the connection such a body. Its Read blocks until release.
type lockedBody struct {
	mu      sync.Mutex
	release chan struct{}
	closed  chan struct{}
	once    sync.Once
}

func (b *lockedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	<-b.release
	return 0, io.EOF
}

func (b *lockedBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.once.Do(func() { close(b.closed) })
	return nil
}

// TestH2BlockingBodyCloseStallsNothing: the server ends the response and asks for no more body while the
// sender is blocked in a Read that Close waits for. Closing the body must not hold up the connection: the
// next request on it is answered while the body is still blocked.
func TestH2BlockingBodyCloseStallsNothing(t *testing.T) {
	srv := newDuplexServer(t, true, true)
	body := &lockedBody{release: make(chan struct{}), closed: make(chan struct{})}
	released := sync.OnceFunc(func() { close(body.release) })
	defer released() // should the test end early
	c, resp := srv.upload(t, body)
	wantDone(t, resp)
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	next, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: srv.origin})
	if err != nil {
		t.Fatalf("next request while the first body's Close waits: %v", err)
	}
	next.Body.Close()
	released() // the sender's Read returns, and the Close that waited for it goes through
	within(t, body.closed, "the Close of the abandoned body")
}

// slowBody yields n chunks, pausing before each.
type slowBody struct {
	n     int
	pause time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.EOF
	}
	b.n--
	time.Sleep(b.pause)
	return copy(p, "chunk\n"), nil
}

// TestH2ReadTimeoutAfterBody: ReadTimeout counts from the end of the request body, as on HTTP/1.1: an upload
// slower than the timeout (1.5 s against 1 s) to a server that answers once it has the whole body succeeds.
func TestH2ReadTimeoutAfterBody(t *testing.T) {
	for _, p := range peers(t) {
		if p.name != "h2c" {
			continue
		}
		opts := *p.opts
		opts.ReadTimeout = time.Second
		c, err := driver.Dial(context.Background(), p.origin, &opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
			Target: "/echo", Body: &slowBody{n: 10, pause: 150 * time.Millisecond}, ContentLength: -1})
		if err != nil {
			t.Fatalf("a 1.5 s upload with a 1 s ReadTimeout: %v", err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != strings.Repeat("chunk\n", 10) {
			t.Fatalf("echo: %q, %v", b, err)
		}
	}
}

// TestH2ReadTimeoutWindowStall: a server that opens no flow-control window for the request body and never
// answers is caught by ReadTimeout: waiting for a window is waiting on the server.
func TestH2ReadTimeoutWindowStall(t *testing.T) {
	// It answers a GET, so that its SETTINGS (a 16-byte stream window) are in force before the upload: data
	// sent before them may use the 65,535 bytes of RFC 9113's initial window. It grants nothing else.
	origin := h2Server(t, h2.Config{StreamWindow: 16}, func(sc *h2.Conn, ev h2.Event) {
		if e, ok := ev.(*h2.HeadersReceived); ok && string(e.Request.Method) == "GET" {
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(204), true)
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true, ReadTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	first.Body.Close()
	_, err = c.RoundTrip(ctx, &driver.Request{Method: "POST", Origin: origin,
		Body: io.LimitReader(zeros{}, 1<<20), ContentLength: 1 << 20})
	if !errors.Is(err, driver.ErrReadTimeout) {
		t.Fatalf("upload to a server that grants no window: %v, want ErrReadTimeout", err)
	}
}
