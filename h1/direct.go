package h1

import "github.com/httpwire/httpwire/proto"

// Direct body reads. A driver that reads a large body would otherwise copy every byte twice: from the socket
// into the Conn (Receive), then out of a Data event into the application's buffer. When nothing is buffered
// and the peer's message is inside body data of known extent, DirectBody says how many bytes the driver may
// read from the socket straight into the application's buffer; ConsumeDirect then tells the Conn they were
// read. The bytes never pass through the Conn, which only keeps count (RFC 9112 §6.3 framing stays its job).

// DirectBody returns how many bytes of body data may be read directly from the network now: the rest of a
// Content-Length body or of the current chunk, or any amount (math.MaxInt64) in a body delimited by the
// connection's close. It returns 0 when the Conn holds unread input, is not inside body data, or failed.
func (c *Conn) DirectBody() int64 {
	if c.err != nil || c.r != len(c.in) || c.eof || c.m.states[c.role.Peer()] != SendBody {
		return 0
	}
	b := &c.body
	switch {
	case b.kind == bodyLength:
		return b.remaining
	case b.kind == bodyChunked && b.phase == chunkData:
		return b.remaining
	case b.kind == bodyUntilClose && c.lim.MaxBodyBytes > 0:
		return max(0, c.lim.MaxBodyBytes-b.total) // at the limit: the next byte, read through the core, fails
	case b.kind == bodyUntilClose:
		return 1<<63 - 1
	}
	return 0
}

// ConsumeDirect records that n bytes of body data were read directly (see DirectBody). n must not exceed
// what DirectBody returned, and no other call may come in between.
func (c *Conn) ConsumeDirect(n int) error {
	if c.err != nil {
		return c.err
	}
	if n < 0 || int64(n) > c.DirectBody() {
		return c.localError(proto.ErrState, "ConsumeDirect beyond DirectBody")
	}
	if c.body.kind != bodyUntilClose {
		c.body.remaining -= int64(n)
	} else if c.lim.MaxBodyBytes > 0 {
		c.body.total += int64(n)
	}
	if n > 0 {
		c.awaitsContinue = false
	}
	return nil
}
