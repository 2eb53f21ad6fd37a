package driver_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
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

// TestTLSIdleCheckSeesBufferedRecords: over TLS, what arrives right behind a response's last bytes (an
// unsolicited response, or close_notify) can be taken from the socket by the TLS layer along with them,
// where a look at the socket no longer sees it. The next request must still find the connection unusable
// before sending anything (ErrNotProcessed, so that even a POST may go elsewhere), as over plain TCP.
func TestTLSIdleCheckSeesBufferedRecords(t *testing.T) {
	unsolicited := func(c *tls.Conn) { _, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforge") }
	closeNotify := func(c *tls.Conn) { _ = c.CloseWrite() }
	tap := func(nc net.Conn) net.Conn { return struct{ net.Conn }{nc} } // a WrapConn that hides the TLS layer
	for _, tc := range []struct {
		name  string
		after func(*tls.Conn)
		wrap  func(net.Conn) net.Conn
		own   bool // TLS made by the caller's DialContext, for an http origin (a TLS terminator, say)
	}{
		{"unsolicited response", unsolicited, nil, false},
		{"close_notify", closeNotify, nil, false},
		{"unsolicited response, wrapped", unsolicited, tap, false},
		{"close_notify, wrapped", closeNotify, tap, false},
		{"unsolicited response, the dialer's TLS", unsolicited, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cert := httptest.NewUnstartedServer(nil) // only for its certificate
			cert.StartTLS()
			cfg := cert.TLS.Clone()
			roots := x509.NewCertPool()
			roots.AddCert(cert.Certificate())
			cert.Close()

			second := make(chan string, 1)
			plain := rawServer(t, func(raw net.Conn) {
				nc := tls.Server(raw, cfg)
				br := bufio.NewReader(nc)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
				time.Sleep(50 * time.Millisecond) // the client reads the head alone
				// The last body bytes and what follows go out back to back.
				_, _ = io.WriteString(nc, "hello")
				tc.after(nc)
				req, err := http.ReadRequest(br)
				if err != nil {
					second <- "nothing"
					return
				}
				second <- req.Method
			})
			origin, _ := proto.ParseOrigin("https://" + plain.Authority())
			clientTLS := &tls.Config{RootCAs: roots, ServerName: "example.com"}
			opts := &driver.Options{HTTP1: true, WrapConn: tc.wrap, TLSConfig: clientTLS}
			if tc.own {
				origin = plain
				opts.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					raw, err := (&net.Dialer{}).DialContext(ctx, network, addr)
					if err != nil {
						return nil, err
					}
					c := tls.Client(raw, clientTLS)
					return c, c.HandshakeContext(ctx)
				}
			}
			c := dialOrigin(t, origin, opts)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // both records are in the socket before the body is read
			if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "hello" {
				t.Fatalf("body %q, %v", b, err)
			}
			resp.Body.Close()
			resp, err = c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: origin,
				Body: strings.NewReader("data"), ContentLength: 4})
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				t.Fatalf("the POST went out and got %d %q", resp.Status, b)
			}
			if !errors.Is(err, driver.ErrNotProcessed) {
				t.Errorf("the POST: %v, want ErrNotProcessed", err)
			}
			c.Close()
			if m := <-second; m != "nothing" {
				t.Errorf("the server received a %s on the connection", m)
			}
		})
	}
}

// scriptedConn answers each request with the next chunks of a script: the last Read of the script returns
// its bytes with io.EOF at once, as crypto/tls does when close_notify follows data. It counts the writes.
type scriptedConn struct {
	net.Conn // nil: only the methods below are used
	chunks   [][]byte
	writes   int
}

func (c *scriptedConn) Read(p []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; len(c.chunks[0]) > 0 {
		return n, nil
	}
	c.chunks = c.chunks[1:]
	if len(c.chunks) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (c *scriptedConn) Write(p []byte) (int, error)      { c.writes++; return len(p), nil }
func (c *scriptedConn) Close() error                     { return nil }
func (c *scriptedConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptedConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptedConn) SetWriteDeadline(time.Time) error { return nil }
func (c *scriptedConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptedConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }

// TestEndOfInputWithTheLastBytes: a Read that returns a response's last bytes together with io.EOF tells the
// connection it is over, whether the bytes went through the core (a small read) or straight to the caller
// (DirectBody): the next request fails with ErrNotProcessed before anything is written, where it used to be
// sent on a connection already closed.
func TestEndOfInputWithTheLastBytes(t *testing.T) {
	big := strings.Repeat("b", 64<<10)
	for _, tc := range []struct {
		name   string
		chunks []string
		body   string
		buf    int
	}{
		{"through the core", []string{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"}, "hello", 512},
		{"direct", []string{"HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n", big}, big, 128 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := &scriptedConn{}
			for _, ch := range tc.chunks {
				sc.chunks = append(sc.chunks, []byte(ch))
			}
			origin, _ := proto.ParseOrigin("http://example.com")
			c := dialOrigin(t, origin, &driver.Options{HTTP1: true,
				DialContext: func(context.Context, string, string) (net.Conn, error) { return sc, nil }})
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			buf := make([]byte, tc.buf)
			for {
				n, err := resp.Body.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if string(got) != tc.body {
				t.Fatalf("body of %d bytes, want %d", len(got), len(tc.body))
			}
			resp.Body.Close()
			_, err = c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: origin,
				Body: strings.NewReader("data"), ContentLength: 4})
			if !errors.Is(err, driver.ErrNotProcessed) {
				t.Errorf("the next request: %v, want ErrNotProcessed", err)
			}
			if sc.writes != 1 {
				t.Errorf("%d writes, want the first request's only", sc.writes)
			}
		})
	}
}

// noDeadlineConn is a transport that cannot take deadlines, as some tunnels (an SSH library's forwarded
// channels) cannot.
type noDeadlineConn struct{ net.Conn }

var errNoDeadline = errors.New("deadline not supported")

func (noDeadlineConn) SetDeadline(time.Time) error      { return errNoDeadline }
func (noDeadlineConn) SetReadDeadline(time.Time) error  { return errNoDeadline }
func (noDeadlineConn) SetWriteDeadline(time.Time) error { return errNoDeadline }

// TestTLSIdleCheckWithoutDeadlines: over a transport without deadlines, the look at TLS's buffered records
// cannot be made, and a kept-alive connection is reused all the same.
func TestTLSIdleCheckWithoutDeadlines(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	c := dialOrigin(t, origin, &driver.Options{HTTP1: true,
		TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return noDeadlineConn{nc}, nil
		}})
	for i := range 3 {
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
		if err != nil {
			t.Fatalf("request %d on the connection: %v", i, err)
		}
		if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "ok" {
			t.Fatalf("request %d: %q, %v", i, b, err)
		}
		resp.Body.Close()
	}
}

// TestExpectWithoutDeadlines: over a transport without deadlines, the wait for 100 Continue cannot be bounded:
// the body goes at once, and the request succeeds.
func TestExpectWithoutDeadlines(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, "got "+string(b))
	}))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	c := dialOrigin(t, origin, &driver.Options{HTTP1: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return noDeadlineConn{nc}, nil
		}})
	for i := range 2 { // on a new connection, and on a reused one
		req := &driver.Request{Method: "PUT", Origin: origin, Body: strings.NewReader("data"), ContentLength: 4}
		req.Header.Add("Expect", "100-continue")
		resp, err := c.RoundTrip(context.Background(), req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "got data" {
			t.Errorf("request %d: %q, %v", i, b, err)
		}
		resp.Body.Close()
	}
}
