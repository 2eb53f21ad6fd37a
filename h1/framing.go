package h1

import (
	"bytes"

	"github.com/httpwire/httpwire/proto"
)

// bodyKind is how a message body is delimited (RFC 9112 §6.3).
type bodyKind uint8

const (
	bodyNone       bodyKind = iota // no body at all
	bodyLength                     // Content-Length bytes
	bodyChunked                    // chunked transfer coding (§7.1)
	bodyUntilClose                 // the rest of the connection (responses only)
)

type methodKind uint8

const (
	methodOther methodKind = iota
	methodHead
	methodConnect
)

func kindOfMethod(m []byte) methodKind {
	switch string(m) {
	case "HEAD":
		return methodHead
	case "CONNECT":
		return methodConnect
	}
	return methodOther
}

// headInfo is what the fields of a head say about framing and the connection.
type headInfo struct {
	contentLength int64 // -1 when absent
	chunked       bool  // Transfer-Encoding is exactly "chunked"
	hasTE         bool
	hosts         int
	close         bool // Connection: close
	upgrade       bool
	expectCont    bool
	teStatus      int // non-zero: the TE list is invalid, with this status
	clInvalid     bool
}

// inspect reads the fields that matter to framing and connection management, in one pass.
func inspect(fields proto.Fields) headInfo {
	info := headInfo{contentLength: -1}
	chunkedCount, otherCodings, lastChunked := 0, 0, false
	for i := range fields {
		name, value := fields[i].Name, fields[i].Value
		switch len(name) {
		case 4:
			if proto.EqualFold(name, "host") {
				info.hosts++
			}
		case 6:
			if proto.EqualFold(name, "expect") && proto.EqualFold(value, "100-continue") {
				info.expectCont = true
			}
		case 7:
			if proto.EqualFold(name, "upgrade") {
				info.upgrade = true
			}
		case 10:
			if proto.EqualFold(name, "connection") && fields[i:i+1].HasToken("connection", "close") {
				info.close = true
			}
		case 14:
			if proto.EqualFold(name, "content-length") {
				if !mergeContentLength(&info.contentLength, value) {
					info.clInvalid = true
				}
			}
		case 17:
			if proto.EqualFold(name, "transfer-encoding") {
				info.hasTE = true
				proto.EachListItem(value, func(item []byte) bool {
					lastChunked = proto.EqualFold(item, "chunked")
					if lastChunked {
						chunkedCount++
					} else {
						otherCodings++
					}
					return true
				})
			}
		}
	}
	switch {
	case !info.hasTE:
	case !lastChunked:
		info.teStatus = 400 // the length cannot be determined (RFC 9112 §6.3 rule 4)
	case otherCodings > 0:
		info.teStatus = 501 // a coding we do not implement (RFC 9112 §6.1)
	case chunkedCount != 1:
		info.teStatus = 400 // empty, or chunked applied twice
	default:
		info.chunked = true
	}
	return info
}

// mergeContentLength folds one Content-Length value (a list of equal numbers is allowed, RFC 9110 §8.6) into
// n, which is -1 before the first. It reports false for an invalid value or one that differs from n.
func mergeContentLength(n *int64, value []byte) bool {
	for {
		item, rest, more := value, []byte(nil), false
		if i := bytes.IndexByte(value, ','); i >= 0 {
			item, rest, more = value[:i], value[i+1:], true
		}
		v, ok := parseDecimal(proto.TrimOWS(item))
		if !ok || (*n >= 0 && *n != v) {
			return false
		}
		*n = v
		if !more {
			return true
		}
		value = rest
	}
}

// parseDecimal parses 1*DIGIT into a non-negative int64.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	if len(b) <= 18 { // at most 10^18-1: no overflow to look for
		for _, d := range b {
			if !isDigit(d) {
				return 0, false
			}
			v = v*10 + int64(d-'0')
		}
		return v, true
	}
	for _, d := range b {
		if !isDigit(d) || v > (1<<63-1-int64(d-'0'))/10 {
			return 0, false
		}
		v = v*10 + int64(d-'0')
	}
	return v, true
}

// acceptRequest checks a parsed request head (server role), fixes its framing and moves the state machine.
func (c *Conn) acceptRequest() (Event, error) {
	h := &c.req.RequestHead
	info := inspect(h.Fields)
	if h.Version == proto.HTTP11 && info.hosts != 1 {
		return nil, remoteError(proto.ErrProtocol, 400, "an HTTP/1.1 request needs exactly one Host field")
	}
	body := bodyReader{}
	switch {
	case info.hasTE && info.contentLength >= 0 || info.hasTE && info.clInvalid:
		return nil, remoteError(proto.ErrFraming, 400, "both Transfer-Encoding and Content-Length")
	case info.hasTE && h.Version == proto.HTTP10:
		return nil, remoteError(proto.ErrFraming, 400, "Transfer-Encoding in an HTTP/1.0 request")
	case info.teStatus == 501:
		return nil, remoteError(proto.ErrUnsupported, 501, "unsupported transfer coding")
	case info.teStatus != 0:
		return nil, remoteError(proto.ErrFraming, 400, "invalid Transfer-Encoding")
	case info.clInvalid:
		return nil, remoteError(proto.ErrFraming, 400, "invalid Content-Length")
	case info.chunked:
		body.kind = bodyChunked
	case info.contentLength >= 0:
		body.kind, body.remaining = bodyLength, info.contentLength
	}
	if err := c.checkBodyLimit(info.contentLength); err != nil {
		return nil, err
	}
	if info.close || h.Version == proto.HTTP10 {
		c.m.keepAlive = false
	}
	c.m.pendingUpgrade = info.upgrade && h.Version == proto.HTTP11 // RFC 9110 §7.8: ignored in HTTP/1.0
	c.method = kindOfMethod(h.Method)
	c.m.pendingConnect = c.method == methodConnect
	if !c.m.process(Client, evRequest) {
		return nil, remoteError(proto.ErrState, 400, "request while the server is in "+c.m.states[Server].String())
	}
	c.body = body
	c.peer = h.Version
	c.awaitsContinue = info.expectCont && h.Version == proto.HTTP11
	return &c.req, nil
}

// acceptResponse checks a parsed response head (client role), fixes its framing and moves the state machine.
func (c *Conn) acceptResponse() (Event, error) {
	h := &c.resp.ResponseHead
	c.awaitsContinue = false
	info := inspect(h.Fields)
	if h.Status < 200 {
		ev := evInformational
		if h.Status == 101 {
			ev = evUpgradeAccept
		}
		if c.infos++; c.infos > c.lim.MaxInformational {
			return nil, remoteError(proto.ErrTooLarge, 0, "more 1xx responses than the limit")
		}
		if !c.m.process(Server, ev) {
			return nil, remoteError(proto.ErrProtocol, 0, "unexpected informational response")
		}
		c.info.ResponseHead = *h
		return &c.info, nil
	}
	body := bodyReader{}
	ev := evResponse
	switch {
	case c.method == methodConnect && h.Status < 300:
		ev = evConnectAccept // the connection is a tunnel now (RFC 9110 §9.3.6)
	case c.method == methodHead || h.Status == 204 || h.Status == 304:
		// No content, whatever the fields say (RFC 9112 §6.3 rule 1).
	case info.hasTE && h.Version == proto.HTTP10:
		return nil, remoteError(proto.ErrFraming, 0, "Transfer-Encoding in an HTTP/1.0 response")
	case info.teStatus != 0:
		return nil, remoteError(proto.ErrUnsupported, 0, "unsupported Transfer-Encoding")
	case info.chunked:
		body.kind = bodyChunked
		if info.contentLength >= 0 || info.clInvalid {
			info.close = true // rule 3: chunked wins, and the connection is suspect
		}
	case info.clInvalid:
		return nil, remoteError(proto.ErrFraming, 0, "invalid Content-Length")
	case info.contentLength >= 0:
		body.kind, body.remaining = bodyLength, info.contentLength
	default:
		body.kind = bodyUntilClose
		info.close = true
	}
	if body.kind == bodyLength {
		if err := c.checkBodyLimit(info.contentLength); err != nil {
			return nil, err
		}
	}
	if info.close || h.Version == proto.HTTP10 {
		c.m.keepAlive = false
	}
	if !c.m.process(Server, ev) {
		return nil, remoteError(proto.ErrProtocol, 0, "unexpected response")
	}
	c.body = body
	return &c.resp, nil
}

func (c *Conn) checkBodyLimit(n int64) error {
	if c.lim.MaxBodyBytes > 0 && n > c.lim.MaxBodyBytes {
		return remoteError(proto.ErrTooLarge, 413, "body larger than the limit")
	}
	return nil
}
