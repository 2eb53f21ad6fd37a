package h1

import (
	"github.com/httpwire/httpwire/proto"
)

type chunkPhase uint8

const (
	chunkSize     chunkPhase = iota // expecting a chunk-size line
	chunkData                       // inside chunk data
	chunkDataEnd                    // expecting the CRLF after chunk data
	chunkTrailers                   // after the last chunk: trailer section
)

// bodyReader is the receive side's progress through one message body.
type bodyReader struct {
	kind      bodyKind
	remaining int64 // bytes left in the body (bodyLength) or in the current chunk
	phase     chunkPhase
	total     int64 // chunked or close-delimited bytes so far, for MaxBodyBytes (only counted when that is set)
}

// readBody returns the next Data or EndOfMessage of the peer's body.
func (c *Conn) readBody() (Event, error) {
	b := &c.body
	switch b.kind {
	case bodyNone:
		return c.endOfMessage(nil)
	case bodyLength:
		if b.remaining == 0 {
			return c.endOfMessage(nil)
		}
		return c.readData(&b.remaining)
	case bodyUntilClose:
		if avail := len(c.in) - c.r; avail > 0 {
			if lim := c.lim.MaxBodyBytes; lim > 0 {
				// Only the end of input ends this body (RFC 9112 §6.3 rule 8): the limit is checked as it grows.
				room := lim - b.total
				if room <= 0 {
					return nil, remoteError(proto.ErrTooLarge, 413, "body read until close larger than the limit")
				}
				avail = int(min(int64(avail), room))
				b.total += int64(avail)
			}
			return c.dataEvent(avail), nil
		}
		if c.eof {
			return c.endOfMessage(nil)
		}
		return nil, nil
	}
	return c.readChunked()
}

// readData returns a Data event with up to *remaining buffered bytes.
func (c *Conn) readData(remaining *int64) (Event, error) {
	avail := int64(len(c.in) - c.r)
	if avail == 0 {
		if c.eof {
			return nil, remoteError(proto.ErrIncomplete, 400, "peer closed inside a message body")
		}
		return nil, nil
	}
	n := min(avail, *remaining)
	*remaining -= n
	return c.dataEvent(int(n)), nil
}

func (c *Conn) dataEvent(n int) *Data {
	c.data.Data = c.in[c.r : c.r+n : c.r+n]
	c.consume(n)
	c.awaitsContinue = false
	return &c.data
}

func (c *Conn) endOfMessage(trailers proto.Fields) (Event, error) {
	if !c.m.process(c.role.Peer(), evEnd) {
		return nil, remoteError(proto.ErrState, 400, "end of message in state "+c.TheirState().String())
	}
	c.awaitsContinue = false
	c.end.Trailers = trailers
	return &c.end, nil
}

// readChunked steps through the chunked coding (RFC 9112 §7.1) until it has an event or needs input.
func (c *Conn) readChunked() (Event, error) {
	b := &c.body
	for {
		switch b.phase {
		case chunkSize:
			line, n, err := c.findChunkLine()
			if err != nil || n == 0 {
				return nil, c.incompleteIf(err, n == 0)
			}
			size, err := parseChunkLine(line)
			if err != nil {
				return nil, err
			}
			if c.lim.MaxBodyBytes > 0 && size > c.lim.MaxBodyBytes-b.total {
				return nil, remoteError(proto.ErrTooLarge, 413, "chunked body larger than the limit")
			}
			b.total += size
			c.consume(n)
			b.remaining = size
			b.phase = chunkData
			if size == 0 {
				b.phase = chunkTrailers
			}
		case chunkData:
			if b.remaining == 0 {
				b.phase = chunkDataEnd
				continue
			}
			return c.readData(&b.remaining)
		case chunkDataEnd:
			buf := c.in[c.r:]
			if len(buf) > 0 && buf[0] != '\r' || len(buf) > 1 && buf[1] != '\n' {
				return nil, remoteError(proto.ErrFraming, 400, "chunk data not followed by CRLF")
			}
			if len(buf) < 2 {
				return nil, c.incompleteIf(nil, true)
			}
			c.consume(2)
			b.phase = chunkSize
		case chunkTrailers:
			n, err := c.findSectionEnd(false)
			if err != nil || n == 0 {
				return nil, c.incompleteIf(err, n == 0)
			}
			trailers, _, err := c.parseFields(c.in[c.r : c.r+n])
			if err != nil {
				return nil, err
			}
			c.consume(n)
			return c.endOfMessage(trailers)
		}
	}
}

// incompleteIf passes err on; without one, it reports a peer that closed where more input was needed.
func (c *Conn) incompleteIf(err error, needMore bool) error {
	if err == nil && needMore && c.eof {
		return remoteError(proto.ErrIncomplete, 400, "peer closed inside a chunked body")
	}
	return err
}

// parseChunkLine parses `chunk-size *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )` (RFC 9112 §7.1.1);
// extensions are checked and ignored.
func parseChunkLine(line []byte) (int64, error) {
	var size int64
	i := 0
	for ; i < len(line); i++ {
		d := unhex(line[i])
		if d < 0 {
			break
		}
		if size > (1<<63-1)>>4 {
			return 0, remoteError(proto.ErrFraming, 400, "chunk size overflows")
		}
		size = size<<4 | int64(d)
	}
	if i == 0 {
		return 0, remoteError(proto.ErrFraming, 400, "invalid chunk size")
	}
	if !validChunkExtensions(line[i:]) {
		return 0, remoteError(proto.ErrFraming, 400, "invalid chunk extension")
	}
	return size, nil
}

func validChunkExtensions(b []byte) bool {
	for len(b) > 0 {
		b = trimBWS(b)
		if len(b) == 0 || b[0] != ';' {
			return false
		}
		b = trimBWS(b[1:])
		n := tokenLen(b)
		if n == 0 {
			return false
		}
		b = b[n:]
		rest := trimBWS(b)
		if len(rest) == 0 {
			return len(b) == 0 // BWS only stands before ";" or "="
		}
		if rest[0] != '=' {
			if rest[0] != ';' {
				return false
			}
			b = rest
			continue
		}
		b = trimBWS(rest[1:])
		if len(b) > 0 && b[0] == '"' {
			n = quotedStringLen(b)
		} else {
			n = tokenLen(b)
		}
		if n == 0 {
			return false
		}
		b = b[n:]
	}
	return true
}

func trimBWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func tokenLen(b []byte) int {
	for i, x := range b {
		if !proto.IsTokenByte(x) {
			return i
		}
	}
	return len(b)
}

// quotedStringLen returns the length of the quoted-string (RFC 9110 §5.6.4) at the start of b, or 0.
func quotedStringLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		switch x := b[i]; {
		case x == '"':
			return i + 1
		case x == '\\':
			if i+1 >= len(b) || !proto.IsFieldValueByte(b[i+1]) {
				return 0
			}
			i++
		case !proto.IsFieldValueByte(x):
			return 0
		}
	}
	return 0
}

func unhex(b byte) int {
	switch {
	case '0' <= b && b <= '9':
		return int(b - '0')
	case 'a' <= b && b <= 'f':
		return int(b-'a') + 10
	case 'A' <= b && b <= 'F':
		return int(b-'A') + 10
	}
	return -1
}
