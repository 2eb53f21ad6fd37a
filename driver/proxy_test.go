package driver_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/internal/canned"
	"github.com/httpwire/httpwire/proto"
)

// httpProxy is a forward proxy on loopback: CONNECT tunnels and absolute-form requests, with Basic auth.
type httpProxy struct {
	*httptest.Server
	connects, forwards atomic.Int64
	wg                 sync.WaitGroup
}

func newHTTPProxy(t *testing.T) *httpProxy {
	p := &httpProxy{}
	tr := &http.Transport{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := parseProxyAuth(r); !ok || user != "ann" || pass != "secret" {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		if r.Method == http.MethodConnect {
			p.connects.Add(1)
			upstream, err := net.Dial("tcp", r.Host)
			if err != nil {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.WriteHeader(http.StatusOK)
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				upstream.Close()
				return
			}
			_ = brw.Flush()
			p.wg.Add(2)
			// From brw, not conn: the server may have read the start of the tunnel's first bytes (a TLS
			// ClientHello) into its buffer while the 200 went out.
			go func() { defer p.wg.Done(); _, _ = io.Copy(upstream, brw); upstream.Close() }()
			go func() { defer p.wg.Done(); _, _ = io.Copy(conn, upstream); conn.Close() }()
			return
		}
		p.forwards.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		resp, err := tr.RoundTrip(out)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(func() {
		p.Server.CloseClientConnections()
		p.Server.Close()
		tr.CloseIdleConnections()
		p.wg.Wait()
	})
	return p
}

func parseProxyAuth(r *http.Request) (string, string, bool) {
	fake := &http.Request{Header: http.Header{"Authorization": r.Header["Proxy-Authorization"]}}
	return fake.BasicAuth()
}

// socks5Server is a minimal SOCKS5 server (RFC 1928, no authentication, CONNECT only).
func socks5Server(t *testing.T) (addr string, conns *atomic.Int64) {
	conns = new(atomic.Int64)
	addr = canned.Listen(t, func(c net.Conn) {
		conns.Add(1)
		buf := make([]byte, 262)
		if _, err := io.ReadFull(c, buf[:2]); err != nil {
			return
		}
		if _, err := io.ReadFull(c, buf[:buf[1]]); err != nil {
			return
		}
		_, _ = c.Write([]byte{5, 0}) // no authentication
		if _, err := io.ReadFull(c, buf[:4]); err != nil || buf[1] != 1 {
			return
		}
		var host string
		switch buf[3] {
		case 1:
			_, _ = io.ReadFull(c, buf[:4])
			host = net.IP(buf[:4]).String()
		case 3:
			_, _ = io.ReadFull(c, buf[:1])
			n := int(buf[0])
			_, _ = io.ReadFull(c, buf[:n])
			host = string(buf[:n])
		default:
			return
		}
		_, _ = io.ReadFull(c, buf[:2])
		port := binary.BigEndian.Uint16(buf[:2])
		up, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))))
		if err != nil {
			_, _ = c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
			return
		}
		defer up.Close()
		_, _ = c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
		done := make(chan struct{})
		go func() { _, _ = io.Copy(up, c); up.Close(); close(done) }()
		_, _ = io.Copy(c, up)
		c.Close()
		<-done
	})
	return addr, conns
}

func TestProxies(t *testing.T) {
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto+" "+r.URL.Path)
	}))
	target.EnableHTTP2 = true
	target.StartTLS()
	defer target.Close()
	plain := httptest.NewServer(target.Config.Handler)
	defer plain.Close()
	pool := x509.NewCertPool()
	pool.AddCert(target.Certificate())
	tlsOrigin, _ := proto.ParseOrigin(target.URL)
	plainOrigin, _ := proto.ParseOrigin(plain.URL)

	hp := newHTTPProxy(t)
	proxyURL, _ := url.Parse(hp.URL)
	proxyURL.User = url.UserPassword("ann", "secret")
	socksAddr, socksConns := socks5Server(t)
	socksURL, _ := url.Parse("socks5://" + socksAddr)

	cases := []struct {
		name   string
		proxy  *url.URL
		origin proto.Origin
		want   string
	}{
		{"http proxy, CONNECT to https with ALPN h2", proxyURL, tlsOrigin, "HTTP/2.0 /x"},
		{"http proxy, absolute-form to http", proxyURL, plainOrigin, "HTTP/1.1 /x"},
		{"socks5 to https", socksURL, tlsOrigin, "HTTP/2.0 /x"},
		{"socks5 to http", socksURL, plainOrigin, "HTTP/1.1 /x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := driver.Dial(context.Background(), tc.origin, &driver.Options{Proxy: tc.proxy,
				TLSConfig: &tls.Config{RootCAs: pool}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for range 2 {
				resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: tc.origin, Target: "/x"})
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(body) != tc.want {
					t.Fatalf("body %q, want %q", body, tc.want)
				}
			}
		})
	}
	if hp.connects.Load() != 1 || hp.forwards.Load() != 2 || socksConns.Load() != 2 {
		t.Fatalf("proxy saw %d CONNECTs and %d forwarded requests, SOCKS5 %d connections; want 1, 2, 2",
			hp.connects.Load(), hp.forwards.Load(), socksConns.Load())
	}

	// Without credentials the HTTP proxy refuses the tunnel.
	noAuth, _ := url.Parse(hp.URL)
	if _, err := driver.Dial(context.Background(), tlsOrigin, &driver.Options{Proxy: noAuth}); err == nil {
		t.Fatal("CONNECT without credentials succeeded")
	}
}
