package h2

import (
	"fmt"

	"github.com/httpwire/httpwire/proto"
	"golang.org/x/net/http2/hpack"
)

// Errors of the send side, returned wrapped in a *proto.LocalError. Unlike protocol errors they are not
// sticky: they concern one call, and the connection goes on.
var (
	// ErrStreamLimit: the peer's SETTINGS_MAX_CONCURRENT_STREAMS are all in use; wait for a stream to close
	// or open another connection.
	ErrStreamLimit = fmt.Errorf("%w: concurrent stream limit reached", proto.ErrState)
	// ErrGoingAway: a GOAWAY was sent or received; no new streams.
	ErrGoingAway = fmt.Errorf("%w: connection is going away", proto.ErrState)
	// ErrStreamIDsExhausted: every stream id of this connection has been used (RFC 9113 §5.1.1).
	ErrStreamIDsExhausted = fmt.Errorf("%w: stream ids exhausted", proto.ErrState)
	// ErrStreamNotWritable: the stream is unknown, closed, or already ended on our side.
	ErrStreamNotWritable = fmt.Errorf("%w: stream not writable", proto.ErrState)
)

func localError(err error, msg string) error { return &proto.LocalError{Err: err, Msg: msg} }

// CanOpenStream reports whether SendRequest may open a stream now.
func (c *Conn) CanOpenStream() bool {
	return c.err == nil && c.role == Client && !c.goAwayRecv && !c.goAwaySent &&
		uint32(c.localOpen) < c.peer.MaxConcurrentStreams && c.nextLocalID <= 1<<31-1
}

// OpenStreams returns how many streams are open (not closed), ours and the peer's.
func (c *Conn) OpenStreams() int { return len(c.streams) }

// SendRequest opens a stream with a request head (client role) and returns its id. With endStream the
// request has no content. Fields must be valid HTTP/2 fields: lower-case names, no connection-specific fields
// (RFC 9113 §8.2).
func (c *Conn) SendRequest(h *proto.RequestHead, endStream bool) (uint32, error) {
	if c.err != nil {
		return 0, c.err
	}
	switch {
	case c.role != Client:
		return 0, localError(proto.ErrState, "SendRequest in the server role")
	case c.goAwayRecv || c.goAwaySent:
		return 0, localError(ErrGoingAway, "no new streams")
	case c.nextLocalID > 1<<31-1:
		return 0, localError(ErrStreamIDsExhausted, "open a new connection")
	case uint32(c.localOpen) >= c.peer.MaxConcurrentStreams:
		return 0, localError(ErrStreamLimit, fmt.Sprintf("%d streams open", c.localOpen))
	}
	if err := c.checkOutgoingRequest(h); err != nil {
		return 0, err
	}
	id := c.nextLocalID
	c.nextLocalID += 2
	s := c.openStream(id, true)
	s.head = string(h.Method) == "HEAD"
	s.surfaced = true // the application opened it, so it hears how it ends
	c.writeHeaders(id, endStream, func(e *hpack.Encoder) {
		c.writeField(e, ":method", h.Method)
		if string(h.Method) != "CONNECT" || len(h.Protocol) > 0 {
			c.writeField(e, ":scheme", h.Scheme)
			c.writeField(e, ":path", h.Target)
		}
		c.writeField(e, ":authority", h.Authority)
		if len(h.Protocol) > 0 {
			c.writeField(e, ":protocol", h.Protocol)
		}
		c.writeFields(e, h.Fields)
	})
	c.transition(s, sendHeaders)
	if endStream {
		c.transition(s, sendEndStream)
	}
	return id, nil
}

func (c *Conn) checkOutgoingRequest(h *proto.RequestHead) error {
	if !proto.ValidToken(h.Method) {
		return localError(proto.ErrInvalidField, "invalid method")
	}
	connect := string(h.Method) == "CONNECT"
	if len(h.Protocol) > 0 && (!connect || !c.peer.EnableConnectProtocol) {
		return localError(proto.ErrState, "extended CONNECT needs the server's SETTINGS_ENABLE_CONNECT_PROTOCOL")
	}
	if len(h.Authority) == 0 && connect {
		return localError(proto.ErrInvalidField, "CONNECT needs an authority")
	}
	if (!connect || len(h.Protocol) > 0) && (len(h.Scheme) == 0 || len(h.Target) == 0) {
		return localError(proto.ErrInvalidField, "a request needs a scheme and a path")
	}
	for _, v := range [][]byte{h.Scheme, h.Authority, h.Target, h.Protocol} {
		if !validFieldValue(v) {
			return localError(proto.ErrInvalidField, "invalid pseudo-header value")
		}
	}
	return checkOutgoingFields(h.Fields)
}

func checkOutgoingFields(fields proto.Fields) error {
	cl := int64(-1)
	for _, f := range fields {
		if len(f.Name) > 0 && f.Name[0] == ':' {
			return localError(proto.ErrInvalidField, "pseudo-header field among the fields: "+string(f.Name))
		}
		if !checkRegular(f.Name, f.Value, &cl) {
			return localError(proto.ErrInvalidField, "field not valid in HTTP/2: "+string(f.Name))
		}
	}
	return nil
}

// SendResponse sends a response head on stream id (server role): any number of 1xx heads, then one final
// head. With endStream the response has no content.
func (c *Conn) SendResponse(id uint32, h *proto.ResponseHead, endStream bool) error {
	if c.err != nil {
		return c.err
	}
	if c.role != Server {
		return localError(proto.ErrState, "SendResponse in the client role")
	}
	s := c.streams[id]
	if s == nil || s.sentFinal || s.state != stateOpen && s.state != stateHalfClosedRemote {
		return localError(ErrStreamNotWritable, fmt.Sprintf("stream %d", id))
	}
	if h.Status < 100 || h.Status > 599 || h.Status == 101 || h.Status < 200 && endStream {
		return localError(proto.ErrInvalidField, fmt.Sprintf("status %d cannot be sent here", h.Status)) // §8.6
	}
	if err := checkOutgoingFields(h.Fields); err != nil {
		return err
	}
	var status [3]byte
	status[0], status[1], status[2] = byte('0'+h.Status/100), byte('0'+h.Status/10%10), byte('0'+h.Status%10)
	c.writeHeaders(id, endStream, func(e *hpack.Encoder) {
		c.writeField(e, ":status", status[:])
		c.writeFields(e, h.Fields)
	})
	if h.Status >= 200 {
		s.sentFinal = true
	}
	if endStream {
		c.transition(s, sendEndStream)
	}
	return nil
}

// SendTrailers ends stream id with trailer fields.
func (c *Conn) SendTrailers(id uint32, trailers proto.Fields) error {
	if c.err != nil {
		return c.err
	}
	s := c.streams[id]
	if s == nil || s.state != stateOpen && s.state != stateHalfClosedRemote || c.role == Server && !s.sentFinal {
		return localError(ErrStreamNotWritable, fmt.Sprintf("stream %d", id))
	}
	if err := checkOutgoingFields(trailers); err != nil {
		return err
	}
	c.writeHeaders(id, true, func(e *hpack.Encoder) { c.writeFields(e, trailers) })
	c.transition(s, sendEndStream)
	return nil
}

// SendWindow returns how many DATA bytes stream id may send now: the smaller of its window and the
// connection's (RFC 9113 §6.9).
func (c *Conn) SendWindow(id uint32) int {
	s := c.streams[id]
	if s == nil {
		return 0
	}
	return int(max(0, min(c.connSend, s.sendWindow)))
}

// SendData sends as much of p on stream id as the flow-control windows allow, split into frames of the
// peer's SETTINGS_MAX_FRAME_SIZE, and returns how much it sent. endStream ends the stream if all of p went.
// When it returns less than len(p), wait for a WindowUpdated event and send the rest.
func (c *Conn) SendData(id uint32, p []byte, endStream bool) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	s := c.streams[id]
	if s == nil || s.state != stateOpen && s.state != stateHalfClosedRemote || c.role == Server && !s.sentFinal {
		return 0, localError(ErrStreamNotWritable, fmt.Sprintf("stream %d", id))
	}
	n := int(max(0, min(int64(len(p)), c.connSend, s.sendWindow)))
	if n < len(p) && c.cfg.StallTimeout > 0 {
		c.markBlocked(s) // blocked by flow control: the peer must open a window in time
	}
	end := endStream && n == len(p)
	if n == 0 && !end {
		return 0, nil
	}
	max := int(c.peer.MaxFrameSize)
	for off := 0; off < n || off == 0 && n == 0; {
		k := min(n-off, max)
		c.out = AppendData(c.out, id, end && off+k == n, p[off:off+k])
		off += k
		if n == 0 {
			break
		}
	}
	c.connSend -= int64(n)
	s.sendWindow -= int64(n)
	if end {
		c.transition(s, sendEndStream)
	}
	return n, nil
}

// Reset cancels stream id with RST_STREAM and code (RFC 9113 §6.4), e.g. ErrCodeCancel when the
// application stops reading. Frames that are still in flight on it are ignored.
func (c *Conn) Reset(id uint32, code ErrCode) error {
	if c.err != nil {
		return c.err
	}
	s := c.streams[id]
	if s == nil {
		if c.idle(id) {
			return localError(ErrStreamNotWritable, fmt.Sprintf("stream %d was never opened", id))
		}
		return nil
	}
	c.out = AppendRSTStream(c.out, id, code)
	c.transition(s, sendReset)
	return nil
}

// Ping sends a PING with data; a PingAcked event reports the answer.
func (c *Conn) Ping(data [8]byte) error {
	if c.err != nil {
		return c.err
	}
	c.out = AppendPing(c.out, false, data)
	return nil
}

// GoAway starts a graceful shutdown (RFC 9113 §6.8): streams the peer opened so far are still served, newer
// ones are ignored, and no new streams may be opened by us.
func (c *Conn) GoAway(code ErrCode, debug []byte) error {
	if c.err != nil {
		return c.err
	}
	c.out = AppendGoAway(c.out, c.lastPeerID, code, debug)
	c.goAwaySent = true
	c.goAwayLast = c.lastPeerID
	return nil
}

// writeHeaders encodes a field block with write and queues it as HEADERS plus CONTINUATION frames no larger
// than the peer's SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.3).
func (c *Conn) writeHeaders(id uint32, endStream bool, write func(*hpack.Encoder)) {
	c.encWriter.b = c.encWriter.b[:0]
	write(c.enc)
	if len(c.encWriter.b) > 0 {
		c.encTableChanged = false // the encoder's first field carried the size update
	}
	block := c.encWriter.b
	max := int(c.peer.MaxFrameSize)
	first := min(len(block), max)
	c.out = AppendHeaders(c.out, id, endStream, first == len(block), block[:first])
	for off := first; off < len(block); {
		k := min(len(block)-off, max)
		c.out = AppendContinuation(c.out, id, off+k == len(block), block[off:off+k])
		off += k
	}
}

func (c *Conn) writeField(e *hpack.Encoder, name string, value []byte) {
	if i := staticPseudo(name, value); i > 0 && !c.encTableChanged {
		// An exact match in the static table is one indexed byte (RFC 7541 §6.1) and leaves the dynamic
		// table alone, so it can skip the encoder's table search.
		c.encWriter.b = append(c.encWriter.b, 0x80|i)
		return
	}
	_ = e.WriteField(hpack.HeaderField{Name: name, Value: c.strings.get(value)})
}

// staticPseudo returns the static-table index of a pseudo-header field with this exact value (RFC 7541
// Appendix A), or 0.
func staticPseudo(name string, value []byte) byte {
	switch name {
	case ":method":
		switch string(value) {
		case "GET":
			return 2
		case "POST":
			return 3
		}
	case ":path":
		switch string(value) {
		case "/":
			return 4
		case "/index.html":
			return 5
		}
	case ":scheme":
		switch string(value) {
		case "http":
			return 6
		case "https":
			return 7
		}
	case ":status":
		switch string(value) {
		case "200":
			return 8
		case "204":
			return 9
		case "206":
			return 10
		case "304":
			return 11
		case "400":
			return 12
		case "404":
			return 13
		case "500":
			return 14
		}
	}
	return 0
}

// writeFields encodes regular fields; credentials are never indexed (RFC 7541 §7.1.3).
func (c *Conn) writeFields(e *hpack.Encoder, fields proto.Fields) {
	for _, f := range fields {
		sensitive := string(f.Name) == "authorization" || string(f.Name) == "proxy-authorization" ||
			string(f.Name) == "cookie" && len(f.Value) < 20
		value := c.strings.get(f.Value)
		if sensitive {
			value = string(f.Value) // never kept in the cache either
		}
		_ = e.WriteField(hpack.HeaderField{Name: c.strings.get(f.Name), Value: value, Sensitive: sensitive})
	}
}

// stringCache turns the bytes of fields into the strings the HPACK encoder takes, reusing the strings of
// names and values seen before: most fields repeat from request to request, and this keeps them from
// allocating each time. It holds at most stringCacheSize short strings and starts over when full.
type stringCache map[string]string

const stringCacheSize = 256

func (sc *stringCache) get(b []byte) string {
	if s, ok := (*sc)[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(b) <= 128 {
		if *sc == nil || len(*sc) >= stringCacheSize {
			*sc = make(stringCache, stringCacheSize)
		}
		(*sc)[s] = s
	}
	return s
}
