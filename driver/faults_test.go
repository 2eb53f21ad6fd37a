package driver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/h2server"
	"github.com/httpwire/httpwire/proto"
)

// rawServer accepts one connection on loopback and hands it to serve.
func rawServer(t *testing.T, serve func(nc net.Conn)) proto.Origin {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		serve(nc)
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	o, _ := proto.ParseOrigin("http://" + l.Addr().String())
	return o
}

// dialOrigin connects to origin and closes the connection when the test ends.
func dialOrigin(t *testing.T, origin proto.Origin, opts *driver.Options) driver.Conn {
	t.Helper()
	c, err := driver.Dial(context.Background(), origin, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// h2Server serves h2c with a server core (internal/h2server): handle answers each event.
func h2Server(t *testing.T, cfg h2.Config, handle func(sc *h2.Conn, ev h2.Event)) proto.Origin {
	t.Helper()
	origin, _ := h2server.Start(t, cfg, func(_ int, sc *h2.Conn, ev h2.Event) { handle(sc, ev) }, nil)
	return origin
}

func TestFaultServerClosesMidBody(t *testing.T) {
	origin := rawServer(t, func(nc net.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(nc))
		_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
	})
	c := dialOrigin(t, origin, nil)
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if string(body) != "only ten b" || !errors.Is(err, proto.ErrIncomplete) {
		t.Fatalf("got %q, %v; want the 10 bytes then ErrIncomplete", body, err)
	}
	if c.Available() != -1 {
		t.Fatal("a connection that lost its peer mid-body is still offered")
	}
}

func TestFaultMalformedResponse(t *testing.T) {
	origin := rawServer(t, func(nc net.Conn) {
		_, _ = http.ReadRequest(bufio.NewReader(nc))
		_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
	})
	c := dialOrigin(t, origin, nil)
	_, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
	var re *proto.RemoteError
	if !errors.As(err, &re) || !errors.Is(err, proto.ErrFraming) {
		t.Fatalf("got %v, want a RemoteError wrapping ErrFraming", err)
	}
}

// TestFaultStaleKeepAlive: a kept-alive connection the server closed, or on which it sent bytes nobody asked
// for. When that is visible before the next request, nothing is sent and the request fails with
// ErrNotProcessed; when the server closes after reading it without answering, it fails with ErrConnStale,
// which a pool retries only for idempotent requests. A GET on a plain connection goes through the exchanger,
// a POST with a body through the idle look: both must tell the same.
func TestFaultStaleKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil string // "close" or "extra" before the second request; "" closes after reading it
		want  error
	}{
		{"closed while idle", "close", driver.ErrNotProcessed},
		{"bytes while idle", "extra", driver.ErrNotProcessed},
		{"closed after the request", "", driver.ErrConnStale},
	} {
		for _, method := range []string{"GET", "POST"} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				// The server spoils the connection once the client has read the first response and let the
				// connection go idle (spoil), and says so (spoiled): on loopback, what it wrote is then in
				// the client's receive buffer.
				secondSeen, spoil, spoiled := make(chan bool, 1), make(chan struct{}), make(chan struct{})
				origin := rawServer(t, func(nc net.Conn) {
					br := bufio.NewReader(nc)
					if _, err := http.ReadRequest(br); err != nil {
						return
					}
					_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
					if tc.spoil != "" {
						select {
						case <-spoil:
						case <-time.After(10 * time.Second):
							return
						}
					}
					switch tc.spoil {
					case "close":
						nc.(*net.TCPConn).CloseWrite()
					case "extra":
						_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforge")
					}
					close(spoiled)
					_, err := br.Peek(1) // the second request, never answered
					secondSeen <- err == nil
				})
				c := dialOrigin(t, origin, nil)
				resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if tc.spoil != "" {
					close(spoil)
					within(t, spoiled, "the server's spoiling")
				}
				req := &driver.Request{Method: method, Origin: origin}
				if method == "POST" {
					req.Body, req.ContentLength = strings.NewReader("body"), 4
				}
				_, err = c.RoundTrip(context.Background(), req)
				if !errors.Is(err, tc.want) {
					t.Fatalf("second request: %v, want %v", err, tc.want)
				}
				c.Close()
				if seen := <-secondSeen; seen != (tc.spoil == "") {
					t.Errorf("the server got bytes of the second request: %v; want %v", seen, tc.spoil == "")
				}
			})
		}
	}
}

func TestFaultStallReadTimeout(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		name := "h1"
		if h2c {
			name = "h2c"
		}
		t.Run(name, func(t *testing.T) {
			var origin proto.Origin
			if h2c {
				// Speak just enough HTTP/2 to accept the request, then say nothing more.
				origin = h2Server(t, h2.Config{}, func(*h2.Conn, h2.Event) {})
			} else {
				release := make(chan struct{})
				origin = rawServer(t, func(nc net.Conn) {
					_, _ = http.ReadRequest(bufio.NewReader(nc))
					<-release
				})
				defer close(release)
			}
			c := dialOrigin(t, origin, &driver.Options{H2C: h2c, ReadTimeout: 300 * time.Millisecond})
			_, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("stalled server: %v, want a read timeout (os.ErrDeadlineExceeded)", err)
			}
		})
	}
}

// TestFaultStreamReset: net/http aborts a handler mid-body; over HTTP/2 that is RST_STREAM.
func TestFaultStreamReset(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Config.ErrorLog = nil
	srv.Start()
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	var se *driver.StreamError
	if !errors.As(err, &se) {
		t.Fatalf("body of a reset stream: %v, want a StreamError", err)
	}
}

// TestFaultGoAway: the server processes stream 1, then sends GOAWAY naming 1 as the last stream while
// stream 3 is in flight: stream 3 fails with ErrNotProcessed, stream 1 completes.
func TestFaultGoAway(t *testing.T) {
	origin := rawServer(t, func(nc net.Conn) {
		sc := h2.NewConn(h2.Server, h2.Config{})
		buf := make([]byte, 4096)
		var ids []uint32
		for len(ids) < 2 {
			n, err := nc.Read(buf)
			if err != nil {
				return
			}
			_ = sc.Receive(buf[:n])
			for {
				ev, err := sc.NextEvent()
				if err != nil || ev == nil {
					break
				}
				if h, ok := ev.(*h2.HeadersReceived); ok {
					ids = append(ids, h.StreamID)
				}
			}
			_, _ = nc.Write(sc.Pending())
			sc.Advance(len(sc.Pending()))
		}
		_, _ = nc.Write(h2.AppendGoAway(nil, ids[0], h2.ErrCodeNo, nil))
		_ = sc.SendResponse(ids[0], proto.NewResponse(200), false)
		_, _ = sc.SendData(ids[0], []byte("first"), true)
		_, _ = nc.Write(sc.Pending())
		sc.Advance(len(sc.Pending()))
		_, _ = io.Copy(io.Discard, nc)
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	type result struct {
		body string
		err  error
	}
	results := make(chan result, 2)
	for i := range 2 {
		go func() {
			if i == 1 {
				time.Sleep(50 * time.Millisecond) // keep the stream order 1, 3
			}
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
			if err != nil {
				results <- result{err: err}
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{string(b), err}
		}()
	}
	var ok, refused int
	for range 2 {
		r := <-results
		switch {
		case r.err == nil && r.body == "first":
			ok++
		case errors.Is(r.err, driver.ErrNotProcessed):
			refused++
		default:
			t.Errorf("unexpected result %q, %v", r.body, r.err)
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("%d completed and %d not processed, want 1 and 1", ok, refused)
	}
	if c.Available() != -1 {
		t.Fatal("a connection after GOAWAY still takes requests")
	}
}

// TestEarlyResponseStopsUpload: the server answers before reading the request body, then sends RST_STREAM
// NO_ERROR (RFC 9113 §8.1), as nginx does: the response stands and the upload stops.
func TestEarlyResponseStopsUpload(t *testing.T) {
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		if e, ok := ev.(*h2.HeadersReceived); ok && e.Kind == h2.KindRequest {
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(200), false)
			_, _ = sc.SendData(e.StreamID, []byte("early"), true)
			_ = sc.Reset(e.StreamID, h2.ErrCodeNo)
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: origin,
		Body: io.LimitReader(&pattern{}, 8<<20), ContentLength: 8 << 20})
	if err != nil {
		t.Fatalf("upload answered early: %v", err)
	}
	defer resp.Body.Close()
	if body, err := io.ReadAll(resp.Body); err != nil || string(body) != "early" {
		t.Fatalf("body %q, %v", body, err)
	}
}

// failingBody returns some bytes, then an error of its own.
type failingBody struct{ sent bool }

func (b *failingBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "abcd"), nil
	}
	return 0, errors.New("disk error")
}

// TestRequestBodyErrorEndsRequest: a request body that fails ends the request with its error at once; the
// server, still waiting for the rest, is not waited on.
func TestRequestBodyErrorEndsRequest(t *testing.T) {
	for _, p := range peers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := c.RoundTrip(ctx, &driver.Request{Method: "POST", Origin: p.origin, Target: "/echo",
				Body: &failingBody{}, ContentLength: 100})
			if err == nil || !strings.Contains(err.Error(), "disk error") || ctx.Err() != nil {
				t.Fatalf("got %v (context %v), want the body's error before any deadline", err, ctx.Err())
			}
		})
	}
}
