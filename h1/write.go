package h1

import (
	"strconv"

	"github.com/httpwire/httpwire/proto"
)

// bodyWriter is the send side's progress through one message body.
type bodyWriter struct {
	kind      bodyKind
	remaining int64 // bytes still owed (bodyLength)
}

// SendRequest queues a request head (client role). Fields are sent in order with the case given. An HTTP/1.1
// request needs a Host field; if Fields has none, one is made from h.Authority. The body framing follows the
// fields: Content-Length, `Transfer-Encoding: chunked`, or no body.
func (c *Conn) SendRequest(h *proto.RequestHead) error {
	if c.err != nil {
		return c.err
	}
	if c.role != Client {
		return c.localError(proto.ErrState, "SendRequest in the server role")
	}
	if c.m.states[Client] != Idle || c.m.states[Server] != Idle {
		return c.localError(proto.ErrState, "SendRequest with client "+c.m.states[Client].String()+
			" and server "+c.m.states[Server].String())
	}
	v := h.Version
	if v == 0 {
		v = proto.HTTP11
	}
	if v != proto.HTTP11 && v != proto.HTTP10 {
		return c.localError(proto.ErrUnsupported, "HTTP/1.x cannot send version "+v.String())
	}
	if !proto.ValidToken(h.Method) {
		return c.localError(proto.ErrInvalidField, "invalid method "+strconv.Quote(string(h.Method)))
	}
	if len(h.Target) == 0 {
		return c.localError(proto.ErrInvalidField, "empty request target")
	}
	for _, b := range h.Target {
		if b <= ' ' || b == 0x7f {
			return c.localError(proto.ErrInvalidField, "invalid byte in request target")
		}
	}
	if err := checkTargetForm(h.Method, h.Target); err != nil {
		return c.localError(proto.ErrInvalidField, err.(*proto.RemoteError).Msg)
	}
	if err := validateFields(h.Fields); err != nil {
		return c.fail(err)
	}
	info := inspect(h.Fields)
	addHost := false
	if info.hosts == 0 && v == proto.HTTP11 {
		if len(h.Authority) == 0 || !proto.ValidFieldValue(h.Authority) {
			return c.localError(proto.ErrInvalidField, "an HTTP/1.1 request needs a Host field or an Authority")
		}
		addHost = true
	}
	if info.hosts > 1 {
		return c.localError(proto.ErrInvalidField, "more than one Host field")
	}
	if info.hasTE && v == proto.HTTP10 {
		return c.localError(proto.ErrInvalidField, "Transfer-Encoding in an HTTP/1.0 request") // RFC 9112 §6.1
	}
	w, err := sendFraming(info, false)
	if err != nil {
		return c.fail(err)
	}
	if info.close || v == proto.HTTP10 {
		c.m.keepAlive = false
	}
	c.method = kindOfMethod(h.Method)
	c.m.pendingUpgrade = info.upgrade && v == proto.HTTP11
	c.m.pendingConnect = c.method == methodConnect
	if !c.m.process(Client, evRequest) {
		return c.localError(proto.ErrState, "SendRequest not allowed now")
	}
	c.send = w
	c.awaitsContinue = info.expectCont && v == proto.HTTP11

	out := append(c.out, h.Method...)
	out = append(out, ' ')
	out = append(out, h.Target...)
	if v == proto.HTTP11 {
		out = append(out, " HTTP/1.1\r\n"...) // the common case, in one append
	} else {
		out = append(out, " HTTP/"...)
		out = append(out, v.String()...)
		out = append(out, "\r\n"...)
	}
	if addHost {
		out = append(out, "Host: "...)
		out = append(out, h.Authority...)
		out = append(out, "\r\n"...)
	}
	out = appendFields(out, h.Fields)
	c.out = append(out, "\r\n"...)
	return nil
}

// SendResponse queues a response head (server role). A 1xx status sends an informational response (a 101
// accepts the client's Upgrade); 200–599 a final one. Framing follows the fields; a final response that needs
// a body but has neither Content-Length nor Transfer-Encoding is sent chunked to an HTTP/1.1 client and
// delimited by closing the connection to an HTTP/1.0 one. When the connection will not be kept alive,
// `Connection: close` is added if missing. The status line always says HTTP/1.1 (RFC 9110 §2.5).
func (c *Conn) SendResponse(h *proto.ResponseHead) error {
	if c.err != nil {
		return c.err
	}
	if c.role != Server {
		return c.localError(proto.ErrState, "SendResponse in the client role")
	}
	if h.Status < 100 || h.Status > 599 {
		return c.localError(proto.ErrInvalidField, "status "+strconv.Itoa(h.Status)+" out of range")
	}
	if !proto.ValidFieldValue(h.Reason) {
		return c.localError(proto.ErrInvalidField, "invalid reason phrase")
	}
	if err := validateFields(h.Fields); err != nil {
		return c.fail(err)
	}
	info := inspect(h.Fields)
	framing := info.hasTE || info.contentLength >= 0 || info.clInvalid
	ev, w := evResponse, bodyWriter{}
	switch {
	case h.Status == 101:
		ev = evUpgradeAccept
		if !c.m.pendingUpgrade {
			return c.localError(proto.ErrState, "101 without an Upgrade request")
		}
		if !info.upgrade {
			return c.localError(proto.ErrInvalidField, "a 101 names its protocol in Upgrade") // RFC 9110 §15.2.2
		}
	case h.Status < 200:
		ev = evInformational
		if c.peer == proto.HTTP10 {
			return c.localError(proto.ErrState, "1xx to an HTTP/1.0 client") // RFC 9110 §15.2
		}
	case c.method == methodConnect && h.Status < 300:
		ev = evConnectAccept
	}
	if ev != evResponse && framing {
		// RFC 9110 §8.6, §9.3.6: no Content-Length or Transfer-Encoding in a 1xx or a 2xx to CONNECT.
		return c.localError(proto.ErrInvalidField, "framing fields in a response without content")
	}
	if ev == evResponse {
		if h.Status == 204 && framing {
			return c.localError(proto.ErrInvalidField, "framing fields in a 204 response") // RFC 9110 §8.6
		}
		if info.hasTE && c.peer == proto.HTTP10 {
			return c.localError(proto.ErrInvalidField, "Transfer-Encoding to an HTTP/1.0 client") // RFC 9112 §6.1
		}
		// The framing fields must be valid even where they only describe what a GET would get (HEAD, 304).
		var err error
		if w, err = sendFraming(info, true); err != nil {
			return c.fail(err)
		}
		if h.Status == 204 || h.Status == 304 || c.method == methodHead {
			w = bodyWriter{kind: bodyNone} // RFC 9112 §6.3 rule 1: no content
		}
	}
	addChunked := false
	if w.kind == bodyUntilClose && c.peer == proto.HTTP11 {
		w.kind, addChunked = bodyChunked, true
	}
	if ev == evResponse {
		if info.close || c.peer == proto.HTTP10 || w.kind == bodyUntilClose {
			c.m.keepAlive = false
		}
	}
	if !c.m.process(Server, ev) {
		return c.localError(proto.ErrState, "SendResponse with server "+c.m.states[Server].String())
	}
	c.awaitsContinue = false
	if ev == evResponse {
		c.send = w
	}

	out := append(c.out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(h.Status), 10)
	out = append(out, ' ')
	if len(h.Reason) > 0 {
		out = append(out, h.Reason...)
	} else {
		out = append(out, statusText(h.Status)...)
	}
	out = append(out, "\r\n"...)
	out = appendFields(out, h.Fields)
	if addChunked {
		out = append(out, "Transfer-Encoding: chunked\r\n"...)
	}
	if ev == evResponse && !c.m.keepAlive && !info.close {
		out = append(out, "Connection: close\r\n"...)
	}
	c.out = append(out, "\r\n"...)
	return nil
}

// sendFraming decides how a body we send is delimited, from its fields.
func sendFraming(info headInfo, response bool) (bodyWriter, error) {
	switch {
	case info.clInvalid:
		return bodyWriter{}, &proto.LocalError{Err: proto.ErrInvalidField, Msg: "invalid Content-Length"}
	case info.hasTE && info.contentLength >= 0:
		return bodyWriter{}, &proto.LocalError{Err: proto.ErrInvalidField,
			Msg: "both Transfer-Encoding and Content-Length"}
	case info.hasTE && !info.chunked:
		return bodyWriter{}, &proto.LocalError{Err: proto.ErrUnsupported,
			Msg: "Transfer-Encoding other than chunked"}
	case info.chunked:
		return bodyWriter{kind: bodyChunked}, nil
	case info.contentLength >= 0:
		return bodyWriter{kind: bodyLength, remaining: info.contentLength}, nil
	case response:
		return bodyWriter{kind: bodyUntilClose}, nil
	}
	return bodyWriter{kind: bodyNone}, nil
}

// SendData queues body data of the message we are sending, encoded for its framing. It copies p.
func (c *Conn) SendData(p []byte) error {
	if c.err != nil {
		return c.err
	}
	if c.m.states[c.role] != SendBody {
		return c.localError(proto.ErrState, "SendData in state "+c.OurState().String())
	}
	if len(p) == 0 {
		return nil
	}
	switch c.send.kind {
	case bodyNone:
		return c.localError(proto.ErrBodyLength, "this message has no body")
	case bodyLength:
		if int64(len(p)) > c.send.remaining {
			return c.localError(proto.ErrBodyLength, "more data than Content-Length")
		}
		c.send.remaining -= int64(len(p))
		c.out = append(c.out, p...)
	case bodyChunked:
		c.out = strconv.AppendUint(c.out, uint64(len(p)), 16)
		c.out = append(c.out, "\r\n"...)
		c.out = append(c.out, p...)
		c.out = append(c.out, "\r\n"...)
	case bodyUntilClose:
		c.out = append(c.out, p...)
	}
	if c.role == Client {
		c.awaitsContinue = false
	}
	return nil
}

// SendEnd ends the message we are sending, with trailer fields if it is chunked (RFC 9112 §7.1.2).
func (c *Conn) SendEnd(trailers proto.Fields) error {
	if c.err != nil {
		return c.err
	}
	if c.m.states[c.role] != SendBody {
		return c.localError(proto.ErrState, "SendEnd in state "+c.OurState().String())
	}
	if len(trailers) > 0 && c.send.kind != bodyChunked {
		return c.localError(proto.ErrState, "trailers need a chunked body")
	}
	if c.send.kind == bodyLength && c.send.remaining != 0 {
		return c.localError(proto.ErrBodyLength,
			strconv.FormatInt(c.send.remaining, 10)+" bytes of Content-Length not sent")
	}
	if err := validateFields(trailers); err != nil {
		return c.fail(err)
	}
	if !c.m.process(c.role, evEnd) {
		return c.localError(proto.ErrState, "SendEnd not allowed now")
	}
	if c.send.kind == bodyChunked {
		c.out = append(c.out, "0\r\n"...)
		c.out = appendFields(c.out, trailers)
		c.out = append(c.out, "\r\n"...)
	}
	if c.role == Client {
		c.awaitsContinue = false
	}
	return nil
}

// SendClose records that our side closes the connection (the driver closes the socket). Allowed between
// messages.
func (c *Conn) SendClose() error {
	if c.err != nil {
		return c.err
	}
	if !c.m.process(c.role, evClosed) {
		return c.localError(proto.ErrState, "SendClose in state "+c.OurState().String())
	}
	return nil
}

// validateFields rejects names that are not tokens and values with bytes that must not be sent (CR, LF, NUL
// and other controls) or with leading or trailing whitespace (RFC 9110 §5.5), so no such bytes reach the wire.
func validateFields(fields proto.Fields) error {
	for i := range fields {
		if !proto.ValidToken(fields[i].Name) {
			return &proto.LocalError{Err: proto.ErrInvalidField,
				Msg: "invalid field name " + strconv.Quote(string(fields[i].Name))}
		}
		if !proto.ValidFieldValue(fields[i].Value) {
			return &proto.LocalError{Err: proto.ErrInvalidField,
				Msg: "invalid value for field " + string(fields[i].Name)}
		}
	}
	return nil
}

func appendFields(out []byte, fields proto.Fields) []byte {
	for i := range fields {
		out = append(out, fields[i].Name...)
		out = append(out, ": "...)
		out = append(out, fields[i].Value...)
		out = append(out, "\r\n"...)
	}
	return out
}
