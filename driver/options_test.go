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
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

func TestTLSVerificationOnByDefault(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(echoHandler))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	_, err := driver.Dial(context.Background(), origin, nil)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("dialing a server with an unknown CA: %v, want x509.UnknownAuthorityError", err)
	}
}

// TestTLSServerNameOverride dials 127.0.0.1 but verifies the certificate for example.com, which the
// httptest certificate covers.
func TestTLSServerNameOverride(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.TLS.ServerName)
	}))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := driver.Dial(context.Background(), origin, &driver.Options{ServerName: "example.com",
		TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "example.com" || resp.Extensions.TLS == nil || resp.Extensions.TLS.ServerName != "example.com" {
		t.Fatalf("server saw SNI %q, TLS state %v", body, resp.Extensions.TLS)
	}
}

func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(echoHandler)}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	origin, _ := proto.ParseOrigin("http://unix.local")
	c := dialOrigin(t, origin, &driver.Options{UnixSocket: path})
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/over-unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "GET /over-unix" {
		t.Fatalf("body %q", body)
	}
}

func TestTLSHandshakeTimeout(t *testing.T) {
	origin := rawServer(t, func(nc net.Conn) { _, _ = io.Copy(io.Discard, nc) }) // accepts, never answers
	origin.Scheme = "https"
	_, err := driver.Dial(context.Background(), origin, &driver.Options{TLSHandshakeTimeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("handshake with a silent server: %v, want context.DeadlineExceeded", err)
	}
}

// TestExpectContinue: net/http answers 100 Continue when the handler reads the body.
func TestExpectContinue(t *testing.T) {
	for _, p := range peers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			var infos []int
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
				Target: "/echo", Body: strings.NewReader("after continue"), ContentLength: 14,
				Header:          proto.Fields{{Name: []byte("Expect"), Value: []byte("100-continue")}},
				OnInformational: func(h *proto.ResponseHead) { infos = append(infos, h.Status) }})
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "after continue" {
				t.Fatalf("body %q", body)
			}
			if p.proto == "http/1.1" && (len(infos) != 1 || infos[0] != 100) {
				t.Fatalf("informational responses %v, want [100]", infos)
			}
		})
	}
}

// TestExpectContinueTimeout: a server that never sends 100 Continue still gets the body once the wait
// expires.
func TestExpectContinueTimeout(t *testing.T) {
	origin := rawServer(t, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(req.Body)
		_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: "+itoa(len(body))+"\r\n\r\n"+string(body))
	})
	c := dialOrigin(t, origin, &driver.Options{ExpectContinueTimeout: 100 * time.Millisecond})
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "PUT", Origin: origin,
		Body: strings.NewReader("sent anyway"), ContentLength: 11,
		Header: proto.Fields{{Name: []byte("Expect"), Value: []byte("100-continue")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "sent anyway" {
		t.Fatalf("body %q", body)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// TestEarlyBodyClose: closing a body before its end resets the HTTP/2 stream and leaves the connection
// usable; on HTTP/1.1 it closes the connection unless the rest was already buffered.
func TestEarlyBodyClose(t *testing.T) {
	for _, p := range peers(t) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin, Target: "/stream/100000"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(resp.Body, make([]byte, 100)); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, driver.ErrBodyClosed) {
				t.Fatalf("read after Close: %v, want ErrBodyClosed", err)
			}
			switch p.proto {
			case "h2":
				_, body := get(t, c, p, "GET", "/next", nil, 0)
				if body != "GET /next" {
					t.Fatalf("next request: %q", body)
				}
			default:
				if c.Available() != -1 {
					t.Fatal("an HTTP/1.1 connection with an unread body left is still offered")
				}
			}
			// A small body read only in part: net/http writes it with its head, so the rest is already
			// buffered and Close drains it; the connection stays reusable.
			c2 := dial(t, p)
			resp, err = c2.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin, Target: "/small"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(resp.Body, make([]byte, 2)); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if _, body := get(t, c2, p, "GET", "/again", nil, 0); body != "GET /again" {
				t.Fatalf("request after an early Close of a buffered body: %q", body)
			}
		})
	}
}

// TestExtendedConnect opens an RFC 8441 tunnel to a server core that announces
// SETTINGS_ENABLE_CONNECT_PROTOCOL and echoes the stream's bytes.
func TestExtendedConnect(t *testing.T) {
	origin := h2Server(t, h2.Config{EnableConnectProtocol: true}, func(sc *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if string(e.Request.Method) != "CONNECT" || string(e.Request.Protocol) != "websocket" {
				_ = sc.SendResponse(e.StreamID, proto.NewResponse(400), true)
				return
			}
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(200), false)
		case *h2.DataReceived:
			sc.Consume(e.StreamID, len(e.Data))
			_, _ = sc.SendData(e.StreamID, []byte(strings.ToUpper(string(e.Data))), false)
		case *h2.StreamEnded:
			_, _ = sc.SendData(e.StreamID, nil, true)
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	// The driver waits for the server's SETTINGS before an extended CONNECT (RFC 8441 §3).
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "CONNECT", Protocol: "websocket",
		Origin: origin, Target: "/chat"})
	if err != nil {
		t.Fatal(err)
	}
	stream := resp.Extensions.NetworkStream
	if resp.Status != 200 || stream == nil {
		t.Fatalf("extended CONNECT: %d, stream %v", resp.Status, stream)
	}
	if _, err := stream.Write([]byte("hello tunnel")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("hello tunnel"))
	if _, err := io.ReadFull(stream, got); err != nil || string(got) != "HELLO TUNNEL" {
		t.Fatalf("echo %q, %v", got, err)
	}
	if err := stream.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Read(make([]byte, 1)); !errors.Is(err, driver.ErrBodyClosed) {
		t.Fatalf("read after Close: %v, want ErrBodyClosed", err)
	}
	// The connection goes on after the tunnel.
	if _, err := c.RoundTrip(context.Background(), &driver.Request{Method: "CONNECT", Protocol: "websocket",
		Origin: origin, Target: "/again"}); err != nil {
		t.Fatalf("a second tunnel: %v", err)
	}
}

func TestPingAndLocalAddr(t *testing.T) {
	var remote string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remote = r.RemoteAddr
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)} // another loopback address
	c := dialOrigin(t, origin, &driver.Options{H2C: true, LocalAddr: local})
	pinger, ok := c.(driver.Pinger)
	if !ok {
		t.Fatal("an HTTP/2 connection is not a Pinger")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := pinger.Ping(ctx); err != nil {
		t.Fatalf("PING: %v", err)
	}
	resp, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if host, _, _ := net.SplitHostPort(remote); host != "127.0.0.2" {
		t.Fatalf("server saw the client at %q", remote)
	}
	c.Close()
	if err := pinger.Ping(ctx); err == nil {
		t.Fatal("PING on a closed connection succeeded")
	}
}
