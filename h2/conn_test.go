package h2_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// Helpers shared by the connection, defence, flow and timer tests. A test plays one core against a raw
// peer (pairtest.H2Peer), writes hand-made frames and compares what comes out as one-line descriptions:
// pairtest.DescribeH2Event for events, pairtest.H2Frame.String for frames.

// newServer returns a server core made with cfg whose handshake with a raw client peer is done: the peer
// announced settings and both sides acknowledged.
func newServer(t testing.TB, cfg h2.Config, settings ...h2.Setting) *pairtest.H2Peer {
	t.Helper()
	p := pairtest.NewH2Server(cfg)
	if err := p.Handshake(settings...); err != nil {
		t.Fatal(err)
	}
	return p
}

// newClient returns a client core made with cfg whose handshake with a raw server peer is done.
func newClient(t testing.TB, cfg h2.Config, settings ...h2.Setting) *pairtest.H2Peer {
	t.Helper()
	p := pairtest.NewH2Client(cfg)
	if err := p.Handshake(settings...); err != nil {
		t.Fatal(err)
	}
	return p
}

// get returns a HEADERS frame with a GET request for https://example.com/ and extra fields.
func get(p *pairtest.H2Peer, id uint32, endStream bool, extra ...string) []byte {
	pairs := append([]string{":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/"},
		extra...)
	return p.Headers(id, endStream, pairs...)
}

// post returns a HEADERS frame with a POST request, without END_STREAM: a body follows.
func post(p *pairtest.H2Peer, id uint32, extra ...string) []byte {
	pairs := append([]string{":method", "POST", ":scheme", "https", ":authority", "example.com", ":path", "/up"},
		extra...)
	return p.Headers(id, false, pairs...)
}

// send hands frames to the core and returns the events described; an error fails the test.
func send(t testing.TB, p *pairtest.H2Peer, frames ...[]byte) []string {
	t.Helper()
	evs, err := p.Send(frames...)
	if err != nil {
		t.Fatalf("after events %q: %v", pairtest.DescribeH2Events(evs), err)
	}
	return pairtest.DescribeH2Events(evs)
}

// read takes the core's output and returns the frames described; an error fails the test.
func read(t testing.TB, p *pairtest.H2Peer) []string {
	t.Helper()
	got, err := p.ReadStrings()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// diff fails the test when got differs from want.
func diff(t testing.TB, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

// wantConnError checks that err is a connection error of the peer with code, that the core made it sticky,
// and that the last frame the core queued is a GOAWAY carrying code.
func wantConnError(t testing.TB, p *pairtest.H2Peer, err error, code h2.ErrCode) {
	t.Helper()
	var re *proto.RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T), want a *proto.RemoteError with code %s", err, err, code)
	}
	if h2.ErrCode(re.Code) != code || re.StreamID != 0 || !errors.Is(err, proto.ErrProtocol) {
		t.Errorf("error %v: code %s stream %d, want a connection error with code %s",
			err, h2.ErrCode(re.Code), re.StreamID, code)
	}
	if ev, again := p.Conn.NextEvent(); ev != nil || again != err {
		t.Errorf("NextEvent after the error = %v, %v; want the same error again", ev, again)
	}
	frames, perr := pairtest.ParseH2Frames(p.Conn.Pending())
	if perr != nil {
		t.Fatalf("pending output: %v", perr)
	}
	goaways := pairtest.FramesOfType(frames, h2.FrameGoAway)
	if len(goaways) == 0 || frames[len(frames)-1].Type != h2.FrameGoAway {
		t.Fatalf("pending output ends with %v, want a GOAWAY", pairtest.DescribeH2Frames(frames[max(0, len(frames)-3):]))
	}
	g, _ := h2.ParseGoAway(goaways[len(goaways)-1].FrameHeader, goaways[len(goaways)-1].Payload)
	if g.Code != code {
		t.Errorf("GOAWAY code %s, want %s", g.Code, code)
	}
}

// recvConnError sends frames and expects the connection to end with code.
func recvConnError(t testing.TB, p *pairtest.H2Peer, code h2.ErrCode, frames ...[]byte) {
	t.Helper()
	evs, err := p.Send(frames...)
	if err == nil {
		t.Fatalf("no error after events %q; want a connection error %s", pairtest.DescribeH2Events(evs), code)
	}
	wantConnError(t, p, err, code)
}

// serverSettings is the SETTINGS frame a server core made with a zero Config sends first.
const serverSettings = "SETTINGS [SETTINGS_HEADER_TABLE_SIZE=4096 SETTINGS_MAX_CONCURRENT_STREAMS=100 " +
	"SETTINGS_INITIAL_WINDOW_SIZE=1048576 SETTINGS_MAX_FRAME_SIZE=16384 SETTINGS_MAX_HEADER_LIST_SIZE=65536 " +
	"SETTINGS_NO_RFC7540_PRIORITIES=1]"

// TestPreface: the server's view of the client connection preface and first frame (RFC 9113 §3.4).
func TestPreface(t *testing.T) {
	settings := h2.AppendSettings(nil)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name   string
		input  [][]byte // Receive calls
		events []string
		code   h2.ErrCode // of the connection error; 0 for none
	}{
		{"preface and SETTINGS", [][]byte{[]byte(h2.ClientPreface), settings}, []string{"settings"}, 0},
		{"one byte at a time", pairtest.Bytewise(cat([]byte(h2.ClientPreface), settings)), []string{"settings"}, 0},
		{"preface alone", [][]byte{[]byte(h2.ClientPreface)}, nil, 0},
		{"half a preface", [][]byte{[]byte(h2.ClientPreface[:10])}, nil, 0},
		{"HTTP/1.1 request", [][]byte{[]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")}, nil, h2.ErrCodeProtocol},
		{"HTTP/1.1 request, first bytes only", [][]byte{[]byte("GET ")}, nil, h2.ErrCodeProtocol},
		{"wrong magic", [][]byte{[]byte("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"), settings}, nil, h2.ErrCodeProtocol},
		{"first frame PING", [][]byte{[]byte(h2.ClientPreface), h2.AppendPing(nil, false, [8]byte{})}, nil, h2.ErrCodeProtocol},
		{"first frame SETTINGS ACK", [][]byte{[]byte(h2.ClientPreface), h2.AppendSettingsAck(nil)}, nil, h2.ErrCodeProtocol},
		{"first frame WINDOW_UPDATE", [][]byte{[]byte(h2.ClientPreface), h2.AppendWindowUpdate(nil, 0, 1)}, nil, h2.ErrCodeProtocol},
		{"first frame unknown type", [][]byte{[]byte(h2.ClientPreface),
			h2.AppendFrameHeader(nil, h2.FrameHeader{Type: 0xbb})}, nil, h2.ErrCodeProtocol},
		{"SETTINGS of 5 bytes", [][]byte{[]byte(h2.ClientPreface),
			append(h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 5, Type: h2.FrameSettings}), 0, 0, 0, 0, 0)},
			nil, h2.ErrCodeFrameSize},
		{"SETTINGS above MAX_FRAME_SIZE", [][]byte{[]byte(h2.ClientPreface),
			h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 16385, Type: h2.FrameSettings})}, nil, h2.ErrCodeFrameSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pairtest.NewH2Server(h2.Config{})
			evs, err := p.Send(tc.input...)
			diff(t, "events", tc.events, pairtest.DescribeH2Events(evs))
			if tc.code == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantConnError(t, p, err, tc.code)
			if rerr := p.Conn.Receive(settings); rerr != err {
				t.Errorf("Receive after the error = %v, want the sticky error", rerr)
			}
		})
	}

	t.Run("server output", func(t *testing.T) {
		p := pairtest.NewH2Server(h2.Config{})
		diff(t, "frames before the preface", []string{serverSettings, "WINDOW_UPDATE 0 +4128769"}, read(t, p))
		send(t, p, []byte(h2.ClientPreface), settings)
		diff(t, "frames after the peer's SETTINGS", []string{"SETTINGS ACK"}, read(t, p))
	})
	t.Run("server output, configured", func(t *testing.T) {
		p := pairtest.NewH2Server(h2.Config{MaxConcurrentStreams: 7, StreamWindow: 65535, ConnWindow: 65535,
			HeaderTableSize: 100, MaxFrameSize: 1 << 20, EnableConnectProtocol: true,
			Limits: h2.Limits{Limits: proto.Limits{MaxHeaderBytes: 1000}}})
		diff(t, "frames", []string{"SETTINGS [SETTINGS_HEADER_TABLE_SIZE=100 SETTINGS_MAX_CONCURRENT_STREAMS=7 " +
			"SETTINGS_INITIAL_WINDOW_SIZE=65535 SETTINGS_MAX_FRAME_SIZE=1048576 SETTINGS_MAX_HEADER_LIST_SIZE=1000 " +
			"SETTINGS_NO_RFC7540_PRIORITIES=1 SETTINGS_ENABLE_CONNECT_PROTOCOL=1]"}, read(t, p))
	})
}

// TestClientPreface: the client's preface and the server's first frame (RFC 9113 §3.4).
func TestClientPreface(t *testing.T) {
	t.Run("output", func(t *testing.T) {
		c := h2.NewConn(h2.Client, h2.Config{})
		if !bytes.HasPrefix(c.Pending(), []byte(h2.ClientPreface)) {
			t.Fatalf("pending output starts with %q, want the preface", c.Pending()[:min(24, len(c.Pending()))])
		}
		p := pairtest.NewH2Peer(c)
		diff(t, "frames", []string{"SETTINGS [SETTINGS_HEADER_TABLE_SIZE=4096 SETTINGS_MAX_CONCURRENT_STREAMS=100 " +
			"SETTINGS_INITIAL_WINDOW_SIZE=1048576 SETTINGS_MAX_FRAME_SIZE=16384 SETTINGS_MAX_HEADER_LIST_SIZE=65536 " +
			"SETTINGS_ENABLE_PUSH=0 SETTINGS_NO_RFC7540_PRIORITIES=1]", "WINDOW_UPDATE 0 +4128769"}, read(t, p))
	})
	for _, tc := range []struct {
		name  string
		first []byte
		code  h2.ErrCode
	}{
		{"first frame PING", h2.AppendPing(nil, false, [8]byte{}), h2.ErrCodeProtocol},
		{"first frame SETTINGS ACK", h2.AppendSettingsAck(nil), h2.ErrCodeProtocol},
		{"first frame GOAWAY", h2.AppendGoAway(nil, 0, h2.ErrCodeNo, nil), h2.ErrCodeProtocol},
		// An HTTP/1.1 server answering prior knowledge: its first bytes are no frame at all, which is an
		// invalid preface (PROTOCOL_ERROR), not a frame that is too large.
		{"an HTTP/1.1 response", []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"), h2.ErrCodeProtocol},
		{"SETTINGS with ENABLE_PUSH 1", h2.AppendSettings(nil, h2.Setting{ID: h2.SettingEnablePush, Val: 1}), h2.ErrCodeProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pairtest.NewH2Client(h2.Config{})
			read(t, p)
			recvConnError(t, p, tc.code, tc.first)
		})
	}
}

// TestSettingsExchange: acknowledgements both ways and the checks of RFC 9113 §6.5.
func TestSettingsExchange(t *testing.T) {
	t.Run("each SETTINGS acknowledged once, in order", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		evs := send(t, p, h2.AppendSettings(nil), h2.AppendSettings(nil, h2.Setting{ID: 0xff, Val: 1}),
			h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxFrameSize, Val: 20000}))
		diff(t, "events", []string{"settings", "settings", "settings"}, evs)
		diff(t, "frames", []string{"SETTINGS ACK", "SETTINGS ACK", "SETTINGS ACK"}, read(t, p))
		diff(t, "peer settings", uint32(20000), p.Conn.PeerSettings().MaxFrameSize)
	})
	t.Run("ACK of our SETTINGS", func(t *testing.T) {
		p := pairtest.NewH2Server(h2.Config{})
		diff(t, "events", []string{"settings"}, send(t, p, []byte(h2.ClientPreface), h2.AppendSettings(nil)))
		diff(t, "frames", []string{serverSettings, "WINDOW_UPDATE 0 +4128769", "SETTINGS ACK"}, read(t, p))
		if _, ok := p.Conn.Deadline(); !ok {
			t.Error("no timer while our SETTINGS await their acknowledgement")
		}
		diff(t, "events", []string{"settings ack"}, send(t, p, h2.AppendSettingsAck(nil)))
		if at, ok := p.Conn.Deadline(); ok {
			t.Errorf("Deadline = %v after the acknowledgement; want none", at)
		}
		// An acknowledgement nobody asked for is harmless.
		diff(t, "events", []string{"settings ack"}, send(t, p, h2.AppendSettingsAck(nil)))
		diff(t, "frames", []string(nil), read(t, p))
	})
	for _, tc := range []struct {
		name  string
		frame []byte
		code  h2.ErrCode
	}{
		{"ACK with a payload", append(h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 6, Type: h2.FrameSettings,
			Flags: h2.FlagAck}), 0, 3, 0, 0, 0, 1), h2.ErrCodeFrameSize},
		{"on stream 1", h2.AppendFrameHeader(nil, h2.FrameHeader{Type: h2.FrameSettings, StreamID: 1}),
			h2.ErrCodeProtocol},
		{"ENABLE_PUSH 2", h2.AppendSettings(nil, h2.Setting{ID: h2.SettingEnablePush, Val: 2}), h2.ErrCodeProtocol},
		{"INITIAL_WINDOW_SIZE 2^31", h2.AppendSettings(nil, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 1 << 31}),
			h2.ErrCodeFlowControl},
		{"MAX_FRAME_SIZE 16383", h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxFrameSize, Val: 16383}),
			h2.ErrCodeProtocol},
		{"MAX_FRAME_SIZE 2^24", h2.AppendSettings(nil, h2.Setting{ID: h2.SettingMaxFrameSize, Val: 1 << 24}),
			h2.ErrCodeProtocol},
		{"ENABLE_CONNECT_PROTOCOL 2", h2.AppendSettings(nil, h2.Setting{ID: h2.SettingEnableConnectProtocol, Val: 2}),
			h2.ErrCodeProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recvConnError(t, newServer(t, h2.Config{}), tc.code, tc.frame)
		})
	}
	t.Run("client: ENABLE_CONNECT_PROTOCOL withdrawn", func(t *testing.T) {
		p := newClient(t, h2.Config{}, h2.Setting{ID: h2.SettingEnableConnectProtocol, Val: 1})
		if !p.Conn.PeerSettings().EnableConnectProtocol {
			t.Fatal("EnableConnectProtocol not applied")
		}
		recvConnError(t, p, h2.ErrCodeProtocol,
			h2.AppendSettings(nil, h2.Setting{ID: h2.SettingEnableConnectProtocol, Val: 0}))
	})
	t.Run("client: peer settings applied", func(t *testing.T) {
		p := newClient(t, h2.Config{}, h2.Setting{ID: h2.SettingMaxConcurrentStreams, Val: 1},
			h2.Setting{ID: h2.SettingMaxHeaderListSize, Val: 5000}, h2.Setting{ID: h2.SettingEnablePush, Val: 0})
		want := h2.Settings{HeaderTableSize: 4096, MaxConcurrentStreams: 1, InitialWindowSize: 65535,
			MaxFrameSize: 16384, MaxHeaderListSize: 5000}
		diff(t, "PeerSettings", want, p.Conn.PeerSettings())
		id := clientRequest(t, p, true)
		if p.Conn.CanOpenStream() {
			t.Error("CanOpenStream with MAX_CONCURRENT_STREAMS 1 in use")
		}
		if _, err := p.Conn.SendRequest(proto.NewRequest("GET", "/"), true); !errors.Is(err, h2.ErrStreamLimit) {
			t.Errorf("second SendRequest: %v, want ErrStreamLimit", err)
		}
		send(t, p, p.Headers(id, true, ":status", "204"))
		if !p.Conn.CanOpenStream() {
			t.Error("CanOpenStream false once the stream closed")
		}
	})
}

// respond opens stream id on a server with a request and sends a 200 head, leaving the body to the test.
func respond(t testing.TB, p *pairtest.H2Peer, id uint32, fields ...string) {
	t.Helper()
	send(t, p, get(p, id, true))
	if err := p.Conn.SendResponse(id, proto.NewResponse(200, fields...), false); err != nil {
		t.Fatal(err)
	}
}

// TestPeerSettingsApplied: what the peer announces shapes what the core sends (RFC 9113 §6.5.2, §6.9.2).
func TestPeerSettingsApplied(t *testing.T) {
	open := []h2.Setting{{ID: h2.SettingInitialWindowSize, Val: 1 << 20}}
	t.Run("MAX_FRAME_SIZE splits DATA", func(t *testing.T) {
		for _, tc := range []struct {
			maxFrame uint32
			want     []string
		}{
			{16384, []string{"DATA 1 len=16384", "DATA 1 len=16384", "DATA 1 len=7232 END_STREAM"}},
			{20000, []string{"DATA 1 len=20000", "DATA 1 len=20000 END_STREAM"}},
			{1 << 20, []string{"DATA 1 len=40000 END_STREAM"}},
		} {
			p := newServer(t, h2.Config{}, append(open, h2.Setting{ID: h2.SettingMaxFrameSize, Val: tc.maxFrame})...)
			respond(t, p, 1)
			if n, err := p.Conn.SendData(1, make([]byte, 40000), true); n != 40000 || err != nil {
				t.Fatalf("SendData = %d, %v", n, err)
			}
			frames := read(t, p)
			diff(t, "DATA frames", tc.want, frames[1:])
		}
	})
	t.Run("MAX_FRAME_SIZE splits HEADERS into CONTINUATION", func(t *testing.T) {
		value := make([]byte, 50000)
		for i := range value {
			value[i] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[(i*7+i/3)%62]
		}
		for _, maxFrame := range []uint32{16384, 20000} {
			p := newServer(t, h2.Config{}, h2.Setting{ID: h2.SettingMaxFrameSize, Val: maxFrame})
			send(t, p, get(p, 1, true))
			if err := p.Conn.SendResponse(1, proto.NewResponse(200, "x-long", string(value)), true); err != nil {
				t.Fatal(err)
			}
			frames := mustRead(t, p)
			if len(frames) < 2 {
				t.Fatalf("frames %q, want HEADERS and CONTINUATION", pairtest.DescribeH2Frames(frames))
			}
			for i, f := range frames {
				wantType, wantFlags := h2.FrameContinuation, h2.Flags(0)
				if i == 0 {
					wantType, wantFlags = h2.FrameHeaders, h2.FlagEndStream
				}
				if i == len(frames)-1 {
					wantFlags |= h2.FlagEndHeaders
				}
				if f.Type != wantType || f.Flags != wantFlags || f.StreamID != 1 || f.Length > maxFrame ||
					i < len(frames)-1 && f.Length != maxFrame {
					t.Errorf("max %d: frame %d is %v flags %#x length %d", maxFrame, i, f.Type, f.Flags, f.Length)
				}
			}
			last := frames[len(frames)-1]
			if len(last.Fields) != 2 || last.Fields[0].Value != "200" || last.Fields[1].Value != string(value) {
				t.Errorf("max %d: decoded fields %v", maxFrame, pairtest.DescribeH2Frames(frames[len(frames)-1:]))
			}
		}
	})
	t.Run("HEADER_TABLE_SIZE", func(t *testing.T) {
		for _, tc := range []struct {
			size         uint32
			sizeUpdate   bool // the first block starts with a dynamic table size update to 0
			smallerAgain bool // a repeated response head is smaller: it refers to the dynamic table
		}{
			{4096, false, true},
			{0, true, false},
		} {
			p := newServer(t, h2.Config{}, h2.Setting{ID: h2.SettingHeaderTableSize, Val: tc.size})
			var frags [][]byte
			for _, id := range []uint32{1, 3} {
				send(t, p, get(p, id, true))
				if err := p.Conn.SendResponse(id, proto.NewResponse(200, "x-custom", "some value"), true); err != nil {
					t.Fatal(err)
				}
				f := mustRead(t, p)
				frags = append(frags, f[0].Fragment)
				diff(t, "decoded", []string{"HEADERS " + strconv.Itoa(int(id)) +
					" END_STREAM END_HEADERS [:status: 200, x-custom: some value]"}, pairtest.DescribeH2Frames(f))
			}
			if got := frags[0][0] == 0x20; got != tc.sizeUpdate {
				t.Errorf("size %d: first block %x, size update to 0 %v, want %v", tc.size, frags[0], got, tc.sizeUpdate)
			}
			if got := len(frags[1]) < len(frags[0])-5; got != tc.smallerAgain {
				t.Errorf("size %d: blocks of %d then %d bytes", tc.size, len(frags[0]), len(frags[1]))
			}
		}
	})
	t.Run("INITIAL_WINDOW_SIZE adjusts open streams", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		respond(t, p, 1)
		if n, _ := p.Conn.SendData(1, make([]byte, 1000), false); n != 1000 {
			t.Fatalf("SendData = %d", n)
		}
		diff(t, "window", 64535, p.Conn.SendWindow(1))
		send(t, p, h2.AppendSettings(nil, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 1000}))
		diff(t, "window after INITIAL_WINDOW_SIZE 1000", 0, p.Conn.SendWindow(1))
		send(t, p, h2.AppendSettings(nil, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 500}))
		diff(t, "window after INITIAL_WINDOW_SIZE 500 (-500: negative)", 0, p.Conn.SendWindow(1))
		send(t, p, h2.AppendWindowUpdate(nil, 1, 600))
		diff(t, "window after WINDOW_UPDATE 600", 100, p.Conn.SendWindow(1))
		if n, _ := p.Conn.SendData(1, make([]byte, 1000), false); n != 100 {
			t.Errorf("SendData sent %d, want 100", n)
		}
		send(t, p, h2.AppendSettings(nil, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 70000}))
		// The stream window is 0+69500; the connection window, untouched by SETTINGS (§6.9.2), is 64435.
		diff(t, "window after INITIAL_WINDOW_SIZE 70000", 65535-1100, p.Conn.SendWindow(1))
		respond(t, p, 3)
		diff(t, "a new stream's window", 65535-1100, p.Conn.SendWindow(3))
		send(t, p, h2.AppendWindowUpdate(nil, 0, 100000))
		diff(t, "new stream window", 70000, p.Conn.SendWindow(3))
		diff(t, "old stream window", 69500, p.Conn.SendWindow(1))
	})
	t.Run("INITIAL_WINDOW_SIZE overflowing a stream window", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		respond(t, p, 1)
		send(t, p, h2.AppendWindowUpdate(nil, 1, h2.MaxWindowSize-65535))
		recvConnError(t, p, h2.ErrCodeFlowControl,
			h2.AppendSettings(nil, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 65536}))
	})
}

// stateCase is one frame received by a stream in a given state (RFC 9113 §5.1): the events and frames it
// yields, or the connection error it is.
type stateCase struct {
	name   string
	frame  func(p *pairtest.H2Peer) []byte
	events []string
	frames []string
	code   h2.ErrCode // connection error; 0 for none
}

func runStateCases(t *testing.T, setup func(t *testing.T) *pairtest.H2Peer, cases []stateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := setup(t)
			evs, err := p.Send(tc.frame(p))
			if tc.code != 0 {
				wantConnError(t, p, err, tc.code)
				return
			}
			if err != nil {
				t.Fatalf("after events %q: %v", pairtest.DescribeH2Events(evs), err)
			}
			diff(t, "events", tc.events, pairtest.DescribeH2Events(evs))
			diff(t, "frames", tc.frames, read(t, p))
		})
	}
}

func rst(id uint32, code h2.ErrCode) func(*pairtest.H2Peer) []byte {
	return func(*pairtest.H2Peer) []byte { return h2.AppendRSTStream(nil, id, code) }
}

func data(id uint32, endStream bool, s string) func(*pairtest.H2Peer) []byte {
	return func(*pairtest.H2Peer) []byte { return h2.AppendData(nil, id, endStream, []byte(s)) }
}

func windowUpdate(id, inc uint32) func(*pairtest.H2Peer) []byte {
	return func(*pairtest.H2Peer) []byte { return h2.AppendWindowUpdate(nil, id, inc) }
}

func priority(id uint32) func(*pairtest.H2Peer) []byte {
	return func(*pairtest.H2Peer) []byte {
		return h2.AppendPriority(nil, id, h2.PriorityParam{StreamDep: 0, Weight: 15})
	}
}

func trailers(id uint32, endStream bool) func(*pairtest.H2Peer) []byte {
	return func(p *pairtest.H2Peer) []byte { return p.Headers(id, endStream, "x-checksum", "abc") }
}

// TestServerStreamStates: frames on a server's streams in each state of RFC 9113 §5.1.
func TestServerStreamStates(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer { return newServer(t, h2.Config{}) }, []stateCase{
			{name: "DATA", frame: data(1, false, "x"), code: h2.ErrCodeProtocol},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel), code: h2.ErrCodeProtocol},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 1), code: h2.ErrCodeProtocol},
			{name: "WINDOW_UPDATE increment 0", frame: windowUpdate(1, 0), code: h2.ErrCodeProtocol},
			{name: "PRIORITY", frame: priority(1)},
			{name: "CONTINUATION", frame: func(p *pairtest.H2Peer) []byte {
				return h2.AppendContinuation(nil, 1, true, p.Block("x", "y"))
			}, code: h2.ErrCodeProtocol},
			{name: "HEADERS on an even stream", frame: func(p *pairtest.H2Peer) []byte { return get(p, 2, true) },
				code: h2.ErrCodeProtocol},
			{name: "PUSH_PROMISE", frame: func(p *pairtest.H2Peer) []byte {
				return h2.AppendPushPromise(nil, 1, 2, true, p.Block(":method", "GET"))
			}, code: h2.ErrCodeProtocol},
			{name: "HEADERS opens it", frame: func(p *pairtest.H2Peer) []byte { return post(p, 1) },
				events: []string{"request 1 POST https://example.com/up []"}},
		})
	})
	t.Run("open", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer {
			p := newServer(t, h2.Config{})
			send(t, p, post(p, 1))
			return p
		}, []stateCase{
			{name: "DATA", frame: data(1, false, "x"), events: []string{`data 1 "x"`}},
			{name: "DATA with END_STREAM", frame: data(1, true, "x"), events: []string{`data 1 "x" end`, "ended 1"}},
			{name: "empty DATA with END_STREAM", frame: data(1, true, ""), events: []string{"ended 1"}},
			{name: "trailers", frame: trailers(1, true), events: []string{"trailers 1 [x-checksum: abc] end", "ended 1"}},
			{name: "HEADERS without END_STREAM", frame: trailers(1, false), events: []string{"reset 1 PROTOCOL_ERROR local"},
				frames: []string{"RST_STREAM 1 PROTOCOL_ERROR"}},
			{name: "trailers with a pseudo-header", frame: func(p *pairtest.H2Peer) []byte {
				return p.Headers(1, true, ":path", "/")
			}, events: []string{"reset 1 PROTOCOL_ERROR local"}, frames: []string{"RST_STREAM 1 PROTOCOL_ERROR"}},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel), events: []string{"reset 1 CANCEL remote"}},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 10), events: []string{"window 1 +10"}},
			{name: "WINDOW_UPDATE increment 0", frame: windowUpdate(1, 0), events: []string{"reset 1 PROTOCOL_ERROR local"},
				frames: []string{"RST_STREAM 1 PROTOCOL_ERROR"}},
			{name: "PRIORITY", frame: priority(1)},
			{name: "PRIORITY depending on itself", frame: func(*pairtest.H2Peer) []byte {
				return h2.AppendPriority(nil, 1, h2.PriorityParam{StreamDep: 1})
			}, events: []string{"reset 1 PROTOCOL_ERROR local"}, frames: []string{"RST_STREAM 1 PROTOCOL_ERROR"}},
			{name: "DATA on stream 0", frame: data(0, false, "x"), code: h2.ErrCodeProtocol},
			{name: "unknown frame type", frame: func(*pairtest.H2Peer) []byte {
				return append(h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 3, Type: 0xfa, StreamID: 1}), 1, 2, 3)
			}},
		})
	})
	t.Run("half-closed (remote)", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer {
			p := newServer(t, h2.Config{})
			send(t, p, get(p, 1, true))
			return p
		}, []stateCase{
			{name: "DATA", frame: data(1, false, "x"), events: []string{"reset 1 STREAM_CLOSED local"},
				frames: []string{"RST_STREAM 1 STREAM_CLOSED"}},
			{name: "HEADERS", frame: trailers(1, true), events: []string{"reset 1 STREAM_CLOSED local"},
				frames: []string{"RST_STREAM 1 STREAM_CLOSED"}},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel), events: []string{"reset 1 CANCEL remote"}},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 10), events: []string{"window 1 +10"}},
			{name: "PRIORITY", frame: priority(1)},
		})
	})
	t.Run("closed", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer {
			p := newServer(t, h2.Config{})
			send(t, p, get(p, 1, true))
			if err := p.Conn.SendResponse(1, proto.NewResponse(204), true); err != nil {
				t.Fatal(err)
			}
			read(t, p)
			return p
		}, []stateCase{
			{name: "DATA", frame: data(1, false, "x"), frames: []string{"RST_STREAM 1 STREAM_CLOSED"}},
			{name: "HEADERS", frame: trailers(1, true), code: h2.ErrCodeStreamClosed},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel)},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 10)},
			{name: "PRIORITY", frame: priority(1)},
		})
	})
	t.Run("closed by the peer's RST_STREAM", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer {
			p := newServer(t, h2.Config{})
			send(t, p, post(p, 1), h2.AppendRSTStream(nil, 1, h2.ErrCodeCancel))
			return p
		}, []stateCase{
			{name: "DATA", frame: data(1, false, "x"), frames: []string{"RST_STREAM 1 STREAM_CLOSED"}},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel)},
			{name: "PRIORITY", frame: priority(1)},
		})
	})
	// RFC 9113 §5.1, closed: after sending RST_STREAM an endpoint MUST ignore frames it receives on the
	// stream; DATA still counts against the connection window, which the core credits itself.
	t.Run("closed by our RST_STREAM", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer {
			p := newServer(t, h2.Config{})
			send(t, p, post(p, 1))
			if err := p.Conn.Reset(1, h2.ErrCodeCancel); err != nil {
				t.Fatal(err)
			}
			diff(t, "frames", []string{"RST_STREAM 1 CANCEL"}, read(t, p))
			return p
		}, []stateCase{
			{name: "DATA", frame: data(1, false, "x")},
			{name: "DATA with END_STREAM", frame: data(1, true, "x")},
			{name: "trailers", frame: trailers(1, true)},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel)},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 10)},
			{name: "PRIORITY", frame: priority(1)},
		})
	})
}

// TestClientStreamStates: frames on a client's streams in each state of RFC 9113 §5.1. A stream that the
// application opened with SendRequest is known to it: a reset is reported with StreamReset.
func TestClientStreamStates(t *testing.T) {
	halfClosedLocal := func(t *testing.T) *pairtest.H2Peer {
		p := newClient(t, h2.Config{})
		clientRequest(t, p, true)
		return p
	}
	t.Run("idle", func(t *testing.T) {
		runStateCases(t, halfClosedLocal, []stateCase{
			{name: "HEADERS on an odd stream never opened", frame: func(p *pairtest.H2Peer) []byte {
				return p.Headers(3, true, ":status", "200")
			}, code: h2.ErrCodeProtocol},
			{name: "HEADERS on an even stream", frame: func(p *pairtest.H2Peer) []byte {
				return p.Headers(2, true, ":status", "200")
			}, code: h2.ErrCodeProtocol},
			{name: "DATA", frame: data(3, false, "x"), code: h2.ErrCodeProtocol},
			{name: "PUSH_PROMISE", frame: func(p *pairtest.H2Peer) []byte {
				return h2.AppendPushPromise(nil, 1, 2, true, p.Block(":method", "GET", ":scheme", "https",
					":authority", "example.com", ":path", "/pushed"))
			}, code: h2.ErrCodeProtocol},
		})
	})
	t.Run("half-closed (local)", func(t *testing.T) {
		runStateCases(t, halfClosedLocal, []stateCase{
			{name: "response", frame: func(p *pairtest.H2Peer) []byte { return p.Headers(1, false, ":status", "200") },
				events: []string{"response 1 200 []"}},
			{name: "response with END_STREAM", frame: func(p *pairtest.H2Peer) []byte {
				return p.Headers(1, true, ":status", "200")
			}, events: []string{"response 1 200 [] end", "ended 1"}},
			{name: "DATA before the response", frame: data(1, false, "x"), events: []string{"reset 1 PROTOCOL_ERROR local"},
				frames: []string{"RST_STREAM 1 PROTOCOL_ERROR"}},
			{name: "RST_STREAM before the response", frame: rst(1, h2.ErrCodeRefusedStream),
				events: []string{"reset 1 REFUSED_STREAM remote"}},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 10), events: []string{"window 1 +10"}},
			{name: "PRIORITY", frame: priority(1)},
		})
	})
	t.Run("closed", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer {
			p := halfClosedLocal(t)
			send(t, p, p.Headers(1, true, ":status", "204"))
			return p
		}, []stateCase{
			{name: "DATA", frame: data(1, false, "x"), frames: []string{"RST_STREAM 1 STREAM_CLOSED"}},
			{name: "HEADERS", frame: trailers(1, true), code: h2.ErrCodeStreamClosed},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel)},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 10)},
		})
	})
	t.Run("closed by our RST_STREAM", func(t *testing.T) {
		runStateCases(t, func(t *testing.T) *pairtest.H2Peer {
			p := halfClosedLocal(t)
			send(t, p, p.Headers(1, false, ":status", "200"))
			if err := p.Conn.Reset(1, h2.ErrCodeCancel); err != nil {
				t.Fatal(err)
			}
			diff(t, "frames", []string{"RST_STREAM 1 CANCEL"}, read(t, p))
			return p
		}, []stateCase{
			{name: "DATA", frame: data(1, false, "x")},
			{name: "trailers", frame: trailers(1, true)},
			{name: "RST_STREAM", frame: rst(1, h2.ErrCodeCancel)},
			{name: "WINDOW_UPDATE", frame: windowUpdate(1, 10)},
		})
	})
}

// TestIgnoredFieldBlocksKeepHPACKInStep: a field block on a stream the core ignores (reset by us, or above
// the last stream of our GOAWAY) must still be decoded (RFC 9113 §4.3, §6.8), or the next block that refers
// to the dynamic table would decode wrong.
func TestIgnoredFieldBlocksKeepHPACKInStep(t *testing.T) {
	t.Run("after our RST_STREAM", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, post(p, 1))
		if err := p.Conn.Reset(1, h2.ErrCodeCancel); err != nil {
			t.Fatal(err)
		}
		diff(t, "events of the ignored trailers", []string(nil), send(t, p, p.Headers(1, true, "x-new", "indexed")))
		diff(t, "events", []string{"request 3 GET https://example.com/ [x-new: indexed] end", "ended 3"},
			send(t, p, get(p, 3, true, "x-new", "indexed")))
	})
	t.Run("above the last stream of our GOAWAY", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, post(p, 1))
		if err := p.Conn.GoAway(h2.ErrCodeNo, nil); err != nil {
			t.Fatal(err)
		}
		diff(t, "frames", []string{"GOAWAY last=1 NO_ERROR"}, read(t, p))
		diff(t, "events of the ignored request", []string(nil), send(t, p, get(p, 3, true, "x-new", "indexed")))
		diff(t, "events", []string{"trailers 1 [x-new: indexed] end", "ended 1"},
			send(t, p, p.Headers(1, true, "x-new", "indexed")))
	})
}

// TestRequestValidation: a server checks request field sections (RFC 9113 §8.2, §8.3.1, §8.5, RFC 8441 §4)
// and content length against DATA (§8.1.1). A malformed request is reset with PROTOCOL_ERROR and, never
// having been reported, yields no event.
func TestRequestValidation(t *testing.T) {
	base := []string{":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/"}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	const refused = "RST_STREAM 1 PROTOCOL_ERROR"
	for _, tc := range []struct {
		name      string
		cfg       h2.Config
		fields    []string
		endStream bool
		data      []string // DATA frames after the head, the last with END_STREAM
		events    []string
		frames    []string
	}{
		{name: "valid GET", fields: with("accept", "*/*"), endStream: true,
			events: []string{"request 1 GET https://example.com/ [accept: */*] end", "ended 1"}},
		{name: "Host agrees with :authority", fields: with("host", "Example.COM"), endStream: true,
			events: []string{"request 1 GET https://example.com/ [host: Example.COM] end", "ended 1"}},
		{name: "Host without :authority", endStream: true,
			fields: []string{":method", "GET", ":scheme", "https", ":path", "/", "host", "example.com"},
			events: []string{"request 1 GET https:/// [host: example.com] end", "ended 1"}},
		{name: "te: trailers", fields: with("te", "trailers"), endStream: true,
			events: []string{"request 1 GET https://example.com/ [te: trailers] end", "ended 1"}},
		{name: "OPTIONS *", endStream: true,
			fields: []string{":method", "OPTIONS", ":scheme", "https", ":authority", "a", ":path", "*"},
			events: []string{"request 1 OPTIONS https://a* [] end", "ended 1"}},
		{name: "content-length matches", fields: with("content-length", "5"), data: []string{"he", "llo"},
			events: []string{"request 1 GET https://example.com/ [content-length: 5]", `data 1 "he"`,
				`data 1 "llo" end`, "ended 1"}},
		{name: "content-length repeated with one value", fields: with("content-length", "2", "content-length", "2"),
			data: []string{"ab"}, events: []string{
				"request 1 GET https://example.com/ [content-length: 2, content-length: 2]", `data 1 "ab" end`, "ended 1"}},
		{name: "CONNECT", endStream: false, fields: []string{":method", "CONNECT", ":authority", "example.com:443"},
			events: []string{"request 1 CONNECT ://example.com:443 []"}},
		{name: "extended CONNECT", cfg: h2.Config{EnableConnectProtocol: true},
			fields: []string{":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":path", "/chat",
				":authority", "example.com"},
			events: []string{"request 1 CONNECT https://example.com/chat protocol=websocket []"}},

		{name: "missing :method", fields: base[2:], endStream: true, frames: []string{refused}},
		{name: "missing :scheme", endStream: true, frames: []string{refused},
			fields: []string{":method", "GET", ":authority", "a", ":path", "/"}},
		{name: "missing :path", fields: base[:6], endStream: true, frames: []string{refused}},
		{name: "empty :path", endStream: true, frames: []string{refused},
			fields: []string{":method", "GET", ":scheme", "https", ":authority", "a", ":path", ""}},
		{name: "duplicate :method", fields: with(":method", "POST"), endStream: true, frames: []string{refused}},
		{name: "duplicate :path", endStream: true, frames: []string{refused},
			fields: []string{":method", "GET", ":scheme", "https", ":path", "/", ":path", "/x"}},
		{name: "unknown pseudo-header", fields: with(":foo", "bar"), endStream: true, frames: []string{refused}},
		{name: ":status in a request", fields: with(":status", "200"), endStream: true, frames: []string{refused}},
		{name: "pseudo-header after a regular field", endStream: true, frames: []string{refused},
			fields: []string{":method", "GET", ":scheme", "https", "accept", "*/*", ":path", "/"}},
		{name: "upper-case name", fields: with("X-Custom", "1"), endStream: true, frames: []string{refused}},
		{name: "name with a space", fields: with("x custom", "1"), endStream: true, frames: []string{refused}},
		{name: "empty name", fields: with("", "1"), endStream: true, frames: []string{refused}},
		{name: "value with LF", fields: with("x", "a\nb"), endStream: true, frames: []string{refused}},
		{name: "value with NUL", fields: with("x", "a\x00b"), endStream: true, frames: []string{refused}},
		{name: "value with leading space", fields: with("x", " a"), endStream: true, frames: []string{refused}},
		{name: "connection", fields: with("connection", "close"), endStream: true, frames: []string{refused}},
		{name: "keep-alive", fields: with("keep-alive", "timeout=5"), endStream: true, frames: []string{refused}},
		{name: "proxy-connection", fields: with("proxy-connection", "x"), endStream: true, frames: []string{refused}},
		{name: "transfer-encoding", fields: with("transfer-encoding", "chunked"), endStream: true, frames: []string{refused}},
		{name: "upgrade", fields: with("upgrade", "h2c"), endStream: true, frames: []string{refused}},
		{name: "te: gzip", fields: with("te", "gzip"), endStream: true, frames: []string{refused}},
		{name: "te: trailers, gzip", fields: with("te", "trailers, gzip"), endStream: true, frames: []string{refused}},
		{name: "Host differs from :authority", fields: with("host", "other.example"), endStream: true,
			frames: []string{refused}},
		{name: "content-length values differ", fields: with("content-length", "1", "content-length", "2"),
			endStream: true, frames: []string{refused}},
		{name: "content-length not a number", fields: with("content-length", "1x"), endStream: true,
			frames: []string{refused}},
		{name: "content-length with END_STREAM on the head", fields: with("content-length", "5"), endStream: true,
			frames: []string{refused}},
		{name: "DATA shorter than content-length", fields: with("content-length", "5"), data: []string{"abc"},
			events: []string{"request 1 GET https://example.com/ [content-length: 5]", "reset 1 PROTOCOL_ERROR local"},
			frames: []string{refused}},
		{name: "DATA longer than content-length", fields: with("content-length", "2"), data: []string{"abc"},
			events: []string{"request 1 GET https://example.com/ [content-length: 2]", "reset 1 PROTOCOL_ERROR local"},
			frames: []string{refused}},
		{name: "CONNECT with :path", endStream: true, frames: []string{refused},
			fields: []string{":method", "CONNECT", ":authority", "example.com:443", ":path", "/"}},
		{name: "CONNECT with :scheme", endStream: true, frames: []string{refused},
			fields: []string{":method", "CONNECT", ":authority", "example.com:443", ":scheme", "https"}},
		{name: "CONNECT without :authority", endStream: true, frames: []string{refused},
			fields: []string{":method", "CONNECT"}},
		{name: "extended CONNECT not enabled", frames: []string{refused},
			fields: []string{":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":path", "/chat",
				":authority", "example.com"}},
		{name: "extended CONNECT without :path", cfg: h2.Config{EnableConnectProtocol: true}, frames: []string{refused},
			fields: []string{":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a"}},
		{name: ":protocol on GET", cfg: h2.Config{EnableConnectProtocol: true}, fields: with(":protocol", "websocket"),
			frames: []string{refused}},
		{name: "method not a token", endStream: true, frames: []string{refused},
			fields: []string{":method", "G T", ":scheme", "https", ":authority", "a", ":path", "/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newServer(t, tc.cfg)
			frames := [][]byte{p.Headers(1, tc.endStream, tc.fields...)}
			for i, d := range tc.data {
				frames = append(frames, h2.AppendData(nil, 1, i == len(tc.data)-1, []byte(d)))
			}
			diff(t, "events", tc.events, send(t, p, frames...))
			diff(t, "frames", tc.frames, read(t, p))
			// A malformed request is a stream error: the connection goes on.
			diff(t, "next request", []string{"request 3 GET https://example.com/ [] end", "ended 3"},
				send(t, p, get(p, 3, true)))
		})
	}
}

// TestSendRequestValidation: a client refuses to send what a server would reject (RFC 9113 §8.2, §8.3.1).
func TestSendRequestValidation(t *testing.T) {
	req := func(method, scheme, authority, path, protocol string, pairs ...string) *proto.RequestHead {
		h := proto.NewRequest(method, path, pairs...)
		h.Scheme, h.Authority, h.Protocol = []byte(scheme), []byte(authority), []byte(protocol)
		return h
	}
	for _, tc := range []struct {
		name     string
		settings []h2.Setting
		req      *proto.RequestHead
		err      error // nil: sent
		frame    string
	}{
		{name: "GET", req: req("GET", "https", "a", "/x", "", "accept", "*/*"),
			frame: "HEADERS 1 END_STREAM END_HEADERS [:method: GET, :scheme: https, :path: /x, :authority: a, accept: */*]"},
		{name: "CONNECT", req: req("CONNECT", "", "a:443", "", ""),
			frame: "HEADERS 1 END_STREAM END_HEADERS [:method: CONNECT, :authority: a:443]"},
		{name: "extended CONNECT", settings: []h2.Setting{{ID: h2.SettingEnableConnectProtocol, Val: 1}},
			req:   req("CONNECT", "https", "a", "/chat", "websocket"),
			frame: "HEADERS 1 END_STREAM END_HEADERS [:method: CONNECT, :scheme: https, :path: /chat, :authority: a, :protocol: websocket]"},
		{name: "extended CONNECT not enabled by the server", req: req("CONNECT", "https", "a", "/chat", "websocket"),
			err: proto.ErrState},
		{name: ":protocol on GET", settings: []h2.Setting{{ID: h2.SettingEnableConnectProtocol, Val: 1}},
			req: req("GET", "https", "a", "/", "websocket"), err: proto.ErrState},
		{name: "CONNECT without authority", req: req("CONNECT", "", "", "", ""), err: proto.ErrInvalidField},
		{name: "no path", req: req("GET", "https", "a", "", ""), err: proto.ErrInvalidField},
		{name: "no scheme", req: req("GET", "", "a", "/", ""), err: proto.ErrInvalidField},
		{name: "method not a token", req: req("G T", "https", "a", "/", ""), err: proto.ErrInvalidField},
		{name: "upper-case name", req: req("GET", "https", "a", "/", "", "Accept", "*/*"), err: proto.ErrInvalidField},
		{name: "connection", req: req("GET", "https", "a", "/", "", "connection", "close"), err: proto.ErrInvalidField},
		{name: "transfer-encoding", req: req("GET", "https", "a", "/", "", "transfer-encoding", "chunked"),
			err: proto.ErrInvalidField},
		{name: "te: gzip", req: req("GET", "https", "a", "/", "", "te", "gzip"), err: proto.ErrInvalidField},
		{name: "pseudo-header among the fields", req: req("GET", "https", "a", "/", "", ":path", "/x"),
			err: proto.ErrInvalidField},
		{name: "value with CR", req: req("GET", "https", "a", "/", "", "x", "a\rb"), err: proto.ErrInvalidField},
		{name: "path with LF", req: req("GET", "https", "a", "/\n", ""), err: proto.ErrInvalidField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newClient(t, h2.Config{}, tc.settings...)
			id, err := p.Conn.SendRequest(tc.req, true)
			if tc.err != nil {
				var le *proto.LocalError
				if !errors.Is(err, tc.err) || !errors.As(err, &le) {
					t.Fatalf("SendRequest: %v, want a LocalError wrapping %v", err, tc.err)
				}
				diff(t, "frames", []string(nil), read(t, p))
				if p.Conn.Err() != nil {
					t.Errorf("a refused request made the connection fail: %v", p.Conn.Err())
				}
				return
			}
			if err != nil || id != 1 {
				t.Fatalf("SendRequest = %d, %v", id, err)
			}
			diff(t, "frames", []string{tc.frame}, read(t, p))
		})
	}
}

// TestResponseValidation: a client checks response field sections (RFC 9113 §8.3.2, §8.1, §8.6). The
// events are those the application reads; a malformed response resets the stream with PROTOCOL_ERROR.
func TestResponseValidation(t *testing.T) {
	type hdr struct {
		fields    []string
		endStream bool
	}
	const reset = "RST_STREAM 1 PROTOCOL_ERROR"
	for _, tc := range []struct {
		name   string
		head   bool  // the request is a HEAD
		frames []any // hdr, or a string: DATA carrying it, "<end>" for an empty DATA with END_STREAM
		events []string
		out    []string
	}{
		{name: "200 with body", frames: []any{hdr{[]string{":status", "200", "content-type", "text/plain"}, false},
			"hi", "<end>"}, events: []string{"response 1 200 [content-type: text/plain]", `data 1 "hi"`, "ended 1"}},
		{name: "100 then 200", frames: []any{hdr{[]string{":status", "100"}, false}, hdr{[]string{":status", "200"}, true}},
			events: []string{"informational 1 100 []", "response 1 200 [] end", "ended 1"}},
		{name: "103 twice then 204", frames: []any{hdr{[]string{":status", "103", "link", "</a>"}, false},
			hdr{[]string{":status", "103", "link", "</b>"}, false}, hdr{[]string{":status", "204"}, true}},
			events: []string{"informational 1 103 [link: </a>]", "informational 1 103 [link: </b>]",
				"response 1 204 [] end", "ended 1"}},
		{name: "trailers", frames: []any{hdr{[]string{":status", "200"}, false}, "body",
			hdr{[]string{"x-checksum", "abc"}, true}},
			events: []string{"response 1 200 []", `data 1 "body"`, "trailers 1 [x-checksum: abc] end", "ended 1"}},
		{name: "content-length matches", frames: []any{hdr{[]string{":status", "200", "content-length", "3"}, false},
			"abc", "<end>"}, events: []string{"response 1 200 [content-length: 3]", `data 1 "abc"`, "ended 1"}},
		{name: "HEAD with content-length", head: true,
			frames: []any{hdr{[]string{":status", "200", "content-length", "100"}, true}},
			events: []string{"response 1 200 [content-length: 100] end", "ended 1"}},
		{name: "304 with content-length", frames: []any{hdr{[]string{":status", "304", "content-length", "100"}, true}},
			events: []string{"response 1 304 [content-length: 100] end", "ended 1"}},

		{name: "101", frames: []any{hdr{[]string{":status", "101"}, false}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "1xx with END_STREAM", frames: []any{hdr{[]string{":status", "100"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "no :status", frames: []any{hdr{[]string{"content-type", "text/plain"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: ":status not three digits", frames: []any{hdr{[]string{":status", "2000"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: ":status 099", frames: []any{hdr{[]string{":status", "099"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "two :status", frames: []any{hdr{[]string{":status", "200", ":status", "204"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "request pseudo-header", frames: []any{hdr{[]string{":status", "200", ":path", "/"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "connection-specific field", frames: []any{hdr{[]string{":status", "200", "connection", "close"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "content-length with END_STREAM", frames: []any{hdr{[]string{":status", "200", "content-length", "3"}, true}},
			events: []string{"reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "DATA shorter than content-length", frames: []any{
			hdr{[]string{":status", "200", "content-length", "5"}, false}, "abc", "<end>"},
			events: []string{"response 1 200 [content-length: 5]", `data 1 "abc"`, "reset 1 PROTOCOL_ERROR local"},
			out:    []string{reset}},
		{name: "trailers without END_STREAM", frames: []any{hdr{[]string{":status", "200"}, false},
			hdr{[]string{"x-checksum", "abc"}, false}},
			events: []string{"response 1 200 []", "reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
		{name: "trailers with :status", frames: []any{hdr{[]string{":status", "200"}, false},
			hdr{[]string{":status", "200"}, true}},
			events: []string{"response 1 200 []", "reset 1 PROTOCOL_ERROR local"}, out: []string{reset}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newClient(t, h2.Config{})
			method := "GET"
			if tc.head {
				method = "HEAD"
			}
			if _, err := p.Conn.SendRequest(&proto.RequestHead{Method: []byte(method), Scheme: []byte("https"),
				Authority: []byte("a"), Target: []byte("/")}, true); err != nil {
				t.Fatal(err)
			}
			read(t, p)
			var frames [][]byte
			for _, f := range tc.frames {
				switch f := f.(type) {
				case hdr:
					frames = append(frames, p.Headers(1, f.endStream, f.fields...))
				case string:
					if f == "<end>" {
						frames = append(frames, h2.AppendData(nil, 1, true, nil))
					} else {
						frames = append(frames, h2.AppendData(nil, 1, false, []byte(f)))
					}
				}
			}
			diff(t, "events", tc.events, send(t, p, frames...))
			diff(t, "frames", tc.out, read(t, p))
		})
	}
}

// TestGoAway: graceful shutdown both ways (RFC 9113 §6.8).
func TestGoAway(t *testing.T) {
	t.Run("server sends GOAWAY: newer streams are ignored, older ones served", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, post(p, 1))
		if err := p.Conn.GoAway(h2.ErrCodeNo, []byte("bye")); err != nil {
			t.Fatal(err)
		}
		diff(t, "frames", []string{"GOAWAY last=1 NO_ERROR"}, read(t, p))
		// Stream 3 was in flight: its HEADERS and DATA are ignored, the DATA still counted for flow control.
		diff(t, "events of stream 3", []string(nil), send(t, p, post(p, 3), data(3, true, "ignored")(p)))
		diff(t, "frames after stream 3", []string(nil), read(t, p))
		diff(t, "events of stream 1", []string{`data 1 "body" end`, "ended 1"}, send(t, p, data(1, true, "body")(p)))
		if err := p.Conn.SendResponse(1, proto.NewResponse(204), true); err != nil {
			t.Fatal(err)
		}
		diff(t, "frames", []string{"HEADERS 1 END_STREAM END_HEADERS [:status: 204]"}, read(t, p))
		if p.Conn.OpenStreams() != 0 {
			t.Errorf("%d streams open", p.Conn.OpenStreams())
		}
	})
	// Requests in flight when the GOAWAY left are no abuse: however many, they must not spend the budget of
	// provoked resets (Limits.MaxResetStreams) and end the connection.
	t.Run("many streams in flight above the last stream id", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{MaxResetStreams: 5}})
		send(t, p, post(p, 1))
		if err := p.Conn.GoAway(h2.ErrCodeNo, nil); err != nil {
			t.Fatal(err)
		}
		read(t, p)
		for id := uint32(3); id < 3+2*20; id += 2 {
			if evs, err := p.Send(post(p, id), data(id, true, "ignored")(p)); err != nil || len(evs) != 0 {
				t.Fatalf("stream %d in flight: events %q, error %v", id, pairtest.DescribeH2Events(evs), err)
			}
		}
	})
	t.Run("client receives GOAWAY", func(t *testing.T) {
		p := newClient(t, h2.Config{})
		clientRequest(t, p, true)
		clientRequest(t, p, true)
		diff(t, "events", []string{`goaway last=1 NO_ERROR "shutting down"`},
			send(t, p, h2.AppendGoAway(nil, 1, h2.ErrCodeNo, []byte("shutting down"))))
		if _, err := p.Conn.SendRequest(proto.NewRequest("GET", "/"), true); !errors.Is(err, h2.ErrGoingAway) {
			t.Errorf("SendRequest after GOAWAY: %v, want ErrGoingAway", err)
		}
		diff(t, "events of stream 1", []string{"response 1 204 [] end", "ended 1"},
			send(t, p, p.Headers(1, true, ":status", "204")))
		// A second GOAWAY may lower the last stream id, not raise it.
		diff(t, "events", []string{`goaway last=0 NO_ERROR ""`}, send(t, p, h2.AppendGoAway(nil, 0, h2.ErrCodeNo, nil)))
		recvConnError(t, p, h2.ErrCodeProtocol, h2.AppendGoAway(nil, 1, h2.ErrCodeNo, nil))
	})
	t.Run("client receives GOAWAY with an error", func(t *testing.T) {
		p := newClient(t, h2.Config{})
		clientRequest(t, p, true)
		diff(t, "events", []string{`goaway last=0 ENHANCE_YOUR_CALM "calm down"`},
			send(t, p, h2.AppendGoAway(nil, 0, h2.ErrCodeEnhanceYourCalm, []byte("calm down"))))
	})
	t.Run("client sends GOAWAY", func(t *testing.T) {
		p := newClient(t, h2.Config{})
		if err := p.Conn.GoAway(h2.ErrCodeNo, nil); err != nil {
			t.Fatal(err)
		}
		diff(t, "frames", []string{"GOAWAY last=0 NO_ERROR"}, read(t, p))
		if p.Conn.CanOpenStream() {
			t.Error("CanOpenStream after our GOAWAY")
		}
		if _, err := p.Conn.SendRequest(proto.NewRequest("GET", "/"), true); !errors.Is(err, h2.ErrGoingAway) {
			t.Errorf("SendRequest after our GOAWAY: %v, want ErrGoingAway", err)
		}
	})
	t.Run("GOAWAY on a stream", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		recvConnError(t, p, h2.ErrCodeProtocol, append(h2.AppendFrameHeader(nil,
			h2.FrameHeader{Length: 8, Type: h2.FrameGoAway, StreamID: 1}), 0, 0, 0, 0, 0, 0, 0, 0))
	})
}

// TestReset: resets by the application (Reset) and by the peer (StreamReset events, RFC 9113 §6.4).
func TestReset(t *testing.T) {
	t.Run("application resets a stream", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, post(p, 1))
		if err := p.Conn.Reset(1, h2.ErrCodeCancel); err != nil {
			t.Fatal(err)
		}
		diff(t, "frames", []string{"RST_STREAM 1 CANCEL"}, read(t, p))
		if _, err := p.Conn.SendData(1, []byte("x"), true); !errors.Is(err, h2.ErrStreamNotWritable) {
			t.Errorf("SendData after Reset: %v, want ErrStreamNotWritable", err)
		}
		if err := p.Conn.SendResponse(1, proto.NewResponse(200), true); !errors.Is(err, h2.ErrStreamNotWritable) {
			t.Errorf("SendResponse after Reset: %v, want ErrStreamNotWritable", err)
		}
		if err := p.Conn.Reset(1, h2.ErrCodeCancel); err != nil {
			t.Errorf("second Reset: %v", err)
		}
		diff(t, "frames after a second Reset", []string(nil), read(t, p))
		var le *proto.LocalError
		if err := p.Conn.Reset(9, h2.ErrCodeCancel); !errors.Is(err, h2.ErrStreamNotWritable) || !errors.As(err, &le) {
			t.Errorf("Reset of a stream never opened: %v, want a LocalError with ErrStreamNotWritable", err)
		}
		if p.Conn.Err() != nil || p.Conn.OpenStreams() != 0 {
			t.Errorf("Err %v, %d streams open", p.Conn.Err(), p.Conn.OpenStreams())
		}
	})
	t.Run("peer resets a stream", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		respond(t, p, 1)
		read(t, p)
		diff(t, "events", []string{"reset 1 INTERNAL_ERROR remote"}, send(t, p, rst(1, h2.ErrCodeInternal)(p)))
		if _, err := p.Conn.SendData(1, []byte("x"), true); !errors.Is(err, h2.ErrStreamNotWritable) {
			t.Errorf("SendData after the peer's reset: %v, want ErrStreamNotWritable", err)
		}
		diff(t, "frames", []string(nil), read(t, p))
	})
	t.Run("peer resets with an unknown code", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		send(t, p, post(p, 1))
		diff(t, "events", []string{"reset 1 UNKNOWN_ERROR_CODE_0x99 remote"}, send(t, p, rst(1, 0x99)(p)))
	})
	t.Run("client: server refuses the stream", func(t *testing.T) {
		p := newClient(t, h2.Config{})
		id := clientRequest(t, p, true)
		diff(t, "events", []string{"reset 1 REFUSED_STREAM remote"}, send(t, p, rst(id, h2.ErrCodeRefusedStream)(p)))
		if p.Conn.OpenStreams() != 0 {
			t.Errorf("%d streams open", p.Conn.OpenStreams())
		}
	})
	t.Run("client: oversized response", func(t *testing.T) {
		p := newClient(t, h2.Config{Limits: h2.Limits{Limits: proto.Limits{MaxHeaderCount: 3}}})
		id := clientRequest(t, p, true)
		diff(t, "events", []string{"reset 1 REFUSED_STREAM local"},
			send(t, p, p.Headers(id, true, ":status", "200", "a", "1", "b", "2", "c", "3")))
		diff(t, "frames", []string{"RST_STREAM 1 REFUSED_STREAM"}, read(t, p))
	})
}

// TestEventsOnlyForKnownStreams: the application hears of a stream first through its request; streams the
// core refused or ignored before that never yield an event, whatever arrives on them later.
func TestEventsOnlyForKnownStreams(t *testing.T) {
	t.Run("refused above MAX_CONCURRENT_STREAMS", func(t *testing.T) {
		p := newServer(t, h2.Config{MaxConcurrentStreams: 2})
		diff(t, "events", []string{"request 1 POST https://example.com/up []", "request 3 POST https://example.com/up []"},
			send(t, p, post(p, 1), post(p, 3), post(p, 5)))
		diff(t, "frames", []string{"RST_STREAM 5 REFUSED_STREAM"}, read(t, p))
		diff(t, "events on stream 5", []string(nil), send(t, p, data(5, false, "x")(p), trailers(5, true)(p),
			rst(5, h2.ErrCodeCancel)(p), windowUpdate(5, 1)(p)))
		diff(t, "frames", []string(nil), read(t, p))
		// Once a stream closes there is room again.
		send(t, p, rst(1, h2.ErrCodeCancel)(p))
		diff(t, "events", []string{"request 7 POST https://example.com/up []"}, send(t, p, post(p, 7)))
	})
	t.Run("malformed request", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		diff(t, "events", []string(nil), send(t, p, p.Headers(1, false, ":method", "GET", ":path", "/")))
		diff(t, "frames", []string{"RST_STREAM 1 PROTOCOL_ERROR"}, read(t, p))
		diff(t, "events on stream 1", []string(nil), send(t, p, data(1, false, "x")(p), rst(1, h2.ErrCodeCancel)(p),
			windowUpdate(1, 1)(p)))
		diff(t, "frames", []string(nil), read(t, p))
	})
	t.Run("oversized request", func(t *testing.T) {
		p := newServer(t, h2.Config{Limits: h2.Limits{Limits: proto.Limits{MaxHeaderCount: 5}}})
		diff(t, "events", []string(nil), send(t, p, post(p, 1, "a", "1", "b", "2")))
		frames := read(t, p)
		if len(frames) == 0 || frames[0] != "HEADERS 1 END_STREAM END_HEADERS [:status: 431]" {
			t.Fatalf("frames %q, want a 431 response", frames)
		}
		diff(t, "events on stream 1", []string(nil), send(t, p, data(1, true, "x")(p), rst(1, h2.ErrCodeCancel)(p)))
	})
}

// TestOversizedRequest: a request head over the limits is answered 431 (RFC 6585 §5, RFC 9113 §10.5.1) and
// the stream ends; the peer's END_STREAM counts, so a request that had ended needs no RST_STREAM, and one that
// had not gets RST_STREAM NO_ERROR to stop its body (RFC 9113 §8.1).
func TestOversizedRequest(t *testing.T) {
	for _, tc := range []struct {
		name      string
		endStream bool
		frames    []string
	}{
		{"with END_STREAM", true, []string{"HEADERS 1 END_STREAM END_HEADERS [:status: 431]"}},
		{"without END_STREAM", false, []string{"HEADERS 1 END_STREAM END_HEADERS [:status: 431]", "RST_STREAM 1 NO_ERROR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newServer(t, h2.Config{Limits: h2.Limits{Limits: proto.Limits{MaxHeaderBytes: 500}}})
			diff(t, "events", []string(nil), send(t, p, get(p, 1, tc.endStream, "x-big", strings.Repeat("b", 400))))
			// RFC 9113 §5.1: once both sides sent END_STREAM the stream is closed, and only PRIORITY may be sent.
			diff(t, "frames", tc.frames, read(t, p))
			diff(t, "next request", []string{"request 3 GET https://example.com/ [] end", "ended 3"},
				send(t, p, get(p, 3, true)))
		})
	}
}

// TestInformationalLimit: endless 1xx heads on a stream end with the stream reset (MaxInformational).
func TestInformationalLimit(t *testing.T) {
	p := pairtest.NewH2(h2.Config{Limits: h2.Limits{Limits: proto.Limits{MaxInformational: 2}}}, h2.Config{})
	if err := p.Exchange(nil); err != nil {
		t.Fatal(err)
	}
	id, err := p.Client.SendRequest(&proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"),
		Authority: []byte("a"), Target: []byte("/")}, true)
	if err != nil {
		t.Fatal(err)
	}
	infos, resets := 0, 0
	err = p.Exchange(func(role h2.Role, ev h2.Event) error {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if role == h2.Server {
				for range 5 {
					if err := p.Server.SendResponse(e.StreamID, proto.NewResponse(103), false); err != nil {
						return err
					}
				}
			} else if e.Kind == h2.KindInformational {
				infos++
			}
		case *h2.StreamReset:
			if role == h2.Client && e.StreamID == id && !e.Remote && e.Code == h2.ErrCodeProtocol {
				resets++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if infos != 2 || resets != 1 {
		t.Fatalf("%d informational heads and %d resets, want 2 and 1", infos, resets)
	}
}

// TestStaticPseudoFields: pseudo-header fields that match a static-table entry exactly go out as one
// indexed byte each (RFC 7541 §6.1, Appendix A), and the peer decodes them.
func TestStaticPseudoFields(t *testing.T) {
	p := newClient(t, h2.Config{})
	for _, tc := range []struct {
		method, scheme, target string
		prefix                 []byte
	}{
		{"GET", "http", "/", []byte{0x82, 0x86, 0x84}},
		{"POST", "https", "/index.html", []byte{0x83, 0x87, 0x85}},
	} {
		id, err := p.Conn.SendRequest(&proto.RequestHead{Method: []byte(tc.method), Scheme: []byte(tc.scheme),
			Authority: []byte("example.com"), Target: []byte(tc.target), Version: proto.HTTP2}, true)
		if err != nil {
			t.Fatal(err)
		}
		f := mustRead(t, p)
		if len(f) != 1 || !bytes.HasPrefix(f[0].Fragment, tc.prefix) {
			t.Fatalf("%s %s: frames %v, want a block starting %x", tc.method, tc.target, pairtest.DescribeH2Frames(f), tc.prefix)
		}
		want := "HEADERS " + strconv.Itoa(int(id)) + " END_STREAM END_HEADERS [:method: " + tc.method + ", :scheme: " +
			tc.scheme + ", :path: " + tc.target + ", :authority: example.com]"
		diff(t, "decoded", []string{want}, pairtest.DescribeH2Frames(f))
	}
}
