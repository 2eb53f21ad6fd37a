package hostile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
	"golang.org/x/net/http2/hpack"
)

const (
	// reqTimeout is the deadline of every hostile request: the library must answer within it.
	reqTimeout = 3 * time.Second
	// hangBound is how long a test waits for the library to return at all; past it, the library ignored
	// every deadline it was given.
	hangBound = reqTimeout + 3*time.Second
	// memBound bounds the memory a case may allocate while a peer attacks memory.
	memBound = 64 << 20
)

// server is a scripted raw peer on 127.0.0.1: every accepted connection runs serve in a goroutine of its
// own, with the connection's number (1, 2, ...). Closing it closes the listener and every connection, and
// waits for the scripts.
type server struct {
	origin  proto.Origin
	accepts atomic.Int64

	l        net.Listener
	acceptWG sync.WaitGroup
	connWG   sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

func newServer(t *testing.T, serve func(n int, nc net.Conn)) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{l: l}
	s.origin, err = proto.ParseOrigin("http://" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s.acceptWG.Add(1)
	go func() {
		defer s.acceptWG.Done()
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			n := int(s.accepts.Add(1))
			s.mu.Lock()
			s.conns = append(s.conns, nc)
			s.mu.Unlock()
			s.connWG.Add(1)
			go func() {
				defer s.connWG.Done()
				defer nc.Close()
				serve(n, nc)
			}()
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *server) close() {
	s.l.Close()
	s.acceptWG.Wait()
	s.mu.Lock()
	for _, nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.connWG.Wait()
}

// healthyOrigin starts a well-behaved net/http server speaking HTTP/1.1 and h2c with prior knowledge.
func healthyOrigin(t *testing.T) proto.Origin {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "healthy")
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	o, err := proto.ParseOrigin(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// result is what became of a request: the response (nil when Do failed), the body read to its end or to
// its error, and the error of Do or of the body.
type result struct {
	resp    *pool.Response
	body    []byte
	err     error
	elapsed time.Duration
}

// run sends req through p under a reqTimeout deadline and reads the whole body. afterHead, if set, runs
// between the response head and the body. run fails the test if the library has not returned within
// hangBound.
func run(t *testing.T, p *pool.Pool, req *pool.Request, afterHead func()) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), reqTimeout)
	defer cancel()
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		var r result
		resp, err := p.Do(ctx, req)
		if err != nil {
			r.err = err
		} else {
			r.resp = resp
			if afterHead != nil {
				afterHead()
			}
			r.body, r.err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		r.elapsed = time.Since(start)
		done <- r
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(hangBound):
		t.Fatalf("%s %s%s: no answer after %v although the request's deadline was %v", req.Method, req.Origin,
			req.Target, hangBound, reqTimeout)
		return result{}
	}
}

func get(origin proto.Origin) *pool.Request {
	return &pool.Request{Method: "GET", Origin: origin, Target: "/"}
}

// checkHealthy asserts that p still serves a request to a healthy origin.
func checkHealthy(t *testing.T, p *pool.Pool, healthy proto.Origin) {
	t.Helper()
	r := run(t, p, get(healthy), nil)
	if r.err != nil || r.resp.Status != 200 || string(r.body) != "healthy" {
		t.Errorf("healthy origin after the hostile one: %s", describe(r))
	}
}

// checkDropped asserts that the pool keeps no connection to origin: the one that failed was not kept.
func checkDropped(t *testing.T, p *pool.Pool, origin proto.Origin) {
	t.Helper()
	if st := p.Stats().Origins[origin.String()]; st.Connections != 0 {
		t.Errorf("the pool still holds %d connection(s) to the hostile origin after it broke the protocol: %+v",
			st.Connections, st)
	}
}

func describe(r result) string {
	if r.resp == nil {
		return fmt.Sprintf("Do failed after %v: %v (%T)", r.elapsed.Round(time.Millisecond), r.err, r.err)
	}
	body := r.body
	if len(body) > 64 {
		body = append(body[:64:64], "..."...)
	}
	return fmt.Sprintf("status %d, body %q (%d bytes), body error %v (%T), after %v", r.resp.Status, body,
		len(r.body), r.err, r.err, r.elapsed.Round(time.Millisecond))
}

// checkNoHang fails when the request ended by our own deadline instead of an error of the library's.
func checkNoHang(t *testing.T, r result) {
	t.Helper()
	t.Logf("outcome: %s", describe(r))
	if errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("the request only ended by its %v deadline: %s", reqTimeout, describe(r))
	}
}

// wantRemote asserts a *proto.RemoteError wrapping sentinel.
func wantRemote(t *testing.T, r result, sentinel error) {
	t.Helper()
	checkNoHang(t, r)
	var re *proto.RemoteError
	if !errors.As(r.err, &re) || !errors.Is(r.err, sentinel) {
		t.Errorf("got %s; want a *proto.RemoteError wrapping %v", describe(r), sentinel)
	}
}

// h2Failure tells how an HTTP/2 request failed: with the code of a *driver.StreamError or of a
// *proto.RemoteError, and whether the whole connection failed.
func h2Failure(err error) (code h2.ErrCode, conn, ok bool) {
	var se *driver.StreamError
	if errors.As(err, &se) {
		return h2.ErrCode(se.Code), false, true
	}
	var re *proto.RemoteError
	if errors.As(err, &re) {
		return h2.ErrCode(re.Code), re.StreamID == 0, true
	}
	return 0, false, false
}

// Scopes of an HTTP/2 error that wantH2 accepts.
const (
	anyScope = iota
	streamScope
	connScope
)

var scopeNames = [...]string{"stream or connection", "stream", "connection"}

// wantH2 asserts that the request failed with an error of scope carrying one of codes (any code when codes
// is empty).
func wantH2(t *testing.T, r result, scope int, codes ...h2.ErrCode) {
	t.Helper()
	checkNoHang(t, r)
	code, conn, ok := h2Failure(r.err)
	if !ok {
		t.Errorf("got %s; want a %s error (*driver.StreamError or *proto.RemoteError) with an HTTP/2 code in %v",
			describe(r), scopeNames[scope], codes)
		return
	}
	if scope == connScope && !conn || scope == streamScope && conn {
		t.Errorf("got %s; want a %s error", describe(r), scopeNames[scope])
	}
	if len(codes) == 0 {
		return
	}
	for _, c := range codes {
		if code == c {
			return
		}
	}
	t.Errorf("got %s; want the HTTP/2 code to be one of %v, not %v", describe(r), codes, code)
}

// measure runs f and returns how much the live heap grew and how much was allocated meanwhile (the peer's
// allocations included: they are small).
func measure(f func()) (grown, allocated uint64) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc {
		grown = after.HeapAlloc - before.HeapAlloc
	}
	return grown, after.TotalAlloc - before.TotalAlloc
}

func checkMemory(t *testing.T, grown, allocated uint64) {
	t.Helper()
	t.Logf("heap grew by %d KiB; %d KiB allocated", grown>>10, allocated>>10)
	if grown > memBound || allocated > memBound {
		t.Errorf("heap grew by %d MiB and %d MiB were allocated; want both under %d MiB", grown>>20,
			allocated>>20, memBound>>20)
	}
}

// h2Peer is the server side of an h2c connection, written frame by frame.
type h2Peer struct {
	nc     net.Conn
	in     []byte // received, not yet split into frames
	rbuf   []byte
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	// window is the client's SETTINGS_INITIAL_WINDOW_SIZE: how much DATA a new stream may receive.
	window uint32
	// connWindow is what the client's WINDOW_UPDATE frames on stream 0 opened, from 65,535.
	connWindow int64
}

// startH2 writes our SETTINGS (with settings) and reads the client's connection preface. The client's
// SETTINGS frame is acknowledged when readFrame meets it.
func startH2(nc net.Conn, settings ...h2.Setting) (*h2Peer, error) {
	p := &h2Peer{nc: nc, rbuf: make([]byte, 32<<10), window: 65535, connWindow: 65535}
	p.enc = hpack.NewEncoder(&p.encBuf)
	if err := p.write(h2.AppendSettings(nil, settings...)); err != nil {
		return nil, err
	}
	for len(p.in) < len(h2.ClientPreface) {
		if err := p.more(); err != nil {
			return nil, err
		}
	}
	if string(p.in[:len(h2.ClientPreface)]) != h2.ClientPreface {
		return nil, fmt.Errorf("bad preface %q", p.in[:len(h2.ClientPreface)])
	}
	p.in = p.in[len(h2.ClientPreface):]
	return p, nil
}

func (p *h2Peer) more() error {
	n, err := p.nc.Read(p.rbuf)
	p.in = append(p.in, p.rbuf[:n]...)
	if n > 0 {
		return nil
	}
	return err
}

func (p *h2Peer) write(b []byte) error {
	_, err := p.nc.Write(b)
	return err
}

// readFrame returns the next frame from the client. It acknowledges SETTINGS and keeps track of the
// client's windows on the way.
func (p *h2Peer) readFrame() (h2.FrameHeader, []byte, error) {
	for {
		h, payload, n, err := h2.NextFrame(p.in, h2.MaxFrameSizeLimit)
		if err != nil {
			return h, nil, err
		}
		if n == 0 {
			if err := p.more(); err != nil {
				return h, nil, err
			}
			continue
		}
		payload = bytes.Clone(payload)
		p.in = p.in[n:]
		switch h.Type {
		case h2.FrameSettings:
			f, err := h2.ParseSettings(h, payload)
			if err != nil || f.Ack {
				break
			}
			for i := range f.Len() {
				if s := f.At(i); s.ID == h2.SettingInitialWindowSize {
					p.window = s.Val
				}
			}
			if err := p.write(h2.AppendSettingsAck(nil)); err != nil {
				return h, nil, err
			}
		case h2.FrameWindowUpdate:
			if f, err := h2.ParseWindowUpdate(h, payload); err == nil && f.StreamID == 0 {
				p.connWindow += int64(f.Increment)
			}
		}
		return h, payload, nil
	}
}

// awaitRequest reads until the client opens a stream and returns its id.
func (p *h2Peer) awaitRequest() (uint32, error) {
	for {
		h, _, err := p.readFrame()
		if err != nil {
			return 0, err
		}
		if h.Type == h2.FrameHeaders && h.StreamID%2 == 1 {
			return h.StreamID, nil
		}
	}
}

// block encodes name, value pairs into a field block with the connection's HPACK encoder. The block must
// then be sent, or the client's decoder falls out of step.
func (p *h2Peer) block(pairs ...string) []byte {
	p.encBuf.Reset()
	for i := 0; i+1 < len(pairs); i += 2 {
		_ = p.enc.WriteField(hpack.HeaderField{Name: pairs[i], Value: pairs[i+1]})
	}
	return bytes.Clone(p.encBuf.Bytes())
}

// appendFieldBlock appends a HEADERS frame and as many CONTINUATION frames as block needs.
func appendFieldBlock(dst []byte, id uint32, endStream bool, block []byte) []byte {
	const maxFrame = h2.DefaultMaxFrameSize
	first := block[:min(len(block), maxFrame)]
	rest := block[len(first):]
	dst = h2.AppendHeaders(dst, id, endStream, len(rest) == 0, first)
	for len(rest) > 0 {
		n := min(len(rest), maxFrame)
		dst = h2.AppendContinuation(dst, id, n == len(rest), rest[:n])
		rest = rest[n:]
	}
	return dst
}

// respond answers stream id with 200 and body.
func (p *h2Peer) respond(id uint32, body string) error {
	b := appendFieldBlock(nil, id, false, p.block(":status", "200", "content-length", fmt.Sprint(len(body))))
	return p.write(h2.AppendData(b, id, true, []byte(body)))
}

// serve answers every request of the connection with answer until either fails.
func (p *h2Peer) serve(answer func(id uint32) error) {
	for {
		id, err := p.awaitRequest()
		if err != nil {
			return
		}
		if err := answer(id); err != nil {
			return
		}
	}
}

// drain reads and drops what the client sends until it closes the connection.
func (p *h2Peer) drain() { _, _ = io.Copy(io.Discard, p.nc) }

// newH2Server starts a raw h2c peer: script runs on each connection after the preface.
func newH2Server(t *testing.T, script func(n int, p *h2Peer), settings ...h2.Setting) *server {
	t.Helper()
	return newServer(t, func(n int, nc net.Conn) {
		p, err := startH2(nc, settings...)
		if err != nil {
			return
		}
		script(n, p)
	})
}

func newH2Pool(opts pool.Options) *pool.Pool {
	opts.H2C = true
	return pool.New(opts)
}
