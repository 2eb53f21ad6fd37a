package h2_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// Connection fuzz targets: a core in one role fed fuzzed peer bytes, cut in two at a fuzzer-chosen offset,
// with the events read after each piece. Neither may panic; every error is a connection error the peer is
// blamed for, with its GOAWAY queued; events concern only streams the input opened (server) or the one
// request the client sent; every frame the core queues is well formed. Seeds live in
// testdata/fuzz/FuzzH2ServerConn and testdata/fuzz/FuzzH2ClientConn.

// Flags of the fuzz targets' mode byte.
const (
	fzRaw     = 1 << iota // server: no client preface is prepended to the input
	fzRespond             // server: answer each request with a 200 and a body; client: send a body
	fzConsume             // give back every DATA byte received with Consume
)

// FuzzH2ServerConn feeds a server core the client preface (unless fzRaw) and the fuzzed bytes.
func FuzzH2ServerConn(f *testing.F) {
	f.Add([]byte{}, uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, mode byte) {
		in := data
		if mode&fzRaw == 0 {
			in = append([]byte(h2.ClientPreface), data...)
		}
		fz := &fzConn{t: t, c: h2.NewConn(h2.Server, h2.Config{}), mode: mode, streams: map[uint32]*fzStream{},
			opened: fzHeadersIDs(in)}
		fz.run(in, int(cut))
	})
}

// FuzzH2ClientConn feeds a client core that sent one request an empty SETTINGS frame and the fuzzed bytes.
func FuzzH2ClientConn(f *testing.F) {
	f.Add([]byte{}, uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, mode byte) {
		c := h2.NewConn(h2.Client, h2.Config{})
		req := &proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"), Authority: []byte("example.com"),
			Target: []byte("/"), Fields: proto.Fields{{Name: []byte("accept"), Value: []byte("*/*")}}}
		body := mode&fzRespond != 0
		if body {
			req.Method = []byte("POST")
		}
		id, err := c.SendRequest(req, !body)
		if err != nil {
			t.Fatal(err)
		}
		if body {
			if _, err := c.SendData(id, []byte("request body"), false); err != nil {
				t.Fatal(err)
			}
		}
		c.Advance(len(c.Pending()))
		fz := &fzConn{t: t, c: c, mode: mode, streams: map[uint32]*fzStream{id: {told: true, sentEnd: !body}},
			opened: map[uint32]bool{id: true}}
		fz.run(append(h2.AppendSettings(nil), data...), int(cut))
	})
}

type fzStream struct {
	told     bool // the application heard of the stream (a request, or a response on the client's stream)
	final    bool // client: the final response arrived
	ended    bool // StreamEnded
	sentEnd  bool // we ended our side
	reset    bool // StreamReset
	endsNext bool // the last event had EndStream: StreamEnded comes next
}

type fzConn struct {
	t       *testing.T
	c       *h2.Conn
	mode    byte
	streams map[uint32]*fzStream
	opened  map[uint32]bool // server: streams with a HEADERS frame in the input
	err     error
}

// fzHeadersIDs returns the streams a HEADERS frame in the input names, walking frames the way the framing
// layer does (after the preface, if it is there).
func fzHeadersIDs(in []byte) map[uint32]bool {
	ids := map[uint32]bool{}
	b := bytes.TrimPrefix(in, []byte(h2.ClientPreface))
	for {
		h, _, n, err := h2.NextFrame(b, h2.MaxFrameSizeLimit)
		if err != nil || n == 0 {
			return ids
		}
		if h.Type == h2.FrameHeaders {
			ids[h.StreamID] = true
		}
		b = b[n:]
	}
}

func (fz *fzConn) run(in []byte, cut int) {
	cut %= len(in) + 1
	for _, piece := range [][]byte{in[:cut], in[cut:]} {
		if fz.err != nil {
			break
		}
		if err := fz.c.Receive(piece); err != nil {
			fz.t.Fatalf("Receive failed without an earlier error: %v", err)
		}
		fz.read()
	}
	if fz.err == nil && fz.c.Err() != nil {
		fz.t.Fatalf("Err() = %v, but NextEvent returned no error", fz.c.Err())
	}
}

// read takes every event the core has, then checks what it queued.
func (fz *fzConn) read() {
	for {
		ev, err := fz.c.NextEvent()
		if err != nil {
			fz.failed(err)
			return
		}
		if ev == nil {
			break
		}
		fz.event(ev)
	}
	fz.output(nil)
	// Every stream the application knows stays open in the core until the application has seen it end
	// both ways or be reset: a stream the core drops silently leaves the application waiting forever.
	open := 0
	for _, s := range fz.streams {
		if s.told && !s.reset && !(s.ended && s.sentEnd) {
			open++
		}
	}
	if got := fz.c.OpenStreams(); got != open {
		fz.t.Fatalf("OpenStreams() = %d; the application has %d streams open and heard of no other end", got, open)
	}
}

func (fz *fzConn) event(ev h2.Event) {
	t, c := fz.t, fz.c
	var id uint32
	switch e := ev.(type) {
	case *h2.HeadersReceived:
		id = e.StreamID
	case *h2.DataReceived:
		id = e.StreamID
	case *h2.StreamEnded:
		id = e.StreamID
	case *h2.StreamReset:
		id = e.StreamID
	case *h2.WindowUpdated:
		id = e.StreamID
	}
	if id == 0 {
		if _, ok := ev.(*h2.HeadersReceived); ok {
			t.Fatalf("HeadersReceived on stream 0")
		}
		return
	}
	s := fz.streams[id]
	if s == nil && c.Role() == h2.Server && fz.opened[id] {
		s = &fzStream{}
		fz.streams[id] = s
	}
	if s == nil {
		t.Fatalf("%T %+v on stream %d, which the input never opened", ev, ev, id)
	}
	if s.reset || s.ended && s.sentEnd {
		t.Fatalf("%T %+v on stream %d, which was reset or closed", ev, ev, id)
	}
	if _, ended := ev.(*h2.StreamEnded); s.endsNext && !ended {
		t.Fatalf("%T %+v on stream %d; want the StreamEnded that EndStream announced", ev, ev, id)
	}
	s.endsNext = false
	if _, ok := ev.(*h2.HeadersReceived); !ok && !s.told && c.Role() == h2.Server {
		t.Fatalf("%T %+v on stream %d before its request", ev, ev, id)
	}
	switch e := ev.(type) {
	case *h2.HeadersReceived:
		switch {
		case s.ended:
			t.Fatalf("HeadersReceived %+v on stream %d after StreamEnded", e, id)
		case e.Kind == h2.KindRequest && (c.Role() != h2.Server || s.told || id%2 == 0):
			t.Fatalf("request on stream %d (told %v) in the %v role", id, s.told, c.Role())
		case (e.Kind == h2.KindResponse || e.Kind == h2.KindInformational) && (c.Role() != h2.Client || s.final):
			t.Fatalf("response kind %d on stream %d (final %v) in the %v role", e.Kind, id, s.final, c.Role())
		case e.Kind == h2.KindTrailers && (!e.EndStream || c.Role() == h2.Client && !s.final || !s.told):
			t.Fatalf("trailers %+v on stream %d out of place", e, id)
		case e.Kind > h2.KindTrailers:
			t.Fatalf("HeadersReceived kind %d", e.Kind)
		case e.Kind == h2.KindInformational && (e.Response.Status < 100 || e.Response.Status > 199 || e.EndStream):
			t.Fatalf("informational response %+v", e.Response)
		case e.Kind == h2.KindResponse && (e.Response.Status < 200 || e.Response.Status > 599):
			t.Fatalf("final response %+v", e.Response)
		}
		s.told = true
		s.final = s.final || e.Kind == h2.KindResponse
		s.endsNext = e.EndStream
		if e.Kind == h2.KindRequest && fz.mode&fzRespond != 0 {
			fz.sent(c.SendResponse(id, proto.NewResponse(200, "content-type", "text/plain"), false))
			body := []byte("hello, world\n")
			n, err := c.SendData(id, body, true)
			fz.sent(err)
			s.sentEnd = err == nil && n == len(body)
		}
	case *h2.DataReceived:
		if s.ended || len(e.Data) == 0 || c.Role() == h2.Client && !s.final {
			t.Fatalf("DataReceived %d bytes on stream %d (ended %v, final %v)", len(e.Data), id, s.ended, s.final)
		}
		s.endsNext = e.EndStream
		if fz.mode&fzConsume != 0 {
			c.Consume(id, len(e.Data))
		}
	case *h2.StreamEnded:
		if s.ended || c.Role() == h2.Client && !s.final {
			t.Fatalf("StreamEnded on stream %d (ended %v, final %v)", id, s.ended, s.final)
		}
		s.ended = true
	case *h2.StreamReset:
		s.reset = true
	case *h2.WindowUpdated:
		if c.Role() == h2.Client && fz.mode&fzRespond != 0 && !s.ended {
			_, err := c.SendData(id, []byte("more"), false)
			fz.sent(err)
		}
	}
}

// sent checks the error of a Send call: nil, a LocalError, or the sticky error.
func (fz *fzConn) sent(err error) {
	var le *proto.LocalError
	if err != nil && !errors.As(err, &le) && err != fz.c.Err() {
		fz.t.Fatalf("a Send call failed with %v", err)
	}
}

// failed checks a connection error: a *proto.RemoteError with a code and no stream, sticky, with GOAWAY
// carrying its code at the end of Pending.
func (fz *fzConn) failed(err error) {
	t := fz.t
	fz.err = err
	var re *proto.RemoteError
	if !errors.As(err, &re) || re != err {
		t.Fatalf("NextEvent error %T %v; want a *proto.RemoteError", err, err)
	}
	if re.StreamID != 0 {
		t.Fatalf("NextEvent returned a stream error: %v (code %v)", re, h2.ErrCode(re.Code))
	}
	if re.Code == uint32(h2.ErrCodeNo) {
		t.Fatalf("connection error with NO_ERROR: %v", re)
	}
	var last *h2.GoAwayFrame
	fz.output(func(f h2.GoAwayFrame) { last = &f })
	if last == nil || last.Code != h2.ErrCode(re.Code) {
		t.Fatalf("after %v (code %v), Pending ends with GOAWAY %+v; want the same code", re, h2.ErrCode(re.Code), last)
	}
	if _, err2 := fz.c.NextEvent(); err2 != err {
		t.Fatalf("NextEvent after the error returned %v; want %v again", err2, err)
	}
	if err2 := fz.c.Receive([]byte{0}); err2 != err {
		t.Fatalf("Receive after the error returned %v; want %v", err2, err)
	}
	if err2 := fz.c.Ping([8]byte{}); err2 != err {
		t.Fatalf("Ping after the error returned %v; want %v", err2, err)
	}
	if len(fz.c.Pending()) != 0 {
		t.Fatalf("calls after the error queued %d bytes", len(fz.c.Pending()))
	}
}

// output checks that every frame queued is whole and well formed, calls goAway with the last frame if it is a
// GOAWAY (the last frame is never reported otherwise), and takes it all as sent.
func (fz *fzConn) output(goAway func(h2.GoAwayFrame)) {
	t := fz.t
	b := fz.c.Pending()
	fz.c.Advance(len(b))
	var lastGoAway *h2.GoAwayFrame
	for len(b) > 0 {
		lastGoAway = nil
		h, p, n, err := h2.NextFrame(b, h2.MaxFrameSizeLimit)
		if err != nil || n == 0 {
			t.Fatalf("the core queued a partial frame: %x (%v)", b, err)
		}
		b = b[n:]
		if h.Length > fz.c.PeerSettings().MaxFrameSize {
			t.Fatalf("queued %v frame of %d bytes; the peer's SETTINGS_MAX_FRAME_SIZE is %d", h.Type, h.Length,
				fz.c.PeerSettings().MaxFrameSize)
		}
		switch h.Type {
		case h2.FrameData:
			_, err = h2.ParseData(h, p)
		case h2.FrameHeaders:
			_, err = h2.ParseHeaders(h, p)
		case h2.FrameContinuation:
			_, err = h2.ParseContinuation(h, p)
		case h2.FrameRSTStream:
			_, err = h2.ParseRSTStream(h, p)
		case h2.FrameSettings:
			_, err = h2.ParseSettings(h, p)
		case h2.FramePing:
			_, err = h2.ParsePing(h, p)
		case h2.FrameWindowUpdate:
			_, err = h2.ParseWindowUpdate(h, p)
		case h2.FrameGoAway:
			var f h2.GoAwayFrame
			f, err = h2.ParseGoAway(h, p)
			lastGoAway = &f
		default:
			t.Fatalf("the core queued a %v frame", h.Type)
		}
		if err != nil {
			t.Fatalf("the core queued a malformed %v frame: %v", h.Type, err)
		}
	}
	if goAway != nil && lastGoAway != nil {
		goAway(*lastGoAway)
	}
}
