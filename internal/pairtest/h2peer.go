package pairtest

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
	"golang.org/x/net/http2/hpack"
)

// H2Peer is a hand-driven HTTP/2 endpoint facing one core: a test writes frames made with the h2 Append
// functions (or Headers, which HPACK-encodes fields with the peer's own encoder) and reads the frames the
// core queued with Read, which decodes field blocks with the peer's own decoder. It checks nothing it sends,
// so it can play a buggy or hostile peer: floods, resets, bombs.
type H2Peer struct {
	// Conn is the core under test.
	Conn *h2.Conn
	// Clock is a virtual clock for the core's Deadline and HandleTimeout.
	Clock *Clock
	// Sent counts the frames handed to the core by Send, one per argument.
	Sent int

	enc    *hpack.Encoder
	encBuf bufWriter
	dec    *hpack.Decoder
	block  []byte // a field block from the core, awaiting its END_HEADERS
	in     []byte // bytes taken from the core, not yet a whole frame
	magic  bool   // the client core's preface has been read
}

type bufWriter struct{ b []byte }

func (w *bufWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// NewH2Peer returns a peer facing core. Its HPACK encoder respects the header table size the core announces.
func NewH2Peer(core *h2.Conn) *H2Peer {
	p := &H2Peer{Conn: core, Clock: NewClock(), dec: hpack.NewDecoder(4096, nil), magic: core.Role() == h2.Server}
	p.enc = hpack.NewEncoder(&p.encBuf)
	p.enc.SetMaxDynamicTableSizeLimit(core.LocalSettings().HeaderTableSize)
	return p
}

// NewH2Server returns a server core made with cfg and a client peer facing it.
func NewH2Server(cfg h2.Config) *H2Peer { return NewH2Peer(h2.NewConn(h2.Server, cfg)) }

// NewH2Client returns a client core made with cfg and a server peer facing it.
func NewH2Client(cfg h2.Config) *H2Peer { return NewH2Peer(h2.NewConn(h2.Client, cfg)) }

// Handshake opens the connection: the peer sends its preface (when the core is a server) and a SETTINGS frame
// with settings, reads what the core queued, and acknowledges the core's SETTINGS. It fails unless the core
// reports exactly SettingsReceived and then SettingsAcked.
func (p *H2Peer) Handshake(settings ...h2.Setting) error {
	var first []byte
	if p.Conn.Role() == h2.Server {
		first = append(first, h2.ClientPreface...)
	}
	first = h2.AppendSettings(first, settings...)
	evs, err := p.Send(first)
	if err != nil {
		return err
	}
	if _, err := p.Read(); err != nil {
		return err
	}
	more, err := p.Send(h2.AppendSettingsAck(nil))
	if err != nil {
		return err
	}
	got := DescribeH2Events(append(evs, more...))
	if want := []string{"settings", "settings ack"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
		return fmt.Errorf("pairtest: handshake events %q, want %q", got, want)
	}
	return nil
}

// Block HPACK-encodes name, value pairs with the peer's encoder and returns the field block. Pairs whose
// name is "sensitive:NAME" are encoded never-indexed under NAME. It panics if pairs has an odd length.
func (p *H2Peer) Block(pairs ...string) []byte {
	if len(pairs)%2 != 0 {
		panic("pairtest: odd number of name/value strings")
	}
	p.encBuf.b = nil
	for i := 0; i < len(pairs); i += 2 {
		name, sensitive := strings.CutPrefix(pairs[i], "sensitive:")
		_ = p.enc.WriteField(hpack.HeaderField{Name: name, Value: pairs[i+1], Sensitive: sensitive})
	}
	return p.encBuf.b
}

// Headers returns a HEADERS frame with END_HEADERS carrying the field block of pairs (see Block).
func (p *H2Peer) Headers(id uint32, endStream bool, pairs ...string) []byte {
	return h2.AppendHeaders(nil, id, endStream, true, p.Block(pairs...))
}

// Send hands frames to the core, one Receive per argument (each argument is one frame for Sent, though it
// may hold any bytes), then reads every event the core has, cloned. It stops at the first error, which it
// returns with the events read before it.
func (p *H2Peer) Send(frames ...[]byte) ([]h2.Event, error) {
	for _, f := range frames {
		if err := p.Conn.Receive(f); err != nil {
			return nil, err
		}
		p.Sent++
	}
	return p.Events()
}

// Events reads every event the core has now, cloned, and the error that stopped reading, if any.
func (p *H2Peer) Events() ([]h2.Event, error) {
	var evs []h2.Event
	for {
		ev, err := p.Conn.NextEvent()
		if err != nil || ev == nil {
			return evs, err
		}
		evs = append(evs, CloneH2(ev))
	}
}

// H2Frame is one frame the core sent, as the peer read it.
type H2Frame struct {
	h2.FrameHeader
	Payload []byte // a copy
	// Fields are the decoded fields of the field block this frame ends (HEADERS or CONTINUATION with
	// END_HEADERS), in order; nil otherwise, and always nil from ParseH2Frames.
	Fields []hpack.HeaderField
	// Fragment is the field block fragment of a HEADERS or CONTINUATION frame.
	Fragment []byte
}

// Read takes everything the core has pending (Pending, then Advance), splits it into frames and decodes
// field blocks with the peer's HPACK decoder. The client core's connection preface is checked and dropped.
func (p *H2Peer) Read() ([]H2Frame, error) {
	out := p.Conn.Pending()
	p.in = append(p.in, out...)
	p.Conn.Advance(len(out))
	if !p.magic {
		if len(p.in) < len(h2.ClientPreface) {
			return nil, nil
		}
		if string(p.in[:len(h2.ClientPreface)]) != h2.ClientPreface {
			return nil, errors.New("pairtest: the client core did not send the connection preface")
		}
		p.in = p.in[len(h2.ClientPreface):]
		p.magic = true
	}
	frames, n, err := parseH2Frames(p.in)
	p.in = p.in[n:]
	if err != nil {
		return frames, err
	}
	for i := range frames {
		f := &frames[i]
		if f.Type != h2.FrameHeaders && f.Type != h2.FrameContinuation {
			continue
		}
		p.block = append(p.block, f.Fragment...)
		if f.Flags.Has(h2.FlagEndHeaders) {
			fields, err := p.dec.DecodeFull(p.block)
			p.block = p.block[:0]
			if err != nil {
				return frames, fmt.Errorf("pairtest: decoding the core's field block: %w", err)
			}
			f.Fields = fields
		}
	}
	return frames, nil
}

// ReadStrings is Read with each frame described by String.
func (p *H2Peer) ReadStrings() ([]string, error) {
	frames, err := p.Read()
	return DescribeH2Frames(frames), err
}

// ParseH2Frames splits b into frames without decoding field blocks, e.g. to look at a core's Pending
// without taking it. A trailing partial frame is an error.
func ParseH2Frames(b []byte) ([]H2Frame, error) {
	frames, n, err := parseH2Frames(b)
	if err == nil && n != len(b) {
		err = fmt.Errorf("pairtest: %d bytes after the last whole frame", len(b)-n)
	}
	return frames, err
}

func parseH2Frames(b []byte) ([]H2Frame, int, error) {
	var frames []H2Frame
	off := 0
	for {
		h, payload, n, err := h2.NextFrame(b[off:], h2.MaxFrameSizeLimit)
		if err != nil {
			return frames, off, err
		}
		if n == 0 {
			return frames, off, nil
		}
		f := H2Frame{FrameHeader: h, Payload: append([]byte(nil), payload...)}
		switch h.Type {
		case h2.FrameHeaders:
			hf, err := h2.ParseHeaders(h, f.Payload)
			if err != nil {
				return frames, off, err
			}
			f.Fragment = hf.Fragment
		case h2.FrameContinuation:
			f.Fragment = f.Payload
		}
		frames = append(frames, f)
		off += n
	}
}

// String describes the frame on one line, for tables compared with cmp.Diff:
//
//	HEADERS 1 END_STREAM END_HEADERS [:status: 200, content-length: 5]
//	CONTINUATION 1 len=100
//	DATA 1 "hello" END_STREAM      (or len=N for payloads over 32 bytes)
//	RST_STREAM 1 PROTOCOL_ERROR
//	SETTINGS [SETTINGS_MAX_FRAME_SIZE=16384]   SETTINGS ACK
//	PING 0102030405060708          PING ACK 0102030405060708
//	GOAWAY last=1 ENHANCE_YOUR_CALM
//	WINDOW_UPDATE 0 +32768
func (f H2Frame) String() string {
	var b strings.Builder
	b.WriteString(f.Type.String())
	switch f.Type {
	case h2.FrameData:
		d, err := h2.ParseData(f.FrameHeader, f.Payload)
		if err != nil {
			return b.String() + " invalid: " + err.Error()
		}
		fmt.Fprintf(&b, " %d %s", f.StreamID, shortBytes(d.Data))
		if d.EndStream {
			b.WriteString(" END_STREAM")
		}
	case h2.FrameHeaders, h2.FrameContinuation:
		fmt.Fprintf(&b, " %d", f.StreamID)
		if f.Type == h2.FrameHeaders && f.Flags.Has(h2.FlagEndStream) {
			b.WriteString(" END_STREAM")
		}
		if f.Flags.Has(h2.FlagEndHeaders) {
			b.WriteString(" END_HEADERS")
		}
		if f.Fields != nil {
			b.WriteString(" " + fieldList(f.Fields))
		} else {
			fmt.Fprintf(&b, " len=%d", len(f.Fragment))
		}
	case h2.FrameRSTStream:
		r, err := h2.ParseRSTStream(f.FrameHeader, f.Payload)
		if err != nil {
			return b.String() + " invalid: " + err.Error()
		}
		fmt.Fprintf(&b, " %d %s", r.StreamID, r.Code)
	case h2.FrameSettings:
		s, err := h2.ParseSettings(f.FrameHeader, f.Payload)
		if err != nil {
			return b.String() + " invalid: " + err.Error()
		}
		if s.Ack {
			return "SETTINGS ACK"
		}
		list := make([]string, s.Len())
		for i := range s.Len() {
			list[i] = s.At(i).String()
		}
		b.WriteString(" [" + strings.Join(list, " ") + "]")
	case h2.FramePing:
		pf, err := h2.ParsePing(f.FrameHeader, f.Payload)
		if err != nil {
			return b.String() + " invalid: " + err.Error()
		}
		if pf.Ack {
			b.WriteString(" ACK")
		}
		b.WriteString(" " + hex.EncodeToString(pf.Data[:]))
	case h2.FrameGoAway:
		g, err := h2.ParseGoAway(f.FrameHeader, f.Payload)
		if err != nil {
			return b.String() + " invalid: " + err.Error()
		}
		fmt.Fprintf(&b, " last=%d %s", g.LastStreamID, g.Code)
	case h2.FrameWindowUpdate:
		w, err := h2.ParseWindowUpdate(f.FrameHeader, f.Payload)
		if err != nil {
			return b.String() + " invalid: " + err.Error()
		}
		fmt.Fprintf(&b, " %d +%d", w.StreamID, w.Increment)
	default:
		fmt.Fprintf(&b, " %d len=%d", f.StreamID, len(f.Payload))
	}
	return b.String()
}

// DescribeH2Frames describes each frame with String; nil for no frames.
func DescribeH2Frames(frames []H2Frame) []string {
	if len(frames) == 0 {
		return nil
	}
	out := make([]string, len(frames))
	for i, f := range frames {
		out[i] = f.String()
	}
	return out
}

// FramesOfType returns the frames of type t, in order.
func FramesOfType(frames []H2Frame, t h2.FrameType) []H2Frame {
	var out []H2Frame
	for _, f := range frames {
		if f.Type == t {
			out = append(out, f)
		}
	}
	return out
}

func shortBytes(b []byte) string {
	if len(b) > 32 {
		return "len=" + strconv.Itoa(len(b))
	}
	return strconv.Quote(string(b))
}

func fieldList(fields []hpack.HeaderField) string {
	list := make([]string, len(fields))
	for i, f := range fields {
		list[i] = f.Name + ": " + shortString(f.Value)
	}
	return "[" + strings.Join(list, ", ") + "]"
}

func shortString(s string) string {
	if len(s) > 32 {
		return "len=" + strconv.Itoa(len(s))
	}
	return s
}

func protoFieldList(fields proto.Fields) string {
	list := make([]string, len(fields))
	for i, f := range fields {
		list[i] = string(f.Name) + ": " + shortString(string(f.Value))
	}
	return "[" + strings.Join(list, ", ") + "]"
}

// DescribeH2Event describes an event on one line, for tables compared with cmp.Diff:
//
//	request 1 GET https://a/ [accept: */*] end      (end: EndStream; protocol=P for extended CONNECT)
//	response 1 200 [content-length: 5]
//	informational 1 103 [link: </a>]
//	trailers 1 [x: y] end
//	data 1 "hello" end
//	ended 1
//	reset 1 CANCEL remote       reset 1 PROTOCOL_ERROR local
//	window 0 +100
//	settings    settings ack    ping 0102030405060708    ping ack 0102030405060708
//	goaway last=1 NO_ERROR "debug"
func DescribeH2Event(ev h2.Event) string {
	end := func(b bool) string {
		if b {
			return " end"
		}
		return ""
	}
	switch e := ev.(type) {
	case *h2.HeadersReceived:
		switch e.Kind {
		case h2.KindRequest:
			r := &e.Request
			s := fmt.Sprintf("request %d %s %s://%s%s", e.StreamID, r.Method, r.Scheme, r.Authority, r.Target)
			if len(r.Protocol) > 0 {
				s += " protocol=" + string(r.Protocol)
			}
			return s + " " + protoFieldList(r.Fields) + end(e.EndStream)
		case h2.KindResponse, h2.KindInformational:
			kind := "response"
			if e.Kind == h2.KindInformational {
				kind = "informational"
			}
			return fmt.Sprintf("%s %d %d %s%s", kind, e.StreamID, e.Response.Status,
				protoFieldList(e.Response.Fields), end(e.EndStream))
		default:
			return fmt.Sprintf("trailers %d %s%s", e.StreamID, protoFieldList(e.Trailers), end(e.EndStream))
		}
	case *h2.DataReceived:
		return fmt.Sprintf("data %d %s%s", e.StreamID, shortBytes(e.Data), end(e.EndStream))
	case *h2.StreamEnded:
		return fmt.Sprintf("ended %d", e.StreamID)
	case *h2.StreamReset:
		who := "local"
		if e.Remote {
			who = "remote"
		}
		return fmt.Sprintf("reset %d %s %s", e.StreamID, e.Code, who)
	case *h2.WindowUpdated:
		return fmt.Sprintf("window %d +%d", e.StreamID, e.Delta)
	case *h2.SettingsReceived:
		return "settings"
	case *h2.SettingsAcked:
		return "settings ack"
	case *h2.PingReceived:
		return "ping " + hex.EncodeToString(e.Data[:])
	case *h2.PingAcked:
		return "ping ack " + hex.EncodeToString(e.Data[:])
	case *h2.GoAwayReceived:
		return fmt.Sprintf("goaway last=%d %s %q", e.LastStreamID, e.Code, e.Debug)
	}
	return fmt.Sprintf("unknown event %T", ev)
}

// DescribeH2Events describes each event with DescribeH2Event; nil for no events.
func DescribeH2Events(evs []h2.Event) []string {
	if len(evs) == 0 {
		return nil
	}
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = DescribeH2Event(ev)
	}
	return out
}
