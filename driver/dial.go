package driver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/httpwire/httpwire/proto"
)

// Conn is a client connection of either protocol.
type Conn interface {
	// RoundTrip sends req and returns the response once its head has arrived; the body streams after.
	RoundTrip(ctx context.Context, req *Request) (*Response, error)
	// Protocol is "http/1.1" or "h2".
	Protocol() string
	// Available reports how many more requests the connection can take now: 0 or 1 for HTTP/1.1, the
	// streams left under the server's limit for HTTP/2; -1 once it can take none ever again.
	Available() int
	// Capacity is how many requests the connection can run at once: 1 for HTTP/1.1, the server's
	// SETTINGS_MAX_CONCURRENT_STREAMS for HTTP/2 (100 until its SETTINGS arrive, at most 1000); -1 once it
	// can take no more requests ever.
	Capacity() int
	// Idle reports whether no request is in flight, and since when.
	Idle() (bool, time.Time)
	// Close closes the connection; requests in flight fail.
	Close() error
}

// Pinger is implemented by HTTP/2 connections: Ping sends a PING frame and waits for its acknowledgement
// (RFC 9113 §6.7), a health check for a connection that has been idle.
type Pinger interface {
	Ping(ctx context.Context) error
}

var (
	_ Pinger        = (*h2Conn)(nil)
	_ FinishingConn = (*h1Conn)(nil)
)

// Dial connects to origin and returns a Conn speaking what was negotiated: HTTP/2 when TLS ALPN chose "h2"
// or when H2C is set for an "http" origin, HTTP/1.1 otherwise.
func Dial(ctx context.Context, origin proto.Origin, opts *Options) (Conn, error) {
	if opts == nil {
		opts = &Options{}
	}
	var t Timings
	start := time.Now()
	nc, err := dialTransport(ctx, origin, opts)
	if err != nil {
		return nil, err
	}
	t.Connect = time.Since(start)
	http1, http2 := opts.protocols()
	wrap := func(c net.Conn) net.Conn {
		if opts.WrapConn != nil {
			return opts.WrapConn(c)
		}
		return c
	}
	if origin.Scheme == "http" {
		nc = wrap(nc)
		if viaHTTPProxy(origin, opts) {
			return newH1Conn(nc, opts, nil, t), nil // absolute-form requests to the proxy
		}
		if opts.H2C || !http1 {
			return newH2Conn(nc, opts, nil, t), nil
		}
		return newH1Conn(nc, opts, nil, t), nil
	}
	tc, err := handshake(ctx, nc, origin, opts, http1, http2)
	if err != nil {
		nc.Close()
		return nil, err
	}
	t.TLS = time.Since(start) - t.Connect
	state := tc.ConnectionState()
	if state.NegotiatedProtocol == "h2" {
		return newH2Conn(wrap(tc), opts, &state, t), nil
	}
	if !http1 {
		tc.Close()
		return nil, fmt.Errorf("driver: %s did not negotiate h2 and HTTP/1.1 is disabled", origin)
	}
	c := newH1Conn(wrap(tc), opts, &state, t)
	c.tc = tc
	return c, nil
}

func dialTransport(ctx context.Context, origin proto.Origin, opts *Options) (net.Conn, error) {
	if opts.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.ConnectTimeout)
		defer cancel()
	}
	if opts.Proxy != nil {
		return dialProxy(ctx, origin, opts)
	}
	network, addr := "tcp", origin.Address()
	if opts.UnixSocket != "" {
		network, addr = "unix", opts.UnixSocket
	}
	return dialDirect(ctx, network, addr, opts)
}

// dialDirect opens a transport connection with the configured dialer.
func dialDirect(ctx context.Context, network, addr string, opts *Options) (net.Conn, error) {
	dial := opts.DialContext
	if dial == nil {
		d := &net.Dialer{LocalAddr: opts.LocalAddr}
		dial = d.DialContext
	}
	nc, err := dial(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("driver: dial %s: %w", addr, err)
	}
	return nc, nil
}

func handshake(ctx context.Context, nc net.Conn, origin proto.Origin, opts *Options, http1, http2 bool) (*tls.Conn, error) {
	cfg := &tls.Config{}
	if opts.TLSConfig != nil {
		cfg = opts.TLSConfig.Clone()
	}
	cfg.NextProtos = nil
	if http2 {
		cfg.NextProtos = append(cfg.NextProtos, "h2")
	}
	if http1 {
		cfg.NextProtos = append(cfg.NextProtos, "http/1.1")
	}
	if opts.ServerName != "" {
		cfg.ServerName = opts.ServerName
	} else if cfg.ServerName == "" {
		cfg.ServerName = origin.Host
	}
	if opts.TLSHandshakeTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.TLSHandshakeTimeout)
		defer cancel()
	}
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("driver: TLS handshake with %s: %w", origin, err)
	}
	return tc, nil
}
