package h1

import (
	"bytes"

	"github.com/httpwire/httpwire/proto"
)

// Line scanning over the receive buffer. Scanning resumes where the previous call stopped (c.scanned), so that
// input arriving one byte at a time is still searched once: parsing stays linear in the input.

// findSectionEnd looks for the empty line that ends a head or a trailer section starting at in[r:]. It returns
// the section's length including that empty line, or 0 when more input is needed. A head over the limits is a
// RemoteError: 414 while the request line is still unterminated, 431 otherwise (RFC 9112 §3, RFC 6585 §5).
func (c *Conn) findSectionEnd(startLine bool) (int, error) {
	buf := c.in[c.r:]
	for {
		i := bytes.IndexByte(buf[c.scanned:], '\n')
		if i < 0 {
			c.scanned = len(buf)
			// The line so far may end in the CR of its CRLF: allow for it, as for a complete line below.
			if startLine && c.lineStart == 0 && len(buf) > c.lim.MaxStartLineBytes+1 {
				return 0, remoteError(proto.ErrTooLarge, 414, "start line longer than the limit")
			}
			if len(buf) > c.lim.MaxHeaderBytes {
				return 0, remoteError(proto.ErrTooLarge, 431, "head longer than the limit")
			}
			return 0, nil
		}
		lf := c.scanned + i
		if startLine && c.lineStart == 0 && lf > c.lim.MaxStartLineBytes+1 {
			return 0, remoteError(proto.ErrTooLarge, 414, "start line longer than the limit")
		}
		if lf+1 > c.lim.MaxHeaderBytes {
			return 0, remoteError(proto.ErrTooLarge, 431, "head longer than the limit")
		}
		c.scanned = lf + 1
		if lf == c.lineStart || lf == c.lineStart+1 && buf[c.lineStart] == '\r' {
			return lf + 1, nil
		}
		c.lineStart = lf + 1
	}
}

// findChunkLine returns the chunk-size line at in[r:] without its CRLF, and the bytes it takes with the CRLF;
// nil and 0 when more input is needed (RFC 9112 §7.1).
func (c *Conn) findChunkLine() ([]byte, int, error) {
	buf := c.in[c.r:]
	i := bytes.IndexByte(buf[c.scanned:], '\n')
	if i < 0 {
		c.scanned = len(buf)
		if len(buf) > c.lim.MaxChunkLineBytes+1 { // the line so far may end in its CR
			return nil, 0, remoteError(proto.ErrTooLarge, 400, "chunk-size line longer than the limit")
		}
		return nil, 0, nil
	}
	lf := c.scanned + i
	if lf > c.lim.MaxChunkLineBytes+1 {
		return nil, 0, remoteError(proto.ErrTooLarge, 400, "chunk-size line longer than the limit")
	}
	if lf == 0 || buf[lf-1] != '\r' {
		return nil, 0, remoteError(proto.ErrFraming, 400, "chunk-size line not ended by CRLF")
	}
	return buf[:lf-1], lf + 1, nil
}

// nextLine splits b at its first LF. It returns the line without its line ending and the rest. In the server
// role a line must end in CRLF; in the client role LF alone is accepted (RFC 9112 §2.2).
func (c *Conn) nextLine(b []byte) (line, rest []byte, err error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 { // cannot happen: sections end with a line end
		return nil, nil, remoteError(proto.ErrProtocol, 400, "unterminated line")
	}
	line, rest = b[:i], b[i+1:]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	} else if c.role == Server {
		return nil, nil, remoteError(proto.ErrProtocol, 400, "line ended by a bare LF")
	}
	return line, rest, nil
}
