package h2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/httpwire/httpwire/proto"
)

// Helpers shared by the frame tests. Their names start with "ft" so that they stay clear of the connection
// tests' helpers in the same package.

// ftHex decodes a hex string; spaces are ignored.
func ftHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// ftRaw builds a frame byte by byte, with no checks: rawStream is written as is, reserved bit included, and
// Length is len(payload).
func ftRaw(t FrameType, f Flags, rawStream uint32, payload ...byte) []byte {
	n := len(payload)
	b := []byte{byte(n >> 16), byte(n >> 8), byte(n), byte(t), byte(f),
		byte(rawStream >> 24), byte(rawStream >> 16), byte(rawStream >> 8), byte(rawStream)}
	return append(b, payload...)
}

// ftSettings is how the tests compare SETTINGS frames, whose payload is unexported.
type ftSettings struct {
	Ack      bool
	Settings []Setting
}

// ftParse runs the Parse function of h.Type; unknown types give nil, nil. A SettingsFrame comes back as an
// ftSettings.
func ftParse(h FrameHeader, p []byte) (any, error) {
	switch h.Type {
	case FrameData:
		return ParseData(h, p)
	case FrameHeaders:
		return ParseHeaders(h, p)
	case FramePriority:
		return ParsePriority(h, p)
	case FrameRSTStream:
		return ParseRSTStream(h, p)
	case FrameSettings:
		f, err := ParseSettings(h, p)
		v := ftSettings{Ack: f.Ack}
		for i := range f.Len() {
			v.Settings = append(v.Settings, f.At(i))
		}
		return v, err
	case FramePushPromise:
		return ParsePushPromise(h, p)
	case FramePing:
		return ParsePing(h, p)
	case FrameGoAway:
		return ParseGoAway(h, p)
	case FrameWindowUpdate:
		return ParseWindowUpdate(h, p)
	case FrameContinuation:
		return ParseContinuation(h, p)
	}
	return nil, nil
}

// ftParseWire splits one whole frame off wire with the default frame size and parses it.
func ftParseWire(t *testing.T, wire []byte) (any, error) {
	t.Helper()
	h, p, n, err := NextFrame(wire, DefaultMaxFrameSize)
	if err != nil {
		return nil, err
	}
	if n != len(wire) {
		t.Fatalf("NextFrame used %d bytes of %d", n, len(wire))
	}
	return ftParse(h, p)
}

// ftRemote checks that err is a *proto.RemoteError wrapping proto.ErrProtocol and returns it.
func ftRemote(t *testing.T, err error) *proto.RemoteError {
	t.Helper()
	var re *proto.RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not a *proto.RemoteError", err, err)
	}
	if !errors.Is(err, proto.ErrProtocol) {
		t.Errorf("error %v does not wrap proto.ErrProtocol", err)
	}
	return re
}

var ftCmpOpts = cmp.Options{cmpopts.EquateEmpty()}

func TestFrameHeaderRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		h    FrameHeader
		wire string
	}{
		{"zero", FrameHeader{}, "000000 00 00 00000000"},
		{"data", FrameHeader{Length: 16384, Type: FrameData, Flags: FlagEndStream, StreamID: 1},
			"004000 00 01 00000001"},
		{"largest", FrameHeader{Length: MaxFrameSizeLimit, Type: 0xff, Flags: 0xff, StreamID: MaxWindowSize},
			"ffffff ff ff 7fffffff"},
		{"settings ack", FrameHeader{Type: FrameSettings, Flags: FlagAck}, "000000 04 01 00000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := ftHex(tt.wire)
			if got := AppendFrameHeader(nil, tt.h); !bytes.Equal(got, wire) {
				t.Errorf("AppendFrameHeader = %x, want %x", got, wire)
			}
			got, ok := ParseFrameHeader(wire)
			if !ok {
				t.Fatal("ParseFrameHeader: not ok")
			}
			if diff := cmp.Diff(tt.h, got); diff != "" {
				t.Errorf("ParseFrameHeader (-want +got):\n%s", diff)
			}
		})
	}
}

// RFC 9113 §4.1: the reserved bit is ignored on receipt and left unset on send.
func TestFrameHeaderReservedBit(t *testing.T) {
	h, ok := ParseFrameHeader(ftHex("000000 08 00 80000005"))
	if !ok || h.StreamID != 5 {
		t.Errorf("ParseFrameHeader with reserved bit = %+v, %v; want stream 5", h, ok)
	}
	got := AppendFrameHeader(nil, FrameHeader{Type: FrameWindowUpdate, StreamID: 1<<31 | 5})
	if want := ftHex("000000 08 00 00000005"); !bytes.Equal(got, want) {
		t.Errorf("AppendFrameHeader with reserved bit = %x, want %x", got, want)
	}
}

func TestParseFrameHeaderShort(t *testing.T) {
	wire := ftHex("000000 04 00 00000000")
	for i := range len(wire) {
		if h, ok := ParseFrameHeader(wire[:i]); ok || h != (FrameHeader{}) {
			t.Errorf("ParseFrameHeader(%d bytes) = %+v, %v; want zero, false", i, h, ok)
		}
	}
}

func TestAppendFrameHeaderTooLong(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("AppendFrameHeader with Length 2^24 did not panic")
		}
	}()
	AppendFrameHeader(nil, FrameHeader{Length: 1 << 24})
}

func TestAppendKeepsDst(t *testing.T) {
	dst := []byte("prefix")
	got := AppendPing(dst, false, [8]byte{1})
	if !bytes.HasPrefix(got, []byte("prefix")) || len(got) != 6+FrameHeaderLen+8 {
		t.Errorf("AppendPing(prefix) = %q", got)
	}
}

func TestNextFrame(t *testing.T) {
	ping := AppendPing(nil, false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
	unknown := ftRaw(0xfa, 0xff, 1<<31|7, 'x', 'y', 'z')
	empty := AppendSettingsAck(nil)
	stream := append(append(append([]byte(nil), ping...), unknown...), empty...)

	type frame struct {
		H       FrameHeader
		Payload []byte
	}
	var got []frame
	for b := stream; len(b) > 0; {
		h, p, n, err := NextFrame(b, DefaultMaxFrameSize)
		if err != nil || n == 0 {
			t.Fatalf("NextFrame(%x) = n %d, err %v", b, n, err)
		}
		if n != FrameHeaderLen+len(p) || cap(p) != len(p) {
			t.Errorf("NextFrame: n %d, len(payload) %d, cap(payload) %d", n, len(p), cap(p))
		}
		got = append(got, frame{h, p})
		b = b[n:]
	}
	want := []frame{
		{FrameHeader{Length: 8, Type: FramePing}, []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{FrameHeader{Length: 3, Type: 0xfa, Flags: 0xff, StreamID: 7}, []byte("xyz")},
		{FrameHeader{Type: FrameSettings, Flags: FlagAck}, []byte{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("frames (-want +got):\n%s", diff)
	}
}

func TestNextFrameIncomplete(t *testing.T) {
	wire := AppendData(nil, 3, true, []byte("hello"))
	for i := range len(wire) {
		h, p, n, err := NextFrame(wire[:i], DefaultMaxFrameSize)
		if n != 0 || err != nil || p != nil {
			t.Errorf("NextFrame(%d of %d bytes) = payload %q, n %d, err %v; want nil, 0, nil", i, len(wire), p, n, err)
		}
		// From the 9th byte on, the header is known, telling how much more to wait for.
		wantH := FrameHeader{}
		if i >= FrameHeaderLen {
			wantH = FrameHeader{Length: 5, Type: FrameData, Flags: FlagEndStream, StreamID: 3}
		}
		if h != wantH {
			t.Errorf("NextFrame(%d bytes) header = %+v, want %+v", i, h, wantH)
		}
	}
}

// RFC 9113 §4.2: a frame larger than our SETTINGS_MAX_FRAME_SIZE is a connection FRAME_SIZE_ERROR, known from
// the header alone.
func TestNextFrameTooLarge(t *testing.T) {
	tests := []struct {
		name    string
		wire    []byte
		maxSize uint32
	}{
		{"one above default", ftHex("004001 00 00 00000001"), DefaultMaxFrameSize},
		{"largest length", ftHex("ffffff 00 00 00000001"), DefaultMaxFrameSize},
		{"above raised limit", ftHex("100000 01 04 00000001"), 1<<20 - 1},
		{"unknown type too", ftHex("004001 ee 00 00000000"), DefaultMaxFrameSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, p, n, err := NextFrame(tt.wire, tt.maxSize)
			re := ftRemote(t, err)
			if ErrCode(re.Code) != ErrCodeFrameSize || re.StreamID != 0 {
				t.Errorf("error %v: code %v stream %d; want FRAME_SIZE_ERROR on the connection", err, ErrCode(re.Code), re.StreamID)
			}
			if n != 0 || p != nil {
				t.Errorf("NextFrame = payload %q, n %d; want nil, 0", p, n)
			}
			if want, _ := ParseFrameHeader(tt.wire); h != want {
				t.Errorf("header = %+v, want %+v", h, want)
			}
		})
	}

	// Exactly maxSize is fine.
	wire := AppendData(nil, 1, false, make([]byte, DefaultMaxFrameSize))
	if _, _, n, err := NextFrame(wire, DefaultMaxFrameSize); err != nil || n != len(wire) {
		t.Errorf("NextFrame(16384-byte DATA) = n %d, err %v", n, err)
	}
	if _, _, n, err := NextFrame(wire, DefaultMaxFrameSize-1); err == nil || n != 0 {
		t.Errorf("NextFrame(16384-byte DATA, max 16383) = n %d, err %v; want an error", n, err)
	}
}

func TestFlagsHas(t *testing.T) {
	f := FlagEndStream | FlagPadded
	for _, tt := range []struct {
		g    Flags
		want bool
	}{{FlagEndStream, true}, {FlagPadded, true}, {FlagEndStream | FlagPadded, true},
		{FlagEndHeaders, false}, {FlagEndStream | FlagPriority, false}, {0, true}} {
		if got := f.Has(tt.g); got != tt.want {
			t.Errorf("Flags(%#x).Has(%#x) = %v, want %v", f, tt.g, got, tt.want)
		}
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{FrameData.String(), "DATA"},
		{FrameRSTStream.String(), "RST_STREAM"},
		{FrameWindowUpdate.String(), "WINDOW_UPDATE"},
		{FrameContinuation.String(), "CONTINUATION"},
		{FrameType(0xa).String(), "UNKNOWN_FRAME_TYPE_0xa"},
		{FrameType(0xff).String(), "UNKNOWN_FRAME_TYPE_0xff"},
		{ErrCodeNo.String(), "NO_ERROR"},
		{ErrCodeProtocol.String(), "PROTOCOL_ERROR"},
		{ErrCodeFrameSize.String(), "FRAME_SIZE_ERROR"},
		{ErrCodeEnhanceYourCalm.String(), "ENHANCE_YOUR_CALM"},
		{ErrCodeHTTP11Required.String(), "HTTP_1_1_REQUIRED"},
		{ErrCode(0xe).String(), "UNKNOWN_ERROR_CODE_0xe"},
		{ErrCode(0xffffffff).String(), "UNKNOWN_ERROR_CODE_0xffffffff"},
		{SettingHeaderTableSize.String(), "SETTINGS_HEADER_TABLE_SIZE"},
		{SettingMaxFrameSize.String(), "SETTINGS_MAX_FRAME_SIZE"},
		{SettingEnableConnectProtocol.String(), "SETTINGS_ENABLE_CONNECT_PROTOCOL"},
		{SettingNoRFC7540Priorities.String(), "SETTINGS_NO_RFC7540_PRIORITIES"},
		{SettingID(0).String(), "UNKNOWN_SETTING_0x0"},
		{SettingID(7).String(), "UNKNOWN_SETTING_0x7"},
		{SettingID(0xffff).String(), "UNKNOWN_SETTING_0xffff"},
		{Setting{SettingInitialWindowSize, 65535}.String(), "SETTINGS_INITIAL_WINDOW_SIZE=65535"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	// Every code of RFC 9113 §7 has its name.
	for c := ErrCodeNo; c <= ErrCodeHTTP11Required; c++ {
		if strings.HasPrefix(c.String(), "UNKNOWN") {
			t.Errorf("ErrCode(%d) has no name", c)
		}
	}
}
