package pool

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// Options configure a Pool. Zero fields take their defaults.
type Options struct {
	// MaxConnections bounds the connections open or being opened, all origins together. Default 100.
	MaxConnections int
	// MaxConnectionsPerOrigin bounds them per origin. Default 10.
	MaxConnectionsPerOrigin int
	// MaxIdlePerOrigin bounds the idle connections kept per origin. Default MaxConnectionsPerOrigin.
	MaxIdlePerOrigin int
	// KeepaliveExpiry closes connections idle for longer. Default 5 s.
	KeepaliveExpiry time.Duration
	// HTTP1 and HTTP2 enable the protocols; both false means both on. H2C speaks HTTP/2 by prior knowledge
	// to "http" origins.
	HTTP1, HTTP2, H2C bool
	// Proxy chooses the proxy for an origin (nil URL: direct), as http.Transport's Proxy: "http://" proxies
	// tunnel https origins with CONNECT and carry http ones in absolute form, "socks5://" proxies tunnel
	// both. Connections are pooled per origin and proxy.
	Proxy func(origin proto.Origin) (*url.URL, error)
	// HealthCheckAfter: an HTTP/2 connection idle for longer is checked with a PING before it is reused
	// (dead connections otherwise surface as failed requests, golang/go#31643). Default 30 s.
	HealthCheckAfter time.Duration
	// HealthCheckTimeout bounds the wait for the PING's answer. Default 5 s.
	HealthCheckTimeout time.Duration
	// Retries is how many more times a failed dial is tried.
	Retries int
	// Driver configures dialing, TLS, timeouts and the protocol cores; its HTTP1, HTTP2 and H2C fields are
	// set from the ones above.
	Driver driver.Options
	// Logger receives debug records of dials, reuses and closes; nil discards them.
	Logger *slog.Logger
	// Trace, when set, is told what happens to each request's connection.
	Trace *Trace
	// Now is the clock of keep-alive expiry; nil means the system's monotonic clock. Tests pass a virtual
	// clock.
	Now func() time.Time
}

// Trace receives the life of a request's connection. Every hook is optional and may be called from any
// goroutine.
type Trace struct {
	// GetConn: a request asks for a connection to origin.
	GetConn func(origin string)
	// DialStart and DialDone bracket opening a connection; err is nil on success.
	DialStart func(origin string)
	DialDone  func(origin, protocol string, err error)
	// GotConn: the request has a connection, reused or new.
	GotConn func(origin, protocol string, reused bool)
	// WroteRequest: the request's head and body have been written.
	WroteRequest func(origin string)
	// GotFirstResponseByte: the response began to arrive.
	GotFirstResponseByte func(origin string)
	// PutConn: the request is done with its connection (body read or closed, or the request failed).
	PutConn func(origin string)
}

func (o Options) withDefaults() Options {
	if o.MaxConnections <= 0 {
		o.MaxConnections = 100
	}
	if o.MaxConnectionsPerOrigin <= 0 {
		o.MaxConnectionsPerOrigin = 10
	}
	if o.MaxIdlePerOrigin <= 0 {
		o.MaxIdlePerOrigin = o.MaxConnectionsPerOrigin
	}
	if o.KeepaliveExpiry <= 0 {
		o.KeepaliveExpiry = 5 * time.Second
	}
	if o.HealthCheckAfter <= 0 {
		o.HealthCheckAfter = 30 * time.Second
	}
	if o.HealthCheckTimeout <= 0 {
		o.HealthCheckTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Trace == nil {
		o.Trace = &Trace{}
	}
	o.Driver.HTTP1, o.Driver.HTTP2, o.Driver.H2C = o.HTTP1, o.HTTP2, o.H2C
	return o
}
