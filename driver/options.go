package driver

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"time"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/h2"
)

// Options configure how a connection is dialed and run. The zero value dials TCP, offers "h2" and
// "http/1.1" over TLS, verifies certificates, and has no timeouts beyond the request's context.
type Options struct {
	// DialContext opens the transport connection; nil uses a net.Dialer (happy eyeballs, RFC 8305) with
	// LocalAddr.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// LocalAddr is the local address to dial from.
	LocalAddr net.Addr
	// UnixSocket, when set, is dialed instead of the origin's host and port.
	UnixSocket string
	// Proxy, when set, is the proxy to go through: "http://[user:pass@]host:port" (CONNECT tunnels for
	// https origins, absolute-form requests for http ones) or "socks5://[user:pass@]host:port".
	Proxy *url.URL

	// TLSConfig is cloned for each TLS connection; nil means defaults with verification on. Its NextProtos
	// are replaced by the protocols enabled below, and ServerName, when empty, by the origin's host.
	TLSConfig *tls.Config
	// ServerName overrides the TLS server name (SNI and verification).
	ServerName string
	// HTTP1 and HTTP2 enable the protocols offered with ALPN (RFC 7301); both false means both true.
	HTTP1, HTTP2 bool
	// H2C speaks HTTP/2 by prior knowledge on plaintext "http" origins (RFC 9113 §3.3).
	H2C bool

	// ConnectTimeout bounds dialing; TLSHandshakeTimeout bounds the handshake.
	ConnectTimeout      time.Duration
	TLSHandshakeTimeout time.Duration
	// WriteTimeout bounds each write to the network; ReadTimeout bounds the wait for each read of a response
	// (the idle time between bytes, not the whole response). It counts from the end of the request body, on
	// HTTP/2 too, where the body is sent while the response may already arrive.
	WriteTimeout time.Duration
	ReadTimeout  time.Duration
	// ExpectContinueTimeout bounds the wait for 100 Continue after a request with `Expect: 100-continue`;
	// the body is sent when it expires. Default 1 s.
	ExpectContinueTimeout time.Duration

	// WrapConn, when set, wraps the connection the protocol runs on, after TLS: a tap for tracing tools.
	WrapConn func(net.Conn) net.Conn

	// H1Limits and H2 configure the protocol cores.
	H1Limits h1.Limits
	H2       h2.Config
}

// h2Config is H2 as the HTTP/2 client uses it: with StableFields, so that response heads and trailers are
// handed to the application without a copy, and without the core's StallTimeout unless it is set. That timer
// (CVE-2019-9517) protects a server from clients that stop reading; a client whose upload waits for the
// server's window queues nothing, and ending the whole connection would fail its other requests (x/net/http2
// has no such timer either). ReadTimeout and the request's context bound the wait per request.
func (o *Options) h2Config() h2.Config {
	cfg := o.H2
	cfg.StableFields = true
	if cfg.StallTimeout == 0 {
		cfg.StallTimeout = -1
	}
	return cfg
}

func (o *Options) protocols() (http1, http2 bool) {
	if !o.HTTP1 && !o.HTTP2 {
		return true, true
	}
	return o.HTTP1, o.HTTP2
}

func (o *Options) expectContinueTimeout() time.Duration {
	if o.ExpectContinueTimeout > 0 {
		return o.ExpectContinueTimeout
	}
	return time.Second
}
