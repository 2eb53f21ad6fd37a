package h1_test

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
	"pgregory.net/rapid"
)

// Property tests (DESIGN.md §6): random messages round trip client→server→client through the pair harness, and
// parsing does not depend on how the input is split. The state-machine model of both roles is in
// prop_model_test.go, the fuzz targets in fuzz_test.go. Helpers here are shared by all three.

// ---- Rendering events --------------------------------------------------------------------------------------

// propFields renders fields exactly: case, order and every byte.
func propFields(f proto.Fields) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range f {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%q:%q", x.Name, x.Value)
	}
	b.WriteByte(']')
	return b.String()
}

func propRequestString(method, target []byte, v proto.Version, fields proto.Fields) string {
	return fmt.Sprintf("request %q %q HTTP/%v %s", method, target, v, propFields(fields))
}

func propResponseString(kind string, status int, reason []byte, v proto.Version, fields proto.Fields) string {
	return fmt.Sprintf("%s %d %q HTTP/%v %s", kind, status, reason, v, propFields(fields))
}

func propDataString(b []byte) string { return fmt.Sprintf("data %q", b) }

func propEndString(trailers proto.Fields) string { return "end " + propFields(trailers) }

// propEventString renders one event exactly; Data is rendered on its own (propLog merges pieces).
func propEventString(ev h1.Event) string {
	switch e := ev.(type) {
	case *h1.Request:
		s := propRequestString(e.Method, e.Target, e.Version, e.Fields)
		if len(e.Scheme) > 0 || len(e.Authority) > 0 || len(e.Protocol) > 0 {
			s += fmt.Sprintf(" (scheme %q authority %q protocol %q)", e.Scheme, e.Authority, e.Protocol)
		}
		return s
	case *h1.InformationalResponse:
		return propResponseString("informational", e.Status, e.Reason, e.Version, e.Fields)
	case *h1.Response:
		return propResponseString("response", e.Status, e.Reason, e.Version, e.Fields)
	case *h1.Data:
		return propDataString(e.Data)
	case *h1.EndOfMessage:
		return propEndString(e.Trailers)
	case *h1.ConnectionClosed:
		return "closed"
	case *h1.Paused:
		return "paused"
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("unknown event %T", ev)
}

// propLog collects rendered events. Consecutive Data events are merged (how a body is cut into events is not
// part of the contract) and Paused is dropped (it only says that reading stopped).
type propLog struct {
	out     []string
	data    []byte
	hasData bool
	// emptyData counts Data events without bytes, which the core should never hand out.
	emptyData int
}

func (l *propLog) add(ev h1.Event) {
	switch e := ev.(type) {
	case *h1.Data:
		if len(e.Data) == 0 {
			l.emptyData++
		}
		l.data = append(l.data, e.Data...)
		l.hasData = true
		return
	case *h1.Paused:
		return
	}
	l.flush()
	l.out = append(l.out, propEventString(ev))
}

// addString appends an already rendered event (used for expectations).
func (l *propLog) addString(s string) {
	l.flush()
	l.out = append(l.out, s)
}

func (l *propLog) addData(b []byte) {
	if len(b) == 0 {
		return
	}
	l.data = append(l.data, b...)
	l.hasData = true
}

func (l *propLog) flush() {
	if l.hasData {
		l.out = append(l.out, propDataString(l.data))
		l.data, l.hasData = nil, false
	}
}

func (l *propLog) events() []string {
	l.flush()
	return l.out
}

// propErrKind describes an error by blame, sentinel and status hint, so that two runs can be compared.
func propErrKind(err error) string {
	if err == nil {
		return "ok"
	}
	sentinels := []error{proto.ErrProtocol, proto.ErrFraming, proto.ErrTooLarge, proto.ErrUnsupported,
		proto.ErrIncomplete, proto.ErrState, proto.ErrInvalidField, proto.ErrBodyLength}
	name := "?"
	for _, s := range sentinels {
		if errors.Is(err, s) {
			name = s.Error()
			break
		}
	}
	var re *proto.RemoteError
	if errors.As(err, &re) {
		return fmt.Sprintf("remote(%s, %d)", name, re.StatusHint)
	}
	var le *proto.LocalError
	if errors.As(err, &le) {
		return "local(" + name + ")"
	}
	return "foreign(" + err.Error() + ")"
}

func propIsRemote(err error) bool {
	var re *proto.RemoteError
	return errors.As(err, &re)
}

func propIsLocal(err error) bool {
	var le *proto.LocalError
	return errors.As(err, &le)
}

// ---- Generators --------------------------------------------------------------------------------------------

const propTokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Bytes a field value may hold (RFC 9110 §5.5), with SP and HTAB and obs-text well represented.
var propValueChars = func() []byte {
	b := []byte{' ', ' ', ' ', '\t'}
	for c := 0x21; c <= 0xff; c++ {
		if c != 0x7f {
			b = append(b, byte(c))
		}
	}
	return b
}()

// Bytes a request target may hold: 0x21–0x7E and obs-text.
var propTargetChars = func() []byte {
	var b []byte
	for c := 0x21; c <= 0xff; c++ {
		if c != 0x7f {
			b = append(b, byte(c))
		}
	}
	return b
}()

// Names the core looks at when framing a message or managing the connection; random fields avoid them so that
// a generated message means what the test thinks it means.
var propSpecialNames = []string{"host", "content-length", "transfer-encoding", "connection", "upgrade", "expect"}

func propIsSpecial(name []byte) bool {
	for _, s := range propSpecialNames {
		if proto.EqualFold(name, s) {
			return true
		}
	}
	return false
}

func propGenBytes(set []byte, minLen, maxLen int) *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		idx := rapid.SliceOfN(rapid.IntRange(0, len(set)-1), minLen, maxLen).Draw(t, "idx")
		b := make([]byte, len(idx))
		for i, x := range idx {
			b[i] = set[x]
		}
		return b
	})
}

func propGenToken(minLen, maxLen int) *rapid.Generator[[]byte] {
	return propGenBytes([]byte(propTokenChars), minLen, maxLen)
}

// propGenMethod draws a method token that is neither HEAD nor CONNECT (whose framing rules differ).
func propGenMethod() *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		var m []byte
		if rapid.Bool().Draw(t, "common method") {
			m = []byte(rapid.SampledFrom([]string{"GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "get",
				"M-SEARCH"}).Draw(t, "method"))
		} else {
			m = propGenToken(1, 12).Draw(t, "method token")
		}
		if string(m) == "HEAD" || string(m) == "CONNECT" {
			m = []byte("GET")
		}
		return m
	})
}

// propGenTarget draws an origin-form target: "/" then target bytes, obs-text included.
func propGenTarget() *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		return append([]byte("/"), propGenBytes(propTargetChars, 0, 24).Draw(t, "path")...)
	})
}

// propGenValue draws a valid value: allowed bytes with inner SP/HTAB, none at either end.
func propGenValue() *rapid.Generator[[]byte] {
	return rapid.Custom(func(t *rapid.T) []byte {
		return proto.TrimOWS(propGenBytes(propValueChars, 0, 24).Draw(t, "value"))
	})
}

// propGenName draws a token that the core gives no special meaning.
func propGenName() *rapid.Generator[[]byte] {
	return propGenToken(1, 16).Filter(func(b []byte) bool { return !propIsSpecial(b) })
}

func propGenFields(minN, maxN int) *rapid.Generator[proto.Fields] {
	return rapid.Custom(func(t *rapid.T) proto.Fields {
		n := rapid.IntRange(minN, maxN).Draw(t, "nfields")
		var f proto.Fields
		for range n {
			f.AddBytes(propGenName().Draw(t, "name"), propGenValue().Draw(t, "value"))
		}
		return f
	})
}

// propInsert puts a field at a random position of f, keeping the others in order.
func propInsert(t *rapid.T, f proto.Fields, name, value string) proto.Fields {
	i := rapid.IntRange(0, len(f)).Draw(t, "pos "+name)
	out := append(proto.Fields{}, f[:i]...)
	out = append(out, proto.Field{Name: []byte(name), Value: []byte(value)})
	return append(out, f[i:]...)
}

// propGenBody draws a body of any bytes and the pieces it is sent in.
func propGenBody(t *rapid.T, maxLen int) (body []byte, pieces [][]byte) {
	body = rapid.SliceOfN(rapid.Byte(), 0, maxLen).Draw(t, "body")
	if len(body) == 0 {
		return nil, nil
	}
	n := rapid.IntRange(1, min(len(body), 6)).Draw(t, "body pieces")
	var offs []int
	for range n - 1 {
		offs = append(offs, rapid.IntRange(0, len(body)).Draw(t, "body cut"))
	}
	propSortInts(offs)
	return body, pairtest.SplitAt(body, offs...)
}

func propSortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// propKnownReason is the reason phrase the core sends for a status when the caller gives none; the round trip
// draws an empty reason only for these statuses.
var propKnownReason = map[int]string{100: "Continue", 103: "Early Hints", 200: "OK", 201: "Created",
	204: "No Content", 304: "Not Modified", 404: "Not Found", 500: "Internal Server Error", 299: "", 599: ""}

// ---- Round trip ---------------------------------------------------------------------------------------------

type rtFraming int

const (
	rtNone rtFraming = iota
	rtLength
	rtChunked
	rtAuto // response only: no framing field; the core picks chunked (HTTP/1.1) or close-delimited (HTTP/1.0)
)

// TestPropRoundTrip: a valid request and response, serialized by one role and delivered under random splits
// to the other, come back equal: method, target, version, status, reason, fields in order with their case,
// the concatenated body and the trailers. Several keep-alive cycles run on one pair.
func TestPropRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := pairtest.NewH1()
		p.Split = pairtest.RapidSplitter(t)
		cycles := rapid.IntRange(1, 4).Draw(t, "cycles")
		for i := range cycles {
			if !rtCycle(t, p, i == cycles-1) {
				return
			}
		}
	})
}

// rtFlush moves from's pending bytes to the peer (sometimes not yet, to vary how writes coalesce) and reads
// the peer's events into log.
func rtFlush(t *rapid.T, p *pairtest.H1, from h1.Role, log *propLog, force bool) {
	if !force && !rapid.Bool().Draw(t, "flush now") {
		return
	}
	to := h1.Server
	if from == h1.Server {
		to = h1.Client
	}
	if _, err := p.Transfer(from); err != nil {
		t.Fatalf("transfer from %v: %v", from, err)
	}
	evs, err := p.Events(to)
	if err != nil {
		t.Fatalf("%v events: %v", to, err)
	}
	for _, ev := range evs {
		log.add(ev)
	}
}

// rtCycle runs one request/response exchange and reports whether the connection stays open for another.
func rtCycle(t *rapid.T, p *pairtest.H1, last bool) bool {
	v, head, reqClose := rtRequest(t, p, last)
	return rtResponse(t, p, last, v, head, reqClose)
}

// rtRequest sends a random request from the client and checks what the server reads. It returns the
// request's version, whether it is a HEAD, and whether it asked to close the connection.
func rtRequest(t *rapid.T, p *pairtest.H1, last bool) (v proto.Version, head, reqClose bool) {
	v = proto.HTTP11
	if last && rapid.IntRange(0, 4).Draw(t, "http10") == 0 {
		v = proto.HTTP10
	}
	method := propGenMethod().Draw(t, "method")
	head = rapid.IntRange(0, 5).Draw(t, "head method") == 0
	if head {
		method = []byte("HEAD")
	}
	req := &proto.RequestHead{Method: method, Target: propGenTarget().Draw(t, "target"), Version: v,
		Fields: propGenFields(0, 20).Draw(t, "request fields")}
	if v == proto.HTTP11 {
		if rapid.Bool().Draw(t, "host from authority") {
			req.Authority = propGenToken(1, 10).Draw(t, "authority")
		} else {
			req.Fields = propInsert(t, req.Fields, rapid.SampledFrom([]string{"Host", "host", "HOST"}).Draw(t,
				"host name"), string(propGenToken(0, 10).Draw(t, "host value")))
		}
	}
	body, pieces := propGenBody(t, 200)
	framing := rtNone
	if len(body) > 0 || rapid.Bool().Draw(t, "frame empty body") {
		framing = rtLength
		if v == proto.HTTP11 && rapid.Bool().Draw(t, "chunked request") {
			framing = rtChunked
		}
	}
	var trailers proto.Fields
	switch framing {
	case rtLength:
		req.Fields = propInsert(t, req.Fields, "Content-Length", strconv.Itoa(len(body)))
	case rtChunked:
		req.Fields = propInsert(t, req.Fields, "Transfer-Encoding", "chunked")
		trailers = propGenFields(0, 5).Draw(t, "request trailers")
	}
	reqClose = last && rapid.Bool().Draw(t, "request close")
	if reqClose {
		req.Fields = propInsert(t, req.Fields, "Connection", "close")
	}
	wireFields := req.Fields
	if req.Authority != nil {
		wireFields = append(proto.Fields{{Name: []byte("Host"), Value: req.Authority}}, req.Fields...)
	}

	var want, got propLog
	want.addString(propRequestString(req.Method, req.Target, v, wireFields))
	want.addData(body)
	want.addString(propEndString(trailers))

	if err := p.Client.SendRequest(req); err != nil {
		t.Fatalf("SendRequest(%s): %v", propRequestString(req.Method, req.Target, v, req.Fields), err)
	}
	rtFlush(t, p, h1.Client, &got, false)
	for _, piece := range pieces {
		if err := p.Client.SendData(piece); err != nil {
			t.Fatalf("SendData: %v", err)
		}
		rtFlush(t, p, h1.Client, &got, false)
	}
	if err := p.Client.SendEnd(trailers); err != nil {
		t.Fatalf("SendEnd: %v", err)
	}
	rtFlush(t, p, h1.Client, &got, true)
	if diff := cmp.Diff(want.events(), got.events()); diff != "" {
		t.Fatalf("server received (-want +got):\n%s", diff)
	}
	return v, head, reqClose
}

// rtResponse sends informational responses and a final response from the server to the request rtRequest
// sent, checks what the client reads and the state of both sides, and starts the next cycle if the connection
// stays open. It reports whether it does.
func rtResponse(t *rapid.T, p *pairtest.H1, last bool, v proto.Version, head, reqClose bool) bool {
	var want, got propLog
	if v == proto.HTTP11 { // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client
		for range rapid.IntRange(0, 3).Draw(t, "informational") {
			status := rapid.SampledFrom([]int{100, 102, 103, 150, 199}).Draw(t, "1xx status")
			reason, wantReason := rtReason(t, status)
			info := &proto.ResponseHead{Status: status, Reason: reason, Fields: propGenFields(0, 5).Draw(t, "1xx fields")}
			if err := p.Server.SendResponse(info); err != nil {
				t.Fatalf("SendResponse(%d): %v", status, err)
			}
			want.addString(propResponseString("informational", status, wantReason, proto.HTTP11, info.Fields))
			rtFlush(t, p, h1.Server, &got, false)
		}
	}
	status := rapid.SampledFrom([]int{200, 200, 201, 204, 206, 299, 304, 404, 418, 500, 599}).Draw(t, "status")
	reason, wantReason := rtReason(t, status)
	resp := &proto.ResponseHead{Status: status, Reason: reason, Fields: propGenFields(0, 20).Draw(t, "response fields")}
	rbody, rpieces := propGenBody(t, 200)
	bodyless := head || status == 204 || status == 304
	rframing := rtAuto
	if bodyless {
		rbody, rpieces = nil, nil
		if head && status != 204 && rapid.Bool().Draw(t, "HEAD with Content-Length") {
			resp.Fields = propInsert(t, resp.Fields, "Content-Length", strconv.Itoa(rapid.IntRange(0, 1<<20).Draw(t, "cl")))
		}
	} else {
		choices := []rtFraming{rtAuto, rtLength}
		if v == proto.HTTP11 { // RFC 9112 §6.1: no Transfer-Encoding to an HTTP/1.0 client
			choices = append(choices, rtChunked)
		}
		rframing = rapid.SampledFrom(choices).Draw(t, "response framing")
	}
	var rtrailers proto.Fields
	switch rframing {
	case rtLength:
		resp.Fields = propInsert(t, resp.Fields, "Content-Length", strconv.Itoa(len(rbody)))
	case rtChunked:
		resp.Fields = propInsert(t, resp.Fields, "Transfer-Encoding", "chunked")
		rtrailers = propGenFields(0, 5).Draw(t, "response trailers")
	}
	respClose := last && rapid.Bool().Draw(t, "response close")
	if respClose {
		resp.Fields = propInsert(t, resp.Fields, "Connection", "close")
	}
	wireResp := append(proto.Fields{}, resp.Fields...)
	untilClose := rframing == rtAuto && !bodyless && v == proto.HTTP10
	if rframing == rtAuto && !bodyless && v == proto.HTTP11 {
		wireResp.Add("Transfer-Encoding", "chunked")
		if rapid.Bool().Draw(t, "auto-chunked trailers") {
			rtrailers = propGenFields(0, 5).Draw(t, "response trailers")
		}
	}
	keepAlive := !reqClose && !respClose && v == proto.HTTP11
	if !keepAlive && !respClose {
		wireResp.Add("Connection", "close")
	}
	want.addString(propResponseString("response", status, wantReason, proto.HTTP11, wireResp))
	want.addData(rbody)
	if !untilClose {
		want.addString(propEndString(rtrailers))
	}

	if err := p.Server.SendResponse(resp); err != nil {
		t.Fatalf("SendResponse(%d %s): %v", status, propFields(resp.Fields), err)
	}
	rtFlush(t, p, h1.Server, &got, false)
	for _, piece := range rpieces {
		if err := p.Server.SendData(piece); err != nil {
			t.Fatalf("SendData: %v", err)
		}
		rtFlush(t, p, h1.Server, &got, false)
	}
	if err := p.Server.SendEnd(rtrailers); err != nil {
		t.Fatalf("SendEnd: %v", err)
	}
	rtFlush(t, p, h1.Server, &got, true)
	if untilClose {
		// The body ends when the server closes (RFC 9112 §6.3 rule 8).
		if err := p.Server.SendClose(); err != nil {
			t.Fatalf("SendClose: %v", err)
		}
		if err := p.Close(h1.Client); err != nil {
			t.Fatalf("Close: %v", err)
		}
		rtFlush(t, p, h1.Server, &got, true)
		want.addString(propEndString(nil))
		want.addString("closed")
	}
	if diff := cmp.Diff(want.events(), got.events()); diff != "" {
		t.Fatalf("client received (-want +got):\n%s", diff)
	}
	if got.emptyData > 0 {
		t.Fatalf("%d empty Data events", got.emptyData)
	}
	for _, c := range []*h1.Conn{p.Client, p.Server} {
		if c.KeepAlive() != keepAlive {
			t.Fatalf("%v: KeepAlive() = %v, want %v", c.Role(), c.KeepAlive(), keepAlive)
		}
		if !keepAlive {
			continue
		}
		if c.OurState() != h1.Done || c.TheirState() != h1.Done {
			t.Fatalf("%v: states %v/%v after a keep-alive cycle, want Done/Done", c.Role(), c.OurState(), c.TheirState())
		}
		if err := c.StartNextCycle(); err != nil {
			t.Fatalf("%v: StartNextCycle: %v", c.Role(), err)
		}
	}
	return keepAlive
}

// rtReason draws a reason phrase, and returns it with the phrase the client should see.
func rtReason(t *rapid.T, status int) (reason, want []byte) {
	if known, ok := propKnownReason[status]; ok && rapid.Bool().Draw(t, "default reason") {
		return nil, []byte(known)
	}
	r := propGenValue().Draw(t, "reason")
	if len(r) == 0 {
		r = []byte("R")
	}
	return r, r
}

// ---- Split independence -------------------------------------------------------------------------------------

// propSplitResult is everything a run of input through one Conn produced.
type propSplitResult struct {
	Events   []string
	Err      string
	States   string
	Trailing string
	// Heads are the byte ranges of input that each head event was parsed from, Ends the input offsets right
	// after each EndOfMessage; ErrAt is where unconsumed input started when NextEvent failed, and ErrWhileIdle
	// whether the peer was between messages then (so that the error is about a head). These depend on when
	// reading happened and are left out of comparisons.
	Heads        [][2]int
	Ends         []int
	ErrAt        int
	ErrWhileIdle bool
	// Responses are the final response heads a client read, kept for checks of their framing.
	Responses []*h1.Response
}

// propRunRequest is the request a client-role run sends before it reads the response bytes.
func propRunRequest(method string) *proto.RequestHead {
	switch method {
	case "CONNECT":
		return proto.NewRequest("CONNECT", "example.com:443", "Host", "example.com:443")
	case "UPGRADE":
		return proto.NewRequest("GET", "/chat", "Host", "a", "Connection", "upgrade", "Upgrade", "websocket")
	}
	return proto.NewRequest(method, "/", "Host", "a")
}

// propRun feeds pieces to a new Conn of role, reading events after each piece, then the end of input if eof.
// The test's side of the conversation is a function of the events alone, so that it is the same however the
// input was cut: a server answers each complete request with 404 and starts the next cycle; a client sends
// method (GET, HEAD, CONNECT, or UPGRADE for a GET proposing a WebSocket upgrade) first and again for every
// cycle.
func propRun(role h1.Role, lim h1.Limits, method string, pieces [][]byte, eof bool) propSplitResult {
	c := h1.NewConnWithLimits(role, lim)
	var log propLog
	var res propSplitResult
	received := 0
	var failed error
	sendRequest := func() {
		if err := c.SendRequest(propRunRequest(method)); err != nil {
			failed = err
			return
		}
		if err := c.SendEnd(nil); err != nil {
			failed = err
		}
		c.Advance(len(c.Pending()))
	}
	if role == h1.Client {
		sendRequest()
	}
	drain := func() {
		for failed == nil {
			before := received - len(propTrailing(c))
			idle := c.TheirState() == h1.Idle || role == h1.Client && c.TheirState() == h1.SendResponse
			ev, err := c.NextEvent()
			if err != nil {
				failed = err
				res.ErrAt, res.ErrWhileIdle = before, idle
				return
			}
			if ev == nil {
				return
			}
			log.add(ev)
			switch e := ev.(type) {
			case *h1.Request, *h1.Response, *h1.InformationalResponse:
				res.Heads = append(res.Heads, [2]int{before, received - len(propTrailing(c))})
				if r, ok := e.(*h1.Response); ok {
					res.Responses = append(res.Responses, r.Clone())
				}
			case *h1.EndOfMessage:
				res.Ends = append(res.Ends, received-len(propTrailing(c)))
				if role == h1.Server && c.OurState() == h1.SendResponse {
					if err := c.SendResponse(proto.NewResponse(404, "Content-Length", "0")); err != nil {
						failed = err
						return
					}
					if err := c.SendEnd(nil); err != nil {
						failed = err
						return
					}
					c.Advance(len(c.Pending()))
				}
				if c.OurState() == h1.Done && c.TheirState() == h1.Done {
					if err := c.StartNextCycle(); err != nil {
						failed = err
						return
					}
					if role == h1.Client {
						sendRequest()
					}
				}
			case *h1.Paused, *h1.ConnectionClosed:
				return
			}
		}
	}
	for _, p := range pieces {
		if failed != nil {
			break
		}
		if err := c.Receive(p); err != nil {
			failed = err
			break
		}
		received += len(p)
		drain()
	}
	if eof && failed == nil {
		if err := c.ReceiveEOF(); err != nil {
			failed = err
		} else {
			drain()
		}
	}
	res.Events = log.events()
	if log.emptyData > 0 {
		res.Events = append(res.Events, fmt.Sprintf("%d empty Data events", log.emptyData))
	}
	res.Err = propErrKind(failed)
	res.States = c.OurState().String() + "/" + c.TheirState().String()
	if failed == nil {
		res.Trailing = propQuoteTrailing(c.TrailingData())
	}
	if failed != nil && c.Err() != failed {
		res.Err += " (not sticky: Err() = " + fmt.Sprint(c.Err()) + ")"
	}
	return res
}

func propQuoteTrailing(b []byte, eof bool) string { return fmt.Sprintf("%q eof=%v", b, eof) }

func propTrailing(c *h1.Conn) []byte {
	td, _ := c.TrailingData()
	return td
}

// propCompareSplits runs input whole and cut into pieces and reports any difference. Offsets into the input are
// left out: they depend on when reading happened.
func propCompareSplits(role h1.Role, lim h1.Limits, method string, input []byte, pieces [][]byte,
	eof bool) (whole propSplitResult, diff string) {
	whole = propRun(role, lim, method, [][]byte{input}, eof)
	split := propRun(role, lim, method, pieces, eof)
	w, s := whole, split
	for _, r := range []*propSplitResult{&w, &s} {
		r.Heads, r.Ends, r.ErrAt, r.ErrWhileIdle, r.Responses = nil, nil, 0, false, nil
	}
	return whole, cmp.Diff(w, s)
}

// TestPropSplitIndependence: for inputs built from a grammar of plausible and broken HTTP/1.1 pieces, feeding
// them whole or cut anywhere gives the same events, the same error (blame, sentinel and status) and the same
// final state, in both roles, with default and with small limits. Each check tries 10 inputs.
func TestPropSplitIndependence(t *testing.T) {
	for _, role := range []h1.Role{h1.Server, h1.Client} {
		t.Run(role.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				for range 10 { // inputs are cheap: try several per check
					lim := propGenLimits(t)
					method := rapid.SampledFrom([]string{"GET", "HEAD", "CONNECT", "UPGRADE"}).Draw(t, "method")
					input := propGenWire(t, role, lim)
					pieces := pairtest.DrawSplit(t, input, "cut")
					eof := rapid.Bool().Draw(t, "eof")
					whole, diff := propCompareSplits(role, lim, method, input, pieces, eof)
					if diff != "" {
						t.Fatalf("limits %+v method %s eof %v\ninput %q\npieces %q\nwhole run:\n%s\n"+
							"(-whole +split):\n%s", lim, method, eof, input, pieces, strings.Join(whole.Events, "\n"),
							diff)
					}
				}
			})
		})
	}
}

// propGenLimits draws default limits, or small ones so that inputs reach them.
func propGenLimits(t *rapid.T) h1.Limits {
	if rapid.Bool().Draw(t, "default limits") {
		return h1.DefaultLimits
	}
	var l h1.Limits
	l.MaxStartLineBytes = rapid.IntRange(12, 48).Draw(t, "MaxStartLineBytes")
	// A head limit below the start-line limit makes 414 and 431 race; keep the head limit the larger.
	l.MaxHeaderBytes = rapid.IntRange(l.MaxStartLineBytes+2, 160).Draw(t, "MaxHeaderBytes")
	l.MaxHeaderCount = rapid.IntRange(1, 8).Draw(t, "MaxHeaderCount")
	l.MaxChunkLineBytes = rapid.IntRange(2, 24).Draw(t, "MaxChunkLineBytes")
	l.MaxBodyBytes = int64(rapid.IntRange(0, 40).Draw(t, "MaxBodyBytes"))
	return l
}

// propGenEOL draws a line ending: CRLF, or rarely a broken one.
func propGenEOL(t *rapid.T) string {
	if !propRare(t, "broken eol?", 3) {
		return "\r\n"
	}
	return rapid.SampledFrom([]string{"\n", "\r", "\r\r\n", "\n\r", "", " \r\n"}).Draw(t, "eol")
}

// propRare reports true about percent% of the time. rapid favours the ends of a range, so the true values sit in
// its middle; shrinking moves towards 0, that is towards false.
func propRare(t *rapid.T, label string, percent int) bool {
	x := rapid.IntRange(0, 199).Draw(t, label)
	return x >= 100 && x < 100+2*percent
}

// propPick draws from good most of the time and from bad otherwise.
func propPick(t *rapid.T, label string, good, bad []string) string {
	if !propRare(t, label+" broken?", 4) {
		return rapid.SampledFrom(good).Draw(t, label)
	}
	return rapid.SampledFrom(bad).Draw(t, label)
}

var (
	propRequestLines = []string{"GET / HTTP/1.1", "POST /upload HTTP/1.1", "GET /a?b=c HTTP/1.0",
		"HEAD / HTTP/1.1", "OPTIONS * HTTP/1.1", "CONNECT example.com:443 HTTP/1.1",
		"GET http://example.com/ HTTP/1.1", "get / HTTP/1.1", "GET /\x80\xff HTTP/1.1", "PUT /x HTTP/1.0"}
	propBadRequestLines = []string{"GET * HTTP/1.1", "CONNECT /x HTTP/1.1", "CONNECT example.com: HTTP/1.1",
		"GET example.com HTTP/1.1", "GET / http/1.1", "GET / HTTP/1.2", "GET / HTTP/2.0", "GET / HTTP/1",
		"GET /", "GET  / HTTP/1.1", "GET / HTTP/1.1 ", "GET\t/ HTTP/1.1", "GET /\x00 HTTP/1.1", "G@T / HTTP/1.1",
		" GET / HTTP/1.1", "GET /\x7f HTTP/1.1", ""}
	propStatusLines = []string{"HTTP/1.1 200 OK", "HTTP/1.1 200", "HTTP/1.1 200 ", "HTTP/1.0 200 OK",
		"HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified", "HTTP/1.1 100 Continue",
		"HTTP/1.1 101 Switching Protocols", "HTTP/1.1 103 Early Hints", "HTTP/1.1 404 Not\x80Found",
		"HTTP/1.1 500 a\tb", "HTTP/1.1 201 Created", "HTTP/1.1 200 OK"}
	propBadStatusLines = []string{"HTTP/1.1 099 x", "HTTP/1.1 600 x", "HTTP/1.1 2000 x", "HTTP/1.1 20 x",
		"http/1.1 200 OK", "HTTP/2 200 OK", "HTTP/1.1 200 O\x01K", "HTTP/1.1  200 OK", "HTTP/1.1 200 OK\x7f", ""}
	propFieldLines = []string{"Connection: close", "Connection: keep-alive, Close", "Connection: upgrade",
		"Upgrade: websocket", "Expect: 100-continue", "X: a\x80b c", "X:\t v \t", "A: b", "a: B", "Accept: */*",
		"X-Empty:", "Connection: keep-alive"}
	propBadFieldLines = []string{"Host: b", "Content-Length: 5,5", "Content-Length: 5, 6", "Content-Length: -1",
		"Content-Length: +5", "Content-Length: 0x5", "Content-Length: 5 5", "Content-Length:", "Content-Length: ,5",
		"Content-Length: 99999999999999999999", "Transfer-Encoding: gzip, chunked",
		"Transfer-Encoding: chunked, chunked", "Transfer-Encoding: identity", "Transfer-Encoding:",
		"Transfer-Encoding: chunked,", "Transfer-Encoding: xchunked", "Transfer-Encoding : chunked",
		"X: a\x00b", "X: a\rb", "X: a\nb", " folded", "\tfolded", "X : a", ": a", "X", "X-\x01: a", "X: \x7f",
		"\rX: a"}
	propChunkLines    = []string{"5;ext", "5;a=b", "5; a = b", "5;a=\"q\\\"s\"", "5 ;a", "5\t;a", "00005"}
	propBadChunkLines = []string{"5;a ", "5;a=b ", "5 ", " 5", "0x5", "-5", "+5", "5;", "5;=b", "5;a=", "5;a=\"open",
		"ffffffffffffffffff", "7fffffffffffffff", "", "g", "4", "6", "5\x00"}
)

// propGenWire draws bytes made of plausible and broken HTTP/1.1 pieces for role to receive: start lines, field
// lines, Content-Length and Transfer-Encoding variants, chunk lines, bare CR and LF, NUL, and bodies. Most
// pieces are valid, so that inputs reach deep into the parser before anything breaks.
func propGenWire(t *rapid.T, role h1.Role, lim h1.Limits) []byte {
	var b []byte
	for range rapid.IntRange(0, 2).Draw(t, "leading empty lines") {
		b = append(b, propPick(t, "leading", []string{"\r\n"}, []string{"\n", "\r"})...)
	}
	for range rapid.IntRange(1, 3).Draw(t, "messages") {
		b = propGenWireMessage(t, b, role, lim)
	}
	if rapid.IntRange(0, 4).Draw(t, "junk?") == 0 {
		b = append(b, rapid.SliceOfN(rapid.Byte(), 1, 8).Draw(t, "junk")...)
	}
	return b
}

func propGenWireMessage(t *rapid.T, b []byte, role h1.Role, lim h1.Limits) []byte {
	var line string
	if role == h1.Server {
		line = propPick(t, "request line", propRequestLines, propBadRequestLines)
		if lim.MaxStartLineBytes < 100 && rapid.IntRange(0, 3).Draw(t, "line at the limit?") == 0 {
			// A request line of the limit's length, one less or one more.
			n := lim.MaxStartLineBytes + rapid.IntRange(-1, 1).Draw(t, "limit delta")
			pad := max(0, n-len("GET / HTTP/1.1"))
			line = "GET /" + strings.Repeat("a", pad) + " HTTP/1.1"
		}
	} else {
		line = propPick(t, "status line", propStatusLines, propBadStatusLines)
		if lim.MaxStartLineBytes < 100 && rapid.IntRange(0, 3).Draw(t, "line at the limit?") == 0 {
			n := lim.MaxStartLineBytes + rapid.IntRange(-1, 1).Draw(t, "limit delta")
			pad := max(0, n-len("HTTP/1.1 200 "))
			line = "HTTP/1.1 200 " + strings.Repeat("a", pad)
		}
	}
	b = append(b, line...)
	b = append(b, propGenEOL(t)...)
	n := rapid.IntRange(0, 5).Draw(t, "field lines")
	host := -1
	if role == h1.Server && !propRare(t, "no Host?", 5) {
		host = rapid.IntRange(0, n).Draw(t, "Host position")
	}
	// The framing fields, at random positions among the others.
	framing := rapid.SampledFrom([]string{"none", "length", "chunked"}).Draw(t, "framing")
	bodyLen := rapid.IntRange(0, 12).Draw(t, "body length")
	var framingField string
	switch framing {
	case "length":
		framingField = propPick(t, "Content-Length", []string{"Content-Length: " + strconv.Itoa(bodyLen),
			"Content-Length: 0" + strconv.Itoa(bodyLen), "Content-Length: " + strconv.Itoa(bodyLen) + ", " +
				strconv.Itoa(bodyLen)}, []string{"Content-Length: 9223372036854775807",
			"Content-Length: " + strconv.Itoa(bodyLen+1),
			"Content-Length: " + strconv.Itoa(bodyLen) + "\r\nTransfer-Encoding: chunked"})
	case "chunked":
		framingField = propPick(t, "Transfer-Encoding", []string{"Transfer-Encoding: chunked", "Transfer-Encoding: Chunked",
			"Transfer-Encoding: \tchunked "}, []string{"Transfer-Encoding: chunked\r\nContent-Length: 5"})
	}
	framingPos := rapid.IntRange(0, n).Draw(t, "framing position")
	for i := 0; i <= n; i++ {
		if i == framingPos && framingField != "" {
			b = append(b, framingField...)
			b = append(b, propGenEOL(t)...)
		}
		if i == host {
			b = append(b, rapid.SampledFrom([]string{"Host: a", "host: example.com", "HOST:"}).Draw(t, "host")...)
			b = append(b, propGenEOL(t)...)
		}
		if i == n {
			break
		}
		var f string
		if rapid.IntRange(0, 3).Draw(t, "random field?") == 0 {
			f = string(propGenToken(1, 8).Draw(t, "name")) + ": " + string(propGenValue().Draw(t, "value"))
		} else {
			f = propPick(t, "field line", propFieldLines, propBadFieldLines)
		}
		b = append(b, f...)
		b = append(b, propGenEOL(t)...)
	}
	b = append(b, propGenEOL(t)...)
	switch framing {
	case "none":
		if rapid.IntRange(0, 4).Draw(t, "body without framing?") == 0 {
			b = append(b, rapid.SliceOfN(rapid.SampledFrom([]byte("hello\r\n0;x\x00\x80")), 1, 12).Draw(t, "raw body")...)
		}
	case "length":
		b = append(b, rapid.SliceOfN(rapid.SampledFrom([]byte("hello\r\n0;x\x00\x80")), bodyLen, bodyLen).Draw(t, "body")...)
	case "chunked":
		for range rapid.IntRange(0, 3).Draw(t, "chunks") {
			size := 5
			if l := propPick(t, "chunk line", append([]string{"size"}, propChunkLines...), propBadChunkLines); l != "size" {
				b = append(b, l...)
			} else {
				size = rapid.IntRange(1, 20).Draw(t, "chunk size")
				b = strconv.AppendInt(b, int64(size), 16)
			}
			b = append(b, propGenEOL(t)...)
			b = append(b, bytes.Repeat([]byte("x"), size)...)
			b = append(b, propGenEOL(t)...)
		}
		if rapid.IntRange(0, 5).Draw(t, "last chunk?") > 0 {
			b = append(b, propPick(t, "last chunk", []string{"0", "000", "0;a=b"}, []string{"0 ", "0;"})...)
			b = append(b, propGenEOL(t)...)
			for range rapid.IntRange(0, 2).Draw(t, "trailers") {
				b = append(b, propPick(t, "trailer", propFieldLines, propBadFieldLines)...)
				b = append(b, propGenEOL(t)...)
			}
			b = append(b, propGenEOL(t)...)
		}
	}
	return b
}

// ---- What the core sends ------------------------------------------------------------------------------------

// TestPropSenderRules: whatever head SendResponse accepts, the bytes it queues follow the sender's rules of RFC
// 9112 and RFC 9110 ("exact on what it sends"), whatever the request method, the request's version, the status
// and the framing fields the caller gave:
//   - no Content-Length together with Transfer-Encoding (RFC 9112 §6.2);
//   - every Content-Length value is 1*DIGIT (RFC 9110 §8.6);
//   - no Transfer-Encoding toward an HTTP/1.0 client (RFC 9112 §6.1), and chunked as its final coding
//     (RFC 9112 §6.1);
//   - no framing fields in a 1xx or a 204 (RFC 9110 §8.6) or in a 2xx to CONNECT (RFC 9110 §9.3.6), and no 1xx
//     to an HTTP/1.0 client (RFC 9110 §15.2).
func TestPropSenderRules(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		method := rapid.SampledFrom([]string{"GET", "HEAD", "POST", "CONNECT", "UPGRADE"}).Draw(t, "method")
		version := rapid.SampledFrom([]string{"HTTP/1.1", "HTTP/1.0"}).Draw(t, "version")
		line := method + " / " + version + "\r\nHost: a\r\n"
		switch method {
		case "CONNECT":
			line = "CONNECT a:443 " + version + "\r\nHost: a:443\r\n"
		case "UPGRADE":
			line = "GET / " + version + "\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n"
		}
		c := h1.NewConn(h1.Server)
		if err := c.Receive([]byte(line + "\r\n")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.NextEvent(); err != nil {
			t.Fatal(err)
		}
		status := rapid.SampledFrom([]int{100, 101, 103, 200, 204, 206, 304, 404}).Draw(t, "status")
		resp := &proto.ResponseHead{Status: status}
		if status == 101 {
			resp.Fields.Add("Upgrade", "websocket")
		}
		framing := []string{"Content-Length: 5", "Content-Length: 0", "Content-Length: x", "Content-Length: 5, 6",
			"Transfer-Encoding: chunked", "Transfer-Encoding: gzip", "Transfer-Encoding: gzip, chunked",
			"Transfer-Encoding: chunked, gzip"}
		for range rapid.IntRange(0, 2).Draw(t, "framing fields") {
			name, value, _ := strings.Cut(rapid.SampledFrom(framing).Draw(t, "framing field"), ": ")
			resp.Fields.Add(name, value)
		}
		if c.SendResponse(resp) != nil {
			return // refused: nothing was sent
		}
		wire := string(c.Pending())
		head, _, _ := strings.Cut(wire, "\r\n\r\n")
		var cls, tes []string
		for _, line := range strings.Split(head, "\r\n")[1:] {
			name, value, _ := strings.Cut(line, ": ")
			switch strings.ToLower(name) {
			case "content-length":
				cls = append(cls, value)
			case "transfer-encoding":
				tes = append(tes, value)
			}
		}
		req := method + " " + version + " ->"
		switch {
		case len(cls) > 0 && len(tes) > 0:
			t.Fatalf("%s sent Content-Length with Transfer-Encoding (RFC 9112 §6.2):\n%q", req, wire)
		case len(tes) > 0 && version == "HTTP/1.0":
			t.Fatalf("%s sent Transfer-Encoding to an HTTP/1.0 client (RFC 9112 §6.1):\n%q", req, wire)
		case len(tes) > 0 && !strings.HasSuffix(strings.ToLower(strings.Join(tes, ", ")), "chunked"):
			t.Fatalf("%s sent Transfer-Encoding without chunked last (RFC 9112 §6.1):\n%q", req, wire)
		case (status < 200 || status == 204) && len(cls)+len(tes) > 0:
			t.Fatalf("%s sent framing fields in a %d (RFC 9110 §8.6):\n%q", req, status, wire)
		case method == "CONNECT" && status >= 200 && status < 300 && len(cls)+len(tes) > 0:
			t.Fatalf("%s sent framing fields in a 2xx to CONNECT (RFC 9110 §9.3.6):\n%q", req, wire)
		case status < 200 && version == "HTTP/1.0":
			t.Fatalf("%s sent a 1xx to an HTTP/1.0 client (RFC 9110 §15.2):\n%q", req, wire)
		}
		for _, v := range cls {
			if _, ok := fzDecimal([]byte(v)); !ok {
				t.Fatalf("%s sent Content-Length %q, not 1*DIGIT (RFC 9110 §8.6):\n%q", req, v, wire)
			}
		}
	})
}

// TestPropChunkLine: a chunk-size line built from the pieces of its grammar (RFC 9112 §7.1.1: 1*HEXDIG, then
// *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )) with stray whitespace and junk mixed in is
// accepted by the server exactly when fzChunkLine, the strict reference of fuzz_test.go, accepts it. Each
// check tries 50 lines.
func TestPropChunkLine(t *testing.T) {
	pieces := []string{";", "5", "0005", "\t", "a", "ext", "=", "b", `"q"`, `"a\"b"`, `"open`, ",", "x!", "\x00", "é",
		" "}
	rapid.Check(t, func(t *rapid.T) {
		for range 50 {
			line := "5"
			if rapid.Bool().Draw(t, "only pieces") {
				line = ""
			}
			for range rapid.IntRange(0, 8).Draw(t, "pieces") {
				line += rapid.SampledFrom(pieces).Draw(t, "piece")
			}
			size, why := fzChunkLine([]byte(line))
			if why != "" {
				size = 5
			} else if size > 1000 {
				continue
			}
			body := line + "\r\n" + strings.Repeat("x", int(size)) + "\r\n0\r\n\r\n"
			res := propRun(h1.Server, h1.DefaultLimits, "GET", [][]byte{[]byte(fzChunkedHead + body)}, true)
			ended := len(res.Ends) > 0
			if ended != (why == "") {
				t.Fatalf("chunk-size line %q: the core ended the message: %v; the reference says %q (events %q, %s)",
					line, ended, why, res.Events, res.Err)
			}
		}
	})
}
