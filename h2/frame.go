package h2

import (
	"encoding/binary"
	"strconv"

	"github.com/httpwire/httpwire/proto"
)

// RFC 9113 §4: every frame starts with a 9-octet header.
//
//	+-----------------------------------------------+
//	|                 Length (24)                   |
//	+---------------+---------------+---------------+
//	|   Type (8)    |   Flags (8)   |
//	+-+-------------+---------------+-------------------------------+
//	|R|                 Stream Identifier (31)                      |
//	+=+=============================================================+
//	|                   Frame Payload (0...)                      ...
//	+---------------------------------------------------------------+

// FrameHeaderLen is the length of the frame header (RFC 9113 §4.1).
const FrameHeaderLen = 9

const (
	// DefaultMaxFrameSize is the initial SETTINGS_MAX_FRAME_SIZE, and its smallest legal value (RFC 9113 §4.2).
	DefaultMaxFrameSize = 16384
	// MaxFrameSizeLimit is the largest legal SETTINGS_MAX_FRAME_SIZE, 2^24-1 (RFC 9113 §6.5.2).
	MaxFrameSizeLimit = 1<<24 - 1
	// MaxWindowSize is the largest flow-control window, 2^31-1 (RFC 9113 §6.9.1).
	MaxWindowSize = 1<<31 - 1
)

// streamIDMask clears the reserved bit of a 31-bit stream identifier (RFC 9113 §4.1).
const streamIDMask = 1<<31 - 1

// FrameType is the type of a frame (RFC 9113 §6, §11.2).
type FrameType uint8

// The frame types of RFC 9113 §6. Other values are extension frames, which a receiver ignores (RFC 9113 §4.1,
// §5.5); NextFrame splits them off like any other.
const (
	FrameData         FrameType = 0x0
	FrameHeaders      FrameType = 0x1
	FramePriority     FrameType = 0x2
	FrameRSTStream    FrameType = 0x3
	FrameSettings     FrameType = 0x4
	FramePushPromise  FrameType = 0x5
	FramePing         FrameType = 0x6
	FrameGoAway       FrameType = 0x7
	FrameWindowUpdate FrameType = 0x8
	FrameContinuation FrameType = 0x9
)

var frameTypeNames = [...]string{
	FrameData:         "DATA",
	FrameHeaders:      "HEADERS",
	FramePriority:     "PRIORITY",
	FrameRSTStream:    "RST_STREAM",
	FrameSettings:     "SETTINGS",
	FramePushPromise:  "PUSH_PROMISE",
	FramePing:         "PING",
	FrameGoAway:       "GOAWAY",
	FrameWindowUpdate: "WINDOW_UPDATE",
	FrameContinuation: "CONTINUATION",
}

// String returns the name RFC 9113 gives the type ("WINDOW_UPDATE"), or "UNKNOWN_FRAME_TYPE_0xNN".
func (t FrameType) String() string {
	if int(t) < len(frameTypeNames) {
		return frameTypeNames[t]
	}
	return "UNKNOWN_FRAME_TYPE_0x" + strconv.FormatUint(uint64(t), 16)
}

// Flags are the flags of a frame header; their meaning depends on the frame type.
type Flags uint8

// The flags of RFC 9113 §6. Flags a frame type does not define are ignored on receipt and never sent
// (RFC 9113 §4.1).
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS
	FlagAck        Flags = 0x1  // SETTINGS, PING
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE
	FlagPriority   Flags = 0x20 // HEADERS
)

// Has reports whether every flag of g is set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }

// FrameHeader is a decoded frame header (RFC 9113 §4.1).
type FrameHeader struct {
	Length   uint32 // payload length, 24 bits
	Type     FrameType
	Flags    Flags
	StreamID uint32 // 31 bits: the reserved bit is cleared on receipt and never sent
}

// ParseFrameHeader decodes the header at the start of b. It reports false when b is shorter than
// FrameHeaderLen.
func ParseFrameHeader(b []byte) (FrameHeader, bool) {
	if len(b) < FrameHeaderLen {
		return FrameHeader{}, false
	}
	return FrameHeader{
		Length:   uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:     FrameType(b[3]),
		Flags:    Flags(b[4]),
		StreamID: binary.BigEndian.Uint32(b[5:9]) & streamIDMask,
	}, true
}

// AppendFrameHeader appends the encoding of h to dst, with the reserved bit of the stream identifier zero.
// A Length above MaxFrameSizeLimit cannot be encoded: it is a programming error, and AppendFrameHeader panics.
func AppendFrameHeader(dst []byte, h FrameHeader) []byte {
	if h.Length > MaxFrameSizeLimit {
		panic("h2: frame payload of " + strconv.FormatUint(uint64(h.Length), 10) + " bytes exceeds 2^24-1")
	}
	return append(dst,
		byte(h.Length>>16), byte(h.Length>>8), byte(h.Length),
		byte(h.Type), byte(h.Flags),
		byte(h.StreamID>>24)&0x7f, byte(h.StreamID>>16), byte(h.StreamID>>8), byte(h.StreamID))
}

// appendFrameStart appends the header of a frame whose payload is n bytes long.
func appendFrameStart(dst []byte, t FrameType, f Flags, streamID uint32, n int) []byte {
	if n < 0 || n > MaxFrameSizeLimit {
		panic("h2: " + t.String() + " frame payload of " + strconv.Itoa(n) + " bytes exceeds 2^24-1")
	}
	return AppendFrameHeader(dst, FrameHeader{Length: uint32(n), Type: t, Flags: f, StreamID: streamID})
}

// NextFrame splits the first frame off b, like a bufio.SplitFunc: it returns the frame's header, its payload
// (which borrows b, with its capacity capped at its length) and n, the number of bytes of b the frame takes.
// n is zero, with no error, when b holds less than a whole frame; once the 9 header bytes are there, h is
// already filled in, so a caller can tell how much more to wait for.
//
// A Length above maxSize (our SETTINGS_MAX_FRAME_SIZE) is a connection error of type FRAME_SIZE_ERROR
// (RFC 9113 §4.2), reported as soon as the header is there, with n zero. Frames of unknown type are split off
// like any other: the caller ignores them (RFC 9113 §5.5). NextFrame checks nothing else; the Parse function
// of the frame's type does.
func NextFrame(b []byte, maxSize uint32) (h FrameHeader, payload []byte, n int, err error) {
	h, ok := ParseFrameHeader(b)
	if !ok {
		return FrameHeader{}, nil, 0, nil
	}
	if h.Length > maxSize {
		return h, nil, 0, connError(ErrCodeFrameSize, h.Type.String()+" frame of "+
			strconv.FormatUint(uint64(h.Length), 10)+" bytes exceeds SETTINGS_MAX_FRAME_SIZE "+
			strconv.FormatUint(uint64(maxSize), 10))
	}
	end := FrameHeaderLen + int(h.Length)
	if len(b) < end {
		return h, nil, 0, nil
	}
	return h, b[FrameHeaderLen:end:end], end, nil
}

// connError returns a connection error (RFC 9113 §5.4.1): the peer broke the protocol and the connection
// must end with a GOAWAY carrying code.
func connError(code ErrCode, msg string) *proto.RemoteError {
	return &proto.RemoteError{Err: proto.ErrProtocol, Msg: msg, Code: uint32(code)}
}

// streamError returns a stream error (RFC 9113 §5.4.2): the peer broke the protocol on stream id, which is
// reset with RST_STREAM carrying code, while the connection goes on.
func streamError(id uint32, code ErrCode, msg string) *proto.RemoteError {
	return &proto.RemoteError{Err: proto.ErrProtocol, Msg: msg, Code: uint32(code), StreamID: id}
}

// frameOnStreamZero is the connection error for a frame type that must be sent on a stream.
func frameOnStreamZero(h FrameHeader) *proto.RemoteError {
	// RFC 9113 §6.1, §6.2, §6.3, §6.4, §6.6, §6.10.
	return connError(ErrCodeProtocol, h.Type.String()+" frame on stream 0")
}

// frameOnStream is the connection error for a frame type that must be sent on stream 0.
func frameOnStream(h FrameHeader) *proto.RemoteError {
	// RFC 9113 §6.5, §6.7, §6.8.
	return connError(ErrCodeProtocol, h.Type.String()+" frame on stream "+
		strconv.FormatUint(uint64(h.StreamID), 10)+"; it must be on stream 0")
}

// frameLengthError is the FRAME_SIZE_ERROR for a payload of the wrong length; want describes the right one.
// StreamID is zero for a connection error.
func frameLengthError(h FrameHeader, streamID uint32, want string) *proto.RemoteError {
	return streamError(streamID, ErrCodeFrameSize, h.Type.String()+" frame payload of "+
		strconv.FormatUint(uint64(h.Length), 10)+" bytes; want "+want)
}

// unpad takes apart the payload p of a frame that may carry padding (DATA, HEADERS, PUSH_PROMISE;
// RFC 9113 §6.1): it returns the fixed fields that follow the Pad Length octet (fixed bytes long) and the rest
// of the payload without the padding.
//
// A payload too short for the Pad Length octet and the fixed fields is a FRAME_SIZE_ERROR (RFC 9113 §4.2: "too
// small to contain mandatory frame data"), a connection error since all three types either carry a field
// block or count against connection flow control. Padding longer than what is left is a connection
// PROTOCOL_ERROR (RFC 9113 §6.1, §6.2, §6.6). Padding octets need not be zero on receipt, and are not checked.
func (h FrameHeader) unpad(p []byte, fixed int) (fields, rest []byte, err error) {
	pad := 0
	if h.Flags.Has(FlagPadded) {
		if len(p) < 1+fixed {
			return nil, nil, frameLengthError(h, 0, "at least "+strconv.Itoa(1+fixed)+" with PADDED")
		}
		pad = int(p[0])
		p = p[1:]
	} else if len(p) < fixed {
		return nil, nil, frameLengthError(h, 0, "at least "+strconv.Itoa(fixed))
	}
	fields, p = p[:fixed], p[fixed:]
	if pad > len(p) {
		return nil, nil, connError(ErrCodeProtocol, h.Type.String()+" frame with "+strconv.Itoa(pad)+
			" bytes of padding but only "+strconv.Itoa(len(p))+" bytes left for it")
	}
	return fields, p[:len(p)-pad], nil
}
