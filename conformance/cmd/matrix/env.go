package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

const bigSize = 8 << 20

// httpPeer is a server the client runs the HTTP cases against.
type httpPeer struct {
	name     string
	origin   proto.Origin
	opts     pool.Options
	alpn     string // the protocol the connection must end up with: "h2" or "http/1.1"
	upload   string // path that accepts a POST body
	trailers string // path whose response has an X-Checksum trailer; "" when the server sends none
	sse      string // path of an event stream of three events; "" when the server has none
}

// wsPeer is a WebSocket echo server.
type wsPeer struct {
	name   string
	origin proto.Origin
	path   string
	opts   pool.Options
}

// env holds the peers and everything they need: a temporary folder, a certificate, processes.
type env struct {
	dir         string
	certFile    string
	keyFile     string
	roots       *x509.CertPool
	cert        tls.Certificate
	bigSum      [32]byte
	procs       []*exec.Cmd
	servers     []*httptest.Server
	cleanups    []func()
	startErrors int
	nodeModules string

	http []httpPeer
	ws   []wsPeer
}

func newEnv(nodeModules string) (*env, error) {
	dir, err := os.MkdirTemp("", "httpwire-matrix")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, nodeModules: nodeModules}
	if err := e.makeCert(); err != nil {
		return nil, err
	}
	if err := e.makeDocroot(); err != nil {
		return nil, err
	}
	e.startGoPeers()
	e.startNginx()
	e.startNghttpd()
	e.startWebSocketPeers()
	return e, nil
}

func (e *env) httpPeers() []httpPeer { return e.http }
func (e *env) wsPeers() []wsPeer     { return e.ws }

func (e *env) close() {
	for _, c := range e.cleanups {
		c()
	}
	for _, s := range e.servers {
		s.CloseClientConnections()
		s.Close()
	}
	for _, p := range e.procs {
		// SIGTERM first: an nginx master stops its workers on it, while SIGKILL would orphan them.
		_ = p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(e.dir)
}

// fail reports a peer that could not start; the run then exits non-zero.
func (e *env) fail(peer string, err error) {
	fmt.Fprintf(os.Stderr, "matrix: %s did not start: %v\n", peer, err)
	e.startErrors++
}

func (e *env) poolOptions(h2c, http1Only bool) pool.Options {
	return pool.Options{H2C: h2c, HTTP1: http1Only, MaxConnectionsPerOrigin: 4,
		Driver: driver.Options{TLSConfig: &tls.Config{RootCAs: e.roots}}}
}

func (e *env) makeCert() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	leaf, _ := x509.ParseCertificate(der)
	e.roots = x509.NewCertPool()
	e.roots.AddCert(leaf)
	e.cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	e.certFile, e.keyFile = filepath.Join(e.dir, "cert.pem"), filepath.Join(e.dir, "key.pem")
	if err := os.WriteFile(e.certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(e.keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
}

// pattern fills b with the content of /big.bin at offset off.
func pattern(b []byte, off int) {
	for i := range b {
		b[i] = byte((off + i) * 31 >> 3)
	}
}

func (e *env) makeDocroot() error {
	www := filepath.Join(e.dir, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		return err
	}
	bigData := make([]byte, bigSize)
	pattern(bigData, 0)
	e.bigSum = sha256.Sum256(bigData)
	files := map[string][]byte{"index.html": []byte("hello from the matrix\n"), "big.bin": bigData,
		"upload": []byte("uploaded\n")}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(www, name), b, 0o644); err != nil {
			return err
		}
	}
	return os.Chmod(e.dir, 0o755)
}

// goHandler serves the matrix paths for Go's net/http server.
func (e *env) goHandler() http.Handler {
	www := http.FileServer(http.Dir(filepath.Join(e.dir, "www")))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/", "/index.html":
			// Not ServeFile: it redirects paths that end in /index.html.
			http.ServeContent(w, r, "index.html", time.Time{}, strings.NewReader("hello from the matrix\n"))
		case "/upload":
			n, _ := io.Copy(io.Discard, r.Body)
			fmt.Fprintf(w, "%d bytes\n", n)
		case "/events":
			w.Header().Set("Content-Type", "text/event-stream")
			for i := range 3 {
				fmt.Fprintf(w, "data: event %d\n\n", i)
				w.(http.Flusher).Flush()
			}
		case "/trailers":
			w.Header().Set("Trailer", "X-Checksum")
			_, _ = io.WriteString(w, "body")
			w.Header().Set("X-Checksum", "abc")
		default:
			www.ServeHTTP(w, r)
		}
	})
}

func (e *env) startGoPeers() {
	start := func(handler http.Handler, h2c bool) *httptest.Server {
		s := httptest.NewUnstartedServer(handler)
		s.Config.ErrorLog = nil
		if h2c {
			s.Config.Protocols = new(http.Protocols)
			s.Config.Protocols.SetUnencryptedHTTP2(true)
			s.Start()
		} else {
			s.TLS = &tls.Config{Certificates: []tls.Certificate{e.cert}}
			s.EnableHTTP2 = true
			s.StartTLS()
		}
		e.servers = append(e.servers, s)
		return s
	}
	origin := func(s *httptest.Server) proto.Origin { o, _ := proto.ParseOrigin(s.URL); return o }
	gs := start(e.goHandler(), false)
	e.http = append(e.http, httpPeer{name: "net/http tls", origin: origin(gs), opts: e.poolOptions(false, false),
		alpn: "h2", upload: "/upload", trailers: "/trailers", sse: "/events"})
	gc := start(e.goHandler(), true)
	e.http = append(e.http, httpPeer{name: "net/http h2c", origin: origin(gc), opts: e.poolOptions(true, false),
		alpn: "h2", upload: "/upload", trailers: "/trailers", sse: "/events"})
	e.http = append(e.http, httpPeer{name: "net/http http1.1", origin: origin(gs), opts: e.poolOptions(false, true),
		alpn: "http/1.1", upload: "/upload", trailers: "/trailers", sse: "/events"})

	bin := httpbin.New(httpbin.WithMaxBodySize(64 << 20))
	mux := http.NewServeMux()
	mux.Handle("/index.html", e.goHandler())
	mux.Handle("/big.bin", e.goHandler())
	mux.Handle("/", bin.Handler())
	hb := start(mux, false)
	e.http = append(e.http, httpPeer{name: "go-httpbin tls", origin: origin(hb), opts: e.poolOptions(false, false),
		alpn: "h2", upload: "/post", trailers: "/trailers?X-Checksum=abc"})
	e.ws = append(e.ws, wsPeer{name: "go-httpbin ws", origin: origin(hb), path: "/websocket/echo",
		opts: e.poolOptions(false, true)})
}

// freePort returns a loopback port that was free a moment ago.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitPort waits until something listens on port.
func waitPort(port int) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on 127.0.0.1:%d", port)
}

// spawn starts a process whose output goes to a log file in the folder.
func (e *env) spawn(name string, cmd *exec.Cmd) error {
	logf, err := os.Create(filepath.Join(e.dir, name+".log"))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	e.procs = append(e.procs, cmd)
	return nil
}

func (e *env) startNginx() {
	path, err := exec.LookPath("nginx")
	if err != nil {
		e.fail("nginx", err)
		return
	}
	h2, h1, h2c := freePort(), freePort(), freePort()
	www := filepath.Join(e.dir, "www")
	conf := fmt.Sprintf(`user root;
worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log warn;
events { worker_connections 512; }
http {
	access_log off;
	client_body_temp_path %[1]s/nginx-body;
	proxy_temp_path %[1]s/nginx-proxy;
	fastcgi_temp_path %[1]s/nginx-fastcgi;
	uwsgi_temp_path %[1]s/nginx-uwsgi;
	scgi_temp_path %[1]s/nginx-scgi;
	client_max_body_size 64m;
	keepalive_requests 10000;
	http2_max_concurrent_streams 128;
	ssl_certificate %[2]s;
	ssl_certificate_key %[3]s;
	server {
		listen 127.0.0.1:%[5]d ssl http2;
		root %[4]s;
		location = /upload { return 200 "uploaded\n"; }
	}
	server {
		listen 127.0.0.1:%[6]d ssl;
		root %[4]s;
		location = /upload { return 200 "uploaded\n"; }
	}
	server {
		listen 127.0.0.1:%[7]d http2;
		root %[4]s;
		location = /upload { return 200 "uploaded\n"; }
	}
}
`, e.dir, e.certFile, e.keyFile, www, h2, h1, h2c)
	confFile := filepath.Join(e.dir, "nginx.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		e.fail("nginx", err)
		return
	}
	if err := e.spawn("nginx", exec.Command(path, "-c", confFile, "-e", filepath.Join(e.dir, "nginx-error.log"))); err != nil {
		e.fail("nginx", err)
		return
	}
	for _, port := range []int{h2, h1, h2c} {
		if err := waitPort(port); err != nil {
			log, _ := os.ReadFile(filepath.Join(e.dir, "nginx.log"))
			e.fail("nginx", fmt.Errorf("%w\n%s", err, log))
			return
		}
	}
	o := func(scheme string, port int) proto.Origin {
		return proto.Origin{Scheme: scheme, Host: "127.0.0.1", Port: port}
	}
	e.http = append(e.http,
		httpPeer{name: "nginx tls h2", origin: o("https", h2), opts: e.poolOptions(false, false), alpn: "h2", upload: "/upload"},
		httpPeer{name: "nginx tls http1.1", origin: o("https", h1), opts: e.poolOptions(false, false), alpn: "http/1.1", upload: "/upload"},
		httpPeer{name: "nginx h2c", origin: o("http", h2c), opts: e.poolOptions(true, false), alpn: "h2", upload: "/upload"},
	)
}

func (e *env) startNghttpd() {
	path, err := exec.LookPath("nghttpd")
	if err != nil {
		e.fail("nghttpd", err)
		return
	}
	www := filepath.Join(e.dir, "www")
	tlsPort, plainPort := freePort(), freePort()
	if err := e.spawn("nghttpd-tls", exec.Command(path, "-d", www, "-a", "127.0.0.1", fmt.Sprint(tlsPort),
		e.keyFile, e.certFile)); err != nil {
		e.fail("nghttpd", err)
		return
	}
	if err := e.spawn("nghttpd-h2c", exec.Command(path, "-d", www, "-a", "127.0.0.1", "--no-tls",
		fmt.Sprint(plainPort))); err != nil {
		e.fail("nghttpd", err)
		return
	}
	for _, port := range []int{tlsPort, plainPort} {
		if err := waitPort(port); err != nil {
			e.fail("nghttpd", err)
			return
		}
	}
	e.http = append(e.http,
		httpPeer{name: "nghttpd tls", origin: proto.Origin{Scheme: "https", Host: "127.0.0.1", Port: tlsPort},
			opts: e.poolOptions(false, false), alpn: "h2", upload: "/upload"},
		httpPeer{name: "nghttpd h2c", origin: proto.Origin{Scheme: "http", Host: "127.0.0.1", Port: plainPort},
			opts: e.poolOptions(true, false), alpn: "h2", upload: "/upload"},
	)
}

const pythonEcho = `
import asyncio, sys, websockets
async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)
async def main():
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1]), max_size=None):
        await asyncio.Future()
asyncio.run(main())
`

const nodeEcho = `
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) });
wss.on('connection', ws => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
`

func (e *env) startWebSocketPeers() {
	if py, err := exec.LookPath("/usr/bin/python3"); err == nil {
		port := freePort()
		script := filepath.Join(e.dir, "echo.py")
		_ = os.WriteFile(script, []byte(pythonEcho), 0o644)
		if err := e.spawn("python-ws", exec.Command(py, script, fmt.Sprint(port))); err == nil && waitPort(port) == nil {
			e.ws = append(e.ws, wsPeer{name: "python websockets", origin: proto.Origin{Scheme: "http", Host: "127.0.0.1", Port: port},
				path: "/", opts: e.poolOptions(false, true)})
		} else {
			log, _ := os.ReadFile(filepath.Join(e.dir, "python-ws.log"))
			e.fail("python websockets", fmt.Errorf("%v %s", err, log))
		}
	} else {
		e.fail("python websockets", err)
	}
	node, err := exec.LookPath("node")
	if err != nil || e.nodeModules == "" {
		e.fail("node ws", fmt.Errorf("node %v, node_modules folder %q", err, e.nodeModules))
		return
	}
	port := freePort()
	script := filepath.Join(e.dir, "echo.js")
	_ = os.WriteFile(script, []byte(nodeEcho), 0o644)
	cmd := exec.Command(node, script, fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(e.nodeModules, "node_modules"))
	if err := e.spawn("node-ws", cmd); err != nil || waitPort(port) != nil {
		log, _ := os.ReadFile(filepath.Join(e.dir, "node-ws.log"))
		e.fail("node ws", fmt.Errorf("%v %s", err, strings.TrimSpace(string(log))))
		return
	}
	e.ws = append(e.ws, wsPeer{name: "node ws", origin: proto.Origin{Scheme: "http", Host: "127.0.0.1", Port: port},
		path: "/", opts: e.poolOptions(false, true)})
}
