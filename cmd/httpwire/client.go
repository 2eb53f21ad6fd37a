package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// newPool builds the pool the command line asks for.
func newPool(cfg *config, stderr io.Writer) (*pool.Pool, error) {
	opts := pool.Options{HTTP1: cfg.http11, HTTP2: cfg.http2, H2C: cfg.h2c}
	tlsConfig := &tls.Config{InsecureSkipVerify: cfg.insecure} //nolint:gosec // -k asks for it
	if cfg.cacert != "" {
		pem, err := os.ReadFile(cfg.cacert)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--cacert: %v", err)}
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, usageError{"--cacert: no certificate in " + cfg.cacert}
		}
		tlsConfig.RootCAs = roots
	}
	opts.Driver.TLSConfig = tlsConfig
	opts.Driver.ConnectTimeout = seconds(cfg.connectTimeout)
	if cfg.verbose {
		opts.Trace = &pool.Trace{
			DialStart: func(origin string) { fmt.Fprintf(stderr, "* connecting to %s\n", origin) },
			DialDone: func(origin, protocol string, err error) {
				if err != nil {
					fmt.Fprintf(stderr, "* connection to %s failed: %v\n", origin, err)
					return
				}
				fmt.Fprintf(stderr, "* connected to %s, protocol %s\n", origin, protocol)
			},
			GotConn: func(origin, protocol string, reused bool) {
				if reused {
					fmt.Fprintf(stderr, "* reusing the %s connection to %s\n", protocol, origin)
				}
			},
		}
		opts.Driver.WrapConn = func(nc net.Conn) net.Conn { return newTap(nc, stderr) }
	}
	return pool.New(opts), nil
}

// target splits a URL into origin and request-target.
func target(raw string) (proto.Origin, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return proto.Origin{}, "", usageError{fmt.Sprintf("invalid URL %q: %v", raw, err)}
	}
	if u.Scheme == "ws" || u.Scheme == "wss" {
		u.Scheme = map[string]string{"ws": "http", "wss": "https"}[u.Scheme]
	}
	o, err := proto.NewOrigin(u.Scheme, u.Host)
	if err != nil {
		return proto.Origin{}, "", usageError{err.Error()}
	}
	return o, u.RequestURI(), nil
}

// buildRequest turns the flags into a request; the body streams from a file or stdin, never read whole.
func buildRequest(cfg *config, stdin io.Reader) (*pool.Request, func(), error) {
	origin, path, err := target(cfg.url)
	if err != nil {
		return nil, nil, err
	}
	req := &pool.Request{Method: cfg.method, Origin: origin, Target: path}
	for _, h := range cfg.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, nil, usageError{fmt.Sprintf("-H %q: want \"Name: value\"", h)}
		}
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	cleanup := func() {}
	switch {
	case cfg.data == "@-":
		req.Body, req.ContentLength = stdin, -1
	case strings.HasPrefix(cfg.data, "@"):
		f, err := os.Open(cfg.data[1:])
		if err != nil {
			return nil, nil, usageError{fmt.Sprintf("-d: %v", err)}
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		req.Body, req.ContentLength = f, st.Size()
		cleanup = func() { f.Close() }
	case cfg.data != "":
		req.Body, req.ContentLength = strings.NewReader(cfg.data), int64(len(cfg.data))
	}
	switch {
	case req.Method != "":
	case cfg.head:
		req.Method = "HEAD"
	case req.Body != nil:
		req.Method = "POST"
	default:
		req.Method = "GET"
	}
	return req, cleanup, nil
}

// runRequest sends one request and writes the response.
func runRequest(ctx context.Context, cfg *config, stdin io.Reader, stdout, stderr io.Writer) error {
	req, cleanup, err := buildRequest(cfg, stdin)
	if err != nil {
		return err
	}
	defer cleanup()
	p, err := newPool(cfg, stderr)
	if err != nil {
		return err
	}
	defer p.Close()
	if cfg.verbose {
		fmt.Fprintf(stderr, "> %s %s\n", req.Method, req.Target)
		for _, f := range req.Header {
			fmt.Fprintf(stderr, "> %s: %s\n", f.Name, f.Value)
		}
	}
	resp, err := p.Do(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if cfg.verbose {
		if state := resp.Extensions.TLS; state != nil {
			fmt.Fprintf(stderr, "* TLS %s, ALPN %q\n", tls.VersionName(state.Version), state.NegotiatedProtocol)
		}
		fmt.Fprint(stderr, formatHead(resp, "< "))
	}
	if cfg.include || cfg.head {
		fmt.Fprint(stdout, formatHead(resp, ""))
		fmt.Fprintln(stdout)
	}
	out := stdout
	if cfg.output != "" {
		f, err := os.Create(cfg.output)
		if err != nil {
			return usageError{fmt.Sprintf("-o: %v", err)}
		}
		defer f.Close()
		out = f
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		return err
	}
	if cfg.fail && resp.Status >= 400 {
		return errHTTPStatus(resp.Status)
	}
	return nil
}

// formatHead renders a response head, each line prefixed.
func formatHead(resp *pool.Response, prefix string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s %d %s\n", prefix, resp.Extensions.HTTPVersion, resp.Status, resp.Extensions.ReasonPhrase)
	for _, f := range resp.Header {
		fmt.Fprintf(&b, "%s%s: %s\n", prefix, f.Name, f.Value)
	}
	return b.String()
}
