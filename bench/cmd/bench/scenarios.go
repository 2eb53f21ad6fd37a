package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
	"github.com/valyala/fasthttp"
)

type scenario struct {
	name string
	run  func(d time.Duration) ([]result, error)
}

func scenarios() []scenario {
	return []scenario{
		{"h1-parse", runParse},
		{"h1-seq", func(d time.Duration) ([]result, error) { return runH1(d, "h1-seq", 1, "/", false) }},
		{"h1-par64", func(d time.Duration) ([]result, error) { return runH1(d, "h1-par64", 64, "/", false) }},
		{"bulk-h1", func(d time.Duration) ([]result, error) { return runH1(d, "bulk-h1", 1, "/bulk", true) }},
		{"h2c-par64", func(d time.Duration) ([]result, error) { return runH2(d, "h2c-par64", 64, "/") }},
		{"bulk-h2", func(d time.Duration) ([]result, error) { return runH2(d, "bulk-h2", 1, "/bulk") }},
		{"pool-contention", runContention},
		{"idle-mem", runIdleMem},
		{"stream-mem", runStreamMem},
	}
}

var responseHead = []byte("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Sun, 29 Nov 2026 18:00:00 GMT\r\n" +
	"Content-Type: application/json; charset=utf-8\r\nContent-Length: 13\r\nConnection: keep-alive\r\n" +
	"Cache-Control: no-cache, no-store, must-revalidate\r\nVary: Accept-Encoding\r\n" +
	"X-Request-Id: 4f1c2a9e-7b3d-4e8a-9c1f-2d5e6f7a8b9c\r\n" +
	"Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n" +
	"Set-Cookie: session=abc123; Path=/; HttpOnly\r\n\r\nHello, World!")

// runParse parses a 10-field response with its 13-byte body, in memory.
func runParse(d time.Duration) ([]result, error) {
	c := h1.NewConn(h1.Client)
	req := proto.NewRequest("GET", "/", "Host", "a")
	httpwire := func() (int64, error) {
		if err := c.SendRequest(req); err != nil {
			return 0, err
		}
		_ = c.SendEnd(nil)
		c.Advance(len(c.Pending()))
		if err := c.Receive(responseHead); err != nil {
			return 0, err
		}
		for {
			ev, err := c.NextEvent()
			if err != nil {
				return 0, err
			}
			if _, end := ev.(*h1.EndOfMessage); end {
				break
			}
		}
		return int64(len(responseHead)), c.StartNextCycle()
	}
	rd := bytes.NewReader(responseHead)
	br := bufio.NewReader(rd)
	netHTTP := func() (int64, error) {
		rd.Reset(responseHead)
		br.Reset(rd)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		return int64(len(responseHead)), err
	}
	var fr fasthttp.Response
	fast := func() (int64, error) {
		rd.Reset(responseHead)
		br.Reset(rd)
		fr.Reset()
		return int64(len(responseHead)), fr.Read(br)
	}
	return compare("h1-parse", d, []contender{
		each("httpwire", 1, httpwire),
		each("net/http", 1, netHTTP),
		each("fasthttp", 1, fast),
	}), nil
}

// runH1 runs GETs of path against a fasthttp server with workers goroutines.
func runH1(d time.Duration, name string, workers int, path string, bulk bool) ([]result, error) {
	addr, stop, err := startServer("h1")
	if err != nil {
		return nil, err
	}
	defer stop()
	origin, _ := proto.ParseOrigin("http://" + addr)
	buf := func() []byte { return make([]byte, 256<<10) }

	p := pool.New(pool.Options{HTTP1: true, MaxConnectionsPerOrigin: workers})
	defer p.Close()
	preq := &pool.Request{Method: "GET", Origin: origin, Target: path}
	var cs []contender
	cs = append(cs, withBuffers("httpwire", workers, buf, poolGet(p, preq)))

	tr := &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hreq, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	cs = append(cs, withBuffers("net/http", workers, buf, roundTripGet(tr, hreq)))

	if !bulk {
		fc := &fasthttp.HostClient{Addr: addr, MaxConns: workers}
		url := "http://" + addr + path
		cs = append(cs, each("fasthttp", workers, func() (int64, error) {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(url)
			if err := fc.Do(req, resp); err != nil {
				return 0, err
			}
			return int64(len(resp.Body())), nil
		}))
	}
	floor, closeFloor, err := rawFloor(addr, path, workers)
	if err != nil {
		return nil, err
	}
	defer closeFloor()
	return compare(name, d, append(cs, floor)), nil
}

// rawFloor is the floor no HTTP client can beat: a canned request written, the head scanned for CRLFCRLF,
// the declared body length discarded. One connection per worker; the function returned closes them.
func rawFloor(addr, path string, workers int) (contender, func(), error) {
	request := []byte("GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\n\r\n")
	conns := make([]*floorConn, workers)
	closeAll := func() {
		for _, c := range conns {
			if c != nil {
				c.nc.Close()
			}
		}
	}
	for i := range conns {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			closeAll()
			return contender{}, nil, err
		}
		conns[i] = &floorConn{nc: nc, br: bufio.NewReaderSize(nc, 64<<10), buf: make([]byte, 256<<10)}
	}
	clRe := regexp.MustCompile(`(?i)\r\ncontent-length: *(\d+)`)
	return contender{impl: "raw floor", workers: workers, op: func(w int) (int64, error) {
		c := conns[w]
		if _, err := c.nc.Write(request); err != nil {
			return 0, err
		}
		var head []byte
		for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
			line, err := c.br.ReadSlice('\n')
			if err != nil {
				return 0, err
			}
			head = append(head, line...)
		}
		m := clRe.FindSubmatch(head)
		if m == nil {
			return 0, errors.New("no Content-Length")
		}
		n, _ := strconv.ParseInt(string(m[1]), 10, 64)
		_, err := drain(io.LimitReader(c.br, n), c.buf)
		return n, err
	}}, closeAll, nil
}

type floorConn struct {
	nc  net.Conn
	br  *bufio.Reader
	buf []byte
}

// runH2 runs GETs over one h2c connection with workers concurrent streams.
// The server is nghttpd when it is installed (the C server the figures were taken against), and
// net/http's h2c server otherwise.
func runH2(d time.Duration, name string, workers int, path string) ([]result, error) {
	addr, stop, err := startH2Server()
	if err != nil {
		return nil, err
	}
	defer stop()
	origin, _ := proto.ParseOrigin("http://" + addr)
	buf := func() []byte { return make([]byte, 256<<10) }
	var cs []contender

	p := pool.New(pool.Options{H2C: true, MaxConnectionsPerOrigin: 1})
	defer p.Close()
	preq := &pool.Request{Method: "GET", Origin: origin, Target: path}
	cs = append(cs, withBuffers("httpwire", workers, buf, poolGet(p, preq)))

	tr := &http.Transport{Protocols: new(http.Protocols), DisableCompression: true, MaxConnsPerHost: 1}
	tr.Protocols.SetUnencryptedHTTP2(true)
	defer tr.CloseIdleConnections()
	hreq, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	cs = append(cs, withBuffers("net/http", workers, buf, roundTripGet(tr, hreq)))

	xt, closeXT := xnetTransport()
	defer closeXT()
	cs = append(cs, withBuffers("x/net/http2", workers, buf, roundTripGet(xt, hreq)))
	if bin, err := exec.LookPath("h2load"); err == nil {
		cs = append(cs, contender{impl: "h2load", round: h2loadRound(bin, "http://"+addr+path, workers)})
	}
	return compare(name, d, cs), nil
}

var h2loadRate = regexp.MustCompile(`finished in [^,]+, ([\d.]+) req/s, ([\d.]+)([KMG]?B)/s`)

// h2loadRound runs h2load, the C ceiling over one connection, for one turn of about d (at least a second,
// its shortest duration), and reports its own figures.
func h2loadRound(bin, url string, streams int) func(d time.Duration) sample {
	return func(d time.Duration) sample {
		secs := strconv.Itoa(max(1, int(d.Seconds())))
		out, err := exec.Command(bin, "-c", "1", "-m", strconv.Itoa(streams), "-D", secs, url).CombinedOutput()
		if err != nil {
			return sample{err: fmt.Sprintf("h2load: %v", err)}
		}
		m := h2loadRate.FindSubmatch(out)
		if m == nil {
			return sample{err: "unreadable h2load output"}
		}
		var s sample
		s.rate, _ = strconv.ParseFloat(string(m[1]), 64)
		v, _ := strconv.ParseFloat(string(m[2]), 64)
		s.byteRate = v * map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[string(m[3])]
		if s.rate == 0 {
			s.err = "h2load completed no request"
		}
		return s
	}
}

// startH2Server starts nghttpd if it is installed and net/http's h2c server if not.
func startH2Server() (string, func(), error) {
	if bin, err := exec.LookPath("nghttpd"); err == nil {
		return startNghttpd(bin)
	}
	fmt.Fprintln(os.Stderr, "  nghttpd not found (Debian package nghttp2-server): using net/http's h2c server")
	return startServer("h2c")
}
