package interop_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// peer is one way to reach a server: TLS with h2, TLS with HTTP/1.1 only, or h2c.
type peer struct {
	name   string
	origin proto.Origin
	opts   *driver.Options
	proto  string
}

// serve starts handler three ways and returns the peers.
func serve(t *testing.T, handler http.Handler) []peer {
	t.Helper()
	h2srv := httptest.NewUnstartedServer(handler)
	h2srv.EnableHTTP2 = true
	h2srv.StartTLS()
	h1srv := httptest.NewUnstartedServer(handler)
	h1srv.StartTLS()
	plain := httptest.NewUnstartedServer(handler)
	plain.Config.Protocols = new(http.Protocols)
	plain.Config.Protocols.SetHTTP1(true)
	plain.Config.Protocols.SetUnencryptedHTTP2(true)
	plain.Start()
	t.Cleanup(func() {
		h2srv.Close()
		h1srv.Close()
		plain.Close()
	})
	mk := func(name string, srv *httptest.Server, protocol string, h2c bool) peer {
		o, err := proto.ParseOrigin(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		opts := &driver.Options{H2C: h2c}
		if srv.TLS != nil {
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			opts.TLSConfig = &tls.Config{RootCAs: pool}
		}
		return peer{name: name, origin: o, opts: opts, proto: protocol}
	}
	return []peer{
		mk("tls-h2", h2srv, "h2", false),
		mk("tls-h1", h1srv, "http/1.1", false), // ALPN falls back: the server offers no h2
		mk("h2c", plain, "h2", true),
		mk("plain-h1", plain, "http/1.1", false),
	}
}

func dial(t *testing.T, p peer) driver.Conn {
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

// do runs a request and reads the whole body.
func do(t *testing.T, c driver.Conn, req *driver.Request) (*driver.Response, []byte) {
	t.Helper()
	resp, err := c.RoundTrip(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.Target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", req.Method, req.Target, err)
	}
	return resp, b
}
