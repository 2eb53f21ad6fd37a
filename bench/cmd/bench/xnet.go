//lint:file-ignore SA1019 x/net/http2's Transport is one of the implementations compared, deprecated or not.

package main

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"

	"golang.org/x/net/http2"
)

// xnetTransport is golang.org/x/net/http2's Transport speaking h2c by prior knowledge.
func xnetTransport() (http.RoundTripper, func()) {
	xt := &http2.Transport{AllowHTTP: true, DisableCompression: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, network, addr)
		}}
	return xt, xt.CloseIdleConnections
}
