package h2

import "encoding/binary"

// RFC 9113 §6.4: RST_STREAM (type 0x3) ends a stream at once.
//
//	+---------------------------------------------------------------+
//	|                        Error Code (32)                        |
//	+---------------------------------------------------------------+

// RSTStreamFrame is a parsed RST_STREAM frame.
type RSTStreamFrame struct {
	StreamID uint32
	Code     ErrCode // any value: unknown codes are legal (RFC 9113 §7)
}

// ParseRSTStream parses the payload p of the RST_STREAM frame with header h. RST_STREAM on stream 0 is a
// connection PROTOCOL_ERROR; a payload other than 4 bytes is a connection FRAME_SIZE_ERROR (RFC 9113 §6.4).
// RST_STREAM on an idle stream is the connection's business.
func ParseRSTStream(h FrameHeader, p []byte) (RSTStreamFrame, error) {
	if h.StreamID == 0 {
		return RSTStreamFrame{}, frameOnStreamZero(h)
	}
	if len(p) != 4 {
		return RSTStreamFrame{}, frameLengthError(h, 0, "4")
	}
	return RSTStreamFrame{StreamID: h.StreamID, Code: ErrCode(binary.BigEndian.Uint32(p))}, nil
}

// AppendRSTStream appends a RST_STREAM frame to dst.
func AppendRSTStream(dst []byte, streamID uint32, code ErrCode) []byte {
	dst = appendFrameStart(dst, FrameRSTStream, 0, streamID, 4)
	return binary.BigEndian.AppendUint32(dst, uint32(code))
}
