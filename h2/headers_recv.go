package h2

import (
	"github.com/httpwire/httpwire/proto"
	"golang.org/x/net/http2/hpack"
)

// headerBlock assembles one field block: a HEADERS frame and its CONTINUATION frames (RFC 9113 §4.3, §6.10).
// Fragments are decoded as they arrive, so a block is never buffered whole and its decoded size is bounded
// while decoding.
type headerBlock struct {
	active    bool // a HEADERS without END_HEADERS arrived: only CONTINUATION may follow
	streamID  uint32
	endStream bool
	conts     int
	size      int     // decoded size as SETTINGS_MAX_HEADER_LIST_SIZE counts it (§6.5.2)
	tooLarge  bool    // the decoded list went over the limits; fields are dropped
	resetCode ErrCode // non-zero: the HEADERS frame itself earned a stream error
	buf       []byte
	offs      []fieldOffsets
	fields    proto.Fields
}

type fieldOffsets struct{ name, value, end int }

// emitField is the HPACK decoder's callback for each decoded field.
func (c *Conn) emitField(f hpack.HeaderField) {
	b := &c.block
	b.size += len(f.Name) + len(f.Value) + 32
	if b.size > c.lim.MaxHeaderBytes || len(b.offs) >= c.lim.MaxHeaderCount {
		b.tooLarge = true
	}
	if b.tooLarge {
		return
	}
	start := len(b.buf)
	b.buf = append(b.buf, f.Name...)
	b.buf = append(b.buf, f.Value...)
	b.offs = append(b.offs, fieldOffsets{start, start + len(f.Name), len(b.buf)})
}

func (c *Conn) onHeaders(h FrameHeader, p []byte) (Event, error) {
	f, err := ParseHeaders(h, p)
	var resetCode ErrCode
	if err != nil {
		re, ok := err.(*proto.RemoteError)
		if !ok || re.StreamID == 0 {
			return nil, err
		}
		// A stream error found in the frame alone (a stream depending on itself, §5.3.1): the block is
		// still decoded, CONTINUATIONs included, to keep the HPACK state in step; then the stream is reset.
		resetCode = ErrCode(re.Code)
	}
	buf, fields := c.block.buf[:0], c.block.fields
	if c.cfg.StableFields {
		buf, fields = c.stableSpace()
	}
	c.block = headerBlock{
		active:    !f.EndHeaders,
		streamID:  f.StreamID,
		endStream: f.EndStream,
		resetCode: resetCode,
		buf:       buf,
		offs:      c.block.offs[:0],
		fields:    fields,
	}
	if err := c.decode(f.Fragment); err != nil {
		return nil, err
	}
	if !f.EndHeaders {
		return nil, nil
	}
	return c.endBlock()
}

// With Config.StableFields, each field section is decoded into space after the sections handed out
// before, in chunks of stableBytes bytes and stableFields fields; a chunk with too little room left is
// replaced (a section larger than a chunk grows its own by append). Handed-out sections are never written
// again, and a chunk is freed once no section carved from it is referenced.
const (
	stableBytes  = 8 << 10
	stableFields = 128
)

// stableSpace returns empty slices to decode the next field section into, after everything handed out.
func (c *Conn) stableSpace() ([]byte, proto.Fields) {
	buf := c.block.buf[len(c.block.buf):]
	if cap(buf) < stableBytes/8 {
		buf = make([]byte, 0, stableBytes)
	}
	fields := c.block.fields[len(c.block.fields):]
	if cap(fields) < stableFields/8 {
		fields = make(proto.Fields, 0, stableFields)
	}
	return buf, fields
}

func (c *Conn) onContinuation(h FrameHeader, p []byte) (Event, error) {
	f, err := ParseContinuation(h, p)
	if err != nil {
		return nil, err
	}
	if !c.block.active || f.StreamID != c.block.streamID {
		return nil, connError(ErrCodeProtocol, "unexpected CONTINUATION") // §6.10
	}
	c.block.conts++
	if c.block.conts > c.lim.MaxContinuationFrames {
		return nil, connError(ErrCodeEnhanceYourCalm, "too many CONTINUATION frames") // CVE-2024-27316
	}
	if len(f.Fragment) == 0 && !f.EndHeaders {
		if err := c.emptyFrame(); err != nil {
			return nil, err
		}
	}
	if err := c.decode(f.Fragment); err != nil {
		return nil, err
	}
	if !f.EndHeaders {
		return nil, nil
	}
	c.block.active = false
	return c.endBlock()
}

func (c *Conn) decode(fragment []byte) error {
	if _, err := c.dec.Write(fragment); err != nil {
		return connError(ErrCodeCompression, "HPACK: "+err.Error()) // §4.3
	}
	return nil
}

// endBlock finishes a field block and applies it to its stream.
func (c *Conn) endBlock() (Event, error) {
	if err := c.dec.Close(); err != nil {
		return nil, connError(ErrCodeCompression, "HPACK: "+err.Error())
	}
	b := &c.block
	b.active = false
	b.fields = b.fields[:0]
	for _, o := range b.offs {
		b.fields = append(b.fields, proto.Field{
			Name:  b.buf[o.name:o.value:o.value],
			Value: b.buf[o.value:o.end:o.end],
		})
	}
	id := b.streamID
	if b.resetCode != 0 {
		if c.peerInitiated(id) && id > c.lastPeerID {
			c.lastPeerID = id
		}
		return c.resetByUs(id, b.resetCode)
	}
	s := c.streams[id]
	if s == nil {
		return c.headersOnNewStream(id)
	}
	if s.state == stateHalfClosedRemote || s.state == stateClosed {
		return c.resetByUs(id, ErrCodeStreamClosed) // §5.1 half-closed (remote)
	}
	if b.tooLarge {
		return c.refuseLarge(s)
	}
	if c.role == Client && !s.gotHeaders {
		return c.responseHeaders(s)
	}
	// A second field section: trailers, which end the stream (§8.1).
	if !b.endStream {
		return c.resetByUs(id, ErrCodeProtocol)
	}
	if !checkTrailers(b.fields) {
		return c.resetByUs(id, ErrCodeProtocol)
	}
	if s.contentLength >= 0 && s.received != s.contentLength {
		return c.resetByUs(id, ErrCodeProtocol)
	}
	c.transition(s, recvEndStream)
	c.evHeaders = HeadersReceived{StreamID: id, Kind: KindTrailers, Trailers: b.fields[:len(b.fields):len(b.fields)],
		EndStream: true}
	c.pendingEnded = id
	return &c.evHeaders, nil
}

// headersOnNewStream handles a field block on a stream we do not track: a new request (server role), or a
// stream that is idle or already closed.
func (c *Conn) headersOnNewStream(id uint32) (Event, error) {
	b := &c.block
	if c.role == Client || !c.peerInitiated(id) {
		if c.idle(id) {
			return nil, connError(ErrCodeProtocol, "HEADERS on a stream the peer may not open") // §5.1.1
		}
		if c.closed[id] == closedByUs {
			return nil, nil
		}
		return nil, connError(ErrCodeStreamClosed, "HEADERS on a closed stream") // §5.1
	}
	if id <= c.lastPeerID {
		if kind, ok := c.closed[id]; ok {
			if kind == closedByUs {
				return nil, nil
			}
			return nil, connError(ErrCodeStreamClosed, "HEADERS on a closed stream")
		}
		return nil, connError(ErrCodeProtocol, "stream id not above the previous ones") // §5.1.1
	}
	c.lastPeerID = id
	if c.goAwaySent && id > c.goAwayLast {
		c.rememberClosed(id, closedByUs) // §6.8: ignored, and so are the frames that follow on it
		return nil, nil
	}
	if c.peerOpen >= int(c.local.MaxConcurrentStreams) {
		c.out = AppendRSTStream(c.out, id, ErrCodeRefusedStream) // §5.1.2
		c.rememberClosed(id, closedByUs)
		return nil, c.spendReset()
	}
	s := c.openStream(id, false)
	c.transition(s, recvHeaders)
	if b.tooLarge {
		if b.endStream {
			c.transition(s, recvEndStream)
		}
		return c.refuseLarge(s)
	}
	req := &c.evHeaders.Request
	cl, ok := c.checkRequest(b.fields, req)
	if !ok || b.endStream && cl > 0 {
		return c.resetByUs(id, ErrCodeProtocol) // §8.1.1 malformed
	}
	s.contentLength = cl
	s.gotHeaders = true
	s.surfaced = true
	if b.endStream {
		c.transition(s, recvEndStream)
		c.pendingEnded = id
	}
	c.evHeaders.StreamID, c.evHeaders.Kind, c.evHeaders.EndStream = id, KindRequest, b.endStream
	c.evHeaders.Trailers = nil
	return &c.evHeaders, nil
}

// responseHeaders handles a response field section on a stream we opened (client role).
func (c *Conn) responseHeaders(s *stream) (Event, error) {
	b := &c.block
	resp := &c.evHeaders.Response
	cl, ok := checkResponse(b.fields, resp)
	if !ok || resp.Status == 101 || resp.Status < 200 && b.endStream {
		return c.resetByUs(s.id, ErrCodeProtocol) // §8.1.1, §8.6
	}
	kind := KindInformational
	if resp.Status < 200 {
		if s.infos++; s.infos > c.lim.MaxInformational {
			return c.resetByUs(s.id, ErrCodeProtocol) // RFC 9110 §15.2 sets no bound; we do
		}
	}
	if resp.Status >= 200 {
		kind = KindResponse
		s.gotHeaders = true
		if !s.head && resp.Status != 204 && resp.Status != 304 {
			s.contentLength = cl
		}
		if b.endStream && s.contentLength > 0 {
			return c.resetByUs(s.id, ErrCodeProtocol)
		}
	}
	s.surfaced = true
	if b.endStream {
		c.transition(s, recvEndStream)
		c.pendingEnded = s.id
	}
	c.evHeaders.StreamID, c.evHeaders.Kind, c.evHeaders.EndStream = s.id, kind, b.endStream
	c.evHeaders.Trailers = nil
	return &c.evHeaders, nil
}

// refuseLarge answers a field section over the limits: a server answers 431 (RFC 9113 §10.5.1, RFC 6585 §5),
// a client resets the stream.
func (c *Conn) refuseLarge(s *stream) (Event, error) {
	if c.role == Server && !s.surfaced {
		c.writeHeaders(s.id, true, func(e *hpack.Encoder) { _ = e.WriteField(hpack.HeaderField{Name: ":status", Value: "431"}) })
		c.transition(s, sendHeaders)
		c.transition(s, sendEndStream)
		if s.state != stateClosed {
			return c.resetByUs(s.id, ErrCodeNo)
		}
		return nil, c.spendReset()
	}
	return c.resetByUs(s.id, ErrCodeRefusedStream)
}
