package h2

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ftAppend encodes a frame as ftParse returns it with the Append function of its type. A DataFrame whose
// FlowLen exceeds its data was padded, and is re-encoded with zero padding of the same length.
func ftAppend(f any) []byte {
	switch f := f.(type) {
	case DataFrame:
		if f.FlowLen == uint32(len(f.Data)) {
			return AppendData(nil, f.StreamID, f.EndStream, f.Data)
		}
		return AppendDataPadded(nil, f.StreamID, f.EndStream, f.Data, uint8(f.FlowLen-1-uint32(len(f.Data))))
	case HeadersFrame:
		if f.HasPriority {
			return AppendHeadersPriority(nil, f.StreamID, f.EndStream, f.EndHeaders, f.Priority, f.Fragment)
		}
		return AppendHeaders(nil, f.StreamID, f.EndStream, f.EndHeaders, f.Fragment)
	case PriorityFrame:
		return AppendPriority(nil, f.StreamID, f.PriorityParam)
	case RSTStreamFrame:
		return AppendRSTStream(nil, f.StreamID, f.Code)
	case ftSettings:
		if f.Ack {
			return AppendSettingsAck(nil)
		}
		return AppendSettings(nil, f.Settings...)
	case PushPromiseFrame:
		return AppendPushPromise(nil, f.StreamID, f.PromisedID, f.EndHeaders, f.Fragment)
	case PingFrame:
		return AppendPing(nil, f.Ack, f.Data)
	case GoAwayFrame:
		return AppendGoAway(nil, f.LastStreamID, f.Code, f.Debug)
	case WindowUpdateFrame:
		return AppendWindowUpdate(nil, f.StreamID, f.Increment)
	case ContinuationFrame:
		return AppendContinuation(nil, f.StreamID, f.EndHeaders, f.Fragment)
	}
	panic("ftAppend: unexpected frame")
}

// ftDefinedFlags are the flags RFC 9113 §6 defines for each frame type.
var ftDefinedFlags = [...]Flags{
	FrameData:         FlagEndStream | FlagPadded,
	FrameHeaders:      FlagEndStream | FlagEndHeaders | FlagPadded | FlagPriority,
	FramePriority:     0,
	FrameRSTStream:    0,
	FrameSettings:     FlagAck,
	FramePushPromise:  FlagEndHeaders | FlagPadded,
	FramePing:         FlagAck,
	FrameGoAway:       0,
	FrameWindowUpdate: 0,
	FrameContinuation: FlagEndHeaders,
}

// ftCanonical reports whether a valid frame is exactly what the Append functions would send for it: reserved
// bits zero, only defined flags, zero padding, and padding only on DATA (no Append function pads HEADERS or
// PUSH_PROMISE).
func ftCanonical(frame []byte, h FrameHeader, p []byte) bool {
	if frame[5]&0x80 != 0 || h.Flags&^ftDefinedFlags[h.Type] != 0 {
		return false
	}
	switch h.Type {
	case FrameData:
		if h.Flags.Has(FlagPadded) {
			return bytes.Count(p[len(p)-int(p[0]):], []byte{0}) == int(p[0])
		}
	case FrameHeaders:
		return !h.Flags.Has(FlagPadded)
	case FramePushPromise:
		return !h.Flags.Has(FlagPadded) && p[0]&0x80 == 0
	case FrameGoAway, FrameWindowUpdate:
		return p[0]&0x80 == 0
	}
	return true
}

// FuzzH2Frame feeds any bytes to NextFrame and each frame it splits off to the Parse function of its type.
// Nothing may panic; errors must be RemoteErrors that blame the connection or the frame's own stream; a frame
// that parses must survive Append → Parse unchanged, and canonical frames must re-encode to their exact bytes.
func FuzzH2Frame(f *testing.F) {
	for _, tt := range ftValid {
		if len(tt.wire) < 1024 {
			f.Add(tt.wire)
		}
	}
	f.Add(ftRaw(FrameData, FlagPadded, 1, 4, 0xaa, 0xaa, 0xaa))
	f.Add(ftRaw(FrameHeaders, FlagPadded|FlagPriority|FlagEndHeaders, 1<<31|3, 2, 0x80, 0, 0, 3, 0, 0x82, 1, 1))
	f.Add(ftRaw(FrameSettings, 0, 0, ftSetting(SettingMaxFrameSize, 1<<24)...))
	f.Add(ftRaw(FrameWindowUpdate, 0, 3, 0x80, 0, 0, 0))
	f.Add(ftRaw(0xbb, 0xff, 0, 1, 2, 3))
	f.Add(ftHex("004001 00 00 00000001"))

	var okCodes = map[ErrCode]bool{ErrCodeProtocol: true, ErrCodeFrameSize: true, ErrCodeFlowControl: true}
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			h, p, n, err := NextFrame(b, DefaultMaxFrameSize)
			if err != nil {
				re := ftRemote(t, err)
				if n != 0 || ErrCode(re.Code) != ErrCodeFrameSize || re.StreamID != 0 || h.Length <= DefaultMaxFrameSize {
					t.Fatalf("NextFrame(%x) = %+v, n %d, %v", b, h, n, err)
				}
				return
			}
			if n == 0 {
				if p != nil || len(b) >= FrameHeaderLen && len(b) >= FrameHeaderLen+int(h.Length) {
					t.Fatalf("NextFrame(%x) = n 0 with a whole frame there", b)
				}
				return
			}
			if n != FrameHeaderLen+len(p) || uint32(len(p)) != h.Length || len(p) > 0 && &p[0] != &b[FrameHeaderLen] {
				t.Fatalf("NextFrame(%x) = %+v, payload %x, n %d", b, h, p, n)
			}
			frame := b[:n]
			b = b[n:]

			v, err := ftParse(h, p)
			if err != nil {
				re := ftRemote(t, err)
				if !okCodes[ErrCode(re.Code)] || re.StreamID != 0 && re.StreamID != h.StreamID {
					t.Fatalf("parse %x: error %q with code %v, stream %d", frame, err, ErrCode(re.Code), re.StreamID)
				}
				continue
			}
			if v == nil {
				if int(h.Type) < len(ftDefinedFlags) {
					t.Fatalf("parse %x: no frame and no error", frame)
				}
				continue // an unknown type, ignored
			}

			again := ftAppend(v)
			if ftCanonical(frame, h, p) && !bytes.Equal(again, frame) {
				t.Fatalf("canonical frame\n%x\nre-encodes as\n%x", frame, again)
			}
			h2, p2, n2, err := NextFrame(again, DefaultMaxFrameSize)
			if err != nil || n2 != len(again) {
				t.Fatalf("re-encoded %x: n %d, %v", again, n2, err)
			}
			v2, err := ftParse(h2, p2)
			if err != nil {
				t.Fatalf("re-encoded %x: %v", again, err)
			}
			if diff := cmp.Diff(v, v2, ftCmpOpts); diff != "" {
				t.Fatalf("frame %x changed through Append (-first +second):\n%s", frame, diff)
			}
		}
	})
}
