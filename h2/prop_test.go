package h2_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
	"pgregory.net/rapid"
)

// TestPropStreamsInterleaved drives a client core and a server core, connected through pairtest, with a random
// sequence of application actions (open streams, send DATA, trailers, 1xx and final responses, Consume,
// Reset, PING) and transfers cut at random offsets, reading events after every piece. A model of both
// applications checks, after every step:
//
//   - neither side fails;
//   - every event concerns a stream its application opened or was told about, and none arrives after the
//     stream ended or was reset there;
//   - heads, bodies and trailers arrive exactly as sent, per stream, in order; resets carry the sender's code;
//   - a wire monitor that parses every byte each side sends finds no DATA beyond what the receiver's initial
//     window plus the WINDOW_UPDATEs delivered so far allow (per stream and per connection), no frame above
//     the peer's SETTINGS_MAX_FRAME_SIZE, and no RST_STREAM the application did not ask for other than
//     REFUSED_STREAM for a stream the server never surfaced;
//   - SendWindow equals what the monitor computes, and OpenStreams what the model counts.
//
// At the end both applications finish every stream and consume everything; then no stream is open, every
// PING is acknowledged, and a fresh stream sees the full initial stream window and a connection window short of
// full only by what the receiver holds back until half a window is owed (Conn.Consume batches WINDOW_UPDATEs).
//
// Each check runs up to propMaxSteps actions; -rapid.checks=2000 searches deeper.
func TestPropStreamsInterleaved(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newPropModel(t)
		actions := map[string]func(*rapid.T){
			"open":             m.open,
			"clientData":       func(t *rapid.T) { m.sendData(t, h2.Client) },
			"clientTrailers":   func(t *rapid.T) { m.sendTrailers(t, h2.Client) },
			"serverRespond":    m.respond,
			"serverData":       func(t *rapid.T) { m.sendData(t, h2.Server) },
			"serverTrailers":   func(t *rapid.T) { m.sendTrailers(t, h2.Server) },
			"consume":          m.consume,
			"reset":            m.reset,
			"ping":             m.ping,
			"transferToServer": func(t *rapid.T) { m.transfer(t, h2.Client) },
			"transferToClient": func(t *rapid.T) { m.transfer(t, h2.Server) },
		}
		names := slices.Sorted(maps.Keys(actions))
		// Like t.Repeat, but with a number of steps drawn up to propMaxSteps, so that long sequences are
		// common; an action that finds nothing to act on does not count.
		steps := rapid.IntRange(1, propMaxSteps).Draw(t, "steps")
		for done, tries := 0, 0; done < steps && tries < 10*steps; tries++ {
			if propRun(t, actions[rapid.SampledFrom(names).Draw(t, "action")]) {
				done++
				m.check(t)
			}
		}
		m.settle(t)
	})
}

// propMaxSteps bounds the actions of one check; the test runs in a few seconds under -race.
const propMaxSteps = 120

// propSkip is what an action panics with when it finds nothing to act on.
type propSkip struct{}

// propRun runs action and reports whether it acted.
func propRun(t *rapid.T, action func(*rapid.T)) (acted bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(propSkip); !ok {
				panic(r)
			}
			acted = false
		}
	}()
	action(t)
	return true
}

type propItemKind uint8

const (
	propHead propItemKind = iota
	propData
	propTrailers
	propEnd
	propReset
)

// propItem is something one application sent on a stream that the other must see, in order.
type propItem struct {
	kind   propItemKind
	req    *proto.RequestHead
	resp   *proto.ResponseHead
	fields proto.Fields
	data   []byte
	code   h2.ErrCode
}

// propStream is one stream as one side's application sees it.
type propStream struct {
	known      bool       // the application opened it or was told about it
	inbox      []propItem // what the peer sent that this side has not seen yet
	sentEnd    bool       // this side ended its half
	recvEnd    bool       // StreamEnded arrived
	reset      bool       // reset by this side's application, reported reset, or refused
	sentFinal  bool       // server: the final response head went
	gotFinal   bool       // client: the final response head arrived
	bodySent   int        // DATA bytes this side sent
	unconsumed int        // DATA bytes received and not given back with Consume
}

func (s *propStream) dead() bool { return s.reset || s.sentEnd && s.recvEnd }

// endSent records that this side ended its half. If the peer's half had ended too, the stream is closed and
// the core drops a reset from the peer that crosses our END_STREAM.
func (s *propStream) endSent() {
	if s.sentEnd = true; s.dead() {
		s.inbox = nil
	}
}

// propSide is one application and a monitor of the bytes its core sends.
type propSide struct {
	role    h2.Role
	c       *h2.Conn
	cfg     h2.Config
	streams map[uint32]*propStream

	pings                 [][8]byte // sent, not acknowledged yet
	pingLog               [][8]byte // every PING sent
	pingsRecv             int
	settingsRecv, settAck int
	expectRST             map[uint32]h2.ErrCode // RST_STREAM the application asked for, not yet seen on the wire

	// The monitor: what this side sent, and what the peer told it (delivered frames only).
	prefaceScanned, prefaceDelivered bool
	scanned                          int // bytes of Pending already scanned
	dataSent                         map[uint32]int64
	connSent                         int64
	wuRecv                           map[uint32]int64
	connWU                           int64
	initWin                          int64  // the peer's SETTINGS_INITIAL_WINDOW_SIZE as this side knows it
	maxFrame                         uint32 // the peer's SETTINGS_MAX_FRAME_SIZE as this side knows it
}

type propModel struct {
	side [2]*propSide
}

func propDrawConfig(t *rapid.T, label string) h2.Config {
	return h2.Config{
		StreamWindow: uint32(rapid.IntRange(65535, 200000).Draw(t, label+" StreamWindow")),
		ConnWindow:   uint32(rapid.IntRange(65535, 300000).Draw(t, label+" ConnWindow")),
		MaxFrameSize: uint32(rapid.IntRange(16384, 65536).Draw(t, label+" MaxFrameSize")),
	}
}

func newPropModel(t *rapid.T) *propModel {
	ccfg := propDrawConfig(t, "client")
	scfg := propDrawConfig(t, "server")
	scfg.MaxConcurrentStreams = rapid.SampledFrom([]uint32{1, 2, 4, 100}).Draw(t, "server MaxConcurrentStreams")
	p := pairtest.NewH2(ccfg, scfg)
	m := &propModel{}
	for r, cfg := range map[h2.Role]h2.Config{h2.Client: ccfg, h2.Server: scfg} {
		m.side[r] = &propSide{
			role: r, c: p.Client, cfg: cfg, streams: map[uint32]*propStream{}, expectRST: map[uint32]h2.ErrCode{},
			dataSent: map[uint32]int64{}, wuRecv: map[uint32]int64{}, initWin: 65535, maxFrame: h2.DefaultMaxFrameSize,
		}
		if r == h2.Server {
			m.side[r].c = p.Server
		}
	}
	return m
}

func (m *propModel) peer(r h2.Role) *propSide { return m.side[1-r] }

// push queues item for the application of role to on stream id, unless that side no longer listens.
func (m *propModel) push(to h2.Role, id uint32, item propItem) {
	side := m.side[to]
	s := side.streams[id]
	if s == nil {
		s = &propStream{}
		side.streams[id] = s
	}
	if s.dead() {
		return // the receiver reset or closed the stream: its core drops whatever else comes
	}
	if n := len(s.inbox); item.kind == propData && n > 0 && s.inbox[n-1].kind == propData {
		s.inbox[n-1].data = append(s.inbox[n-1].data, item.data...)
		return
	}
	s.inbox = append(s.inbox, item)
}

// pick draws one of side's streams that satisfies ok, or skips the action.
func (m *propModel) pick(t *rapid.T, side *propSide, ok func(*propStream) bool) (uint32, *propStream) {
	var ids []uint32
	for id, s := range side.streams {
		if s.known && ok(s) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		panic(propSkip{}) // no stream to act on
	}
	slices.Sort(ids)
	id := rapid.SampledFrom(ids).Draw(t, "stream")
	return id, side.streams[id]
}

// Generators.

var (
	propNames   = []string{"accept", "user-agent", "cookie", "authorization", "cache-control", "x-a", "etag"}
	propMethods = []string{"GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}
)

// propDrawFields draws regular fields; with big, one of them may be large enough to need CONTINUATION frames.
func propDrawFields(t *rapid.T, label string, big bool) proto.Fields {
	var fs proto.Fields
	n := rapid.IntRange(0, 4).Draw(t, label+" fields")
	for range n {
		name := rapid.OneOf(rapid.SampledFrom(propNames), rapid.StringMatching(`x-[a-z0-9-]{1,10}`)).Draw(t, label+" name")
		value := rapid.StringMatching(`([!-~]([ \t!-~]{0,30}[!-~])?)?`).Draw(t, label+" value")
		if big && rapid.IntRange(0, 15).Draw(t, label+" big") == 0 {
			value = strings.Repeat("v", rapid.IntRange(16000, 20000).Draw(t, label+" big size"))
			big = false
		}
		fs.Add(name, value)
	}
	return fs
}

func propDrawRequest(t *rapid.T) *proto.RequestHead {
	return &proto.RequestHead{
		Method:    []byte(rapid.SampledFrom(propMethods).Draw(t, "method")),
		Scheme:    []byte(rapid.SampledFrom([]string{"https", "http"}).Draw(t, "scheme")),
		Authority: []byte(rapid.SampledFrom([]string{"example.com", "a:8080", "[::1]:443"}).Draw(t, "authority")),
		Target:    []byte("/" + rapid.StringMatching(`[a-z0-9/._~?=&%-]{0,20}`).Draw(t, "path")),
		Fields:    propDrawFields(t, "request", true),
	}
}

var propCodes = []h2.ErrCode{h2.ErrCodeNo, h2.ErrCodeProtocol, h2.ErrCodeInternal, h2.ErrCodeRefusedStream,
	h2.ErrCodeCancel, h2.ErrCodeEnhanceYourCalm, 0x7777}

// propBody returns n bytes of the body of stream id starting at off: a pattern unique enough per stream and
// offset that mixed or reordered data shows.
func propBody(id uint32, off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		k := off + i
		b[i] = byte(k*131+int(id)*17) ^ byte(k>>8)
	}
	return b
}

// Actions.

func (m *propModel) open(t *rapid.T) {
	side := m.side[h2.Client]
	alive := 0
	for _, s := range side.streams {
		if !s.dead() {
			alive++
		}
	}
	if alive >= 8 || !side.c.CanOpenStream() {
		panic(propSkip{})
	}
	req := propDrawRequest(t)
	end := rapid.Bool().Draw(t, "end")
	id, err := side.c.SendRequest(req, end)
	if err != nil {
		t.Fatalf("SendRequest: %v", err)
	}
	if side.streams[id] != nil {
		t.Fatalf("SendRequest returned stream %d again", id)
	}
	side.streams[id] = &propStream{known: true, sentEnd: end}
	m.push(h2.Server, id, propItem{kind: propHead, req: req.Clone()})
	if end {
		m.push(h2.Server, id, propItem{kind: propEnd})
	}
}

func (m *propModel) sendData(t *rapid.T, role h2.Role) {
	side := m.side[role]
	id, s := m.pick(t, side, func(s *propStream) bool {
		return !s.dead() && !s.sentEnd && (role == h2.Client || s.sentFinal)
	})
	n := rapid.OneOf(rapid.IntRange(0, 100), rapid.IntRange(0, 70000)).Draw(t, "size")
	end := rapid.Bool().Draw(t, "end")
	body := propBody(id, s.bodySent, n)
	window := side.c.SendWindow(id)
	sent, err := side.c.SendData(id, body, end)
	if err != nil {
		t.Fatalf("%v SendData(%d, %d bytes): %v", role, id, n, err)
	}
	if want := min(n, window); sent != want {
		t.Fatalf("%v SendData(%d, %d bytes) with SendWindow %d sent %d, want %d", role, id, n, window, sent, want)
	}
	s.bodySent += sent
	if sent > 0 {
		m.push(1-role, id, propItem{kind: propData, data: body[:sent]})
	}
	if end && sent == n {
		s.endSent()
		m.push(1-role, id, propItem{kind: propEnd})
	}
}

func (m *propModel) sendTrailers(t *rapid.T, role h2.Role) {
	side := m.side[role]
	id, s := m.pick(t, side, func(s *propStream) bool {
		return !s.dead() && !s.sentEnd && (role == h2.Client || s.sentFinal)
	})
	tr := propDrawFields(t, "trailers", false)
	if err := side.c.SendTrailers(id, tr); err != nil {
		t.Fatalf("%v SendTrailers(%d): %v", role, id, err)
	}
	s.endSent()
	m.push(1-role, id, propItem{kind: propTrailers, fields: tr.Clone()})
	m.push(1-role, id, propItem{kind: propEnd})
}

func (m *propModel) respond(t *rapid.T) {
	side := m.side[h2.Server]
	id, s := m.pick(t, side, func(s *propStream) bool { return !s.dead() && !s.sentFinal })
	status := rapid.SampledFrom([]int{100, 102, 103, 200, 201, 204, 304, 404, 500}).Draw(t, "status")
	end := status == 204 || status == 304 || status >= 200 && rapid.Bool().Draw(t, "end")
	resp := &proto.ResponseHead{Status: status, Fields: propDrawFields(t, "response", true)}
	if err := side.c.SendResponse(id, resp, end); err != nil {
		t.Fatalf("SendResponse(%d, %d): %v", id, status, err)
	}
	s.sentFinal = status >= 200
	if end {
		s.endSent()
	}
	m.push(h2.Client, id, propItem{kind: propHead, resp: resp.Clone()})
	if end {
		m.push(h2.Client, id, propItem{kind: propEnd})
	}
}

func (m *propModel) consume(t *rapid.T) {
	side := m.side[rapid.SampledFrom([]h2.Role{h2.Client, h2.Server}).Draw(t, "side")]
	id, s := m.pick(t, side, func(s *propStream) bool { return s.unconsumed > 0 })
	n := rapid.IntRange(1, s.unconsumed).Draw(t, "consume")
	side.c.Consume(id, n)
	s.unconsumed -= n
}

func (m *propModel) reset(t *rapid.T) {
	role := rapid.SampledFrom([]h2.Role{h2.Client, h2.Server}).Draw(t, "side")
	side := m.side[role]
	id, s := m.pick(t, side, func(s *propStream) bool { return !s.dead() })
	code := rapid.SampledFrom(propCodes).Draw(t, "code")
	if err := side.c.Reset(id, code); err != nil {
		t.Fatalf("%v Reset(%d): %v", role, id, err)
	}
	s.reset, s.inbox = true, nil
	side.expectRST[id] = code
	m.push(1-role, id, propItem{kind: propReset, code: code})
}

func (m *propModel) ping(t *rapid.T) {
	side := m.side[rapid.SampledFrom([]h2.Role{h2.Client, h2.Server}).Draw(t, "side")]
	var data [8]byte
	binary.BigEndian.PutUint64(data[:], rapid.Uint64().Draw(t, "ping"))
	if err := side.c.Ping(data); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	side.pings = append(side.pings, data)
	side.pingLog = append(side.pingLog, data)
}

// transfer moves everything from has pending to the other side, cut at random offsets, and reads the
// receiver's events after every piece.
func (m *propModel) transfer(t *rapid.T, from h2.Role) {
	src, dst := m.side[from], m.peer(from)
	m.scan(t, src)
	out := src.c.Pending()
	if len(out) == 0 {
		return
	}
	data := append([]byte(nil), out...)
	src.c.Advance(len(out))
	src.scanned = 0
	m.deliver(t, src, dst, data)
	var pieces [][]byte
	switch mode := rapid.IntRange(0, 2).Draw(t, "split"); {
	case mode == 1 && len(data) <= 512:
		pieces = pairtest.Bytewise(data)
	case mode >= 1:
		offs := make([]int, rapid.IntRange(1, 6).Draw(t, "cuts"))
		for i := range offs {
			offs[i] = rapid.IntRange(0, len(data)).Draw(t, "cut")
		}
		slices.Sort(offs)
		pieces = pairtest.SplitAt(data, offs...)
	default:
		pieces = [][]byte{data}
	}
	for _, piece := range pieces {
		if err := dst.c.Receive(piece); err != nil {
			t.Fatalf("%v Receive: %v", dst.role, err)
		}
		m.drain(t, dst)
	}
}

func (m *propModel) drain(t *rapid.T, side *propSide) {
	for {
		ev, err := side.c.NextEvent()
		if err != nil {
			t.Fatalf("%v NextEvent: %v", side.role, err)
		}
		if ev == nil {
			return
		}
		m.handle(t, side, ev)
	}
}

// handle checks one event against what the peer's application sent.
func (m *propModel) handle(t *rapid.T, side *propSide, ev h2.Event) {
	peer := m.peer(side.role)
	// stream returns the live stream an event concerns, failing if the application may not hear of it.
	stream := func(id uint32, intro bool) *propStream {
		s := side.streams[id]
		switch {
		case s == nil:
			t.Fatalf("%v: %T for stream %d, which nobody opened", side.role, ev, id)
		case !s.known && !intro:
			t.Fatalf("%v: %T for stream %d, which the application was never told about", side.role, ev, id)
		case s.dead():
			t.Fatalf("%v: %T for stream %d, which already ended or was reset here", side.role, ev, id)
		}
		return s
	}
	front := func(s *propStream, id uint32, kind propItemKind) *propItem {
		if len(s.inbox) == 0 || s.inbox[0].kind != kind {
			t.Fatalf("%v: %T on stream %d, but the peer sent %s next", side.role, ev, id, propNext(s))
		}
		return &s.inbox[0]
	}
	switch e := ev.(type) {
	case *h2.SettingsReceived:
		side.settingsRecv++
	case *h2.SettingsAcked:
		side.settAck++
	case *h2.PingReceived:
		if side.pingsRecv >= len(peer.pingLog) || peer.pingLog[side.pingsRecv] != e.Data {
			t.Fatalf("%v: PingReceived %x, peer sent %x", side.role, e.Data, peer.pingLog)
		}
		side.pingsRecv++
	case *h2.PingAcked:
		if len(side.pings) == 0 || side.pings[0] != e.Data {
			t.Fatalf("%v: PingAcked %x, outstanding %x", side.role, e.Data, side.pings)
		}
		side.pings = side.pings[1:]
	case *h2.WindowUpdated:
		if e.StreamID != 0 {
			stream(e.StreamID, false)
		}
	case *h2.HeadersReceived:
		s := stream(e.StreamID, e.Kind == h2.KindRequest && side.role == h2.Server)
		switch e.Kind {
		case h2.KindRequest:
			if s.known {
				t.Fatalf("server: a second request head on stream %d", e.StreamID)
			}
			s.known = true
			want := front(s, e.StreamID, propHead).req
			if want == nil || propReqString(&e.Request) != propReqString(want) {
				t.Fatalf("server: stream %d request\n got %s\nwant %s", e.StreamID, propReqString(&e.Request), propNext(s))
			}
		case h2.KindInformational, h2.KindResponse:
			want := front(s, e.StreamID, propHead).resp
			if side.role != h2.Client || want == nil || s.gotFinal ||
				propRespString(&e.Response) != propRespString(want) || (e.Kind == h2.KindResponse) != (want.Status >= 200) {
				t.Fatalf("%v: stream %d response kind %d\n got %s\nwant %s", side.role, e.StreamID, e.Kind,
					propRespString(&e.Response), propNext(s))
			}
			s.gotFinal = e.Kind == h2.KindResponse
		case h2.KindTrailers:
			want := front(s, e.StreamID, propTrailers).fields
			if propFieldsString(e.Trailers) != propFieldsString(want) || !e.EndStream {
				t.Fatalf("%v: stream %d trailers (end %v)\n got %s\nwant %s", side.role, e.StreamID, e.EndStream,
					propFieldsString(e.Trailers), propFieldsString(want))
			}
		default:
			t.Fatalf("%v: HeadersReceived kind %d", side.role, e.Kind)
		}
		s.inbox = s.inbox[1:]
		if e.EndStream {
			front(s, e.StreamID, propEnd)
		}
	case *h2.DataReceived:
		s := stream(e.StreamID, false)
		item := front(s, e.StreamID, propData)
		if len(e.Data) == 0 || !bytes.HasPrefix(item.data, e.Data) {
			t.Fatalf("%v: stream %d: %d bytes of DATA that are not the next %d bytes sent", side.role, e.StreamID,
				len(e.Data), len(item.data))
		}
		if item.data = item.data[len(e.Data):]; len(item.data) == 0 {
			s.inbox = s.inbox[1:]
		}
		s.unconsumed += len(e.Data)
		if e.EndStream {
			front(s, e.StreamID, propEnd)
		}
	case *h2.StreamEnded:
		s := stream(e.StreamID, false)
		front(s, e.StreamID, propEnd)
		s.inbox = s.inbox[1:]
		s.recvEnd = true
		if s.dead() {
			s.inbox = nil // the core drops a reset crossing our END_STREAM
		}
	case *h2.StreamReset:
		s := stream(e.StreamID, false)
		if !e.Remote {
			t.Fatalf("%v: the core reset stream %d with %v, though the peer is a conforming core", side.role,
				e.StreamID, e.Code)
		}
		if item := front(s, e.StreamID, propReset); item.code != e.Code {
			t.Fatalf("%v: stream %d reset with %v, peer sent %v", side.role, e.StreamID, e.Code, item.code)
		}
		s.reset, s.inbox = true, nil
	default:
		t.Fatalf("%v: unexpected event %T %+v", side.role, ev, ev)
	}
}

func propNext(s *propStream) string {
	if len(s.inbox) == 0 {
		return "nothing"
	}
	it := s.inbox[0]
	switch it.kind {
	case propHead:
		if it.req != nil {
			return "request " + propReqString(it.req)
		}
		return "response " + propRespString(it.resp)
	case propData:
		return fmt.Sprintf("%d bytes of DATA", len(it.data))
	case propTrailers:
		return "trailers " + propFieldsString(it.fields)
	case propEnd:
		return "END_STREAM"
	}
	return "RST_STREAM " + it.code.String()
}

func propFieldsString(fs proto.Fields) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "[%q: %.40q (%d)]", f.Name, f.Value, len(f.Value))
	}
	return b.String()
}

func propReqString(r *proto.RequestHead) string {
	return fmt.Sprintf("%s %s://%s%s %s", r.Method, r.Scheme, r.Authority, r.Target, propFieldsString(r.Fields))
}

func propRespString(r *proto.ResponseHead) string {
	return fmt.Sprintf("%d %s", r.Status, propFieldsString(r.Fields))
}

// scan runs the monitor over the frames side queued since the last scan.
func (m *propModel) scan(t *rapid.T, side *propSide) {
	b := side.c.Pending()[side.scanned:]
	if side.role == h2.Client && !side.prefaceScanned {
		if !bytes.HasPrefix(b, []byte(h2.ClientPreface)) {
			t.Fatalf("the client's output does not start with the preface")
		}
		b, side.scanned, side.prefaceScanned = b[len(h2.ClientPreface):], side.scanned+len(h2.ClientPreface), true
	}
	for len(b) > 0 {
		h, payload, n, err := h2.NextFrame(b, h2.MaxFrameSizeLimit)
		if err != nil || n == 0 {
			t.Fatalf("%v queued a partial or bad frame: %v", side.role, err)
		}
		b, side.scanned = b[n:], side.scanned+n
		if h.Length > side.maxFrame {
			t.Fatalf("%v sent a %v frame of %d bytes; the peer's SETTINGS_MAX_FRAME_SIZE is %d", side.role,
				h.Type, h.Length, side.maxFrame)
		}
		switch h.Type {
		case h2.FrameData:
			f, err := h2.ParseData(h, payload)
			if err != nil {
				t.Fatalf("%v sent a bad DATA frame: %v", side.role, err)
			}
			side.dataSent[f.StreamID] += int64(f.FlowLen)
			side.connSent += int64(f.FlowLen)
			if lim := side.initWin + side.wuRecv[f.StreamID]; side.dataSent[f.StreamID] > lim {
				t.Fatalf("%v sent %d bytes on stream %d; the peer allowed %d", side.role, side.dataSent[f.StreamID],
					f.StreamID, lim)
			}
			if lim := 65535 + side.connWU; side.connSent > lim {
				t.Fatalf("%v sent %d bytes on the connection; the peer allowed %d", side.role, side.connSent, lim)
			}
		case h2.FrameRSTStream:
			f, err := h2.ParseRSTStream(h, payload)
			if err != nil {
				t.Fatalf("%v sent a bad RST_STREAM: %v", side.role, err)
			}
			if code, ok := side.expectRST[f.StreamID]; ok && code == f.Code {
				delete(side.expectRST, f.StreamID)
				break
			}
			s := side.streams[f.StreamID]
			if side.role != h2.Server || f.Code != h2.ErrCodeRefusedStream || s == nil || s.known {
				t.Fatalf("%v sent RST_STREAM %v on stream %d unasked", side.role, f.Code, f.StreamID)
			}
			// The server refused a stream beyond its SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2): its
			// application never hears of it, the client's must.
			s.reset, s.inbox = true, nil
			m.push(h2.Client, f.StreamID, propItem{kind: propReset, code: h2.ErrCodeRefusedStream})
		case h2.FrameGoAway:
			t.Fatalf("%v sent GOAWAY", side.role)
		}
	}
	if len(side.expectRST) > 0 {
		t.Fatalf("%v: Reset queued no RST_STREAM for %v", side.role, side.expectRST)
	}
}

// deliver applies what frames from src tell dst about its send windows and frame size.
func (m *propModel) deliver(t *rapid.T, src, dst *propSide, b []byte) {
	if src.role == h2.Client && !src.prefaceDelivered {
		b, src.prefaceDelivered = b[len(h2.ClientPreface):], true
	}
	for len(b) > 0 {
		h, payload, n, _ := h2.NextFrame(b, h2.MaxFrameSizeLimit)
		b = b[n:]
		switch h.Type {
		case h2.FrameWindowUpdate:
			f, err := h2.ParseWindowUpdate(h, payload)
			if err != nil {
				t.Fatalf("%v sent a bad WINDOW_UPDATE: %v", src.role, err)
			}
			if f.StreamID == 0 {
				dst.connWU += int64(f.Increment)
			} else {
				dst.wuRecv[f.StreamID] += int64(f.Increment)
			}
		case h2.FrameSettings:
			f, err := h2.ParseSettings(h, payload)
			if err != nil {
				t.Fatalf("%v sent bad SETTINGS: %v", src.role, err)
			}
			for i := range f.Len() {
				switch s := f.At(i); s.ID {
				case h2.SettingInitialWindowSize:
					dst.initWin = int64(s.Val)
				case h2.SettingMaxFrameSize:
					dst.maxFrame = s.Val
				}
			}
		}
	}
}

// window is the send window of stream id of side, as the monitor computes it.
func (side *propSide) window(id uint32) (conn, stream int64) {
	return 65535 + side.connWU - side.connSent, side.initWin + side.wuRecv[id] - side.dataSent[id]
}

// check holds after every action.
func (m *propModel) check(t *rapid.T) {
	for _, side := range m.side {
		if err := side.c.Err(); err != nil {
			t.Fatalf("%v: %v", side.role, err)
		}
		m.scan(t, side)
		open := 0
		for id, s := range side.streams {
			if !s.known || s.dead() {
				continue
			}
			open++
			if s.sentEnd {
				continue
			}
			conn, stream := side.window(id)
			if got, want := side.c.SendWindow(id), max(0, min(conn, stream)); int64(got) != want {
				t.Fatalf("%v: SendWindow(%d) = %d; the monitor says %d (connection %d, stream %d)", side.role, id,
					got, want, conn, stream)
			}
		}
		if got := side.c.OpenStreams(); got != open {
			var live []string
			for id, s := range side.streams {
				if s.known && !s.dead() {
					live = append(live, fmt.Sprintf("%d%+v", id, *s))
				}
			}
			t.Fatalf("%v: OpenStreams() = %d; the application has %d streams open: %v", side.role, got, open, live)
		}
	}
}

// settle lets both applications finish every stream and read everything, then checks that the connection is
// back where it started.
func (m *propModel) settle(t *rapid.T) {
	cl, sv := m.side[h2.Client], m.side[h2.Server]
	for round := 0; ; round++ {
		if round == 100 {
			t.Fatalf("the connection did not settle")
		}
		busy := false
		for _, side := range m.side {
			for id, s := range side.streams {
				if s.unconsumed > 0 {
					side.c.Consume(id, s.unconsumed)
					s.unconsumed = 0
				}
				if !s.known || s.dead() || s.sentEnd {
					continue
				}
				busy = true
				if side.role == h2.Server && !s.sentFinal {
					resp := proto.NewResponse(200)
					if err := side.c.SendResponse(id, resp, true); err != nil {
						t.Fatalf("settle: SendResponse(%d): %v", id, err)
					}
					s.sentFinal = true
					m.push(h2.Client, id, propItem{kind: propHead, resp: resp})
				} else if _, err := side.c.SendData(id, nil, true); err != nil {
					t.Fatalf("settle: %v SendData(%d, END_STREAM): %v", side.role, id, err)
				}
				s.endSent()
				m.push(1-side.role, id, propItem{kind: propEnd})
			}
		}
		m.check(t)
		if len(cl.c.Pending()) > 0 || len(sv.c.Pending()) > 0 {
			busy = true
		}
		m.transfer(t, h2.Client)
		m.transfer(t, h2.Server)
		m.check(t)
		if !busy {
			break
		}
	}
	for _, side := range m.side {
		for id, s := range side.streams {
			if !s.dead() || len(s.inbox) > 0 {
				t.Fatalf("%v: stream %d did not finish: known %v, sent end %v, got end %v, reset %v, next %s",
					side.role, id, s.known, s.sentEnd, s.recvEnd, s.reset, propNext(s))
			}
		}
		if n := side.c.OpenStreams(); n != 0 {
			t.Fatalf("%v: %d streams open after settling", side.role, n)
		}
		if len(side.pings) > 0 || side.pingsRecv != len(m.peer(side.role).pingLog) {
			t.Fatalf("%v: PINGs unanswered %x, received %d of %d", side.role, side.pings, side.pingsRecv,
				len(m.peer(side.role).pingLog))
		}
		if side.settingsRecv != 1 || side.settAck != 1 {
			t.Fatalf("%v: %d SettingsReceived, %d SettingsAcked", side.role, side.settingsRecv, side.settAck)
		}
	}
	// A fresh stream in each direction sees the whole initial window, and the connection window is short of
	// full only by what the receiver has consumed and not yet announced (less than half a window).
	if !cl.c.CanOpenStream() {
		t.Fatalf("the client cannot open a stream on a settled connection")
	}
	req := &proto.RequestHead{Method: []byte("POST"), Scheme: []byte("https"), Authority: []byte("a"),
		Target: []byte("/last")}
	id, err := cl.c.SendRequest(req, false)
	if err != nil {
		t.Fatalf("SendRequest on a settled connection: %v", err)
	}
	cl.streams[id] = &propStream{known: true}
	m.push(h2.Server, id, propItem{kind: propHead, req: req.Clone()})
	m.transfer(t, h2.Client)
	m.check(t)
	if s := sv.streams[id]; !s.known {
		t.Fatalf("the server did not hear of stream %d", id)
	}
	for _, side := range m.side {
		conn, stream := side.window(id)
		peerCfg := m.peer(side.role).cfg
		if stream != int64(peerCfg.StreamWindow) {
			t.Fatalf("%v: a fresh stream's window is %d; the peer announced %d", side.role, stream, peerCfg.StreamWindow)
		}
		if owed := int64(peerCfg.ConnWindow) - conn; owed < 0 || owed >= int64(peerCfg.ConnWindow)/2 {
			t.Fatalf("%v: the connection window is %d of the peer's %d after everything was consumed", side.role,
				conn, peerCfg.ConnWindow)
		}
		if got := side.c.SendWindow(id); int64(got) != min(conn, stream) {
			t.Fatalf("%v: SendWindow(%d) = %d, want %d", side.role, id, got, min(conn, stream))
		}
	}
}

// The tests below replay, as plain sequences, core bugs that TestPropStreamsInterleaved found (rapid's
// shrunk sequences, reduced by hand), so that they stay fixed.

// TestPropResetBeforeResponseIsReported: a stream the client's application opened with SendRequest is reset
// by the server before any response arrives (refused beyond SETTINGS_MAX_CONCURRENT_STREAMS, RFC 9113 §5.1.2
// and §8.7, or cancelled by the server's application). The client's application must hear of it: it is
// waiting for a response, and REFUSED_STREAM is what makes a retry safe.
func TestPropResetBeforeResponseIsReported(t *testing.T) {
	req := &proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"), Authority: []byte("a"),
		Target: []byte("/")}
	clientEvents := func(p *pairtest.H2) []h2.Event {
		var evs []h2.Event
		err := p.Exchange(func(role h2.Role, ev h2.Event) error {
			if role == h2.Client {
				evs = append(evs, pairtest.CloneH2(ev))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	t.Run("refused", func(t *testing.T) {
		p := pairtest.NewH2(h2.Config{}, h2.Config{MaxConcurrentStreams: 1})
		// Both requests go before the server's SETTINGS arrive, as RFC 9113 §5.1.2 allows.
		if _, err := p.Client.SendRequest(req, true); err != nil {
			t.Fatal(err)
		}
		id, err := p.Client.SendRequest(req, true)
		if err != nil {
			t.Fatal(err)
		}
		evs := clientEvents(p)
		want := h2.StreamReset{StreamID: id, Code: h2.ErrCodeRefusedStream, Remote: true}
		if !slices.ContainsFunc(evs, func(ev h2.Event) bool { r, ok := ev.(*h2.StreamReset); return ok && *r == want }) {
			t.Errorf("client events %s; want a %+v (OpenStreams %d)", propEvents(evs), want, p.Client.OpenStreams())
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		p := pairtest.NewH2(h2.Config{}, h2.Config{})
		id, err := p.Client.SendRequest(req, true)
		if err != nil {
			t.Fatal(err)
		}
		clientEvents(p)
		if err := p.Server.Reset(id, h2.ErrCodeCancel); err != nil {
			t.Fatal(err)
		}
		evs := clientEvents(p)
		want := h2.StreamReset{StreamID: id, Code: h2.ErrCodeCancel, Remote: true}
		if len(evs) != 1 || !reflect.DeepEqual(evs[0], &want) {
			t.Errorf("client events %s; want a %+v (OpenStreams %d)", propEvents(evs), want, p.Client.OpenStreams())
		}
	})
}

func propEvents(evs []h2.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "%T%+v ", ev, ev)
	}
	return "[" + strings.TrimSpace(b.String()) + "]"
}

// TestPropQueuedDataIsNotAControlFlood: the client queues a window's worth of DATA, which the driver has not
// written yet, and then reads the server's first SETTINGS. MaxPendingControlBytes bounds the acknowledgements
// a peer can make us queue; the application's own DATA is not the peer's doing, and must not turn the
// mandatory SETTINGS acknowledgement into an ENHANCE_YOUR_CALM connection error.
func TestPropQueuedDataIsNotAControlFlood(t *testing.T) {
	p := pairtest.NewH2(h2.Config{}, h2.Config{})
	id, err := p.Client.SendRequest(&proto.RequestHead{Method: []byte("POST"), Scheme: []byte("https"),
		Authority: []byte("a"), Target: []byte("/upload")}, false)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.Client.SendData(id, make([]byte, 65535), false); n != 65535 || err != nil {
		t.Fatalf("SendData = %d, %v", n, err)
	}
	if _, err := p.Transfer(h2.Server); err != nil { // the server's SETTINGS; the client's output stays queued
		t.Fatal(err)
	}
	evs, err := p.Events(h2.Client)
	if err != nil {
		t.Fatalf("client events %s, then %v; want SettingsReceived and no error", propEvents(evs), err)
	}
}
