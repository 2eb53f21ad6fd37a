package h1

import (
	"bytes"

	"github.com/httpwire/httpwire/proto"
)

// readHead parses the next request (server role) or response (client role) head once it is complete.
func (c *Conn) readHead() (Event, error) {
	// RFC 9112 §2.2: ignore empty lines received before the start line.
	for {
		buf := c.in[c.r:]
		if len(buf) >= 2 && buf[0] == '\r' && buf[1] == '\n' {
			c.consume(2)
		} else if len(buf) >= 1 && buf[0] == '\n' && c.role == Client {
			c.consume(1)
		} else {
			break
		}
	}
	if c.r == len(c.in) {
		if c.eof {
			return c.peerClosed()
		}
		return nil, nil
	}
	if c.scanned == 0 && len(c.in)-c.r <= c.lim.MaxHeaderBytes {
		// A head usually arrives whole: parse it in one pass. If it is incomplete, or has an error, fall
		// back to finding its end first, so that errors and limits do not depend on how input was split.
		if ev, n, err := c.parseHead(c.in[c.r:]); err == nil && n > 0 {
			c.consume(n)
			return ev, nil
		}
	}
	n, err := c.findSectionEnd(true)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		if c.eof {
			return nil, remoteError(proto.ErrIncomplete, 400, "peer closed inside a message head")
		}
		return nil, nil
	}
	ev, _, err := c.parseHead(c.in[c.r : c.r+n])
	if err != nil {
		return nil, err
	}
	c.consume(n)
	return ev, nil
}

// parseHead parses the head at the start of b and returns its event and length, or a zero length when b
// holds only part of it.
func (c *Conn) parseHead(b []byte) (Event, int, error) {
	lf := bytes.IndexByte(b, '\n')
	if lf < 0 {
		return nil, 0, nil
	}
	if lf > c.lim.MaxStartLineBytes+1 {
		return nil, 0, remoteError(proto.ErrTooLarge, 414, "start line longer than the limit")
	}
	line, rest, err := c.nextLine(b)
	if err != nil {
		return nil, 0, err
	}
	var h *proto.ResponseHead
	if c.role == Server {
		err = c.parseRequestLine(line)
	} else {
		h = &c.resp.ResponseHead
		err = parseStatusLine(line, h)
	}
	if err != nil {
		return nil, 0, err
	}
	fields, m, err := c.parseFields(rest)
	if err != nil || m == 0 {
		return nil, 0, err
	}
	var ev Event
	if c.role == Server {
		c.req.Fields = fields
		ev, err = c.acceptRequest()
	} else {
		h.Fields = fields
		ev, err = c.acceptResponse()
	}
	if err != nil {
		return nil, 0, err
	}
	return ev, len(b) - len(rest) + m, nil
}

// parseRequestLine parses `method SP request-target SP HTTP-version` (RFC 9112 §3) into c.req.
func (c *Conn) parseRequestLine(line []byte) error {
	h := &c.req.RequestHead
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return remoteError(proto.ErrProtocol, 400, "malformed request line")
	}
	h.Method, line = line[:sp], line[sp+1:]
	if !proto.ValidToken(h.Method) {
		return remoteError(proto.ErrProtocol, 400, "invalid method")
	}
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return remoteError(proto.ErrProtocol, 400, "malformed request line")
	}
	h.Target = line[:sp]
	for _, b := range h.Target {
		if b <= ' ' || b == 0x7f {
			return remoteError(proto.ErrProtocol, 400, "invalid byte in request target")
		}
	}
	v, err := parseVersion(line[sp+1:])
	if err != nil {
		return err
	}
	h.Version = v
	h.Scheme, h.Authority, h.Protocol = nil, nil, nil
	return checkTargetForm(h.Method, h.Target)
}

// checkTargetForm enforces the four forms of RFC 9112 §3.2 and which methods may use them.
func checkTargetForm(method, target []byte) error {
	switch {
	case string(method) == "CONNECT":
		// authority-form: host ":" port, nothing else (§3.2.3).
		colon := bytes.LastIndexByte(target, ':')
		if target[0] == '/' || bytes.Contains(target, []byte("://")) || colon <= 0 || colon == len(target)-1 {
			return remoteError(proto.ErrProtocol, 400, "CONNECT needs an authority-form target")
		}
		for _, d := range target[colon+1:] {
			if d < '0' || d > '9' {
				return remoteError(proto.ErrProtocol, 400, "CONNECT target with an invalid port")
			}
		}
	case len(target) == 1 && target[0] == '*':
		if string(method) != "OPTIONS" {
			return remoteError(proto.ErrProtocol, 400, "asterisk-form target is for OPTIONS only")
		}
	case target[0] == '/': // origin-form (§3.2.1)
	case bytes.Contains(target, []byte("://")): // absolute-form (§3.2.2)
	default:
		return remoteError(proto.ErrProtocol, 400, "request target in no valid form")
	}
	return nil
}

// parseVersion parses HTTP-version (RFC 9112 §2.3): HTTP/1.0 and HTTP/1.1 are accepted, another well-formed
// version is 505, anything else 400.
func parseVersion(b []byte) (proto.Version, error) {
	if len(b) == 8 && string(b[:5]) == "HTTP/" && b[6] == '.' && isDigit(b[5]) && isDigit(b[7]) {
		switch string(b[5:]) {
		case "1.1":
			return proto.HTTP11, nil
		case "1.0":
			return proto.HTTP10, nil
		}
		return 0, remoteError(proto.ErrUnsupported, 505, "unsupported HTTP version "+string(b))
	}
	return 0, remoteError(proto.ErrProtocol, 400, "malformed HTTP version")
}

// parseStatusLine parses `HTTP-version SP status-code [SP reason-phrase]` (RFC 9112 §4).
func parseStatusLine(line []byte, h *proto.ResponseHead) error {
	if len(line) < 12 || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return remoteError(proto.ErrProtocol, 0, "malformed status line")
	}
	v, err := parseVersion(line[:8])
	if err != nil {
		return err
	}
	d := line[9:12]
	if !isDigit(d[0]) || !isDigit(d[1]) || !isDigit(d[2]) {
		return remoteError(proto.ErrProtocol, 0, "malformed status code")
	}
	h.Status = int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	if h.Status < 100 || h.Status > 599 {
		return remoteError(proto.ErrProtocol, 0, "status code out of range")
	}
	h.Version = v
	h.Reason = line[12:]
	if len(h.Reason) > 0 {
		h.Reason = h.Reason[1:]
	}
	for _, b := range h.Reason {
		if !proto.IsFieldValueByte(b) {
			return remoteError(proto.ErrProtocol, 0, "invalid byte in reason phrase")
		}
	}
	return nil
}

// parseFields parses field lines up to and including the empty line that ends the section (RFC 9112 §5),
// in one pass over each line, and returns the fields and the bytes they took; 0 bytes when b ends before the
// empty line. The fields borrow b, except values joined from obs-fold lines.
func (c *Conn) parseFields(b []byte) (proto.Fields, int, error) {
	fields := c.fields[:0]
	c.folded = c.folded[:0]
	size := len(b)
	for {
		if len(b) == 0 || len(b) == 1 && b[0] == '\r' {
			return nil, 0, nil
		}
		if b[0] == '\r' || b[0] == '\n' {
			eol, err := c.lineEnd(b)
			if err != nil {
				return nil, 0, err
			}
			c.fields = fields
			return fields, size - len(b) + eol, nil
		}
		if b[0] == ' ' || b[0] == '\t' {
			// obs-fold (§5.2): a server rejects it, a client replaces it with SP. Whitespace before the
			// first field line is an error in both roles (§2.2).
			if c.role == Server || len(fields) == 0 {
				return nil, 0, remoteError(proto.ErrProtocol, 400, "obsolete line folding")
			}
			if bytes.IndexByte(b, '\n') < 0 {
				return nil, 0, nil
			}
			line, rest, err := c.nextLine(b)
			if err != nil {
				return nil, 0, err
			}
			b = rest
			if err := c.unfold(&fields[len(fields)-1], proto.TrimOWS(line)); err != nil {
				return nil, 0, err
			}
			continue
		}
		n := tokenLen(b)
		if n == len(b) {
			return nil, 0, nil
		}
		if n == 0 || b[n] != ':' {
			return nil, 0, remoteError(proto.ErrProtocol, 400, "invalid field name")
		}
		name, v := b[:n], b[n+1:]
		i := proto.FieldValueLen(v)
		if i == len(v) || i == len(v)-1 && v[i] == '\r' {
			return nil, 0, nil
		}
		eol, err := c.lineEnd(v[i:])
		if err != nil {
			return nil, 0, err
		}
		if len(fields) == c.lim.MaxHeaderCount {
			return nil, 0, remoteError(proto.ErrTooLarge, 431, "more fields than the limit")
		}
		fields = append(fields, proto.Field{Name: name, Value: proto.TrimOWS(v[:i])})
		b = v[i+eol:]
	}
}

// lineEnd returns the length of the line ending at the start of b: CRLF, or in the client role a bare LF
// (RFC 9112 §2.2). Any other byte there is one that a field value must not hold.
func (c *Conn) lineEnd(b []byte) (int, error) {
	switch {
	case len(b) >= 2 && b[0] == '\r' && b[1] == '\n':
		return 2, nil
	case len(b) >= 1 && b[0] == '\n' && c.role == Client:
		return 1, nil
	case len(b) >= 1 && b[0] == '\n':
		return 0, remoteError(proto.ErrProtocol, 400, "line ended by a bare LF")
	}
	return 0, remoteError(proto.ErrProtocol, 400, "invalid byte in field value")
}

// unfold appends an obs-fold continuation to the value of f, joined by one SP (client role).
func (c *Conn) unfold(f *proto.Field, cont []byte) error {
	if err := checkFieldValue(cont); err != nil {
		return err
	}
	start := len(c.folded)
	c.folded = append(c.folded, f.Value...)
	if len(f.Value) > 0 && len(cont) > 0 {
		c.folded = append(c.folded, ' ')
	}
	c.folded = append(c.folded, cont...)
	f.Value = c.folded[start:len(c.folded):len(c.folded)]
	return nil
}

func checkFieldValue(v []byte) error {
	if proto.FieldValueLen(v) != len(v) {
		return remoteError(proto.ErrProtocol, 400, "invalid byte in field value")
	}
	return nil
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
