package hostile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// badThenOK is an h2c peer that answers the first request it receives, over all connections, with bad,
// and every later one with 200 "ok". It reports how many requests it received.
func badThenOK(t *testing.T, bad func(p *h2Peer, id uint32) error) (*server, *atomic.Int32) {
	t.Helper()
	var requests atomic.Int32
	srv := newH2Server(t, func(_ int, p *h2Peer) {
		p.serve(func(id uint32) error {
			if requests.Add(1) == 1 {
				return bad(p, id)
			}
			return p.respond(id, "ok")
		})
	})
	return srv, &requests
}

// checkOriginRecovers asserts that a later request to the hostile origin is answered: the connection
// survived the stream error with its HPACK state in step, or a new one was opened cleanly.
func checkOriginRecovers(t *testing.T, p *pool.Pool, origin proto.Origin) {
	t.Helper()
	r := run(t, p, get(origin), nil)
	if r.err != nil || string(r.body) != "ok" {
		t.Errorf("a later, well-answered request to the same origin: %s; want \"ok\"", describe(r))
	}
}

// appendLiteral appends a literal field without indexing (RFC 7541 §6.2.2) with a new name, for names and
// values shorter than 127 bytes.
func appendLiteral(dst []byte, name, value string) []byte {
	dst = append(dst, 0x00, byte(len(name)))
	dst = append(dst, name...)
	dst = append(dst, byte(len(value)))
	return append(dst, value...)
}

func TestHostileHTTP2(t *testing.T) {
	healthy := healthyOrigin(t)

	// A response head whose decoded size (about 93 KB in 91 fields) is over the client's 64 KiB
	// SETTINGS_MAX_HEADER_LIST_SIZE. The request is a POST that the pool could replay (it has GetBody): the
	// server answered it, so it must not be sent again.
	t.Run("h2 oversized header list", func(t *testing.T) {
		srv, requests := badThenOK(t, func(p *h2Peer, id uint32) error {
			pairs := []string{":status", "200"}
			for i := range 90 {
				pairs = append(pairs, fmt.Sprintf("x-big-%02d", i), strings.Repeat("v", 1000))
			}
			return p.write(appendFieldBlock(nil, id, true, p.block(pairs...)))
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		const payload = "place order #1"
		req := &pool.Request{Method: "POST", Origin: srv.origin, Target: "/orders",
			Body: strings.NewReader(payload), ContentLength: int64(len(payload)),
			GetBody: func() (io.Reader, error) { return strings.NewReader(payload), nil }}
		r := run(t, p, req, nil)
		if n := requests.Load(); n != 1 {
			t.Errorf("the peer received the POST %d times: the client refused the oversized response head and "+
				"the pool then replayed the request as if the server had not processed it", n)
		}
		wantH2(t, r, anyScope)
		if errors.Is(r.err, driver.ErrNotProcessed) {
			t.Errorf("the error claims driver.ErrNotProcessed, but the server did answer: %v", r.err)
		}
		checkOriginRecovers(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	// HEADERS without END_HEADERS, then CONTINUATION frames that never end the block (CVE-2024-27316).
	t.Run("h2 CONTINUATION without end", func(t *testing.T) {
		srv := newH2Server(t, func(_ int, p *h2Peer) {
			id, err := p.awaitRequest()
			if err != nil {
				return
			}
			if p.write(h2.AppendHeaders(nil, id, true, false, p.block(":status", "200"))) != nil {
				return
			}
			frag := appendLiteral(nil, "x-c", "v")
			var burst []byte
			for range 64 {
				burst = h2.AppendContinuation(burst, id, false, frag)
			}
			for written := 0; written < 64<<20; written += len(burst) {
				if p.write(burst) != nil {
					return
				}
			}
			p.drain()
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		var r result
		grown, allocated := measure(func() { r = run(t, p, get(srv.origin), nil) })
		wantH2(t, r, connScope, h2.ErrCodeEnhanceYourCalm, h2.ErrCodeProtocol)
		checkMemory(t, grown, allocated)
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	// One field block: a 4,000-byte value enters the dynamic table, then a one-byte indexed reference to it
	// is repeated until the block decodes to 1 GiB.
	t.Run("h2 HPACK bomb", func(t *testing.T) {
		var requests atomic.Int32
		srv := newH2Server(t, func(_ int, p *h2Peer) {
			p.serve(func(id uint32) error {
				requests.Add(1)
				value := strings.Repeat("b", 4000)
				block := p.block(":status", "200", "x-bomb", value) // x-bomb is now dynamic entry 62
				refs := (1<<30)/(len("x-bomb")+len(value)+32) + 1
				block = append(block, bytes.Repeat([]byte{0x80 | 62}, refs)...)
				return p.write(appendFieldBlock(nil, id, true, block))
			})
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		var r result
		grown, allocated := measure(func() { r = run(t, p, get(srv.origin), nil) })
		wantH2(t, r, anyScope)
		checkMemory(t, grown, allocated)
		if n := requests.Load(); n != 1 || errors.Is(r.err, driver.ErrNotProcessed) {
			t.Errorf("the peer received the request %d times and the error is %v: a response the server sent "+
				"was reported as driver.ErrNotProcessed and the request replayed", n, r.err)
		}
		checkHealthy(t, p, healthy)
	})

	// The response head, then DATA up to the client's stream window and one byte more, all at once: the
	// client cannot have opened the window further, since nobody read the body yet.
	t.Run("h2 DATA beyond the stream window", func(t *testing.T) {
		told := make(chan string, 1) // how the client answered the overflow
		srv := newH2Server(t, func(_ int, p *h2Peer) {
			id, err := p.awaitRequest()
			if err != nil {
				return
			}
			if int64(p.window) >= p.connWindow {
				told <- fmt.Sprintf("no test: stream window %d not below connection window %d", p.window, p.connWindow)
				return
			}
			out := appendFieldBlock(nil, id, false, p.block(":status", "200"))
			chunk := make([]byte, h2.DefaultMaxFrameSize)
			for left := int(p.window); left > 0; {
				n := min(left, len(chunk))
				out = h2.AppendData(out, id, false, chunk[:n])
				left -= n
			}
			out = h2.AppendData(out, id, false, []byte("!"))
			if p.write(out) != nil {
				return
			}
			for {
				h, payload, err := p.readFrame()
				if err != nil {
					told <- "the connection ended without RST_STREAM or GOAWAY: " + err.Error()
					return
				}
				switch h.Type {
				case h2.FrameRSTStream:
					if f, err := h2.ParseRSTStream(h, payload); err == nil && f.StreamID == id {
						told <- "RST_STREAM " + f.Code.String()
						p.drain()
						return
					}
				case h2.FrameGoAway:
					if f, err := h2.ParseGoAway(h, payload); err == nil {
						told <- "GOAWAY " + f.Code.String()
						p.drain()
						return
					}
				}
			}
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		r := run(t, p, get(srv.origin), func() {
			// Read nothing until the client has judged the overflow.
			select {
			case what := <-told:
				t.Logf("the client answered with %s", what)
				if !strings.Contains(what, h2.ErrCodeFlowControl.String()) {
					t.Errorf("the client answered DATA past the stream window with %s; want FLOW_CONTROL_ERROR", what)
				}
			case <-time.After(reqTimeout):
				t.Errorf("the client sent neither RST_STREAM nor GOAWAY within %v of DATA past its window", reqTimeout)
			}
		})
		wantH2(t, r, anyScope, h2.ErrCodeFlowControl)
		checkHealthy(t, p, healthy)
	})

	// WINDOW_UPDATE on stream 0 by 2^31-1 on top of the initial 65,535: the window overflows (RFC 9113 §6.9.1).
	t.Run("h2 WINDOW_UPDATE overflow on the connection", func(t *testing.T) {
		srv := newH2Server(t, func(_ int, p *h2Peer) {
			if _, err := p.awaitRequest(); err != nil {
				return
			}
			if p.write(h2.AppendWindowUpdate(nil, 0, h2.MaxWindowSize)) != nil {
				return
			}
			p.drain()
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		r := run(t, p, get(srv.origin), nil)
		wantH2(t, r, connScope, h2.ErrCodeFlowControl)
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	// Thousands of SETTINGS or PING frames in one write, without reading the acknowledgements, then the
	// answer. The client may cope, or end the connection with ENHANCE_YOUR_CALM; its memory stays bounded.
	for _, flood := range []struct {
		name  string
		frame []byte
	}{
		{"h2 SETTINGS flood", h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxConcurrentStreams, Val: 100})},
		{"h2 PING flood", h2.AppendPing(nil, false, [8]byte{'f', 'l', 'o', 'o', 'd'})},
	} {
		t.Run(flood.name, func(t *testing.T) {
			const frames = 20000
			srv := newH2Server(t, func(_ int, p *h2Peer) {
				id, err := p.awaitRequest()
				if err != nil {
					return
				}
				if p.write(bytes.Repeat(flood.frame, frames)) != nil {
					return
				}
				if p.respond(id, "survived") != nil {
					return
				}
				p.drain()
			})
			p := newH2Pool(pool.Options{})
			defer p.Close()
			var r result
			grown, allocated := measure(func() { r = run(t, p, get(srv.origin), nil) })
			if r.err != nil {
				wantH2(t, r, connScope, h2.ErrCodeEnhanceYourCalm)
				checkDropped(t, p, srv.origin)
			} else {
				checkNoHang(t, r)
				if r.resp.Status != 200 || string(r.body) != "survived" {
					t.Errorf("after %d frames: %s; want 200 \"survived\"", frames, describe(r))
				}
			}
			checkMemory(t, grown, allocated)
			checkHealthy(t, p, healthy)
		})
	}

	// RST_STREAM on thousands of streams the client never opened, odd ones above its request and even ones
	// (push is off): a stream in the idle state (RFC 9113 §6.4, §5.1).
	t.Run("h2 RST_STREAM flood on streams the client never opened", func(t *testing.T) {
		srv := newH2Server(t, func(_ int, p *h2Peer) {
			id, err := p.awaitRequest()
			if err != nil {
				return
			}
			var flood []byte
			for i := uint32(1); i <= 5000; i++ {
				flood = h2.AppendRSTStream(flood, id+2*i, h2.ErrCodeCancel)
				flood = h2.AppendRSTStream(flood, 2*i, h2.ErrCodeCancel)
			}
			if p.write(flood) != nil {
				return
			}
			p.drain()
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		var r result
		grown, allocated := measure(func() { r = run(t, p, get(srv.origin), nil) })
		wantH2(t, r, connScope, h2.ErrCodeProtocol)
		checkMemory(t, grown, allocated)
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	// Malformed response heads (RFC 9113 §8.3.2, §8.2.1, §8.1.1): a stream error PROTOCOL_ERROR each.
	t.Run("h2 invalid pseudo-headers in the response", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			pairs []string
		}{
			{"missing :status", []string{"content-type", "text/plain"}},
			{":path in a response", []string{":status", "200", ":path", "/"}},
			{"uppercase name", []string{":status", "200", "X-Upper", "1"}},
			{"pseudo-header after a regular field", []string{"content-type", "text/plain", ":status", "200"}},
			{"unknown pseudo-header", []string{":status", "200", ":hostile", "1"}},
			{"two :status", []string{":status", "200", ":status", "204"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv, _ := badThenOK(t, func(p *h2Peer, id uint32) error {
					b := appendFieldBlock(nil, id, false, p.block(tc.pairs...))
					return p.write(h2.AppendData(b, id, true, []byte("malformed")))
				})
				p := newH2Pool(pool.Options{})
				defer p.Close()
				r := run(t, p, get(srv.origin), nil)
				wantH2(t, r, streamScope, h2.ErrCodeProtocol)
				checkOriginRecovers(t, p, srv.origin)
				checkHealthy(t, p, healthy)
			})
		}
	})

	t.Run("h2 duplicate differing content-length", func(t *testing.T) {
		srv, _ := badThenOK(t, func(p *h2Peer, id uint32) error {
			b := appendFieldBlock(nil, id, false, p.block(":status", "200", "content-length", "5", "content-length", "6"))
			return p.write(h2.AppendData(b, id, true, []byte("hello")))
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		r := run(t, p, get(srv.origin), nil)
		wantH2(t, r, streamScope, h2.ErrCodeProtocol)
		checkOriginRecovers(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	// RFC 9113 §8.1.1: DATA that does not add up to content-length makes the response malformed.
	t.Run("h2 DATA length not matching content-length", func(t *testing.T) {
		for _, tc := range []struct{ name, cl, data string }{
			{"shorter", "10", "short"},
			{"longer", "5", "longer than five"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv, _ := badThenOK(t, func(p *h2Peer, id uint32) error {
					b := appendFieldBlock(nil, id, false, p.block(":status", "200", "content-length", tc.cl))
					return p.write(h2.AppendData(b, id, true, []byte(tc.data)))
				})
				p := newH2Pool(pool.Options{})
				defer p.Close()
				r := run(t, p, get(srv.origin), nil)
				wantH2(t, r, streamScope, h2.ErrCodeProtocol)
				if string(r.body) == tc.data {
					t.Errorf("the whole mismatched body %q was delivered", r.body)
				}
				checkOriginRecovers(t, p, srv.origin)
				checkHealthy(t, p, healthy)
			})
		}
	})

	// The server answers stream 1 (head and half the body), then sends GOAWAY naming last stream 0, as if
	// it had never seen stream 1, and then finishes the body. The response under way stands; later
	// requests go to a new connection.
	t.Run("h2 GOAWAY with a last stream id below a stream already answered", func(t *testing.T) {
		goAwaySeen := make(chan struct{})
		signal := sync.OnceFunc(func() { close(goAwaySeen) })
		srv := newH2Server(t, func(n int, p *h2Peer) {
			if n > 1 {
				p.serve(func(id uint32) error { return p.respond(id, "new connection") })
				return
			}
			defer signal()
			id, err := p.awaitRequest()
			if err != nil {
				return
			}
			ping := [8]byte{'g', 'o', 'a', 'w', 'a', 'y'}
			out := appendFieldBlock(nil, id, false, p.block(":status", "200", "content-length", "10"))
			out = h2.AppendData(out, id, false, []byte("part1"))
			out = h2.AppendGoAway(out, id-1, h2.ErrCodeNo, []byte("never mind"))
			out = h2.AppendPing(out, false, ping)
			if p.write(out) != nil {
				return
			}
			// The PING's acknowledgement tells that the client has processed the GOAWAY before it.
			for {
				h, payload, err := p.readFrame()
				if err != nil {
					return
				}
				if f, err := h2.ParsePing(h, payload); h.Type == h2.FramePing && err == nil && f.Ack && f.Data == ping {
					break
				}
			}
			signal()
			// Let the caller read on (a client that wrongly failed the stream resets it meanwhile), then
			// finish the body.
			_ = p.nc.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			_, _, _ = p.readFrame()
			_ = p.nc.SetReadDeadline(time.Time{})
			if p.write(h2.AppendData(nil, id, true, []byte("part2"))) != nil {
				return
			}
			p.drain()
		})
		p := newH2Pool(pool.Options{})
		defer p.Close()
		r := run(t, p, get(srv.origin), func() {
			select {
			case <-goAwaySeen:
			case <-time.After(reqTimeout):
				t.Errorf("the client did not acknowledge the PING sent after the GOAWAY within %v", reqTimeout)
			}
		})
		checkNoHang(t, r)
		if r.err != nil || string(r.body) != "part1part2" {
			t.Errorf("the answered request: %s; want it to complete with \"part1part2\"", describe(r))
		}
		later := run(t, p, get(srv.origin), nil)
		if later.err != nil || string(later.body) != "new connection" || srv.accepts.Load() != 2 {
			t.Errorf("a later request: %s, with %d connection(s) accepted; want \"new connection\" on a second one",
				describe(later), srv.accepts.Load())
		}
		checkHealthy(t, p, healthy)
	})

	// The server takes the request head and its first 65,535 bytes of body (its default window), then never
	// sends WINDOW_UPDATE nor an answer, while the client has 1 MiB to upload (CVE-2019-9517's zero-window
	// stall, from the client's side).
	t.Run("h2 server that stops reading the request body", func(t *testing.T) {
		srv := newH2Server(t, func(_ int, p *h2Peer) {
			for {
				if _, _, err := p.readFrame(); err != nil {
					return
				}
			}
		})
		p := newH2Pool(pool.Options{Driver: driver.Options{H2: h2.Config{StallTimeout: 500 * time.Millisecond}}})
		defer p.Close()
		upload := make([]byte, 1<<20)
		req := &pool.Request{Method: "POST", Origin: srv.origin, Target: "/upload",
			Body: bytes.NewReader(upload), ContentLength: int64(len(upload))}
		r := run(t, p, req, nil)
		var re *proto.RemoteError
		switch {
		case errors.As(r.err, &re) && h2.ErrCode(re.Code) == h2.ErrCodeEnhanceYourCalm:
			t.Logf("ended by the stall timer after %v: %v", r.elapsed.Round(time.Millisecond), r.err)
		case errors.Is(r.err, context.DeadlineExceeded):
			t.Logf("ended by the request's deadline after %v: %v", r.elapsed.Round(time.Millisecond), r.err)
		default:
			t.Errorf("got %s; want ENHANCE_YOUR_CALM from the stall timer or context.DeadlineExceeded", describe(r))
		}
		checkHealthy(t, p, healthy)
	})
}
