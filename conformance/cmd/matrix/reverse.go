package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/httpwire/httpwire/driver/server"
	"github.com/httpwire/httpwire/proto"
)

// runReverse points curl and h2load at the project's thin server drivers.
func runReverse(e *env, record recordFunc) {
	srv := &server.Server{
		Handler: func(req *proto.RequestHead, body []byte) (*proto.ResponseHead, []byte) {
			return proto.NewResponse(200, "content-type", "text/plain"),
				[]byte(fmt.Sprintf("%s %s %d\n", req.Method, req.Target, len(body)))
		},
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{e.cert}, NextProtos: []string{"h2", "http/1.1"}},
	}
	listen := func(serve func(net.Listener) error) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			e.fail("server driver", err)
			return ""
		}
		go func() { _ = serve(l) }()
		return l.Addr().String()
	}
	h1Addr, tlsAddr, h2cAddr := listen(srv.ServeH1), listen(srv.ServeTLS), listen(srv.ServeH2C)
	e.cleanups = append(e.cleanups, func() { _ = srv.Close() })

	upload := filepath.Join(e.dir, "upload-1MiB")
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	_ = os.WriteFile(upload, data, 0o644)

	curl := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "curl", append([]string{"-sS", "--cacert", e.certFile}, args...)...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("%v: %s", err, out)
		}
		return string(out), nil
	}
	type curlCase struct {
		peer, flag, url, version string
	}
	for _, c := range []curlCase{
		{"curl http1.1", "--http1.1", "http://" + h1Addr, "1.1"},
		{"curl http2 (ALPN)", "--http2", "https://" + tlsAddr, "2"},
		{"curl http1.1 over TLS", "--http1.1", "https://" + tlsAddr, "1.1"},
		{"curl h2c prior knowledge", "--http2-prior-knowledge", "http://" + h2cAddr, "2"},
	} {
		record(c.peer, "get", func() error {
			out, err := curl(c.flag, "-w", " v=%{http_version}", c.url+"/hello?x=1")
			if err != nil {
				return err
			}
			if want := "GET /hello?x=1 0\n v=" + c.version; out != want {
				return fmt.Errorf("got %q, want %q", out, want)
			}
			return nil
		})
		record(c.peer, "post-1MiB", func() error {
			out, err := curl(c.flag, "--data-binary", "@"+upload, c.url+"/up")
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("POST /up %d\n", len(data)); out != want {
				return fmt.Errorf("got %q, want %q", out, want)
			}
			return nil
		})
	}
	succeeded := regexp.MustCompile(`requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed`)
	for _, c := range []struct{ peer, url string }{
		{"h2load h2c", "http://" + h2cAddr + "/load"},
		{"h2load tls (ALPN h2)", "https://" + tlsAddr + "/load"},
	} {
		record(c.peer, "2000-requests", func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, "h2load", "-n", "2000", "-c", "10", "-m", "10", c.url).CombinedOutput()
			if err != nil {
				return fmt.Errorf("%v: %s", err, out)
			}
			m := succeeded.FindStringSubmatch(string(out))
			if m == nil || m[1] != "2000" || m[2] != "2000" || m[3] != "0" {
				return fmt.Errorf("h2load: %s", strings.TrimSpace(string(out)))
			}
			return nil
		})
	}
}
