package h2

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ftSetting is the payload of one setting.
func ftSetting(id SettingID, v uint32) []byte {
	return []byte{byte(id >> 8), byte(id), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

// Every rule of RFC 9113 §6 that a frame breaks on its own, with the code and the blame it must get: stream 0
// for a connection error (§5.4.1), the frame's stream for a stream error (§5.4.2).
func TestParseInvalid(t *testing.T) {
	const r = 1 << 31
	tests := []struct {
		name   string
		wire   []byte
		code   ErrCode
		stream uint32 // 0: connection error
		// frame, when not nil, is what the Parse function returns along with a stream error.
		frame any
	}{
		// DATA, RFC 9113 §6.1.
		{"data on stream 0", ftRaw(FrameData, 0, 0, 'a'), ErrCodeProtocol, 0, nil},
		{"data on stream 0 reserved bit", ftRaw(FrameData, 0, r, 'a'), ErrCodeProtocol, 0, nil},
		{"data padded empty", ftRaw(FrameData, FlagPadded, 1), ErrCodeFrameSize, 0, nil},
		{"data padding fills payload", ftRaw(FrameData, FlagPadded, 1, 3, 0, 0), ErrCodeProtocol, 0, nil},
		{"data padding equals length", ftRaw(FrameData, FlagPadded, 1, 4, 0xaa, 0xaa, 0xaa), ErrCodeProtocol, 0, nil},
		{"data padding one byte frame", ftRaw(FrameData, FlagPadded, 1, 1), ErrCodeProtocol, 0, nil},
		{"data padding 255", ftRaw(FrameData, FlagPadded|FlagEndStream, 1, 255, 1, 2), ErrCodeProtocol, 0, nil},

		// HEADERS, RFC 9113 §6.2, §5.3.1.
		{"headers on stream 0", ftRaw(FrameHeaders, FlagEndHeaders, 0, 0x82), ErrCodeProtocol, 0, nil},
		{"headers padded empty", ftRaw(FrameHeaders, FlagPadded, 1), ErrCodeFrameSize, 0, nil},
		{"headers priority short", ftRaw(FrameHeaders, FlagPriority, 1, 0, 0, 0, 3), ErrCodeFrameSize, 0, nil},
		{"headers padded priority short", ftRaw(FrameHeaders, FlagPadded|FlagPriority, 1, 0, 0, 0, 0, 3), ErrCodeFrameSize, 0, nil},
		{"headers padding too long", ftRaw(FrameHeaders, FlagPadded|FlagEndHeaders, 1, 2, 0x82), ErrCodeProtocol, 0, nil},
		{"headers padding after priority too long", ftRaw(FrameHeaders, FlagPadded|FlagPriority, 1, 1, 0, 0, 0, 3, 15),
			ErrCodeProtocol, 0, nil},
		{"headers depends on itself", ftRaw(FrameHeaders, FlagPriority|FlagEndHeaders, 5, 0, 0, 0, 5, 15, 0x82),
			ErrCodeProtocol, 5, HeadersFrame{StreamID: 5, EndHeaders: true, HasPriority: true,
				Priority: PriorityParam{StreamDep: 5, Weight: 15}, Fragment: []byte{0x82}}},
		{"headers depends on itself exclusively", ftRaw(FrameHeaders, FlagPriority|FlagPadded, 5, 1, 0x80, 0, 0, 5, 15, 0x82, 0),
			ErrCodeProtocol, 5, HeadersFrame{StreamID: 5, HasPriority: true,
				Priority: PriorityParam{StreamDep: 5, Exclusive: true, Weight: 15}, Fragment: []byte{0x82}}},

		// PRIORITY, RFC 9113 §6.3, §5.3.1.
		{"priority on stream 0", ftRaw(FramePriority, 0, 0, 0, 0, 0, 1, 0), ErrCodeProtocol, 0, nil},
		{"priority on stream 0 bad length", ftRaw(FramePriority, 0, 0, 0, 0, 0, 1), ErrCodeProtocol, 0, nil},
		{"priority length 4", ftRaw(FramePriority, 0, 1, 0, 0, 0, 3), ErrCodeFrameSize, 1, PriorityFrame{StreamID: 1}},
		{"priority length 6", ftRaw(FramePriority, 0, 3, 0, 0, 0, 1, 0, 0), ErrCodeFrameSize, 3, PriorityFrame{StreamID: 3}},
		{"priority empty", ftRaw(FramePriority, 0, 3), ErrCodeFrameSize, 3, PriorityFrame{StreamID: 3}},
		{"priority depends on itself", ftRaw(FramePriority, 0, 7, 0x80, 0, 0, 7, 3), ErrCodeProtocol, 7,
			PriorityFrame{StreamID: 7, PriorityParam: PriorityParam{StreamDep: 7, Exclusive: true, Weight: 3}}},

		// RST_STREAM, RFC 9113 §6.4.
		{"rst_stream on stream 0", ftRaw(FrameRSTStream, 0, 0, 0, 0, 0, 8), ErrCodeProtocol, 0, nil},
		{"rst_stream length 3", ftRaw(FrameRSTStream, 0, 1, 0, 0, 8), ErrCodeFrameSize, 0, nil},
		{"rst_stream length 5", ftRaw(FrameRSTStream, 0, 1, 0, 0, 0, 8, 0), ErrCodeFrameSize, 0, nil},
		{"rst_stream empty", ftRaw(FrameRSTStream, 0, 1), ErrCodeFrameSize, 0, nil},

		// SETTINGS, RFC 9113 §6.5, §6.5.2; RFC 8441 §3; RFC 9218 §2.1.
		{"settings on stream 1", ftRaw(FrameSettings, 0, 1, ftSetting(SettingEnablePush, 0)...), ErrCodeProtocol, 0, nil},
		{"settings ack on stream 1", ftRaw(FrameSettings, FlagAck, 1), ErrCodeProtocol, 0, nil},
		{"settings ack with payload", ftRaw(FrameSettings, FlagAck, 0, ftSetting(SettingEnablePush, 0)...), ErrCodeFrameSize, 0, nil},
		{"settings ack with 1 byte", ftRaw(FrameSettings, FlagAck, 0, 0), ErrCodeFrameSize, 0, nil},
		{"settings length 3", ftRaw(FrameSettings, 0, 0, 0, 3, 0), ErrCodeFrameSize, 0, nil},
		{"settings length 7", ftRaw(FrameSettings, 0, 0, append(ftSetting(SettingEnablePush, 0), 0)...), ErrCodeFrameSize, 0, nil},
		{"enable_push 2", ftRaw(FrameSettings, 0, 0, ftSetting(SettingEnablePush, 2)...), ErrCodeProtocol, 0, nil},
		{"enable_push max", ftRaw(FrameSettings, 0, 0, ftSetting(SettingEnablePush, 0xffffffff)...), ErrCodeProtocol, 0, nil},
		{"enable_connect_protocol 2", ftRaw(FrameSettings, 0, 0, ftSetting(SettingEnableConnectProtocol, 2)...), ErrCodeProtocol, 0, nil},
		{"no_rfc7540_priorities 2", ftRaw(FrameSettings, 0, 0, ftSetting(SettingNoRFC7540Priorities, 2)...), ErrCodeProtocol, 0, nil},
		{"initial_window_size 2^31", ftRaw(FrameSettings, 0, 0, ftSetting(SettingInitialWindowSize, 1<<31)...), ErrCodeFlowControl, 0, nil},
		{"initial_window_size max", ftRaw(FrameSettings, 0, 0, ftSetting(SettingInitialWindowSize, 0xffffffff)...), ErrCodeFlowControl, 0, nil},
		{"max_frame_size 2^14-1", ftRaw(FrameSettings, 0, 0, ftSetting(SettingMaxFrameSize, 16383)...), ErrCodeProtocol, 0, nil},
		{"max_frame_size 0", ftRaw(FrameSettings, 0, 0, ftSetting(SettingMaxFrameSize, 0)...), ErrCodeProtocol, 0, nil},
		{"max_frame_size 2^24", ftRaw(FrameSettings, 0, 0, ftSetting(SettingMaxFrameSize, 1<<24)...), ErrCodeProtocol, 0, nil},
		{"bad value after good ones", ftRaw(FrameSettings, 0, 0, append(append(ftSetting(SettingMaxFrameSize, 1<<20),
			ftSetting(0xff, 99)...), ftSetting(SettingInitialWindowSize, 1<<31)...)...), ErrCodeFlowControl, 0, nil},

		// PUSH_PROMISE, RFC 9113 §6.6, §5.1.1.
		{"push_promise on stream 0", ftRaw(FramePushPromise, FlagEndHeaders, 0, 0, 0, 0, 2), ErrCodeProtocol, 0, nil},
		{"push_promise length 3", ftRaw(FramePushPromise, FlagEndHeaders, 1, 0, 0, 2), ErrCodeFrameSize, 0, nil},
		{"push_promise empty", ftRaw(FramePushPromise, 0, 1), ErrCodeFrameSize, 0, nil},
		{"push_promise padded length 4", ftRaw(FramePushPromise, FlagPadded, 1, 0, 0, 0, 2), ErrCodeFrameSize, 0, nil},
		{"push_promise padding too long", ftRaw(FramePushPromise, FlagPadded, 1, 2, 0, 0, 0, 2, 0x82), ErrCodeProtocol, 0, nil},
		{"push_promise promises 0", ftRaw(FramePushPromise, 0, 1, 0, 0, 0, 0), ErrCodeProtocol, 0, nil},
		{"push_promise promises 0 reserved bit", ftRaw(FramePushPromise, 0, 1, 0x80, 0, 0, 0), ErrCodeProtocol, 0, nil},
		{"push_promise promises odd", ftRaw(FramePushPromise, 0, 1, 0, 0, 0, 3), ErrCodeProtocol, 0, nil},

		// PING, RFC 9113 §6.7.
		{"ping on stream 1", ftRaw(FramePing, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), ErrCodeProtocol, 0, nil},
		{"ping ack on stream 1", ftRaw(FramePing, FlagAck, 1, 0, 0, 0, 0, 0, 0, 0, 0), ErrCodeProtocol, 0, nil},
		{"ping length 7", ftRaw(FramePing, 0, 0, 0, 0, 0, 0, 0, 0, 0), ErrCodeFrameSize, 0, nil},
		{"ping length 9", ftRaw(FramePing, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), ErrCodeFrameSize, 0, nil},
		{"ping empty", ftRaw(FramePing, FlagAck, 0), ErrCodeFrameSize, 0, nil},

		// GOAWAY, RFC 9113 §6.8.
		{"goaway on stream 1", ftRaw(FrameGoAway, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), ErrCodeProtocol, 0, nil},
		{"goaway length 7", ftRaw(FrameGoAway, 0, 0, 0, 0, 0, 0, 0, 0, 0), ErrCodeFrameSize, 0, nil},
		{"goaway empty", ftRaw(FrameGoAway, 0, 0), ErrCodeFrameSize, 0, nil},

		// WINDOW_UPDATE, RFC 9113 §6.9.
		{"window_update length 3", ftRaw(FrameWindowUpdate, 0, 0, 0, 0, 1), ErrCodeFrameSize, 0, nil},
		{"window_update length 5 on a stream", ftRaw(FrameWindowUpdate, 0, 1, 0, 0, 0, 1, 0), ErrCodeFrameSize, 0, nil},
		{"window_update empty on a stream", ftRaw(FrameWindowUpdate, 0, 1), ErrCodeFrameSize, 0, nil},
		{"window_update 0 on connection", ftRaw(FrameWindowUpdate, 0, 0, 0, 0, 0, 0), ErrCodeProtocol, 0, nil},
		{"window_update 0 on stream", ftRaw(FrameWindowUpdate, 0, 3, 0, 0, 0, 0), ErrCodeProtocol, 3,
			WindowUpdateFrame{StreamID: 3}},
		{"window_update reserved bit only", ftRaw(FrameWindowUpdate, 0, 3, 0x80, 0, 0, 0), ErrCodeProtocol, 3,
			WindowUpdateFrame{StreamID: 3}},

		// CONTINUATION, RFC 9113 §6.10.
		{"continuation on stream 0", ftRaw(FrameContinuation, FlagEndHeaders, 0, 0x82), ErrCodeProtocol, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ftParseWire(t, tt.wire)
			if err == nil {
				t.Fatalf("parse %x = %+v, no error", tt.wire, got)
			}
			re := ftRemote(t, err)
			if ErrCode(re.Code) != tt.code || re.StreamID != tt.stream {
				t.Errorf("error %q: code %v, stream %d; want %v, stream %d", err, ErrCode(re.Code), re.StreamID, tt.code, tt.stream)
			}
			if tt.frame != nil {
				if diff := cmp.Diff(tt.frame, got, ftCmpOpts); diff != "" {
					t.Errorf("frame with the stream error (-want +got):\n%s", diff)
				}
			}
		})
	}
}
