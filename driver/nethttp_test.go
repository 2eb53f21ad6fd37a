package driver_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// Tests against Go's net/http server: an independent implementation of both protocols.

// echoHandler answers /echo with the request body, /stream/N with N lines flushed one at a time,
// /trailers with a trailer, and anything else with the method and path.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/echo":
		w.Header().Set("X-Proto", r.Proto)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("X-Request-Trailer", r.Trailer.Get("X-Sum"))
		_, _ = w.Write(body)
	case strings.HasPrefix(r.URL.Path, "/stream/"):
		var n int
		_, _ = fmt.Sscanf(r.URL.Path, "/stream/%d", &n)
		for i := range n {
			fmt.Fprintf(w, "line %d\n", i)
			w.(http.Flusher).Flush()
		}
	case r.URL.Path == "/trailers":
		w.Header().Set("Trailer", "X-Checksum")
		_, _ = io.WriteString(w, "body")
		w.Header().Set("X-Checksum", "abc")
	default:
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.Path)
	}
}

type peer struct {
	name   string
	srv    *httptest.Server
	origin proto.Origin
	opts   *driver.Options
	proto  string // expected protocol
}

// peers starts net/http servers with echoHandler: TLS with h2, TLS with HTTP/1.1 only, and h2c.
func peers(t *testing.T) []peer { return peersWith(t, http.HandlerFunc(echoHandler)) }

// peersWith starts handler on net/http servers: TLS with h2, TLS with HTTP/1.1 only, and h2c.
func peersWith(t testing.TB, handler http.Handler) []peer {
	t.Helper()
	var ps []peer

	h2srv := httptest.NewUnstartedServer(handler)
	h2srv.EnableHTTP2 = true
	h2srv.StartTLS()
	ps = append(ps, peer{name: "tls-h2", srv: h2srv, proto: "h2"})

	h1srv := httptest.NewUnstartedServer(handler)
	h1srv.StartTLS()
	ps = append(ps, peer{name: "tls-h1", srv: h1srv, proto: "http/1.1"})

	plain := httptest.NewUnstartedServer(handler)
	plain.Config.Protocols = new(http.Protocols)
	plain.Config.Protocols.SetHTTP1(true)
	plain.Config.Protocols.SetUnencryptedHTTP2(true)
	plain.Start()
	ps = append(ps, peer{name: "h2c", srv: plain, proto: "h2"})
	ps = append(ps, peer{name: "plain-h1", srv: plain, proto: "http/1.1"})

	for i := range ps {
		p := &ps[i]
		o, err := proto.ParseOrigin(p.srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		p.origin = o
		p.opts = &driver.Options{}
		if p.srv.TLS != nil {
			pool := x509.NewCertPool()
			pool.AddCert(p.srv.Certificate())
			p.opts.TLSConfig = &tls.Config{RootCAs: pool}
		}
		if p.name == "h2c" {
			p.opts.H2C = true
		}
	}
	t.Cleanup(func() {
		h2srv.Close()
		h1srv.Close()
		plain.Close()
	})
	return ps
}

func dial(t testing.TB, p peer) driver.Conn {
	t.Helper()
	c, err := driver.Dial(context.Background(), p.origin, p.opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c.Protocol() != p.proto {
		t.Fatalf("negotiated %s, want %s", c.Protocol(), p.proto)
	}
	return c
}

func get(t *testing.T, c driver.Conn, p peer, method, target string, body io.Reader, n int64) (*driver.Response, string) {
	t.Helper()
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: method, Origin: p.origin,
		Target: target, Body: body, ContentLength: n})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	resp.Body.Close()
	return resp, string(b)
}

func TestNetHTTPRequests(t *testing.T) {
	for _, p := range peers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			// Several requests in a row on the same connection: keep-alive and stream reuse.
			for i := range 3 {
				resp, body := get(t, c, p, "GET", fmt.Sprintf("/hello/%d", i), nil, 0)
				if want := fmt.Sprintf("GET /hello/%d", i); resp.Status != 200 || body != want {
					t.Fatalf("got %d %q, want 200 %q", resp.Status, body, want)
				}
			}
			payload := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
			resp, body := get(t, c, p, "POST", "/echo", bytes.NewReader(payload), int64(len(payload)))
			if resp.Status != 200 || body != string(payload) {
				t.Fatalf("echo returned %d with %d bytes, want 200 with %d", resp.Status, len(body), len(payload))
			}
			// Unknown length: chunked in HTTP/1.1, plain DATA in HTTP/2.
			resp, body = get(t, c, p, "POST", "/echo", io.MultiReader(strings.NewReader("ab"), strings.NewReader("cd")), -1)
			if body != "abcd" {
				t.Fatalf("chunked echo %q", body)
			}
			wantProto := "HTTP/1.1"
			if p.proto == "h2" {
				wantProto = "HTTP/2.0"
			}
			if got, _ := resp.Header.Get("x-proto"); string(got) != wantProto {
				t.Fatalf("server saw %q, want %q", got, wantProto)
			}
			resp, body = get(t, c, p, "HEAD", "/x", nil, 0)
			if resp.Status != 200 || body != "" {
				t.Fatalf("HEAD: %d %q", resp.Status, body)
			}
			resp, body = get(t, c, p, "GET", "/trailers", nil, 0)
			if got, _ := resp.Trailers().Get("x-checksum"); body != "body" || string(got) != "abc" {
				t.Fatalf("trailers: body %q, trailer %q", body, got)
			}
			if avail := c.Available(); avail <= 0 {
				t.Fatalf("connection not reusable after the requests: Available %d", avail)
			}
		})
	}
}

func TestNetHTTPRequestTrailers(t *testing.T) {
	for _, p := range peers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
				Target: "/echo", Body: strings.NewReader("data"), ContentLength: -1,
				Header:  proto.Fields{{Name: []byte("Trailer"), Value: []byte("X-Sum")}},
				Trailer: func() proto.Fields { return proto.Fields{{Name: []byte("x-sum"), Value: []byte("42")}} }})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadAll(resp.Body); err != nil {
				t.Fatal(err)
			}
			if got, _ := resp.Header.Get("x-request-trailer"); string(got) != "42" {
				t.Fatalf("server saw trailer %q, want 42", got)
			}
		})
	}
}

// TestNetHTTPStreamsIncrementally reads a response line by line while the server is still writing it.
func TestNetHTTPStreamsIncrementally(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-release // the second part is written only after the client has read the first
		_, _ = io.WriteString(w, "second\n")
	}))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	c := dialOrigin(t, origin, nil)
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, err := io.ReadAtLeast(resp.Body, buf, len("first\n"))
	if err != nil || string(buf[:n]) != "first\n" {
		t.Fatalf("first read %q, %v", buf[:n], err)
	}
	close(release)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

func TestContextCancelDuringBody(t *testing.T) {
	for _, p := range peers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			ctx, cancel := context.WithCancel(context.Background())
			resp, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: p.origin, Target: "/stream/100000"})
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			if _, err := io.ReadFull(resp.Body, buf); err != nil {
				t.Fatal(err)
			}
			cancel()
			_, err = io.ReadAll(resp.Body)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("read after cancel: %v, want context.Canceled", err)
			}
			resp.Body.Close()
			if p.proto == "h2" {
				// The stream was reset; the connection goes on.
				_, body := get(t, c, p, "GET", "/after", nil, 0)
				if body != "GET /after" {
					t.Fatalf("request after cancel: %q", body)
				}
			}
		})
	}
}

func TestDialRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	origin, _ := proto.ParseOrigin("http://" + addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := driver.Dial(ctx, origin, nil); err == nil {
		t.Fatal("dialing a closed port succeeded")
	}
}
