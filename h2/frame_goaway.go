package h2

import "encoding/binary"

// RFC 9113 §6.8: GOAWAY (type 0x7) starts the shutdown of a connection, or reports a connection error.
//
//	+-+-------------------------------------------------------------+
//	|R|                  Last-Stream-ID (31)                        |
//	+-+-------------------------------------------------------------+
//	|                      Error Code (32)                          |
//	+---------------------------------------------------------------+
//	|                  Additional Debug Data (*)                    |
//	+---------------------------------------------------------------+

// GoAwayFrame is a parsed GOAWAY frame. Debug borrows the payload it was parsed from.
type GoAwayFrame struct {
	LastStreamID uint32 // the highest stream the sender may have processed; 31 bits
	Code         ErrCode
	Debug        []byte // opaque diagnostic data, possibly empty
}

// ParseGoAway parses the payload p of the GOAWAY frame with header h. GOAWAY on a stream other than 0 is a
// connection PROTOCOL_ERROR (RFC 9113 §6.8); a payload shorter than 8 bytes is a connection FRAME_SIZE_ERROR
// (RFC 9113 §4.2). A Last-Stream-ID that grows from one GOAWAY to the next is the connection's business.
func ParseGoAway(h FrameHeader, p []byte) (GoAwayFrame, error) {
	if h.StreamID != 0 {
		return GoAwayFrame{}, frameOnStream(h)
	}
	if len(p) < 8 {
		return GoAwayFrame{}, frameLengthError(h, 0, "at least 8")
	}
	return GoAwayFrame{
		LastStreamID: binary.BigEndian.Uint32(p) & streamIDMask,
		Code:         ErrCode(binary.BigEndian.Uint32(p[4:])),
		Debug:        p[8:],
	}, nil
}

// AppendGoAway appends a GOAWAY frame to dst. The caller keeps debug within the peer's frame size, less 8.
func AppendGoAway(dst []byte, lastStreamID uint32, code ErrCode, debug []byte) []byte {
	dst = appendFrameStart(dst, FrameGoAway, 0, 0, 8+len(debug))
	dst = binary.BigEndian.AppendUint32(dst, lastStreamID&streamIDMask)
	dst = binary.BigEndian.AppendUint32(dst, uint32(code))
	return append(dst, debug...)
}
