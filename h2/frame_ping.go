package h2

// RFC 9113 §6.7: PING (type 0x6) measures round trips and checks that an idle connection still works. The
// receiver of a PING without ACK answers with a PING with ACK and the same 8 octets.
//
//	+---------------------------------------------------------------+
//	|                      Opaque Data (64)                         |
//	+---------------------------------------------------------------+

// PingFrame is a parsed PING frame.
type PingFrame struct {
	Ack  bool
	Data [8]byte
}

// ParsePing parses the payload p of the PING frame with header h. PING on a stream other than 0 is a
// connection PROTOCOL_ERROR; a payload other than 8 bytes is a connection FRAME_SIZE_ERROR (RFC 9113 §6.7).
func ParsePing(h FrameHeader, p []byte) (PingFrame, error) {
	if h.StreamID != 0 {
		return PingFrame{}, frameOnStream(h)
	}
	if len(p) != 8 {
		return PingFrame{}, frameLengthError(h, 0, "8")
	}
	return PingFrame{Ack: h.Flags.Has(FlagAck), Data: [8]byte(p)}, nil
}

// AppendPing appends a PING frame to dst.
func AppendPing(dst []byte, ack bool, data [8]byte) []byte {
	var f Flags
	if ack {
		f |= FlagAck
	}
	dst = appendFrameStart(dst, FramePing, f, 0, 8)
	return append(dst, data[:]...)
}
