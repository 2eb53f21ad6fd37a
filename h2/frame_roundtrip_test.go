package h2

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ftValid is a valid frame of each type built with the Append functions, and what parsing it gives back.
var ftValid = []struct {
	name string
	wire []byte
	want any
}{
	// DATA, RFC 9113 §6.1.
	{"data", AppendData(nil, 1, false, []byte("hello")),
		DataFrame{StreamID: 1, Data: []byte("hello"), FlowLen: 5}},
	{"data end stream", AppendData(nil, 3, true, []byte("x")),
		DataFrame{StreamID: 3, EndStream: true, Data: []byte("x"), FlowLen: 1}},
	{"data empty end stream", AppendData(nil, 5, true, nil),
		DataFrame{StreamID: 5, EndStream: true}},
	{"data largest stream id", AppendData(nil, MaxWindowSize, false, []byte("y")),
		DataFrame{StreamID: MaxWindowSize, Data: []byte("y"), FlowLen: 1}},
	{"data full frame", AppendData(nil, 1, false, bytes.Repeat([]byte{'z'}, DefaultMaxFrameSize)),
		DataFrame{StreamID: 1, Data: bytes.Repeat([]byte{'z'}, DefaultMaxFrameSize), FlowLen: DefaultMaxFrameSize}},
	{"data padded", AppendDataPadded(nil, 7, false, []byte("hello"), 10),
		DataFrame{StreamID: 7, Data: []byte("hello"), FlowLen: 16}},
	{"data padded zero", AppendDataPadded(nil, 7, true, []byte("hello"), 0),
		DataFrame{StreamID: 7, EndStream: true, Data: []byte("hello"), FlowLen: 6}},
	{"data padding only", AppendDataPadded(nil, 9, true, nil, 255),
		DataFrame{StreamID: 9, EndStream: true, FlowLen: 256}},

	// HEADERS, RFC 9113 §6.2.
	{"headers", AppendHeaders(nil, 1, false, false, []byte{0x82, 0x86}),
		HeadersFrame{StreamID: 1, Fragment: []byte{0x82, 0x86}}},
	{"headers end stream end headers", AppendHeaders(nil, 3, true, true, []byte{0x88}),
		HeadersFrame{StreamID: 3, EndStream: true, EndHeaders: true, Fragment: []byte{0x88}}},
	{"headers empty fragment", AppendHeaders(nil, 5, false, true, nil),
		HeadersFrame{StreamID: 5, EndHeaders: true}},
	{"headers priority", AppendHeadersPriority(nil, 5, false, true, PriorityParam{StreamDep: 3, Exclusive: true, Weight: 255}, []byte{0x82}),
		HeadersFrame{StreamID: 5, EndHeaders: true, HasPriority: true,
			Priority: PriorityParam{StreamDep: 3, Exclusive: true, Weight: 255}, Fragment: []byte{0x82}}},
	{"headers priority zero", AppendHeadersPriority(nil, 7, true, false, PriorityParam{}, nil),
		HeadersFrame{StreamID: 7, EndStream: true, HasPriority: true}},
	{"headers priority largest dep", AppendHeadersPriority(nil, 7, true, true, PriorityParam{StreamDep: MaxWindowSize, Weight: 15}, []byte{1, 2, 3}),
		HeadersFrame{StreamID: 7, EndStream: true, EndHeaders: true, HasPriority: true,
			Priority: PriorityParam{StreamDep: MaxWindowSize, Weight: 15}, Fragment: []byte{1, 2, 3}}},

	// PRIORITY, RFC 9113 §6.3.
	{"priority", AppendPriority(nil, 9, PriorityParam{StreamDep: 11, Weight: 7}),
		PriorityFrame{StreamID: 9, PriorityParam: PriorityParam{StreamDep: 11, Weight: 7}}},
	{"priority exclusive on root", AppendPriority(nil, 9, PriorityParam{Exclusive: true, Weight: 255}),
		PriorityFrame{StreamID: 9, PriorityParam: PriorityParam{Exclusive: true, Weight: 255}}},

	// RST_STREAM, RFC 9113 §6.4.
	{"rst_stream cancel", AppendRSTStream(nil, 5, ErrCodeCancel),
		RSTStreamFrame{StreamID: 5, Code: ErrCodeCancel}},
	{"rst_stream no error", AppendRSTStream(nil, 1, ErrCodeNo),
		RSTStreamFrame{StreamID: 1}},
	{"rst_stream unknown code", AppendRSTStream(nil, 1, 0xdeadbeef),
		RSTStreamFrame{StreamID: 1, Code: 0xdeadbeef}},

	// SETTINGS, RFC 9113 §6.5.
	{"settings empty", AppendSettings(nil), ftSettings{}},
	{"settings ack", AppendSettingsAck(nil), ftSettings{Ack: true}},
	{"settings", AppendSettings(nil, Setting{SettingMaxConcurrentStreams, 100}, Setting{SettingInitialWindowSize, 1 << 20}),
		ftSettings{Settings: []Setting{{SettingMaxConcurrentStreams, 100}, {SettingInitialWindowSize, 1 << 20}}}},
	{"settings at their limits", AppendSettings(nil,
		Setting{SettingHeaderTableSize, 0xffffffff},
		Setting{SettingEnablePush, 0},
		Setting{SettingEnablePush, 1},
		Setting{SettingMaxConcurrentStreams, 0},
		Setting{SettingInitialWindowSize, 0},
		Setting{SettingInitialWindowSize, MaxWindowSize},
		Setting{SettingMaxFrameSize, DefaultMaxFrameSize},
		Setting{SettingMaxFrameSize, MaxFrameSizeLimit},
		Setting{SettingMaxHeaderListSize, 0xffffffff},
		Setting{SettingEnableConnectProtocol, 1},
		Setting{SettingNoRFC7540Priorities, 1},
	), ftSettings{Settings: []Setting{
		{SettingHeaderTableSize, 0xffffffff},
		{SettingEnablePush, 0},
		{SettingEnablePush, 1},
		{SettingMaxConcurrentStreams, 0},
		{SettingInitialWindowSize, 0},
		{SettingInitialWindowSize, MaxWindowSize},
		{SettingMaxFrameSize, DefaultMaxFrameSize},
		{SettingMaxFrameSize, MaxFrameSizeLimit},
		{SettingMaxHeaderListSize, 0xffffffff},
		{SettingEnableConnectProtocol, 1},
		{SettingNoRFC7540Priorities, 1},
	}}},
	// RFC 9113 §6.5.2: unknown settings are ignored, whatever their value.
	{"settings unknown ids", AppendSettings(nil, Setting{0, 7}, Setting{7, 0xffffffff}, Setting{0xff, 2}, Setting{0xffff, 0}),
		ftSettings{Settings: []Setting{{0, 7}, {7, 0xffffffff}, {0xff, 2}, {0xffff, 0}}}},

	// PUSH_PROMISE, RFC 9113 §6.6.
	{"push_promise", AppendPushPromise(nil, 1, 2, true, []byte{0x82, 0x87}),
		PushPromiseFrame{StreamID: 1, PromisedID: 2, EndHeaders: true, Fragment: []byte{0x82, 0x87}}},
	{"push_promise continued", AppendPushPromise(nil, 3, MaxWindowSize-1, false, nil),
		PushPromiseFrame{StreamID: 3, PromisedID: MaxWindowSize - 1}},

	// PING, RFC 9113 §6.7.
	{"ping", AppendPing(nil, false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}),
		PingFrame{Data: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}},
	{"ping ack", AppendPing(nil, true, [8]byte{0xff, 0, 0, 0, 0, 0, 0, 0xee}),
		PingFrame{Ack: true, Data: [8]byte{0xff, 0, 0, 0, 0, 0, 0, 0xee}}},

	// GOAWAY, RFC 9113 §6.8.
	{"goaway graceful", AppendGoAway(nil, MaxWindowSize, ErrCodeNo, nil),
		GoAwayFrame{LastStreamID: MaxWindowSize}},
	{"goaway with debug", AppendGoAway(nil, 31, ErrCodeEnhanceYourCalm, []byte("calm down")),
		GoAwayFrame{LastStreamID: 31, Code: ErrCodeEnhanceYourCalm, Debug: []byte("calm down")}},
	{"goaway unknown code", AppendGoAway(nil, 0, 0x1234, nil),
		GoAwayFrame{Code: 0x1234}},

	// WINDOW_UPDATE, RFC 9113 §6.9.
	{"window_update connection", AppendWindowUpdate(nil, 0, 1),
		WindowUpdateFrame{Increment: 1}},
	{"window_update stream", AppendWindowUpdate(nil, 3, MaxWindowSize),
		WindowUpdateFrame{StreamID: 3, Increment: MaxWindowSize}},

	// CONTINUATION, RFC 9113 §6.10.
	{"continuation", AppendContinuation(nil, 1, false, []byte{0x84}),
		ContinuationFrame{StreamID: 1, Fragment: []byte{0x84}}},
	{"continuation end headers empty", AppendContinuation(nil, 1, true, nil),
		ContinuationFrame{StreamID: 1, EndHeaders: true}},
}

// Every frame type goes Append → NextFrame → Parse and comes back as it was.
func TestFrameRoundTrip(t *testing.T) {
	for _, tt := range ftValid {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ftParseWire(t, tt.wire)
			if err != nil {
				t.Fatalf("parse %x: %v", tt.wire, err)
			}
			if diff := cmp.Diff(tt.want, got, ftCmpOpts); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
			// What the Append functions send is canonical, and the fuzz target's re-encoding gives it back.
			h, p, _, _ := NextFrame(tt.wire, DefaultMaxFrameSize)
			if !ftCanonical(tt.wire, h, p) {
				t.Errorf("frame %x is not canonical", tt.wire)
			}
			if again := ftAppend(got); !bytes.Equal(again, tt.wire) {
				t.Errorf("re-encoded\n%x, want\n%x", again, tt.wire)
			}
		})
	}
}

// The quic-go wire package's discipline: no prefix of a valid frame is a frame, or an error.
func TestFrameTruncatedPrefixes(t *testing.T) {
	for _, tt := range ftValid {
		t.Run(tt.name, func(t *testing.T) {
			for i := range len(tt.wire) {
				_, p, n, err := NextFrame(tt.wire[:i], DefaultMaxFrameSize)
				if n != 0 || err != nil || p != nil {
					t.Fatalf("NextFrame(%d of %d bytes) = payload %x, n %d, err %v; want nil, 0, nil",
						i, len(tt.wire), p, n, err)
				}
			}
			// And a whole frame followed by the start of the next one is split at the right place.
			more := append(append([]byte(nil), tt.wire...), tt.wire[:len(tt.wire)/2]...)
			if _, _, n, err := NextFrame(more, DefaultMaxFrameSize); n != len(tt.wire) || err != nil {
				t.Errorf("NextFrame(frame + half a frame) = n %d, err %v; want %d, nil", n, err, len(tt.wire))
			}
		})
	}
}

// The frames of a whole connection's worth of bytes split and parse in sequence, whatever the split of the
// input: this is how the connection feeds NextFrame.
func TestFrameStream(t *testing.T) {
	var all []byte
	for _, tt := range ftValid {
		all = append(all, tt.wire...)
	}
	for _, chunk := range []int{1, 7, 9, 100, len(all)} {
		var buf []byte
		var got []any
		for off := 0; off < len(all); off += chunk {
			buf = append(buf, all[off:min(off+chunk, len(all))]...)
			for {
				h, p, n, err := NextFrame(buf, DefaultMaxFrameSize)
				if err != nil {
					t.Fatalf("chunk %d: NextFrame: %v", chunk, err)
				}
				if n == 0 {
					break
				}
				f, err := ftParse(h, bytes.Clone(p))
				if err != nil {
					t.Fatalf("chunk %d: parse %v: %v", chunk, h, err)
				}
				got = append(got, f)
				buf = buf[n:]
			}
		}
		if len(buf) != 0 {
			t.Errorf("chunk %d: %d bytes left over", chunk, len(buf))
		}
		var want []any
		for _, tt := range ftValid {
			want = append(want, tt.want)
		}
		if diff := cmp.Diff(want, got, ftCmpOpts); diff != "" {
			t.Errorf("chunk %d (-want +got):\n%s", chunk, diff)
		}
	}
}

// The exact bytes of each Append function, against the layouts of RFC 9113 §6.
func TestAppendWire(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"data", AppendData(nil, 1, true, []byte("hi")), "000002 00 01 00000001 6869"},
		{"data padded", AppendDataPadded(nil, 2, false, []byte("hi"), 3), "000006 00 08 00000002 03 6869 000000"},
		{"headers", AppendHeaders(nil, 3, true, true, []byte{0x82}), "000001 01 05 00000003 82"},
		{"headers continued", AppendHeaders(nil, 3, false, false, []byte{0x82}), "000001 01 00 00000003 82"},
		{"headers priority", AppendHeadersPriority(nil, 3, false, true, PriorityParam{StreamDep: 1, Exclusive: true, Weight: 15}, []byte{0x82}),
			"000006 01 24 00000003 80000001 0f 82"},
		{"priority", AppendPriority(nil, 3, PriorityParam{StreamDep: 1, Weight: 200}), "000005 02 00 00000003 00000001 c8"},
		{"rst_stream", AppendRSTStream(nil, 3, ErrCodeRefusedStream), "000004 03 00 00000003 00000007"},
		{"settings", AppendSettings(nil, Setting{SettingEnablePush, 0}, Setting{SettingMaxFrameSize, 1 << 20}),
			"00000c 04 00 00000000 0002 00000000 0005 00100000"},
		{"settings ack", AppendSettingsAck(nil), "000000 04 01 00000000"},
		{"push_promise", AppendPushPromise(nil, 1, 2, true, []byte{0x82}), "000005 05 04 00000001 00000002 82"},
		{"ping", AppendPing(nil, true, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}), "000008 06 01 00000000 0102030405060708"},
		{"goaway", AppendGoAway(nil, 5, ErrCodeProtocol, []byte("x")), "000009 07 00 00000000 00000005 00000001 78"},
		{"window_update", AppendWindowUpdate(nil, 0, 65535), "000004 08 00 00000000 0000ffff"},
		{"continuation", AppendContinuation(nil, 3, true, []byte{0x84}), "000001 09 04 00000003 84"},

		// RFC 9113 §4.1, §6: reserved bits are never sent, whatever the caller passes.
		{"reserved stream", AppendData(nil, 1<<31|1, false, nil), "000000 00 00 00000001"},
		{"reserved dependency", AppendPriority(nil, 3, PriorityParam{StreamDep: 1<<31 | 1}), "000005 02 00 00000003 00000001 00"},
		{"reserved promised", AppendPushPromise(nil, 1, 1<<31|2, false, nil), "000004 05 00 00000001 00000002"},
		{"reserved last stream", AppendGoAway(nil, 0xffffffff, ErrCodeNo, nil), "000008 07 00 00000000 7fffffff 00000000"},
		{"reserved increment", AppendWindowUpdate(nil, 1, 0xffffffff), "000004 08 00 00000001 7fffffff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := ftHex(tt.want); !bytes.Equal(tt.got, want) {
				t.Errorf("got  %x\nwant %x", tt.got, want)
			}
		})
	}
}

// RFC 9113 §4.1: reserved bits and flags a type does not define are ignored on receipt.
func TestReservedIgnoredOnReceipt(t *testing.T) {
	const r = 1 << 31
	tests := []struct {
		name string
		wire []byte
		want any
	}{
		{"data stream id", ftRaw(FrameData, 0xf6, r|1, 'a'), DataFrame{StreamID: 1, Data: []byte("a"), FlowLen: 1}},
		{"headers dependency", ftRaw(FrameHeaders, 0xd0|FlagPriority, r|5, 0x80, 0, 0, 3, 9, 0x82),
			HeadersFrame{StreamID: 5, HasPriority: true, Priority: PriorityParam{StreamDep: 3, Exclusive: true, Weight: 9}, Fragment: []byte{0x82}}},
		{"priority flags", ftRaw(FramePriority, 0xff, 3, 0, 0, 0, 1, 0), PriorityFrame{StreamID: 3, PriorityParam: PriorityParam{StreamDep: 1}}},
		{"rst_stream flags", ftRaw(FrameRSTStream, 0xff, r|3, 0, 0, 0, 8), RSTStreamFrame{StreamID: 3, Code: ErrCodeCancel}},
		{"settings flags", ftRaw(FrameSettings, 0xfe, r, 0, 3, 0, 0, 0, 9), ftSettings{Settings: []Setting{{SettingMaxConcurrentStreams, 9}}}},
		{"push_promise promised", ftRaw(FramePushPromise, 0xf3, 1, 0x80, 0, 0, 2), PushPromiseFrame{StreamID: 1, PromisedID: 2}},
		{"ping flags", ftRaw(FramePing, 0xfe, r, 1, 2, 3, 4, 5, 6, 7, 8), PingFrame{Data: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}},
		{"goaway last stream", ftRaw(FrameGoAway, 0xff, r, 0x80, 0, 0, 7, 0, 0, 0, 0), GoAwayFrame{LastStreamID: 7}},
		{"window_update increment", ftRaw(FrameWindowUpdate, 0xff, r|1, 0x80, 0, 0, 1), WindowUpdateFrame{StreamID: 1, Increment: 1}},
		{"continuation flags", ftRaw(FrameContinuation, 0xfb, r|1, 0x82), ContinuationFrame{StreamID: 1, Fragment: []byte{0x82}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ftParseWire(t, tt.wire)
			if err != nil {
				t.Fatalf("parse %x: %v", tt.wire, err)
			}
			if diff := cmp.Diff(tt.want, got, ftCmpOpts); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
		})
	}
}

// Non-zero padding is accepted (RFC 9113 §6.1: a receiver is not obligated to verify it), and borrowed slices
// point into the payload.
func TestParseBorrows(t *testing.T) {
	wire := ftRaw(FrameData, FlagPadded, 1, 2, 'a', 'b', 0xaa, 0xbb)
	h, p, _, _ := NextFrame(wire, DefaultMaxFrameSize)
	f, err := ParseData(h, p)
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Data) != "ab" || f.FlowLen != 5 {
		t.Errorf("ParseData = %+v", f)
	}
	wire[FrameHeaderLen+1] = 'X'
	if string(f.Data) != "Xb" {
		t.Errorf("Data %q does not borrow the payload", f.Data)
	}
}

func TestSettingsFrameAt(t *testing.T) {
	wire := AppendSettings(nil, Setting{SettingHeaderTableSize, 0}, Setting{0x1234, 0xabcdef01})
	h, p, _, _ := NextFrame(wire, DefaultMaxFrameSize)
	f, err := ParseSettings(h, p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 2 || f.At(0) != (Setting{SettingHeaderTableSize, 0}) || f.At(1) != (Setting{0x1234, 0xabcdef01}) {
		t.Errorf("settings %v %v %v", f.Len(), f.At(0), f.At(1))
	}
	if n := testing.AllocsPerRun(100, func() {
		for i := range f.Len() {
			_ = f.At(i)
		}
	}); n != 0 {
		t.Errorf("SettingsFrame.At allocates %v times", n)
	}
}

func TestAppendTooLongPanics(t *testing.T) {
	defer func() {
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, "exceeds 2^24-1") {
			t.Errorf("recover() = %v; want a panic about the frame length", r)
		}
	}()
	AppendData(nil, 1, false, make([]byte, MaxFrameSizeLimit+1))
}
