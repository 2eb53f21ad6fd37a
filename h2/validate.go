package h2

import (
	"bytes"
	"encoding/binary"

	"github.com/httpwire/httpwire/proto"
)

// Field validation of RFC 9113 §8.2 and §8.3. A field section that fails is malformed: a stream error of
// type PROTOCOL_ERROR (§8.1.1).

// validFieldName: a token without upper-case letters (§8.2.1).
func validFieldName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, b := range name {
		if !proto.IsTokenByte(b) || 'A' <= b && b <= 'Z' {
			return false
		}
	}
	return true
}

// validFieldValue: no NUL, CR or LF, and no leading or trailing SP or HTAB (§8.2.1).
// One pass, eight bytes at a time: three IndexByte scans cost more than the short values they look at.
func validFieldValue(v []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := binary.LittleEndian.Uint64(v[i:])
		cr, lf := x^(0x0d*ones), x^(0x0a*ones)
		// (y - ones) &^ y & highs is non-zero exactly when some byte of y is zero (Hacker's Delight §6-1).
		if ((x-ones)&^x|(cr-ones)&^cr|(lf-ones)&^lf)&highs != 0 {
			return false
		}
	}
	for ; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\r' || c == '\n' {
			return false
		}
	}
	return len(v) == 0 || !isWS(v[0]) && !isWS(v[len(v)-1])
}

func isWS(b byte) bool { return b == ' ' || b == '\t' }

// checkRegular validates one regular field: name, value, and the connection-specific fields that HTTP/2
// forbids (§8.2.2). It also folds content-length values into *cl (-1 before the first).
func checkRegular(name, value []byte, cl *int64) bool {
	if !validFieldName(name) || !validFieldValue(value) {
		return false
	}
	switch string(name) {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade":
		return false
	case "te":
		return string(value) == "trailers"
	case "content-length":
		n, ok := parseContentLength(value)
		if !ok || *cl >= 0 && *cl != n {
			return false
		}
		*cl = n
	}
	return true
}

func parseContentLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

// checkRequest validates a request field section and fills h (§8.3.1, RFC 8441 §4). It returns the declared
// content length (-1 if none).
func (c *Conn) checkRequest(fields proto.Fields, h *proto.RequestHead) (int64, bool) {
	*h = proto.RequestHead{Version: proto.HTTP2}
	cl := int64(-1)
	regular := false
	var host []byte
	seen := 0
	for i, f := range fields {
		if len(f.Name) > 0 && f.Name[0] == ':' {
			if regular {
				return 0, false // pseudo-header fields come first (§8.3)
			}
			var dst *[]byte
			bit := 0
			switch string(f.Name) {
			case ":method":
				dst, bit = &h.Method, 1
			case ":scheme":
				dst, bit = &h.Scheme, 2
			case ":authority":
				dst, bit = &h.Authority, 4
			case ":path":
				dst, bit = &h.Target, 8
			case ":protocol":
				dst, bit = &h.Protocol, 16
			default:
				return 0, false
			}
			if seen&bit != 0 || !validFieldValue(f.Value) {
				return 0, false
			}
			seen |= bit
			*dst = f.Value
			continue
		}
		if !regular {
			h.Fields = fields[i:len(fields):len(fields)] // capped: an append must not reach into the Conn's buffer
			regular = true
		}
		if !checkRegular(f.Name, f.Value, &cl) {
			return 0, false
		}
		if string(f.Name) == "host" {
			host = f.Value
		}
	}
	if !regular {
		h.Fields = fields[len(fields):len(fields):len(fields)]
	}
	if seen&1 == 0 || !proto.ValidToken(h.Method) {
		return 0, false
	}
	connect := string(h.Method) == "CONNECT"
	switch {
	case seen&16 != 0: // extended CONNECT (RFC 8441 §4)
		if !connect || !c.local.EnableConnectProtocol || seen&(2|4|8) != 2|4|8 {
			return 0, false
		}
	case connect: // §8.5: :authority only
		if seen&4 == 0 || seen&(2|8) != 0 {
			return 0, false
		}
	default:
		if seen&(2|8) != 2|8 || len(h.Target) == 0 {
			return 0, false
		}
	}
	if host != nil && seen&4 != 0 && !bytes.EqualFold(host, h.Authority) {
		return 0, false // §8.3.1: Host and :authority must agree
	}
	return cl, true
}

// checkResponse validates a response field section and fills h (§8.3.2).
func checkResponse(fields proto.Fields, h *proto.ResponseHead) (int64, bool) {
	*h = proto.ResponseHead{Version: proto.HTTP2}
	cl := int64(-1)
	gotStatus := false
	for i, f := range fields {
		if len(f.Name) > 0 && f.Name[0] == ':' {
			if string(f.Name) != ":status" || gotStatus || i > 0 {
				return 0, false
			}
			v := f.Value
			if len(v) != 3 || v[0] < '1' || v[0] > '5' || v[1] < '0' || v[1] > '9' || v[2] < '0' || v[2] > '9' {
				return 0, false
			}
			h.Status = int(v[0]-'0')*100 + int(v[1]-'0')*10 + int(v[2]-'0')
			gotStatus = true
			continue
		}
		if !checkRegular(f.Name, f.Value, &cl) {
			return 0, false
		}
	}
	if !gotStatus {
		return 0, false
	}
	h.Fields = fields[1:len(fields):len(fields)] // capped: an append must not reach into the Conn's buffer
	return cl, true
}

// checkTrailers validates a trailer section: regular fields only (§8.1).
func checkTrailers(fields proto.Fields) bool {
	cl := int64(-1)
	for _, f := range fields {
		if len(f.Name) > 0 && f.Name[0] == ':' || !checkRegular(f.Name, f.Value, &cl) {
			return false
		}
	}
	return true
}
