package pool_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/internal/canned"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// countingServer is a net/http server that counts the connections it accepted.
type countingServer struct {
	*httptest.Server
	origin proto.Origin
	conns  atomic.Int64
}

func newServer(t *testing.T, h2c bool, handler http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(handler)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if h2c {
		s.Config.Protocols = new(http.Protocols)
		s.Config.Protocols.SetUnencryptedHTTP2(true)
	}
	s.Start()
	t.Cleanup(s.Close)
	s.origin, _ = proto.ParseOrigin(s.URL)
	return s
}

func hello(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello "+r.URL.Path) }

func get(ctx context.Context, p *pool.Pool, origin proto.Origin, target string) (string, error) {
	resp, err := p.Do(ctx, &pool.Request{Method: "GET", Origin: origin, Target: target})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestSequentialRequestsReuseOneConnection(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2c=%v", h2c), func(t *testing.T) {
			srv := newServer(t, h2c, hello)
			p := pool.New(pool.Options{H2C: h2c})
			defer p.Close()
			for i := range 10 {
				body, err := get(context.Background(), p, srv.origin, fmt.Sprintf("/%d", i))
				if err != nil || body != fmt.Sprintf("hello /%d", i) {
					t.Fatalf("request %d: %q, %v", i, body, err)
				}
			}
			st := p.Stats().Total
			if srv.conns.Load() != 1 || st.Dials != 1 || st.Reuses != 9 || st.Idle != 1 || st.Active != 0 {
				t.Fatalf("server saw %d connections; stats %+v", srv.conns.Load(), st)
			}
		})
	}
}

func TestConcurrentRequestsRespectLimits(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2c=%v", h2c), func(t *testing.T) {
			var inside, most atomic.Int64
			srv := newServer(t, h2c, func(w http.ResponseWriter, r *http.Request) {
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond)
				inside.Add(-1)
				hello(w, r)
			})
			p := pool.New(pool.Options{H2C: h2c, MaxConnectionsPerOrigin: 3})
			defer p.Close()
			var wg sync.WaitGroup
			errs := make(chan error, 60)
			for i := range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if body, err := get(context.Background(), p, srv.origin, fmt.Sprintf("/%d", i)); err != nil || body != fmt.Sprintf("hello /%d", i) {
						errs <- fmt.Errorf("request %d: %q, %v", i, body, err)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n := srv.conns.Load(); n > 3 {
				t.Fatalf("server saw %d connections, limit 3", n)
			}
			if h2c && srv.conns.Load() != 1 {
				t.Fatalf("HTTP/2: %d connections where one carries 60 streams", srv.conns.Load())
			}
			if !h2c && most.Load() > 3 {
				t.Fatalf("HTTP/1.1: %d requests at once over 3 connections", most.Load())
			}
			if st := p.Stats().Total; st.Active != 0 || st.InFlight != 0 || st.Waiters != 0 {
				t.Fatalf("after the requests: %+v", st)
			}
		})
	}
}

func TestKeepaliveExpiry(t *testing.T) {
	srv := newServer(t, false, hello)
	clock := &virtualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	advance := clock.advance
	p := pool.New(pool.Options{KeepaliveExpiry: time.Minute, Now: clock.Now})
	defer p.Close()
	if _, err := get(context.Background(), p, srv.origin, "/"); err != nil {
		t.Fatal(err)
	}
	advance(59 * time.Second)
	if st := p.Stats().Total; st.Idle != 1 || st.Expired != 0 {
		t.Fatalf("before expiry: %+v", st)
	}
	advance(time.Second)
	if st := p.Stats().Total; st.Connections != 0 || st.Expired != 1 {
		t.Fatalf("after expiry: %+v", st)
	}
	if _, err := get(context.Background(), p, srv.origin, "/"); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats().Total; st.Dials != 2 || srv.conns.Load() != 2 {
		t.Fatalf("after expiry a new connection is dialed: %+v, server saw %d", st, srv.conns.Load())
	}
}

// TestKeepaliveExpiryClockSetAfterNew: a test clock that still reads the zero time at New and is set to a
// date afterwards still expires connections (the pool counts from the clock's first reading in use, and
// time.Time.Sub saturates across the centuries in between).
func TestKeepaliveExpiryClockSetAfterNew(t *testing.T) {
	srv := newServer(t, false, hello)
	clock := &virtualClock{}
	p := pool.New(pool.Options{KeepaliveExpiry: time.Minute, Now: clock.Now})
	defer p.Close()
	clock.mu.Lock()
	clock.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock.mu.Unlock()
	if _, err := get(context.Background(), p, srv.origin, "/"); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Hour)
	if st := p.Stats().Total; st.Connections != 0 || st.Expired != 1 {
		t.Fatalf("an hour past a one-minute expiry: %+v", st)
	}
}

// TestHTTP2Saturation: a server allowing 10 streams per connection and 50 slow requests at once make the
// pool open 5 connections, no more.
func TestHTTP2Saturation(t *testing.T) {
	release := make(chan struct{})
	var arrived atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		<-release
		hello(w, r)
	}))
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 10}
	srv.Start()
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	p := pool.New(pool.Options{H2C: true, MaxConnectionsPerOrigin: 20})
	defer p.Close()
	// One request first, so that the server's SETTINGS (10 streams) are known before the burst.
	go func() {
		for arrived.Load() < 1 {
			time.Sleep(time.Millisecond)
		}
		release <- struct{}{}
	}()
	if _, err := get(context.Background(), p, origin, "/first"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := get(context.Background(), p, origin, fmt.Sprintf("/%d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	for arrived.Load() < 51 {
		time.Sleep(time.Millisecond)
	}
	st := p.Stats().Total
	close(release)
	wg.Wait()
	if st.HTTP2 != 5 || st.InFlight != 50 || conns.Load() != 5 {
		t.Fatalf("50 streams at 10 per connection: stats %+v, server saw %d connections", st, conns.Load())
	}
}

// TestCancelWhileWaiting: a request queued behind a busy connection gives up with its context and leaves
// nothing behind.
func TestCancelWhileWaiting(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		hello(w, r)
	})
	p := pool.New(pool.Options{MaxConnectionsPerOrigin: 1})
	defer p.Close()
	done := make(chan error, 1)
	go func() {
		_, err := get(context.Background(), p, srv.origin, "/slow")
		done <- err
	}()
	for p.Stats().Total.Active != 1 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	waitErr := make(chan error, 1)
	go func() {
		_, err := get(ctx, p, srv.origin, "/queued")
		waitErr <- err
	}()
	for p.Stats().Total.Waiters != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-waitErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("queued request: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := p.Stats().Total; st.Waiters != 0 || st.Active != 0 || st.Connections != 1 {
		t.Fatalf("after cancel: %+v", st)
	}
	// The connection is still good for the next request.
	if body, err := get(context.Background(), p, srv.origin, "/after"); err != nil || body != "hello /after" {
		t.Fatalf("next request: %q, %v", body, err)
	}
}

// TestCancelWhileReadingBody: cancelling mid-body returns the connection (HTTP/2) or closes it (HTTP/1.1).
func TestCancelWhileReadingBody(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2c=%v", h2c), func(t *testing.T) {
			srv := newServer(t, h2c, func(w http.ResponseWriter, r *http.Request) {
				for range 10000 {
					_, _ = io.WriteString(w, "0123456789abcdef\n")
				}
			})
			p := pool.New(pool.Options{H2C: h2c})
			defer p.Close()
			ctx, cancel := context.WithCancel(context.Background())
			resp, err := p.Do(ctx, &pool.Request{Method: "GET", Origin: srv.origin})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(resp.Body, make([]byte, 100)); err != nil {
				t.Fatal(err)
			}
			cancel()
			if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
				t.Fatalf("body after cancel: %v", err)
			}
			resp.Body.Close()
			if st := p.Stats().Total; st.Active != 0 || st.InFlight != 0 {
				t.Fatalf("after cancel: %+v", st)
			}
		})
	}
}

// TestStaleKeepAliveRetried: the server closes every connection after one response without saying so; the
// pool retries the next request on a new connection.
func TestStaleKeepAliveRetried(t *testing.T) {
	addr := canned.Listen(t, func(nc net.Conn) {
		buf := make([]byte, 4096)
		_, _ = nc.Read(buf)
		_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		time.Sleep(20 * time.Millisecond)
	})
	origin, _ := proto.ParseOrigin("http://" + addr)
	p := pool.New(pool.Options{})
	defer p.Close()
	for i := range 3 {
		body, err := get(context.Background(), p, origin, "/")
		if err != nil || body != "ok" {
			t.Fatalf("request %d: %q, %v", i, body, err)
		}
		time.Sleep(50 * time.Millisecond) // let the server's close arrive
	}
	if st := p.Stats().Total; st.Dials != 3 {
		t.Fatalf("stats %+v, want 3 dials", st)
	}
}

func TestRoundTripper(t *testing.T) {
	srv := newServer(t, true, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		body, _ := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, body)
		w.Header().Set("X-Sum", "7")
	})
	p := pool.New(pool.Options{H2C: true})
	defer p.Close()
	client := &http.Client{Transport: p}
	resp, err := client.Post(srv.URL+"/rt", "text/plain", stringsReader("data"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(body) != "POST /rt data" || resp.ProtoMajor != 2 || resp.Trailer.Get("X-Sum") != "7" {
		t.Fatalf("got %q (%v), proto %s, trailer %v", body, err, resp.Proto, resp.Trailer)
	}
}

func stringsReader(s string) io.Reader { return &stringReader{s: s} }

type stringReader struct{ s string }

func (r *stringReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}

// TestRoundTripperFullDuplex: through http.Client over HTTP/2, the response head and its first lines arrive
// while the request body is still being written, as with net/http's transport. The RoundTripper leaves the
// body open after RoundTrip returns; the connection closes it once sent.
func TestRoundTripperFullDuplex(t *testing.T) {
	srv := newServer(t, true, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		buf := make([]byte, 64)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				_, _ = w.Write(buf[:n])
				_ = rc.Flush()
			}
			if err != nil {
				return
			}
		}
	})
	p := pool.New(pool.Options{H2C: true})
	defer p.Close()
	client := &http.Client{Transport: p}
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", srv.URL, pr)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	for _, msg := range []string{"ping", "pong"} {
		if _, err := io.WriteString(pw, msg); err != nil {
			t.Fatalf("writing %q: %v", msg, err)
		}
		n, err := io.ReadAtLeast(resp.Body, buf, len(msg))
		if err != nil || string(buf[:n]) != msg {
			t.Fatalf("echo of %q: %q, %v", msg, buf[:n], err)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) != 0 {
		t.Fatalf("after the request body ended: %q, %v", rest, err)
	}
}

// countingBody is a request body that counts its Close calls.
type countingBody struct {
	io.Reader
	closes atomic.Int32
}

func (b *countingBody) Close() error { b.closes.Add(1); return nil }

// TestRoundTripperClosesBodyOnce: a request that fails after its body was sent has the body closed once,
// although both the connection (done with it) and RoundTrip (failing) close it.
func TestRoundTripperClosesBodyOnce(t *testing.T) {
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // no response at all
		}
	})
	p := pool.New(pool.Options{})
	defer p.Close()
	body := &countingBody{Reader: stringsReader("payload")}
	req, err := http.NewRequest("POST", srv.URL, body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&http.Client{Transport: p}).Do(req); err == nil {
		t.Fatal("a request the server hung up on succeeded")
	}
	if n := body.closes.Load(); n != 1 {
		t.Fatalf("request body closed %d times, want 1", n)
	}
}
