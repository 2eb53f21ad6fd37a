package h2_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// One test per denial-of-service defence of Limits and Config. Each plays the attack through a raw peer and
// checks that the connection ends with the expected code within a bounded number of attack frames, or, for
// the defences that refuse one stream, that the connection survives with bounded memory. Control tests
// check that honest traffic of the same shape never trips the defence.

// clientRequest opens a stream on the client core with a GET request and takes the frames it queued.
func clientRequest(t testing.TB, p *pairtest.H2Peer, endStream bool) uint32 {
	t.Helper()
	id, err := p.Conn.SendRequest(&proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"),
		Authority: []byte("example.com"), Target: []byte("/")}, endStream)
	if err != nil {
		t.Fatal(err)
	}
	read(t, p)
	return id
}

// TestDefenceRapidReset: Rapid Reset (CVE-2023-44487). A client opens streams and resets each at once; the
// server ends the connection with ENHANCE_YOUR_CALM at the reset after MaxResetStreams. The attack has no
// client-side form: a server cannot open streams on a client (no push), and its resets of our requests cost
// us nothing; resets that a server provokes from a client are TestDefenceMadeYouReset's.
func TestDefenceRapidReset(t *testing.T) {
	for _, tc := range []struct {
		name      string
		limit     int // Limits.MaxResetStreams; 0 for the default
		endStream bool
	}{
		{"HEADERS then RST_STREAM", 10, false},
		{"HEADERS with END_STREAM then RST_STREAM", 10, true},
		{"default limit", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newServer(t, h2.Config{Limits: h2.Limits{MaxResetStreams: tc.limit}})
			limit := tc.limit
			if limit == 0 {
				limit = h2.DefaultLimits.MaxResetStreams
			}
			resets := 0
			var err error
			for id := uint32(1); resets < 10*limit; id += 2 {
				if _, err = p.Send(get(p, id, tc.endStream)); err != nil {
					t.Fatalf("HEADERS on stream %d: %v", id, err)
				}
				resets++
				if _, err = p.Send(h2.AppendRSTStream(nil, id, h2.ErrCodeCancel)); err != nil {
					break
				}
			}
			if resets != limit+1 {
				t.Errorf("the connection ended at reset %d, want %d (MaxResetStreams+1)", resets, limit+1)
			}
			wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
		})
	}

	// Control: streams that complete normally never trip the defence, even when as many others are reset,
	// and the budget they earn back never exceeds MaxResetStreams.
	t.Run("completed streams never trip it", func(t *testing.T) {
		const limit = 10
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxResetStreams: limit}})
		id := uint32(1)
		complete := func() {
			t.Helper()
			evs := send(t, p, get(p, id, true))
			if len(evs) != 2 {
				t.Fatalf("events %q", evs)
			}
			if err := p.Conn.SendResponse(id, proto.NewResponse(204), true); err != nil {
				t.Fatal(err)
			}
			read(t, p)
			id += 2
		}
		for range 2000 {
			complete()
		}
		// One reset for every completed stream: a client that cancels half its requests.
		for range 2000 {
			complete()
			send(t, p, get(p, id, true), h2.AppendRSTStream(nil, id, h2.ErrCodeCancel))
			id += 2
		}
		complete()
		if p.Conn.Err() != nil {
			t.Fatal(p.Conn.Err())
		}
		// The budget is full again, but never more than full.
		resets := 0
		var err error
		for ; resets < 100; id += 2 {
			resets++
			if _, err = p.Send(get(p, id, true), h2.AppendRSTStream(nil, id, h2.ErrCodeCancel)); err != nil {
				break
			}
		}
		if resets != limit+1 {
			t.Errorf("after 4000 completed streams the connection ended at reset %d, want %d", resets, limit+1)
		}
		wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
	})
}

// TestDefenceContinuationFlood: CONTINUATION flood (CVE-2024-27316). A field block that never ends is cut
// off after MaxContinuationFrames with ENHANCE_YOUR_CALM; a block that decodes to more than MaxHeaderBytes
// is never kept whole: the request is answered 431 and the connection goes on.
func TestDefenceContinuationFlood(t *testing.T) {
	flood := func(t *testing.T, p *pairtest.H2Peer, id uint32, limit int, fragment func() []byte) {
		t.Helper()
		conts := 0
		var err error
		for conts < 100*limit {
			conts++
			if _, err = p.Send(h2.AppendContinuation(nil, id, false, fragment())); err != nil {
				break
			}
		}
		if conts != limit+1 {
			t.Errorf("the connection ended at CONTINUATION %d, want %d (MaxContinuationFrames+1)", conts, limit+1)
		}
		wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
	}
	t.Run("server", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, h2.AppendHeaders(nil, 1, true, false, p.Block(":method", "GET", ":scheme", "https",
			":authority", "example.com", ":path", "/")))
		flood(t, p, 1, h2.DefaultLimits.MaxContinuationFrames, func() []byte { return p.Block("x-pad", "a") })
	})
	t.Run("server, 16 KiB fragments", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxContinuationFrames: 8}})
		send(t, p, h2.AppendHeaders(nil, 1, true, false, p.Block(":method", "GET", ":scheme", "https",
			":authority", "example.com", ":path", "/")))
		// Literal fields without indexing: each fragment is a full frame of new bytes to decode.
		frag := bytes.Repeat(append([]byte{0x00, 1, 'x', 100}, bytes.Repeat([]byte{'v'}, 100)...), 16384/105)
		flood(t, p, 1, 8, func() []byte { return frag })
	})
	t.Run("client", func(t *testing.T) {
		p := newClient(t, h2.Config{Limits: h2.Limits{MaxContinuationFrames: 5}})
		id := clientRequest(t, p, true)
		send(t, p, h2.AppendHeaders(nil, id, false, false, p.Block(":status", "200")))
		flood(t, p, id, 5, func() []byte { return p.Block("x-pad", "a") })
	})

	// A block that decodes to far more than MaxHeaderBytes through references to one dynamic table entry:
	// if the core kept the decoded block, it would allocate gigabytes.
	t.Run("oversized block is never buffered whole", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		big := strings.Repeat("b", 4000)
		first := p.Block(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/",
			"x-big", big)
		ref := p.Block("x-big", big) // now one byte: an index into the dynamic table
		if len(ref) != 1 {
			t.Fatalf("the reference to the dynamic table entry is %d bytes", len(ref))
		}
		frags := [][]byte{h2.AppendHeaders(nil, 1, true, false, first)}
		const conts = 30
		for i := range conts {
			frags = append(frags, h2.AppendContinuation(nil, 1, i == conts-1, bytes.Repeat(ref, 16000)))
		}
		decoded := int64(conts) * 16000 * int64(len("x-big")+len(big)+32)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var evs []h2.Event
		for _, f := range frags { // one frame at a time, as from a socket
			more, err := p.Send(f)
			if err != nil {
				t.Fatalf("after events %q: %v", pairtest.DescribeH2Events(evs), err)
			}
			evs = append(evs, more...)
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("decoding a block of %d MB allocated %d bytes; want it bounded by 1 MiB", decoded>>20, alloc)
		}
		diff(t, "events", []string(nil), pairtest.DescribeH2Events(evs))
		frames, err := p.Read()
		if err != nil {
			t.Fatal(err)
		}
		heads := pairtest.FramesOfType(frames, h2.FrameHeaders)
		diff(t, "response heads", []string{"HEADERS 1 END_STREAM END_HEADERS [:status: 431]"},
			pairtest.DescribeH2Frames(heads))
		diff(t, "GOAWAY frames", 0, len(pairtest.FramesOfType(frames, h2.FrameGoAway)))
		// The connection survives, and its HPACK state is still in step with the peer's.
		diff(t, "events of the next request", []string{
			"request 3 GET https://example.com/ [x-big: len=4000] end", "ended 3",
		}, send(t, p, get(p, 3, true, "x-big", big)))
	})

	// A field larger than MaxHeaderBytes cannot be skipped without buffering it whole inside the HPACK
	// decoder, so the core gives up on the connection: COMPRESSION_ERROR, bounded memory.
	t.Run("one field larger than MaxHeaderBytes", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{Limits: proto.Limits{MaxHeaderBytes: 1000}}})
		block := p.Block(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/",
			"sensitive:x-big", strings.Repeat("b", 10000))
		evs, err := p.Send(h2.AppendHeaders(nil, 1, true, false, block[:1000]))
		conts := 0
		for off := 1000; err == nil && off < len(block); off += 1000 {
			conts++
			end := min(off+1000, len(block))
			evs, err = p.Send(h2.AppendContinuation(nil, 1, end == len(block), block[off:end]))
		}
		if err == nil {
			t.Fatalf("no error; events %q", pairtest.DescribeH2Events(evs))
		}
		wantConnError(t, p, err, h2.ErrCodeCompression)
		if conts > 3 {
			t.Errorf("the connection ended at CONTINUATION %d; want it to end by the third", conts)
		}
	})
}

// TestDefenceSettingsFlood: SETTINGS flood (CVE-2019-9515). The peer sends SETTINGS while the driver takes
// none of the acknowledgements: once the queued output exceeds MaxPendingControlBytes the connection ends
// with ENHANCE_YOUR_CALM, and the queue never grew much beyond the limit.
func TestDefenceSettingsFlood(t *testing.T) {
	const ack = h2.FrameHeaderLen // SETTINGS ACK
	for _, role := range []h2.Role{h2.Server, h2.Client} {
		for _, limit := range []int{1000, h2.DefaultLimits.MaxPendingControlBytes} {
			cfg := h2.Config{Limits: h2.Limits{MaxPendingControlBytes: limit}}
			var p *pairtest.H2Peer
			if role == h2.Server {
				p = newServer(t, cfg)
			} else {
				p = newClient(t, cfg)
			}
			frames := 0
			var err error
			for frames < 10*limit {
				frames++
				if _, err = p.Send(h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxConcurrentStreams, Val: 100})); err != nil {
					break
				}
			}
			if bound := limit/ack + 2; frames > bound {
				t.Errorf("%s, limit %d: the connection ended at SETTINGS %d, want at most %d", role, limit, frames, bound)
			}
			if n := len(p.Conn.Pending()); n > limit+ack+200 {
				t.Errorf("%s, limit %d: %d bytes queued", role, limit, n)
			}
			wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
		}
	}

	t.Run("drained after each frame", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxPendingControlBytes: 1000}})
		for i := range 10000 {
			evs := send(t, p, h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxConcurrentStreams, Val: uint32(i)}))
			if len(evs) != 1 {
				t.Fatalf("events %q", evs)
			}
			if got := read(t, p); len(got) != 1 || got[0] != "SETTINGS ACK" {
				t.Fatalf("frames %q", got)
			}
		}
	})
}

// TestDefencePingFlood: PING flood (CVE-2019-9512), like TestDefenceSettingsFlood.
func TestDefencePingFlood(t *testing.T) {
	const ack = h2.FrameHeaderLen + 8 // PING ACK
	for _, role := range []h2.Role{h2.Server, h2.Client} {
		for _, limit := range []int{1000, h2.DefaultLimits.MaxPendingControlBytes} {
			cfg := h2.Config{Limits: h2.Limits{MaxPendingControlBytes: limit}}
			var p *pairtest.H2Peer
			if role == h2.Server {
				p = newServer(t, cfg)
			} else {
				p = newClient(t, cfg)
			}
			frames := 0
			var err error
			for frames < 10*limit {
				frames++
				if _, err = p.Send(h2.AppendPing(nil, false, [8]byte{byte(frames)})); err != nil {
					break
				}
			}
			if bound := limit/ack + 2; frames > bound {
				t.Errorf("%s, limit %d: the connection ended at PING %d, want at most %d", role, limit, frames, bound)
			}
			if n := len(p.Conn.Pending()); n > limit+ack+200 {
				t.Errorf("%s, limit %d: %d bytes queued", role, limit, n)
			}
			wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
		}
	}

	t.Run("10000 PINGs drained after each frame", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxPendingControlBytes: 100}})
		for i := range 10000 {
			data := [8]byte{byte(i >> 8), byte(i)}
			evs := send(t, p, h2.AppendPing(nil, false, data))
			frames := read(t, p)
			if len(evs) != 1 || len(frames) != 1 || !strings.HasPrefix(frames[0], "PING ACK") {
				t.Fatalf("PING %d: events %q, frames %q", i, evs, frames)
			}
		}
	})

	// MaxPendingControlBytes bounds acknowledgements (its doc comment): response DATA that the driver has
	// not written yet is no flood, and a PING arriving meanwhile must not end the connection.
	t.Run("queued DATA is not a flood", func(t *testing.T) {
		p := newServer(t, h2.Config{}, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 1 << 20})
		send(t, p, h2.AppendWindowUpdate(nil, 0, 1<<20), get(p, 1, true))
		if err := p.Conn.SendResponse(1, proto.NewResponse(200), false); err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 100<<10)
		if n, err := p.Conn.SendData(1, body, true); n != len(body) || err != nil {
			t.Fatalf("SendData = %d, %v", n, err)
		}
		evs, err := p.Send(h2.AppendPing(nil, false, [8]byte{1}))
		if err != nil {
			t.Fatalf("one PING with %d bytes of DATA queued: %v (bug: queueControl counts all pending output, "+
				"not the acknowledgements MaxPendingControlBytes is documented to bound)", len(p.Conn.Pending()), err)
		}
		diff(t, "events", []string{"ping 0100000000000000"}, pairtest.DescribeH2Events(evs))
	})
}

// TestDefenceEmptyFrames: empty frames (CVE-2019-9518). DATA frames without content or END_STREAM, and empty
// CONTINUATION frames, cost work and carry nothing: the connection ends with ENHANCE_YOUR_CALM after
// MaxEmptyFrames of them in a row.
func TestDefenceEmptyFrames(t *testing.T) {
	count := func(t *testing.T, p *pairtest.H2Peer, limit int, frame []byte) {
		t.Helper()
		n := 0
		var err error
		for n < 100*limit {
			n++
			if _, err = p.Send(frame); err != nil {
				break
			}
		}
		if n != limit+1 {
			t.Errorf("the connection ended at empty frame %d, want %d (MaxEmptyFrames+1)", n, limit+1)
		}
		wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
	}
	t.Run("server, empty DATA", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, post(p, 1))
		count(t, p, h2.DefaultLimits.MaxEmptyFrames, h2.AppendData(nil, 1, false, nil))
	})
	t.Run("server, empty padded DATA", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxEmptyFrames: 10}})
		send(t, p, post(p, 1))
		count(t, p, 10, h2.AppendDataPadded(nil, 1, false, nil, 0))
	})
	t.Run("client, empty DATA", func(t *testing.T) {
		p := newClient(t, h2.Config{Limits: h2.Limits{MaxEmptyFrames: 10}})
		id := clientRequest(t, p, true)
		send(t, p, p.Headers(id, false, ":status", "200"))
		count(t, p, 10, h2.AppendData(nil, id, false, nil))
	})
	t.Run("server, empty CONTINUATION", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxEmptyFrames: 10, MaxContinuationFrames: 1000}})
		send(t, p, h2.AppendHeaders(nil, 1, true, false, p.Block(":method", "GET", ":scheme", "https",
			":authority", "example.com", ":path", "/")))
		count(t, p, 10, h2.AppendContinuation(nil, 1, false, nil))
	})

	// Control: content between empty frames starts the count again, and an empty DATA with END_STREAM
	// ends a body: neither is abuse.
	t.Run("interleaved with content", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxEmptyFrames: 10}})
		send(t, p, post(p, 1))
		for range 100 {
			for range 10 {
				send(t, p, h2.AppendData(nil, 1, false, nil))
			}
			send(t, p, h2.AppendData(nil, 1, false, []byte("x")))
			p.Conn.Consume(1, 1)
		}
		for id := uint32(3); id < 3+2*100; id += 2 {
			send(t, p, post(p, id), h2.AppendData(nil, id, true, nil))
		}
		if err := p.Conn.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestDefenceZeroWindowStall: zero-window stall (CVE-2019-9517). The peer announces
// SETTINGS_INITIAL_WINDOW_SIZE 0 and never opens a window: the core sends no DATA, and ends the connection
// with ENHANCE_YOUR_CALM StallTimeout after it first had data to send, not before. A window that opens
// in time stops the timer.
func TestDefenceZeroWindowStall(t *testing.T) {
	const stall = 5 * time.Second
	// blocked returns a server whose response data waits on stream 1, with the timer armed at the clock's
	// time, which it returns.
	blocked := func(t *testing.T) (*pairtest.H2Peer, time.Time) {
		t.Helper()
		p := newServer(t, h2.Config{StallTimeout: stall}, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 0})
		send(t, p, get(p, 1, true))
		if _, ok := p.Conn.Deadline(); ok {
			t.Fatal("a timer runs before any data waits")
		}
		if err := p.Conn.SendResponse(1, proto.NewResponse(200), false); err != nil {
			t.Fatal(err)
		}
		n, err := p.Conn.SendData(1, []byte("hello"), true)
		if n != 0 || err != nil {
			t.Fatalf("SendData = %d, %v; want 0, nil", n, err)
		}
		diff(t, "frames", []string{"HEADERS 1 END_HEADERS [:status: 200]"}, read(t, p))
		if at, ok := p.Conn.Deadline(); !ok || !at.IsZero() {
			t.Fatalf("Deadline = %v, %v; want the zero time (call HandleTimeout now)", at, ok)
		}
		start := p.Clock.Now()
		if err := p.Conn.HandleTimeout(start); err != nil {
			t.Fatal(err)
		}
		if at, ok := p.Conn.Deadline(); !ok || !at.Equal(start.Add(stall)) {
			t.Fatalf("Deadline = %v, %v; want %v", at, ok, start.Add(stall))
		}
		return p, start
	}

	t.Run("server", func(t *testing.T) {
		p, start := blocked(t)
		if err := p.Conn.HandleTimeout(start.Add(stall - time.Nanosecond)); err != nil {
			t.Fatalf("HandleTimeout before the deadline: %v", err)
		}
		diff(t, "frames before the deadline", []string(nil), read(t, p))
		err := p.Conn.HandleTimeout(start.Add(stall))
		wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
		frames := read(t, p)
		diff(t, "frames", []string{"GOAWAY last=1 ENHANCE_YOUR_CALM"}, frames)
	})

	t.Run("client", func(t *testing.T) {
		p := newClient(t, h2.Config{StallTimeout: stall}, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 0})
		id, err := p.Conn.SendRequest(&proto.RequestHead{Method: []byte("POST"), Scheme: []byte("https"),
			Authority: []byte("example.com"), Target: []byte("/")}, false)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := p.Conn.SendData(id, []byte("body"), true); n != 0 || err != nil {
			t.Fatalf("SendData = %d, %v; want 0, nil", n, err)
		}
		diff(t, "frames", []string{"HEADERS 1 END_HEADERS [:method: POST, :scheme: https, :path: /, :authority: example.com]"},
			read(t, p))
		start := p.Clock.Now()
		if err := p.Conn.HandleTimeout(start); err != nil {
			t.Fatal(err)
		}
		if err := p.Conn.HandleTimeout(start.Add(stall - 1)); err != nil {
			t.Fatal(err)
		}
		wantConnError(t, p, p.Conn.HandleTimeout(start.Add(stall)), h2.ErrCodeEnhanceYourCalm)
	})

	t.Run("WINDOW_UPDATE before the deadline", func(t *testing.T) {
		p, start := blocked(t)
		diff(t, "events", []string{"window 1 +5"}, send(t, p, h2.AppendWindowUpdate(nil, 1, 5)))
		if at, ok := p.Conn.Deadline(); ok {
			t.Errorf("Deadline = %v after the window opened; want no timer", at)
		}
		if n, err := p.Conn.SendData(1, []byte("hello"), true); n != 5 || err != nil {
			t.Fatalf("SendData = %d, %v", n, err)
		}
		diff(t, "frames", []string{`DATA 1 "hello" END_STREAM`}, read(t, p))
		if err := p.Conn.HandleTimeout(start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	})

	// The timer measures how long data waits for a window. A SETTINGS frame that opens no window is not
	// progress: if it stopped the timer, one empty SETTINGS would switch the defence off for good.
	t.Run("SETTINGS that opens no window", func(t *testing.T) {
		p, start := blocked(t)
		diff(t, "events", []string{"settings"}, send(t, p, h2.AppendSettings(nil)))
		if at, ok := p.Conn.Deadline(); !ok || !at.Equal(start.Add(stall)) {
			t.Errorf("Deadline = %v, %v after an empty SETTINGS; want %v still (bug: onSettings stops the stall "+
				"timer whatever the frame carries)", at, ok, start.Add(stall))
		}
		err := p.Conn.HandleTimeout(start.Add(stall))
		if err == nil {
			t.Fatalf("HandleTimeout at the deadline: no error; data has waited %v for a window", stall)
		}
		wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
	})

	// Once the blocked stream is gone no data waits, and the connection must not be ended for a stall.
	for _, tc := range []struct {
		name  string
		reset func(t *testing.T, p *pairtest.H2Peer)
	}{
		{"peer resets the blocked stream", func(t *testing.T, p *pairtest.H2Peer) {
			diff(t, "events", []string{"reset 1 CANCEL remote"}, send(t, p, h2.AppendRSTStream(nil, 1, h2.ErrCodeCancel)))
		}},
		{"application resets the blocked stream", func(t *testing.T, p *pairtest.H2Peer) {
			if err := p.Conn.Reset(1, h2.ErrCodeCancel); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, start := blocked(t)
			tc.reset(t, p)
			if err := p.Conn.HandleTimeout(start.Add(stall)); err != nil {
				t.Errorf("HandleTimeout after the blocked stream was reset: %v (bug: the stall timer keeps running "+
					"when no data waits any more)", err)
			}
		})
	}
}

// TestDefenceHPACKBomb: HPACK bomb (CVE-2016-6581 and CVE-2019-9516 style). A small field block that
// decodes, through references to a dynamic table entry, to more than MaxHeaderBytes: the stream is refused
// (a server answers 431, a client resets it), memory stays bounded, the connection goes on.
func TestDefenceHPACKBomb(t *testing.T) {
	big := strings.Repeat("b", 4000)
	const refs = 16000 // a 16 KB block that decodes to 64 MB

	t.Run("server", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		// Prime the dynamic table with one 4 KB entry: an honest request.
		diff(t, "events", []string{"request 1 GET https://example.com/ [x-big: len=4000] end", "ended 1"},
			send(t, p, get(p, 1, true, "x-big", big)))
		bomb := p.Block(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/")
		bomb = append(bomb, bytes.Repeat(p.Block("x-big", big), refs)...)
		if len(bomb) > refs+100 {
			t.Fatalf("the bomb is %d bytes", len(bomb))
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		evs, err := p.Send(h2.AppendHeaders(nil, 3, true, true, bomb))
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("a %d-byte block allocated %d bytes; want under 1 MiB", len(bomb), alloc)
		}
		diff(t, "events", []string(nil), pairtest.DescribeH2Events(evs))
		frames, err := p.Read()
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "response heads", []string{"HEADERS 3 END_STREAM END_HEADERS [:status: 431]"},
			pairtest.DescribeH2Frames(pairtest.FramesOfType(frames, h2.FrameHeaders)))
		diff(t, "GOAWAY frames", 0, len(pairtest.FramesOfType(frames, h2.FrameGoAway)))
		diff(t, "events of the next request", []string{"request 5 GET https://example.com/ [] end", "ended 5"},
			send(t, p, get(p, 5, true)))
	})

	t.Run("client", func(t *testing.T) {
		p := newClient(t, h2.Config{})
		id := clientRequest(t, p, true)
		diff(t, "events", []string{"response 1 200 [x-big: len=4000] end", "ended 1"},
			send(t, p, p.Headers(id, true, ":status", "200", "x-big", big)))
		id = clientRequest(t, p, true)
		bomb := append(p.Block(":status", "200"), bytes.Repeat(p.Block("x-big", big), refs)...)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := p.Send(h2.AppendHeaders(nil, id, true, true, bomb))
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("a %d-byte block allocated %d bytes; want under 1 MiB", len(bomb), alloc)
		}
		frames := read(t, p)
		if len(frames) != 1 || !strings.HasPrefix(frames[0], "RST_STREAM 3 ") {
			t.Errorf("frames %q, want a RST_STREAM on stream 3", frames)
		}
		id = clientRequest(t, p, true)
		diff(t, "events of the next response", []string{"response 5 204 [] end", "ended 5"},
			send(t, p, p.Headers(id, true, ":status", "204")))
	})
}

// TestDefenceMadeYouReset: MadeYouReset (CVE-2025-8671). The peer makes the core reset streams with frames
// that are stream errors; each reset spends from the same budget as Rapid Reset, and the connection ends
// with ENHANCE_YOUR_CALM after MaxResetStreams of them.
func TestDefenceMadeYouReset(t *testing.T) {
	const limit = 10
	cfg := h2.Config{Limits: h2.Limits{MaxResetStreams: limit}}
	for _, tc := range []struct {
		name   string
		attack func(p *pairtest.H2Peer, id uint32) [][]byte // frames that make the server reset stream id
		code   h2.ErrCode                                   // of the RST_STREAM provoked
	}{
		{"WINDOW_UPDATE overflowing a stream window", func(p *pairtest.H2Peer, id uint32) [][]byte {
			return [][]byte{get(p, id, true), h2.AppendWindowUpdate(nil, id, h2.MaxWindowSize)}
		}, h2.ErrCodeFlowControl},
		{"DATA on a half-closed stream", func(p *pairtest.H2Peer, id uint32) [][]byte {
			return [][]byte{get(p, id, true), h2.AppendData(nil, id, false, []byte("x"))}
		}, h2.ErrCodeStreamClosed},
		{"WINDOW_UPDATE with increment 0", func(p *pairtest.H2Peer, id uint32) [][]byte {
			return [][]byte{get(p, id, true), h2.AppendWindowUpdate(nil, id, 0)}
		}, h2.ErrCodeProtocol},
		{"DATA beyond content-length", func(p *pairtest.H2Peer, id uint32) [][]byte {
			return [][]byte{post(p, id, "content-length", "1"), h2.AppendData(nil, id, false, []byte("xx"))}
		}, h2.ErrCodeProtocol},
		{"malformed request", func(p *pairtest.H2Peer, id uint32) [][]byte {
			return [][]byte{p.Headers(id, true, ":method", "GET", ":path", "/")}
		}, h2.ErrCodeProtocol},
	} {
		t.Run("server, "+tc.name, func(t *testing.T) {
			p := newServer(t, cfg)
			resets := 0
			var err error
			for id := uint32(1); resets < 100; id += 2 {
				resets++
				if _, err = p.Send(tc.attack(p, id)...); err != nil {
					break
				}
				frames := pairtest.FramesOfType(mustRead(t, p), h2.FrameRSTStream)
				if want := fmt.Sprintf("RST_STREAM %d %s", id, tc.code); len(frames) != 1 || frames[0].String() != want {
					t.Fatalf("stream %d: RST_STREAM frames %q, want one with %s", id, pairtest.DescribeH2Frames(frames), tc.code)
				}
			}
			if resets != limit+1 {
				t.Errorf("the connection ended at provoked reset %d, want %d (MaxResetStreams+1)", resets, limit+1)
			}
			wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
		})
	}

	t.Run("client, WINDOW_UPDATE overflowing a stream window", func(t *testing.T) {
		p := newClient(t, cfg)
		resets := 0
		var err error
		for resets < 100 {
			resets++
			id := clientRequest(t, p, true)
			if _, err = p.Send(h2.AppendWindowUpdate(nil, id, h2.MaxWindowSize)); err != nil {
				break
			}
			diff(t, "frames", []string{fmt.Sprintf("RST_STREAM %d FLOW_CONTROL_ERROR", id)}, read(t, p))
		}
		if resets != limit+1 {
			t.Errorf("the connection ended at provoked reset %d, want %d (MaxResetStreams+1)", resets, limit+1)
		}
		wantConnError(t, p, err, h2.ErrCodeEnhanceYourCalm)
	})
}

// TestStreamIDExhaustion covers the ends of the stream id space (RFC 9113 §5.1.1). What is covered: a server
// accepts the largest id, 2^31-1; a new stream id that is not above the previous ones is a PROTOCOL_ERROR;
// a client refuses new streams once a GOAWAY was received or sent (CanOpenStream false, ErrGoingAway).
// What is not: a client whose own ids run out (ErrStreamIDsExhausted) needs 2^30 streams, far too slow
// to drive through the API; the guard is one comparison in SendRequest and CanOpenStream.
func TestStreamIDExhaustion(t *testing.T) {
	t.Run("server accepts 2^31-1", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		const last = 1<<31 - 1
		diff(t, "events", []string{"request 2147483647 GET https://example.com/ [] end", "ended 2147483647"},
			send(t, p, get(p, last, true)))
		if err := p.Conn.SendResponse(last, proto.NewResponse(204), true); err != nil {
			t.Fatal(err)
		}
		diff(t, "frames", []string{"HEADERS 2147483647 END_STREAM END_HEADERS [:status: 204]"}, read(t, p))
		// Nothing is above it: any new stream now goes backwards.
		recvConnError(t, p, h2.ErrCodeProtocol, get(p, 1, true))
	})
	t.Run("server refuses a new stream id below a previous one", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, get(p, 7, true))
		recvConnError(t, p, h2.ErrCodeProtocol, get(p, 5, true))
	})
	t.Run("client after GOAWAY received", func(t *testing.T) {
		p := newClient(t, h2.Config{})
		clientRequest(t, p, true)
		if !p.Conn.CanOpenStream() {
			t.Fatal("CanOpenStream false before GOAWAY")
		}
		diff(t, "events", []string{`goaway last=1 NO_ERROR ""`}, send(t, p, h2.AppendGoAway(nil, 1, h2.ErrCodeNo, nil)))
		if p.Conn.CanOpenStream() {
			t.Error("CanOpenStream true after GOAWAY")
		}
		_, err := p.Conn.SendRequest(proto.NewRequest("GET", "/"), true)
		if !errors.Is(err, h2.ErrGoingAway) {
			t.Errorf("SendRequest after GOAWAY: %v, want ErrGoingAway", err)
		}
		var le *proto.LocalError
		if !errors.As(err, &le) {
			t.Errorf("SendRequest after GOAWAY: %T, want *proto.LocalError", err)
		}
	})
}

func mustRead(t testing.TB, p *pairtest.H2Peer) []pairtest.H2Frame {
	t.Helper()
	frames, err := p.Read()
	if err != nil {
		t.Fatal(err)
	}
	return frames
}
