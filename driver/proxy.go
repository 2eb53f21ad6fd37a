package driver

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/url"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/internal/coreio"
	"github.com/httpwire/httpwire/proto"
	"golang.org/x/net/proxy"
)

// Proxies. An "http" proxy carries "https" origins through a CONNECT tunnel (RFC 9110 §9.3.6) and "http"
// origins as absolute-form requests (RFC 9112 §3.2.2); a "socks5" proxy (RFC 1928) tunnels both. Userinfo in
// the proxy URL authenticates: Proxy-Authorization Basic for HTTP, username/password for SOCKS5.

// viaHTTPProxy reports whether requests go to an HTTP proxy in absolute form rather than through a tunnel.
func viaHTTPProxy(origin proto.Origin, opts *Options) bool {
	return opts.Proxy != nil && opts.Proxy.Scheme == "http" && origin.Scheme == "http"
}

// dialProxy opens the transport to origin through opts.Proxy.
func dialProxy(ctx context.Context, origin proto.Origin, opts *Options) (net.Conn, error) {
	p := opts.Proxy
	switch p.Scheme {
	case "socks5", "socks5h":
		var auth *proxy.Auth
		if p.User != nil {
			pass, _ := p.User.Password()
			auth = &proxy.Auth{User: p.User.Username(), Password: pass}
		}
		forward := &contextDialer{dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialDirect(ctx, network, addr, opts)
		}}
		d, err := proxy.SOCKS5("tcp", proxyAddress(p), auth, forward)
		if err != nil {
			return nil, fmt.Errorf("driver: SOCKS5 proxy %s: %w", p.Host, err)
		}
		nc, err := d.(proxy.ContextDialer).DialContext(ctx, "tcp", origin.Address())
		if err != nil {
			return nil, fmt.Errorf("driver: SOCKS5 proxy %s to %s: %w", p.Host, origin.Address(), err)
		}
		return nc, nil
	case "http":
		nc, err := dialDirect(ctx, "tcp", proxyAddress(p), opts)
		if err != nil {
			return nil, err
		}
		if origin.Scheme == "http" {
			return nc, nil // absolute-form requests on the proxy connection
		}
		if err := connectTunnel(ctx, nc, origin, p); err != nil {
			nc.Close()
			return nil, err
		}
		return nc, nil
	}
	return nil, fmt.Errorf("driver: unsupported proxy scheme %q", p.Scheme)
}

func proxyAddress(p *url.URL) string {
	if p.Port() != "" {
		return p.Host
	}
	port := "80"
	if p.Scheme == "socks5" || p.Scheme == "socks5h" {
		port = "1080"
	}
	return net.JoinHostPort(p.Hostname(), port)
}

// proxyAuthorization returns the Proxy-Authorization value for the proxy's userinfo, or "".
func proxyAuthorization(p *url.URL) string {
	if p.User == nil {
		return ""
	}
	pass, _ := p.User.Password()
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(p.User.Username()+":"+pass))
}

// connectTunnel asks an HTTP proxy for a tunnel to origin with CONNECT and waits for its 2xx.
func connectTunnel(ctx context.Context, nc net.Conn, origin proto.Origin, p *url.URL) error {
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	core := h1.NewConn(h1.Client)
	req := proto.NewRequest("CONNECT", origin.Address(), "Host", origin.Address())
	if auth := proxyAuthorization(p); auth != "" {
		req.Fields.Add("Proxy-Authorization", auth)
	}
	if err := core.SendRequest(req); err != nil {
		return err
	}
	if err := core.SendEnd(nil); err != nil {
		return err
	}
	if err := coreio.WriteAll(nc, core.Pending, core.Advance); err != nil {
		return wrapCtx(ctx, fmt.Errorf("driver: CONNECT to proxy %s: %w", p.Host, err))
	}
	buf := make([]byte, 4096)
	for {
		ev, err := core.NextEvent()
		if err != nil {
			return fmt.Errorf("driver: CONNECT to proxy %s: %w", p.Host, err)
		}
		switch e := ev.(type) {
		case nil:
			n, err := nc.Read(buf)
			if n > 0 {
				_ = core.Receive(buf[:n])
			} else if err == io.EOF {
				_ = core.ReceiveEOF()
			} else if err != nil {
				return wrapCtx(ctx, fmt.Errorf("driver: CONNECT to proxy %s: %w", p.Host, err))
			}
		case *h1.Response:
			if e.Status < 200 || e.Status > 299 {
				return fmt.Errorf("driver: proxy %s refused CONNECT to %s: %d %s", p.Host, origin.Address(), e.Status, e.Reason)
			}
		case *h1.Paused:
			if extra, _ := core.TrailingData(); len(extra) > 0 {
				return fmt.Errorf("driver: proxy %s sent data before the tunnel was used", p.Host)
			}
			return nil
		}
	}
}

// contextDialer adapts a dial function for golang.org/x/net/proxy.
type contextDialer struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (d *contextDialer) Dial(network, addr string) (net.Conn, error) {
	return d.dial(context.Background(), network, addr)
}

func (d *contextDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return d.dial(ctx, network, addr)
}
