package h2

// RFC 9113 §6.2: HEADERS (type 0x1) opens a stream and carries a field block fragment; CONTINUATION frames
// carry the rest of the block unless END_HEADERS is set.
//
//	+---------------+
//	|Pad Length? (8)|
//	+-+-------------+-----------------------------------------------+
//	|E|                 Stream Dependency? (31)                     |
//	+-+-------------+-----------------------------------------------+
//	|  Weight? (8)  |
//	+-+-------------+-----------------------------------------------+
//	|                   Field Block Fragment (*)                  ...
//	+---------------------------------------------------------------+
//	|                           Padding (*)                       ...
//	+---------------------------------------------------------------+

// HeadersFrame is a parsed HEADERS frame. Fragment borrows the payload it was parsed from.
type HeadersFrame struct {
	StreamID    uint32
	EndStream   bool
	EndHeaders  bool
	HasPriority bool          // the PRIORITY flag was set
	Priority    PriorityParam // zero unless HasPriority
	Fragment    []byte        // the field block fragment, without padding
}

// ParseHeaders parses the payload p of the HEADERS frame with header h.
//
// HEADERS on stream 0 and padding that fills the rest of the payload or more are connection PROTOCOL_ERRORs
// (RFC 9113 §6.2); a payload too short for the Pad Length octet or the priority fields is a connection
// FRAME_SIZE_ERROR (RFC 9113 §4.2). A stream depending on itself is a stream PROTOCOL_ERROR (RFC 9113 §5.3.1):
// the frame is then returned whole along with the error, because the connection must still decode the field
// block to keep its HPACK state in sync with the peer's (RFC 9113 §4.3).
func ParseHeaders(h FrameHeader, p []byte) (HeadersFrame, error) {
	if h.StreamID == 0 {
		return HeadersFrame{}, frameOnStreamZero(h)
	}
	f := HeadersFrame{
		StreamID:    h.StreamID,
		EndStream:   h.Flags.Has(FlagEndStream),
		EndHeaders:  h.Flags.Has(FlagEndHeaders),
		HasPriority: h.Flags.Has(FlagPriority),
	}
	fixed := 0
	if f.HasPriority {
		fixed = priorityParamLen
	}
	prio, frag, err := h.unpad(p, fixed)
	if err != nil {
		return HeadersFrame{}, err
	}
	f.Fragment = frag
	if f.HasPriority {
		f.Priority = parsePriorityParam(prio)
		if f.Priority.StreamDep == h.StreamID {
			return f, selfDependency(h)
		}
	}
	return f, nil
}

func headersFrameFlags(endStream, endHeaders bool) Flags {
	var f Flags
	if endStream {
		f |= FlagEndStream
	}
	if endHeaders {
		f |= FlagEndHeaders
	}
	return f
}

// AppendHeaders appends a HEADERS frame without priority or padding to dst.
//
// It never fails: fragment must fit the peer's SETTINGS_MAX_FRAME_SIZE, which the connection ensures by
// splitting a field block into HEADERS and CONTINUATION frames (a payload above 2^24-1 bytes panics).
func AppendHeaders(dst []byte, streamID uint32, endStream, endHeaders bool, fragment []byte) []byte {
	dst = appendFrameStart(dst, FrameHeaders, headersFrameFlags(endStream, endHeaders), streamID, len(fragment))
	return append(dst, fragment...)
}

// AppendHeadersPriority appends a HEADERS frame with the PRIORITY flag and prio to dst. As with AppendHeaders,
// fragment must fit the peer's frame size, less the 5 octets of priority fields.
func AppendHeadersPriority(dst []byte, streamID uint32, endStream, endHeaders bool, prio PriorityParam, fragment []byte) []byte {
	f := headersFrameFlags(endStream, endHeaders) | FlagPriority
	dst = appendFrameStart(dst, FrameHeaders, f, streamID, priorityParamLen+len(fragment))
	dst = appendPriorityParam(dst, prio)
	return append(dst, fragment...)
}
