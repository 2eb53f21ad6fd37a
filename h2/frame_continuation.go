package h2

// RFC 9113 §6.10: CONTINUATION (type 0x9) carries the next fragment of a field block begun by HEADERS or
// PUSH_PROMISE on the same stream. Its payload is the fragment itself.

// ContinuationFrame is a parsed CONTINUATION frame. Fragment borrows the payload it was parsed from.
type ContinuationFrame struct {
	StreamID   uint32
	EndHeaders bool
	Fragment   []byte
}

// ParseContinuation parses the payload p of the CONTINUATION frame with header h. CONTINUATION on stream 0 is
// a connection PROTOCOL_ERROR (RFC 9113 §6.10). Whether a field block is open on that stream is the
// connection's business.
func ParseContinuation(h FrameHeader, p []byte) (ContinuationFrame, error) {
	if h.StreamID == 0 {
		return ContinuationFrame{}, frameOnStreamZero(h)
	}
	return ContinuationFrame{StreamID: h.StreamID, EndHeaders: h.Flags.Has(FlagEndHeaders), Fragment: p}, nil
}

// AppendContinuation appends a CONTINUATION frame to dst. As with AppendHeaders, fragment must fit the peer's
// frame size; the connection ensures it.
func AppendContinuation(dst []byte, streamID uint32, endHeaders bool, fragment []byte) []byte {
	var f Flags
	if endHeaders {
		f |= FlagEndHeaders
	}
	dst = appendFrameStart(dst, FrameContinuation, f, streamID, len(fragment))
	return append(dst, fragment...)
}
