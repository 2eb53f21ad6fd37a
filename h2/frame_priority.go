package h2

import "encoding/binary"

// RFC 9113 §6.3: PRIORITY (type 0x2) gives the sender's advice on a stream's priority in the scheme of RFC 7540
// §5.3, which RFC 9113 deprecates. A receiver parses and checks it, then may ignore it.
//
//	+-+-------------------------------------------------------------+
//	|E|                  Stream Dependency (31)                     |
//	+-+-------------+-----------------------------------------------+
//	|   Weight (8)  |
//	+---------------+

// priorityParamLen is the length of the priority fields of PRIORITY and HEADERS frames.
const priorityParamLen = 5

// PriorityParam is the RFC 7540 priority of a stream, as carried by PRIORITY and HEADERS frames.
type PriorityParam struct {
	StreamDep uint32 // the stream depended on, 0 for none; 31 bits
	Exclusive bool
	Weight    uint8 // the weight minus one: 0 means 1, 255 means 256
}

// parsePriorityParam decodes the 5 octets of priority fields at the start of b.
func parsePriorityParam(b []byte) PriorityParam {
	v := binary.BigEndian.Uint32(b)
	return PriorityParam{StreamDep: v & streamIDMask, Exclusive: v>>31 == 1, Weight: b[4]}
}

// appendPriorityParam appends the 5 octets of priority fields.
func appendPriorityParam(dst []byte, p PriorityParam) []byte {
	v := p.StreamDep & streamIDMask
	if p.Exclusive {
		v |= 1 << 31
	}
	dst = binary.BigEndian.AppendUint32(dst, v)
	return append(dst, p.Weight)
}

// selfDependency is the stream error for a stream that depends on itself (RFC 9113 §5.3.1).
func selfDependency(h FrameHeader) error {
	return streamError(h.StreamID, ErrCodeProtocol, h.Type.String()+" frame makes stream depend on itself")
}

// PriorityFrame is a parsed PRIORITY frame.
type PriorityFrame struct {
	StreamID uint32
	PriorityParam
}

// ParsePriority parses the payload p of the PRIORITY frame with header h. PRIORITY on stream 0 is a
// connection PROTOCOL_ERROR; a payload other than 5 bytes is a stream FRAME_SIZE_ERROR (RFC 9113 §6.3); a
// stream depending on itself is a stream PROTOCOL_ERROR (RFC 9113 §5.3.1). With a stream error the frame is
// returned as far as it could be parsed, StreamID always set.
func ParsePriority(h FrameHeader, p []byte) (PriorityFrame, error) {
	if h.StreamID == 0 {
		return PriorityFrame{}, frameOnStreamZero(h)
	}
	f := PriorityFrame{StreamID: h.StreamID}
	if len(p) != priorityParamLen {
		return f, frameLengthError(h, h.StreamID, "5")
	}
	f.PriorityParam = parsePriorityParam(p)
	if f.StreamDep == h.StreamID {
		return f, selfDependency(h)
	}
	return f, nil
}

// AppendPriority appends a PRIORITY frame to dst.
func AppendPriority(dst []byte, streamID uint32, p PriorityParam) []byte {
	dst = appendFrameStart(dst, FramePriority, 0, streamID, priorityParamLen)
	return appendPriorityParam(dst, p)
}
