package h2

// RFC 9113 §6.1: DATA (type 0x0) carries the content of a message.
//
//	+---------------+-----------------------------------------------+
//	|Pad Length? (8)|                  Data (*)                   ...
//	+---------------+-----------------------------------------------+
//	|                           Padding (*)                       ...
//	+---------------------------------------------------------------+

// DataFrame is a parsed DATA frame. Data borrows the payload it was parsed from.
type DataFrame struct {
	StreamID  uint32
	EndStream bool
	Data      []byte // without the Pad Length octet and the padding
	// FlowLen is the whole payload, Pad Length octet and padding included: what the frame counts against
	// the connection's and the stream's flow-control windows (RFC 9113 §6.9.1).
	FlowLen uint32
}

// ParseData parses the payload p of the DATA frame with header h; p is exactly h.Length bytes, as NextFrame
// returns it. DATA on stream 0 and padding that fills the payload or more are connection PROTOCOL_ERRORs
// (RFC 9113 §6.1). Padding octets are not checked for zero. Whether the stream may receive DATA is the
// connection's business.
func ParseData(h FrameHeader, p []byte) (DataFrame, error) {
	if h.StreamID == 0 {
		return DataFrame{}, frameOnStreamZero(h)
	}
	_, data, err := h.unpad(p, 0)
	if err != nil {
		return DataFrame{}, err
	}
	return DataFrame{
		StreamID:  h.StreamID,
		EndStream: h.Flags.Has(FlagEndStream),
		Data:      data,
		FlowLen:   uint32(len(p)),
	}, nil
}

// AppendData appends a DATA frame carrying data to dst.
//
// It never fails: keeping len(data) within the peer's SETTINGS_MAX_FRAME_SIZE and within the flow-control
// windows is the caller's job (a payload above 2^24-1 bytes cannot be encoded at all and panics).
func AppendData(dst []byte, streamID uint32, endStream bool, data []byte) []byte {
	var f Flags
	if endStream {
		f |= FlagEndStream
	}
	dst = appendFrameStart(dst, FrameData, f, streamID, len(data))
	return append(dst, data...)
}

// AppendDataPadded appends a DATA frame with the PADDED flag, carrying data followed by padLen zero octets
// (padLen may be zero: the Pad Length octet is still sent). The frame counts 1+len(data)+padLen bytes against
// flow control. As with AppendData, respecting the peer's frame size is the caller's job.
func AppendDataPadded(dst []byte, streamID uint32, endStream bool, data []byte, padLen uint8) []byte {
	f := FlagPadded
	if endStream {
		f |= FlagEndStream
	}
	dst = appendFrameStart(dst, FrameData, f, streamID, 1+len(data)+int(padLen))
	dst = append(dst, padLen)
	dst = append(dst, data...)
	return append(dst, make([]byte, padLen)...)
}
