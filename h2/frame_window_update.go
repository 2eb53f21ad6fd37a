package h2

import "encoding/binary"

// RFC 9113 §6.9: WINDOW_UPDATE (type 0x8) grows a flow-control window: the connection's on stream 0, a
// stream's otherwise.
//
//	+-+-------------------------------------------------------------+
//	|R|              Window Size Increment (31)                     |
//	+-+-------------------------------------------------------------+

// WindowUpdateFrame is a parsed WINDOW_UPDATE frame.
type WindowUpdateFrame struct {
	StreamID  uint32 // 0 for the connection's window
	Increment uint32 // 1 to 2^31-1
}

// ParseWindowUpdate parses the payload p of the WINDOW_UPDATE frame with header h. A payload other than 4
// bytes is a connection FRAME_SIZE_ERROR; an increment of 0 is a PROTOCOL_ERROR, a stream error on a stream
// and a connection error on stream 0 (RFC 9113 §6.9). With the stream error the frame is returned too. A
// window grown past 2^31-1 is the connection's business (RFC 9113 §6.9.1).
func ParseWindowUpdate(h FrameHeader, p []byte) (WindowUpdateFrame, error) {
	if len(p) != 4 {
		return WindowUpdateFrame{}, frameLengthError(h, 0, "4")
	}
	f := WindowUpdateFrame{StreamID: h.StreamID, Increment: binary.BigEndian.Uint32(p) & streamIDMask}
	if f.Increment == 0 {
		if h.StreamID == 0 {
			return WindowUpdateFrame{}, connError(ErrCodeProtocol, "WINDOW_UPDATE frame with increment 0 on stream 0")
		}
		return f, streamError(h.StreamID, ErrCodeProtocol, "WINDOW_UPDATE frame with increment 0")
	}
	return f, nil
}

// AppendWindowUpdate appends a WINDOW_UPDATE frame to dst. The caller keeps increment within 1 to 2^31-1; the
// reserved bit is never sent.
func AppendWindowUpdate(dst []byte, streamID, increment uint32) []byte {
	dst = appendFrameStart(dst, FrameWindowUpdate, 0, streamID, 4)
	return binary.BigEndian.AppendUint32(dst, increment&streamIDMask)
}
