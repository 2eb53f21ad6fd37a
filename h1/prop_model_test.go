package h1_test

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
	"pgregory.net/rapid"
)

// A model of both roles of an HTTP/1.1 connection, for rapid's state-machine testing (t.Repeat). A client
// Conn and a server Conn are wired back to back (pairtest.H1). Actions send valid messages that the state
// allows (requests: plain, HEAD, CONNECT, Upgrade, HTTP/1.0; responses: 1xx, 101, 2xx to CONNECT, final ones
// with no body, Content-Length, chunked or framing left to the core, early ones before any request; body
// data; ends with and without trailers), move the pending bytes to the peer under random splits while reading
// events between pieces, start new cycles, close (SendClose, then the end of input at the peer), abort (end
// of input without SendClose), write raw bytes after a switch, and misuse the API (a call the state does not
// allow, a call of the other role, arguments that must not be sent). The model predicts the outcome of
// every call, every event, how each read ends (needs input, Paused, ConnectionClosed, RemoteError), and
// checks after each action that
//   - OurState, TheirState and KeepAlive of both Conns agree with the model;
//   - once every byte is delivered and read, the client's view of the server is the server's own state and
//     the other way round;
//   - a rejected call (LocalError) leaves Pending unchanged, puts our side in Error, and the error is sticky:
//     every later call returns it and changes nothing; likewise a RemoteError from NextEvent;
//   - no Data or EndOfMessage arrives for a peer that is Idle, that is without a head first;
//   - KeepAlive false means MustClose where Done would be;
//   - after reading, TrailingData holds exactly the delivered bytes the model says are not consumed yet.
// A pair that failed, finished or got stuck is replaced by a new one, so a run covers several.
//
// The model is written from the documented semantics (h11's state machine, docs/h1-rules.md, RFC 9110/9112),
// not from the core's transition table.

const (
	pmC = h1.Client
	pmS = h1.Server
)

func pmPeer(r h1.Role) h1.Role { return 1 - r }

// pmView is what one Conn should believe about both sides.
type pmView struct {
	st        [2]h1.State
	keepAlive bool
	upgrade   bool // the request proposed Upgrade and no final response declined it
	connect   bool // the request is a CONNECT and no final response declined it
}

func newPMView() pmView { return pmView{keepAlive: true} }

// settle applies the rules that depend on the pair of states, until nothing changes.
func (v *pmView) settle() {
	for {
		before := v.st
		c, s := &v.st[pmC], &v.st[pmS]
		pending := v.upgrade || v.connect
		if pending && *c == h1.Done {
			*c = h1.MightSwitchProtocol
		}
		if !pending && *c == h1.MightSwitchProtocol {
			*c = h1.Done
		}
		if !v.keepAlive {
			if *c == h1.Done {
				*c = h1.MustClose
			}
			if *s == h1.Done {
				*s = h1.MustClose
			}
		}
		if *c == h1.MightSwitchProtocol && *s == h1.SwitchedProtocol {
			*c = h1.SwitchedProtocol
		}
		if *c == h1.Closed && (*s == h1.Done || *s == h1.Idle) {
			*s = h1.MustClose
		}
		if *s == h1.Closed && (*c == h1.Done || *c == h1.Idle) {
			*c = h1.MustClose
		}
		if *c == h1.Error && *s == h1.Done {
			*s = h1.MustClose
		}
		if *s == h1.Error && *c == h1.Done {
			*c = h1.MustClose
		}
		if v.st == before {
			return
		}
	}
}

func (v *pmView) canRequest() bool { return v.st[pmC] == h1.Idle && v.st[pmS] == h1.Idle }

func (v *pmView) request(close, upgrade, connect bool) bool {
	if !v.canRequest() {
		return false
	}
	if close {
		v.keepAlive = false
	}
	v.upgrade, v.connect = upgrade, connect
	v.st[pmC], v.st[pmS] = h1.SendBody, h1.SendResponse
	v.settle()
	return true
}

func (v *pmView) informational() bool { return v.st[pmS] == h1.SendResponse }

func (v *pmView) switchAccept(connect bool) bool {
	pending := v.upgrade
	if connect {
		pending = v.connect
	}
	if v.st[pmS] != h1.SendResponse || !pending {
		return false
	}
	v.st[pmS] = h1.SwitchedProtocol
	v.settle()
	return true
}

func (v *pmView) canRespond() bool { return v.st[pmS] == h1.Idle || v.st[pmS] == h1.SendResponse }

func (v *pmView) response(close bool) bool {
	if !v.canRespond() {
		return false
	}
	v.upgrade, v.connect = false, false // a final response declines a proposal
	if close {
		v.keepAlive = false
	}
	v.st[pmS] = h1.SendBody
	v.settle()
	return true
}

func (v *pmView) end(r h1.Role) bool {
	if v.st[r] != h1.SendBody {
		return false
	}
	v.st[r] = h1.Done
	v.settle()
	return true
}

func (v *pmView) canClose(r h1.Role) bool {
	switch v.st[r] {
	case h1.Idle, h1.Done, h1.MustClose, h1.Closed:
		return true
	}
	return false
}

func (v *pmView) closed(r h1.Role) bool {
	if !v.canClose(r) {
		return false
	}
	v.st[r] = h1.Closed
	v.settle()
	return true
}

func (v *pmView) canCycle() bool { return v.st == [2]h1.State{h1.Done, h1.Done} }

func (v *pmView) nextCycle() {
	v.st = [2]h1.State{h1.Idle, h1.Idle}
	v.upgrade, v.connect = false, false
}

// Framing of a body, as sender or receiver sees it.
type pmFraming uint8

const (
	pmNone pmFraming = iota
	pmLength
	pmChunked
	pmUntilClose
)

type pmMethod uint8

const (
	pmOther pmMethod = iota
	pmHead
	pmConnect
)

// pmItem is what one successful Send call put on the wire.
type pmItem struct {
	wire []byte // the bytes it produced
	kind pmItemKind

	// Heads.
	event      string // the event the receiver should render
	status     int    // responses; 0 for requests
	version    proto.Version
	closeField bool // Connection: close
	upgrade    bool // requests: an Upgrade field (HTTP/1.1)
	expect     bool // requests: Expect: 100-continue (HTTP/1.1)
	method     []byte
	cl         int64 // Content-Length, -1 when absent
	chunked    bool  // Transfer-Encoding: chunked

	data     []byte       // data items: the payload
	trailers proto.Fields // end items
}

type pmItemKind uint8

const (
	pmHeadItem pmItemKind = iota
	pmDataItem
	pmEndItem
	pmRawItem // bytes of another protocol after a switch
)

// pmSendState is the body a side is sending.
type pmSendState struct {
	framing   pmFraming
	remaining int64
}

// pmRecvState is the body a side is receiving.
type pmRecvState struct {
	framing   pmFraming
	remaining int64
}

type pmModel struct {
	p    *pairtest.H1
	conn [2]*h1.Conn
	view [2]pmView

	send   [2]pmSendState
	recv   [2]pmRecvState
	method [2]pmMethod   // the method of the current request, as each side knows it
	peerV  proto.Version // server: the version of the last request received
	cycles [2]int        // StartNextCycle calls
	wire   [2][]pmItem   // by receiving role: sent and not yet transferred
	unread [2][]pmItem   // by receiving role: delivered and not yet consumed
	eof    [2]bool       // by receiving role: the end of input was delivered
	open   [2]bool       // by receiving role: a head arrived and its EndOfMessage not yet
	awaits [2]bool       // what ClientAwaitsContinue should say
	dead   bool          // a Conn failed; the pair is replaced at the next action
	steps  int           // actions on this pair
	// earlyResponse: the server sent a final response before reading a request. From then on the client
	// sends neither HEAD nor CONNECT, whose response framing the server could not know.
	earlyResponse bool
	aborted       bool // an end of input was delivered without SendClose: the views may disagree for good
}

func (m *pmModel) reset(t *rapid.T) {
	*m = pmModel{p: pairtest.NewH1(), peerV: proto.HTTP11}
	m.p.Split = pairtest.RapidSplitter(t)
	m.conn = [2]*h1.Conn{m.p.Client, m.p.Server}
	m.view = [2]pmView{newPMView(), newPMView()}
}

// begin replaces a failed, finished or stuck pair with a new one before an action. It draws nothing, so that
// an action can still skip itself without rapid counting a rejection.
func (m *pmModel) begin(t *rapid.T) {
	if m.dead || m.p == nil || m.finished() || m.stuck() && !m.view[pmC].canClose(pmC) && !m.view[pmS].canClose(pmS) {
		m.reset(t)
	}
}

// stuck reports whether no action but closing or misuse can make progress (e.g. after a response that came
// before any request): those are then allowed early, so that the run goes on.
func (m *pmModel) stuck() bool {
	for _, r := range []h1.Role{pmC, pmS} {
		if len(m.wire[r]) > 0 || m.canData(r) || m.canEnd(r) || m.view[r].canCycle() ||
			m.view[r].st[r] == h1.MustClose || m.view[r].st[r] == h1.SwitchedProtocol && !m.eof[pmPeer(r)] {
			return false
		}
	}
	return !m.view[pmC].canRequest() && len(m.responseKinds()) == 0
}

// finished reports whether neither side can send anything any more: both closed or switched, and every byte
// read.
func (m *pmModel) finished() bool {
	for r := range m.conn {
		switch m.view[r].st[r] {
		case h1.Closed, h1.SwitchedProtocol:
		default:
			return false
		}
		if len(m.wire[r]) > 0 || len(m.unread[r]) > 0 && !m.eof[r] {
			return false
		}
	}
	return true
}

// call runs a Send… or control call of role r that the model says should succeed (valid) or fail. It checks
// the outcome and, on failure, that nothing was queued, that our side is in Error and that the error is
// sticky. It returns the bytes the call queued.
func (m *pmModel) call(t *rapid.T, r h1.Role, what string, valid bool, f func() error) ([]byte, bool) {
	c := m.conn[r]
	before := append([]byte(nil), c.Pending()...)
	err := f()
	if valid {
		if err != nil {
			t.Fatalf("%v %s: unexpected error %v (states %v/%v)", r, what, err, c.OurState(), c.TheirState())
		}
		after := c.Pending()
		if !bytes.HasPrefix(after, before) {
			t.Fatalf("%v %s: Pending changed what was queued before: %q -> %q", r, what, before, after)
		}
		return append([]byte(nil), after[len(before):]...), true
	}
	if err == nil {
		t.Fatalf("%v %s: succeeded, want a LocalError (states %v/%v, Pending %q)", r, what, c.OurState(),
			c.TheirState(), c.Pending())
	}
	if !propIsLocal(err) {
		t.Fatalf("%v %s: %v (%T), want a *proto.LocalError", r, what, err, err)
	}
	if !bytes.Equal(c.Pending(), before) {
		t.Fatalf("%v %s: rejected call changed Pending: %q -> %q", r, what, before, c.Pending())
	}
	if c.OurState() != h1.Error {
		t.Fatalf("%v %s: after a LocalError our state is %v, want Error", r, what, c.OurState())
	}
	pmCheckSticky(t, c, err, r.String()+" "+what)
	m.dead = true
	return nil, false
}

// pmCheckSticky checks that every call into c now returns err and changes nothing.
func pmCheckSticky(t *rapid.T, c *h1.Conn, err error, what string) {
	pending := append([]byte(nil), c.Pending()...)
	states := [2]h1.State{c.OurState(), c.TheirState()}
	if c.Err() != err {
		t.Fatalf("%s: Err() = %v, want the sticky %v", what, c.Err(), err)
	}
	calls := []struct {
		name string
		f    func() error
	}{
		{"Receive", func() error { return c.Receive([]byte("GET / HTTP/1.1\r\n")) }},
		{"ReceiveEOF", c.ReceiveEOF},
		{"NextEvent", func() error { ev, e := c.NextEvent(); pmCheckNilEvent(t, ev); return e }},
		{"SendRequest", func() error { return c.SendRequest(proto.NewRequest("GET", "/", "Host", "a")) }},
		{"SendResponse", func() error { return c.SendResponse(proto.NewResponse(200)) }},
		{"SendData", func() error { return c.SendData([]byte("x")) }},
		{"SendEnd", func() error { return c.SendEnd(nil) }},
		{"SendClose", c.SendClose},
		{"StartNextCycle", c.StartNextCycle},
	}
	for _, call := range calls {
		if got := call.f(); got != err {
			t.Fatalf("%s: after the error %v, %s returned %v, want the same error", what, err, call.name, got)
		}
	}
	if !bytes.Equal(c.Pending(), pending) || states != [2]h1.State{c.OurState(), c.TheirState()} {
		t.Fatalf("%s: calls after a sticky error changed the Conn", what)
	}
}

func pmCheckNilEvent(t *rapid.T, ev h1.Event) {
	if ev != nil {
		t.Fatalf("NextEvent returned an event %s with an error", propEventString(ev))
	}
}

// ---- Requests ------------------------------------------------------------------------------------------------

// pmReq is a request and what the model needs to know about it.
type pmReq struct {
	head       *proto.RequestHead
	method     pmMethod
	framing    pmFraming
	cl         int64
	closeField bool
	upgrade    bool
	expect     bool // Expect: 100-continue in an HTTP/1.1 request
}

// genRequest draws a valid request: plain, HEAD, CONNECT or an Upgrade proposal; HTTP/1.1 or 1.0; no body,
// Content-Length or chunked; sometimes Connection: close.
func (m *pmModel) genRequest(t *rapid.T) pmReq {
	kinds := []string{"plain", "plain", "head", "connect", "upgrade"}
	if m.earlyResponse {
		kinds = []string{"plain", "upgrade"}
	}
	kind := rapid.SampledFrom(kinds).Draw(t, "request kind")
	req := &proto.RequestHead{Version: proto.HTTP11}
	if kind != "connect" && propRare(t, "HTTP/1.0", 15) {
		req.Version = proto.HTTP10
	}
	// RFC 9110 §7.8: Upgrade in an HTTP/1.0 request proposes nothing.
	r := pmReq{head: req, cl: -1, upgrade: kind == "upgrade" && req.Version == proto.HTTP11}
	switch kind {
	case "plain":
		req.Method = propGenMethod().Draw(t, "method")
		req.Target = propGenTarget().Draw(t, "target")
	case "head":
		req.Method, req.Target, r.method = []byte("HEAD"), []byte("/"), pmHead
	case "connect":
		req.Method, req.Target, r.method = []byte("CONNECT"), []byte("example.com:443"), pmConnect
	case "upgrade":
		req.Method, req.Target = []byte("GET"), []byte("/chat")
	}
	req.Fields = propGenFields(0, 4).Draw(t, "fields")
	if kind == "upgrade" {
		req.Fields = propInsert(t, req.Fields, "Upgrade", "websocket")
		req.Fields = propInsert(t, req.Fields, "Connection", "upgrade")
	}
	if req.Version == proto.HTTP11 {
		if rapid.Bool().Draw(t, "Host from Authority") {
			req.Authority = []byte("example.com")
		} else {
			req.Fields = propInsert(t, req.Fields, "Host", "example.com")
		}
	}
	framings := []pmFraming{pmNone, pmLength}
	if req.Version == proto.HTTP11 {
		framings = append(framings, pmChunked)
	}
	if kind != "connect" {
		r.framing = rapid.SampledFrom(framings).Draw(t, "framing")
	}
	switch r.framing {
	case pmLength:
		r.cl = int64(rapid.IntRange(0, 30).Draw(t, "Content-Length"))
		req.Fields = propInsert(t, req.Fields, "Content-Length", strconv.FormatInt(r.cl, 10))
	case pmChunked:
		req.Fields = propInsert(t, req.Fields, "Transfer-Encoding", "chunked")
	}
	r.closeField = propRare(t, "Connection: close", 15)
	if r.closeField {
		req.Fields = propInsert(t, req.Fields, "Connection", "close")
	}
	if propRare(t, "Expect: 100-continue", 20) {
		req.Fields = propInsert(t, req.Fields, "Expect", "100-continue")
		r.expect = req.Version == proto.HTTP11 // RFC 9110 §10.1.1: ignored in HTTP/1.0
	}
	return r
}

// ClientRequest sends a valid request when the client may send one.
func (m *pmModel) ClientRequest(t *rapid.T) {
	m.begin(t)
	v := &m.view[pmC]
	if !v.canRequest() {
		t.Skip("the client cannot send a request now")
	}
	r := m.genRequest(t)
	req := r.head
	wire, ok := m.call(t, pmC, "SendRequest", true, func() error { return m.conn[pmC].SendRequest(req) })
	if !ok {
		return
	}
	v.request(r.closeField || req.Version == proto.HTTP10, r.upgrade, r.method == pmConnect)
	m.method[pmC] = r.method
	m.send[pmC] = pmSendState{framing: r.framing, remaining: max(r.cl, 0)}
	m.awaits[pmC] = r.expect
	wireFields := req.Fields
	if len(req.Authority) > 0 {
		wireFields = append(proto.Fields{{Name: []byte("Host"), Value: req.Authority}}, req.Fields...)
	}
	m.push(pmS, pmItem{wire: wire, kind: pmHeadItem, event: propRequestString(req.Method, req.Target,
		req.Version, wireFields), version: req.Version, closeField: r.closeField, upgrade: r.upgrade,
		expect: r.expect, method: req.Method, cl: r.cl, chunked: r.framing == pmChunked})
}

// pmBreakRequest makes req invalid in one way that SendRequest must reject.
func pmBreakRequest(t *rapid.T, req *proto.RequestHead) {
	switch rapid.IntRange(0, 10).Draw(t, "how to break the request") {
	case 0:
		req.Fields = propInsert(t, req.Fields, "X-Bad", "a\r\nInjected: 1")
	case 1:
		req.Method = []byte("G T")
	case 2:
		req.Target = nil
	case 3:
		req.Target = []byte("/a b")
	case 4:
		req.Fields.Del("Transfer-Encoding")
		req.Fields = propInsert(t, req.Fields, "Transfer-Encoding", "chunked")
		req.Fields = propInsert(t, req.Fields, "Content-Length", "1")
	case 5:
		req.Fields.Del("Content-Length")
		req.Fields.Del("Transfer-Encoding")
		req.Fields = propInsert(t, req.Fields, "Transfer-Encoding", "gzip")
	case 6:
		req.Version = proto.HTTP11
		req.Authority = nil
		req.Fields.Del("Host")
		req.Fields = propInsert(t, req.Fields, "Host", "a")
		req.Fields = propInsert(t, req.Fields, "Host", "b")
	case 7:
		req.Version = proto.HTTP11
		req.Authority = nil
		req.Fields.Del("Host")
	case 8:
		req.Fields.Del("Transfer-Encoding")
		req.Fields = propInsert(t, req.Fields, "Content-Length", "1x")
	case 9:
		req.Version = proto.HTTP2
	case 10:
		req.Fields = propInsert(t, req.Fields, "Bad Name", "v")
	}
}

// ---- Responses -----------------------------------------------------------------------------------------------

// pmResp is a response and what the model needs to know about it.
type pmResp struct {
	head         *proto.ResponseHead
	final        bool // 200–599 and not accepting a switch
	switchAccept bool // 101, or 2xx to CONNECT
	bodyless     bool
	framing      pmFraming // the framing fields given
	cl           int64
	closeField   bool
	send         pmSendState // how the server frames what it sends
}

// responseKinds lists the kinds of response the server may send now.
func (m *pmModel) responseKinds() []string {
	v := &m.view[pmS]
	switch v.st[pmS] {
	case h1.SendResponse:
		kinds := []string{"final", "final"}
		if m.peerV == proto.HTTP11 { // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client
			kinds = append(kinds, "info")
		}
		if v.upgrade {
			kinds = append(kinds, "101")
		}
		if v.connect && m.method[pmS] == pmConnect {
			kinds = append(kinds, "connect")
		}
		return kinds
	case h1.Idle:
		// A response before any request (e.g. 408), now and then: only while the client has not sent a
		// request in this cycle either, so that both sides agree on its framing.
		if m.steps%5 == 0 && m.view[pmC].st[pmC] == h1.Idle && m.cycles[pmC] == m.cycles[pmS] &&
			len(m.wire[pmS]) == 0 && len(m.unread[pmS]) == 0 {
			return []string{"final"}
		}
	}
	return nil
}

// genResponse draws a response of kind: informational, 101, 2xx to CONNECT, or final with no body, with
// Content-Length, chunked, or framing left to the core; sometimes Connection: close.
func (m *pmModel) genResponse(t *rapid.T, kind string) pmResp {
	resp := &proto.ResponseHead{Fields: propGenFields(0, 3).Draw(t, "fields")}
	resp.Reason = propGenValue().Draw(t, "reason")
	if len(resp.Reason) == 0 {
		resp.Reason = []byte("R")
	}
	switch kind {
	case "info":
		resp.Status = rapid.SampledFrom([]int{100, 102, 103}).Draw(t, "status")
	case "101":
		resp.Status = 101
		resp.Fields = propInsert(t, resp.Fields, "Upgrade", "websocket")
	case "connect":
		resp.Status = rapid.SampledFrom([]int{200, 204, 299}).Draw(t, "status")
	default:
		statuses := []int{200, 200, 201, 204, 299, 304, 404, 500}
		if m.method[pmS] == pmConnect {
			statuses = []int{304, 404, 407, 500} // a 2xx would accept the tunnel
		}
		resp.Status = rapid.SampledFrom(statuses).Draw(t, "status")
	}
	r := pmResp{head: resp, cl: -1}
	r.switchAccept = resp.Status == 101 || m.method[pmS] == pmConnect && resp.Status >= 200 && resp.Status < 300
	r.final = resp.Status >= 200 && !r.switchAccept
	r.bodyless = resp.Status == 204 || resp.Status == 304 || m.method[pmS] == pmHead
	if !r.final {
		return r
	}
	choices := []pmFraming{pmNone, pmLength}
	if m.peerV == proto.HTTP11 {
		choices = append(choices, pmChunked)
	}
	r.framing = rapid.SampledFrom(choices).Draw(t, "framing")
	if resp.Status == 204 {
		r.framing = pmNone
	}
	switch r.framing {
	case pmLength:
		r.cl = int64(rapid.IntRange(0, 30).Draw(t, "Content-Length"))
		resp.Fields = propInsert(t, resp.Fields, "Content-Length", strconv.FormatInt(r.cl, 10))
	case pmChunked:
		resp.Fields = propInsert(t, resp.Fields, "Transfer-Encoding", "chunked")
	}
	r.closeField = propRare(t, "Connection: close", 15)
	if r.closeField {
		resp.Fields = propInsert(t, resp.Fields, "Connection", "close")
	}
	switch {
	case r.bodyless:
	case r.framing == pmNone && m.peerV == proto.HTTP11:
		r.send.framing = pmChunked // the core adds Transfer-Encoding: chunked
	case r.framing == pmNone:
		r.send.framing = pmUntilClose
	default:
		r.send = pmSendState{framing: r.framing, remaining: max(r.cl, 0)}
	}
	return r
}

// ServerResponse sends a response that the server may send now.
func (m *pmModel) ServerResponse(t *rapid.T) {
	m.begin(t)
	kinds := m.responseKinds()
	if len(kinds) == 0 {
		t.Skip("the server cannot respond now")
	}
	r := m.genResponse(t, rapid.SampledFrom(kinds).Draw(t, "response kind"))
	resp := r.head
	v := &m.view[pmS]
	early := v.st[pmS] == h1.Idle
	wire, ok := m.call(t, pmS, fmt.Sprintf("SendResponse(%d)", resp.Status), true, func() error {
		return m.conn[pmS].SendResponse(resp)
	})
	if !ok {
		return
	}
	m.awaits[pmS] = false // any response answers Expect: 100-continue
	wireFields := append(proto.Fields{}, resp.Fields...)
	autoChunked := r.send.framing == pmChunked && r.framing == pmNone
	item := pmItem{wire: wire, kind: pmHeadItem, status: resp.Status, version: proto.HTTP11, cl: r.cl,
		chunked: r.framing == pmChunked || autoChunked}
	if !r.final {
		if r.switchAccept {
			v.switchAccept(resp.Status != 101)
		}
		name := "informational"
		if resp.Status >= 200 {
			name = "response"
		}
		item.event = propResponseString(name, resp.Status, resp.Reason, proto.HTTP11, wireFields)
		m.push(pmC, item)
		return
	}
	if early {
		m.earlyResponse = true
	}
	v.response(r.closeField || m.peerV == proto.HTTP10 || r.send.framing == pmUntilClose)
	if autoChunked {
		wireFields.Add("Transfer-Encoding", "chunked")
	}
	item.closeField = r.closeField
	if !v.keepAlive && !r.closeField {
		wireFields.Add("Connection", "close")
		item.closeField = true
	}
	item.event = propResponseString("response", resp.Status, resp.Reason, proto.HTTP11, wireFields)
	m.send[pmS] = r.send
	m.push(pmC, item)
}

// pmBreakResponse makes r invalid in one way that SendResponse must reject, whatever the state.
func pmBreakResponse(t *rapid.T, r pmResp) {
	resp := r.head
	switch rapid.IntRange(0, 5).Draw(t, "how to break the response") {
	case 0:
		resp.Status = rapid.SampledFrom([]int{0, 99, 600, 1000}).Draw(t, "bad status")
	case 1:
		resp.Reason = []byte("OK\r\nX: y")
	case 2:
		resp.Fields = propInsert(t, resp.Fields, "X", "\x00")
	case 3:
		resp.Fields = propInsert(t, resp.Fields, "X", " padded ")
	case 4:
		resp.Fields = propInsert(t, resp.Fields, "Nö", "v")
	case 5:
		if r.final && !r.bodyless {
			resp.Fields.Del("Content-Length")
			resp.Fields.Del("Transfer-Encoding")
			resp.Fields = propInsert(t, resp.Fields, "Transfer-Encoding", "gzip, chunked")
		} else if !r.final { // a framing field in an informational response or a 2xx to CONNECT
			resp.Fields = propInsert(t, resp.Fields, "Content-Length", "0")
		} else {
			resp.Fields = propInsert(t, resp.Fields, "X", "\x7f")
		}
	}
}

// ---- Bodies --------------------------------------------------------------------------------------------------

// canData reports whether r may send body data (at least one byte) now.
func (m *pmModel) canData(r h1.Role) bool {
	if m.view[r].st[r] != h1.SendBody {
		return false
	}
	s := m.send[r]
	return s.framing == pmChunked || s.framing == pmUntilClose || s.framing == pmLength && s.remaining > 0
}

func (m *pmModel) sendData(t *rapid.T, r h1.Role) {
	m.begin(t)
	if !m.canData(r) {
		t.Skip("no body data now")
	}
	s := &m.send[r]
	maxN := 40
	if s.framing == pmLength {
		maxN = int(s.remaining)
	}
	n := rapid.IntRange(0, maxN).Draw(t, "data length")
	if s.framing == pmLength && rapid.Bool().Draw(t, "all the rest") {
		n = maxN
	}
	data := rapid.SliceOfN(rapid.Byte(), n, n).Draw(t, "data")
	wire, ok := m.call(t, r, fmt.Sprintf("SendData(%d bytes)", n), true, func() error {
		return m.conn[r].SendData(data)
	})
	if !ok {
		return
	}
	if n == 0 {
		if len(wire) != 0 {
			t.Fatalf("SendData of nothing queued %q", wire)
		}
		return
	}
	if s.framing == pmLength {
		s.remaining -= int64(n)
	}
	if r == pmC {
		m.awaits[pmC] = false // the body started
	}
	m.push(pmPeer(r), pmItem{wire: wire, kind: pmDataItem, data: data})
}

func (m *pmModel) ClientData(t *rapid.T) { m.sendData(t, pmC) }
func (m *pmModel) ServerData(t *rapid.T) { m.sendData(t, pmS) }

// canEnd reports whether r may end its message now.
func (m *pmModel) canEnd(r h1.Role) bool {
	return m.view[r].st[r] == h1.SendBody && (m.send[r].framing != pmLength || m.send[r].remaining == 0)
}

func (m *pmModel) sendEnd(t *rapid.T, r h1.Role) {
	m.begin(t)
	if !m.canEnd(r) {
		t.Skip("cannot end the message now")
	}
	s := &m.send[r]
	var trailers proto.Fields
	if s.framing == pmChunked && rapid.Bool().Draw(t, "trailers") {
		trailers = propGenFields(1, 3).Draw(t, "trailers")
	}
	wire, ok := m.call(t, r, "SendEnd", true, func() error { return m.conn[r].SendEnd(trailers) })
	if !ok {
		return
	}
	m.view[r].end(r)
	if r == pmC {
		m.awaits[pmC] = false
	}
	if s.framing == pmChunked {
		m.push(pmPeer(r), pmItem{wire: wire, kind: pmEndItem, trailers: trailers})
	} else if len(wire) != 0 {
		t.Fatalf("%v SendEnd on a body of framing %d queued %q", r, s.framing, wire)
	}
	*s = pmSendState{}
}

func (m *pmModel) ClientEnd(t *rapid.T) { m.sendEnd(t, pmC) }
func (m *pmModel) ServerEnd(t *rapid.T) { m.sendEnd(t, pmS) }

// ---- Connection management -----------------------------------------------------------------------------------

func (m *pmModel) nextCycle(t *rapid.T, r h1.Role) {
	m.begin(t)
	if !m.view[r].canCycle() {
		t.Skip("not Done/Done")
	}
	if _, ok := m.call(t, r, "StartNextCycle", true, m.conn[r].StartNextCycle); !ok {
		return
	}
	m.view[r].nextCycle()
	m.method[r] = pmOther
	m.send[r] = pmSendState{}
	m.recv[r] = pmRecvState{}
	m.cycles[r]++
	m.open[r] = false
	m.awaits[r] = false
	// Bytes that waited for the new cycle can be read now.
	m.read(t, r)
}

func (m *pmModel) ClientNextCycle(t *rapid.T) { m.nextCycle(t, pmC) }
func (m *pmModel) ServerNextCycle(t *rapid.T) { m.nextCycle(t, pmS) }

// sendClose: SendClose, then the driver flushes what is pending and closes the socket. Closing a connection
// that could be reused ends the conversation, so it waits until the pair has done a few things.
func (m *pmModel) sendClose(t *rapid.T, r h1.Role) {
	m.begin(t)
	if !m.view[r].canClose(r) || m.view[r].st[r] != h1.MustClose && m.steps < 25 && !m.stuck() {
		t.Skip("no close now")
	}
	if _, ok := m.call(t, r, "SendClose", true, m.conn[r].SendClose); !ok {
		return
	}
	m.view[r].closed(r)
	m.deliver(t, r)
	if m.dead || m.eof[pmPeer(r)] {
		return
	}
	m.closeTo(t, pmPeer(r))
}

func (m *pmModel) ClientClose(t *rapid.T) { m.sendClose(t, pmC) }
func (m *pmModel) ServerClose(t *rapid.T) { m.sendClose(t, pmS) }

// Abort delivers the end of input to one side without its peer calling SendClose (a crash, a reset).
func (m *pmModel) Abort(t *rapid.T) {
	m.begin(t)
	if m.steps < 28 || m.eof[pmC] || m.eof[pmS] {
		t.Skip("no abort now")
	}
	to := rapid.SampledFrom([]h1.Role{pmC, pmS}).Draw(t, "abort to")
	m.deliver(t, pmPeer(to))
	if m.dead {
		return
	}
	m.aborted = true
	m.closeTo(t, to)
}

func (m *pmModel) closeTo(t *rapid.T, to h1.Role) {
	if err := m.p.Close(to); err != nil {
		t.Fatalf("Close(%v): %v", to, err)
	}
	m.eof[to] = true
	m.read(t, to)
}

// Raw sends bytes of the new protocol from a side that switched; they go straight to the peer's Receive, as a
// driver's raw stream writes them.
func (m *pmModel) Raw(t *rapid.T) {
	m.begin(t)
	var from []h1.Role
	for _, r := range []h1.Role{pmC, pmS} {
		if m.view[r].st[r] == h1.SwitchedProtocol && !m.eof[pmPeer(r)] {
			from = append(from, r)
		}
	}
	if len(from) == 0 {
		t.Skip("nobody switched")
	}
	r := rapid.SampledFrom(from).Draw(t, "raw from")
	data := rapid.SliceOfN(rapid.Byte(), 1, 20).Draw(t, "raw bytes")
	m.deliver(t, r)
	if m.dead {
		return
	}
	if err := m.conn[pmPeer(r)].Receive(data); err != nil {
		t.Fatalf("Receive of raw bytes: %v", err)
	}
	m.unread[pmPeer(r)] = append(m.unread[pmPeer(r)], pmItem{wire: data, kind: pmRawItem})
	m.read(t, pmPeer(r))
}

// Misuse makes one call that the model says must fail with a LocalError: a call the state does not allow, a
// call of the other role, or arguments that must not be sent. Each failure ends the pair, so misuse waits
// until the pair has done a few things.
func (m *pmModel) Misuse(t *rapid.T) {
	m.begin(t)
	if m.steps < 20 && !m.stuck() {
		t.Skip("not yet")
	}
	opts := []string{"broken request", "broken response", "SendRequest on the server", "SendResponse on the client"}
	vc, vs := &m.view[pmC], &m.view[pmS]
	if !vc.canRequest() {
		opts = append(opts, "SendRequest now")
	}
	if !vs.informational() || m.peerV == proto.HTTP10 {
		opts = append(opts, "1xx now")
	}
	if vs.canRespond() && m.peerV == proto.HTTP10 && m.method[pmS] == pmOther {
		opts = append(opts, "Transfer-Encoding to an HTTP/1.0 client")
	}
	if vc.canRequest() {
		opts = append(opts, "Transfer-Encoding in an HTTP/1.0 request")
	}
	if vs.st[pmS] != h1.SendResponse || !vs.upgrade {
		opts = append(opts, "101 now")
	}
	if !vs.canRespond() {
		opts = append(opts, "final response now")
	}
	for _, r := range []h1.Role{pmC, pmS} {
		name := r.String() + " "
		s := m.send[r]
		switch {
		case m.view[r].st[r] != h1.SendBody:
			opts = append(opts, name+"SendData now", name+"SendEnd now")
		case s.framing == pmNone:
			opts = append(opts, name+"SendData without a body")
		case s.framing == pmLength:
			opts = append(opts, name+"SendData past Content-Length")
			if s.remaining > 0 {
				opts = append(opts, name+"SendEnd before Content-Length")
			}
		}
		if m.view[r].st[r] == h1.SendBody {
			if s.framing == pmChunked {
				opts = append(opts, name+"invalid trailer")
			} else {
				opts = append(opts, name+"trailers without chunked")
			}
		}
		if !m.view[r].canCycle() {
			opts = append(opts, name+"StartNextCycle now")
		}
		if !m.view[r].canClose(r) {
			opts = append(opts, name+"SendClose now")
		}
	}
	what := rapid.SampledFrom(opts).Draw(t, "misuse")
	role := pmS
	var f func() error
	c, sv := m.conn[pmC], m.conn[pmS]
	switch what {
	case "broken request":
		role = pmC
		req := m.genRequest(t).head
		pmBreakRequest(t, req)
		f = func() error { return c.SendRequest(req) }
	case "broken response":
		kind := rapid.SampledFrom([]string{"info", "final", "101", "connect"}).Draw(t, "kind")
		r := m.genResponse(t, kind)
		pmBreakResponse(t, r)
		f = func() error { return sv.SendResponse(r.head) }
	case "SendRequest on the server":
		req := m.genRequest(t).head
		f = func() error { return sv.SendRequest(req) }
	case "SendResponse on the client":
		role = pmC
		f = func() error { return c.SendResponse(proto.NewResponse(200)) }
	case "SendRequest now":
		role = pmC
		req := m.genRequest(t).head
		f = func() error { return c.SendRequest(req) }
	case "1xx now":
		f = func() error { return sv.SendResponse(proto.NewResponse(100)) }
	case "Transfer-Encoding to an HTTP/1.0 client": // RFC 9112 §6.1
		f = func() error { return sv.SendResponse(proto.NewResponse(200, "Transfer-Encoding", "chunked")) }
	case "Transfer-Encoding in an HTTP/1.0 request": // RFC 9112 §6.1
		role = pmC
		req := proto.NewRequest("POST", "/", "Transfer-Encoding", "chunked")
		req.Version = proto.HTTP10
		f = func() error { return c.SendRequest(req) }
	case "101 now":
		f = func() error { return sv.SendResponse(proto.NewResponse(101, "Upgrade", "websocket")) }
	case "final response now":
		r := m.genResponse(t, "final")
		f = func() error { return sv.SendResponse(r.head) }
	default:
		for _, r := range []h1.Role{pmC, pmS} {
			rest, ok := strings.CutPrefix(what, r.String()+" ")
			if !ok {
				continue
			}
			role = r
			c := m.conn[r]
			s := m.send[r]
			switch rest {
			case "SendData now", "SendData without a body":
				data := rapid.SliceOfN(rapid.Byte(), 1, 10).Draw(t, "data")
				f = func() error { return c.SendData(data) }
			case "SendData past Content-Length":
				n := int(s.remaining) + rapid.IntRange(1, 10).Draw(t, "excess")
				f = func() error { return c.SendData(make([]byte, n)) }
			case "SendEnd now", "SendEnd before Content-Length":
				f = func() error { return c.SendEnd(nil) }
			case "invalid trailer":
				f = func() error {
					return c.SendEnd(proto.Fields{{Name: []byte("X"), Value: []byte("a\nb")}})
				}
			case "trailers without chunked":
				f = func() error { return c.SendEnd(proto.Fields{{Name: []byte("X"), Value: []byte("1")}}) }
			case "StartNextCycle now":
				f = c.StartNextCycle
			case "SendClose now":
				f = c.SendClose
			}
		}
	}
	if f == nil {
		panic("model: no call for misuse " + what)
	}
	m.call(t, role, what, false, f)
}

// ---- Moving bytes --------------------------------------------------------------------------------------------

func (m *pmModel) push(to h1.Role, it pmItem) {
	if len(it.wire) == 0 {
		panic("model: an item without bytes")
	}
	m.wire[to] = append(m.wire[to], it)
}

// Read reads what both sides can read without new input, which must be nothing new.
func (m *pmModel) Read(t *rapid.T) {
	m.begin(t)
	m.read(t, pmC)
	if !m.dead {
		m.read(t, pmS)
	}
}

func (m *pmModel) DeliverToServer(t *rapid.T) { m.begin(t); m.deliverSome(t, pmC) }
func (m *pmModel) DeliverToClient(t *rapid.T) { m.begin(t); m.deliverSome(t, pmS) }

func (m *pmModel) deliverSome(t *rapid.T, from h1.Role) {
	if len(m.wire[pmPeer(from)]) == 0 {
		t.Skip("nothing to deliver")
	}
	m.deliver(t, from)
}

// deliver transfers everything from has pending to its peer under a random split, sometimes reading events
// between pieces, then reads what is left and checks the events against the model.
func (m *pmModel) deliver(t *rapid.T, from h1.Role) {
	to := pmPeer(from)
	var pending []byte
	for _, it := range m.wire[to] {
		pending = append(pending, it.wire...)
	}
	if got := m.conn[from].Pending(); !bytes.Equal(got, pending) {
		t.Fatalf("%v Pending() = %q, want %q", from, got, pending)
	}
	if m.eof[to] {
		if len(pending) > 0 {
			if _, err := m.p.Transfer(from); !errors.Is(err, pairtest.ErrAfterClose) {
				t.Fatalf("Transfer after close: %v, want ErrAfterClose", err)
			}
			m.wire[to] = nil
		}
		return
	}
	interleave := rapid.Bool().Draw(t, "read between pieces")
	m.unread[to] = append(m.unread[to], m.wire[to]...)
	m.wire[to] = nil
	var log propLog
	var readErr error
	var ended string
	_, err := m.p.TransferEach(from, func() error {
		if interleave {
			ended, readErr = m.readInto(t, to, &log)
		}
		return readErr // a failed Conn takes no more bytes
	})
	if err != nil && err != readErr {
		t.Fatalf("TransferEach: %v", err)
	}
	if readErr == nil {
		ended, readErr = m.readInto(t, to, &log)
	}
	m.check(t, to, &log, ended, readErr)
}

// read reads what role can read now and checks it against the model.
func (m *pmModel) read(t *rapid.T, r h1.Role) {
	var log propLog
	ended, err := m.readInto(t, r, &log)
	m.check(t, r, &log, ended, err)
}

// readInto reads events of r until it needs input, pauses, sees the connection closed, or fails. It checks
// on the way that nothing but a head arrives for a peer without a message in progress.
func (m *pmModel) readInto(t *rapid.T, r h1.Role, log *propLog) (string, error) {
	c := m.conn[r]
	for {
		ev, err := c.NextEvent()
		if err != nil {
			pmCheckNilEvent(t, ev)
			return pmFailed, err
		}
		if ev == nil {
			return pmNeedsInput, nil
		}
		switch e := ev.(type) {
		case *h1.Request, *h1.Response:
			m.open[r] = true
		case *h1.Data:
			if !m.open[r] {
				t.Fatalf("%v: Data %q without a head first (their state %v)", r, e.Data, c.TheirState())
			}
		case *h1.EndOfMessage:
			if !m.open[r] {
				t.Fatalf("%v: EndOfMessage without a head first (their state %v)", r, c.TheirState())
			}
			m.open[r] = false
		case *h1.InformationalResponse:
			if m.open[r] {
				t.Fatalf("%v: informational response inside a message", r)
			}
		}
		log.add(ev)
		switch ev.(type) {
		case *h1.Paused:
			return pmPaused, nil
		case *h1.ConnectionClosed:
			return pmClosed, nil
		}
	}
}

// check compares what r read, and how the last read ended, with the model's expectation, and advances the
// model.
func (m *pmModel) check(t *rapid.T, r h1.Role, got *propLog, ended string, err error) {
	var want propLog
	wantEnd := m.expect(t, r, &want)
	gotEvents, wantEvents := got.events(), want.events()
	if err != nil {
		ended = pmFailed
	}
	if fmt.Sprint(gotEvents) != fmt.Sprint(wantEvents) || ended != wantEnd {
		t.Fatalf("%v read:\n got %q, ending %s (%v)\nwant %q, ending %s", r, gotEvents, ended, err, wantEvents,
			wantEnd)
	}
	if got.emptyData > 0 {
		t.Fatalf("%v: %d Data events without bytes", r, got.emptyData)
	}
	if err != nil {
		if !propIsRemote(err) {
			t.Fatalf("%v read: %v (%T), want a *proto.RemoteError", r, err, err)
		}
		var re *proto.RemoteError
		errors.As(err, &re)
		if r == pmC && re.StatusHint != 0 {
			t.Fatalf("client got a RemoteError with StatusHint %d", re.StatusHint)
		}
		if r == pmS && !bytes.Contains([]byte(" 400 413 414 431 501 505 "), []byte(" "+strconv.Itoa(re.StatusHint)+" ")) {
			t.Fatalf("server got a RemoteError with StatusHint %d", re.StatusHint)
		}
		if m.conn[r].TheirState() != h1.Error {
			t.Fatalf("%v: after a RemoteError their state is %v, want Error", r, m.conn[r].TheirState())
		}
		pmCheckSticky(t, m.conn[r], err, fmt.Sprintf("%v read", r))
		m.dead = true
		return
	}
	var rest []byte
	for _, it := range m.unread[r] {
		rest = append(rest, it.wire...)
	}
	if td, eof := m.conn[r].TrailingData(); !bytes.Equal(td, rest) || eof != m.eof[r] {
		t.Fatalf("%v TrailingData() = %q, %v; want %q, %v", r, td, eof, rest, m.eof[r])
	}
}

// How a read ends.
const (
	pmNeedsInput = "needs input" // NextEvent returned nil
	pmPaused     = "paused"      // Paused
	pmClosed     = "closed"      // ConnectionClosed
	pmFailed     = "error"       // a RemoteError
)

// expect walks the unread items of r through r's view, as the core should, appending the events r should
// read, and returns how reading should end.
func (m *pmModel) expect(t *rapid.T, r h1.Role, want *propLog) string {
	v := &m.view[r]
	p := pmPeer(r)
	q := &m.unread[r]
	b := &m.recv[r]
	for {
		switch v.st[p] {
		case h1.Idle, h1.SendResponse:
			if len(*q) == 0 {
				if !m.eof[r] {
					return pmNeedsInput
				}
				if !v.closed(p) {
					return pmFailed // closed in the middle of a cycle
				}
				want.addString("closed")
				return pmClosed
			}
			it := (*q)[0]
			if it.kind != pmHeadItem {
				t.Fatalf("model: %v expects a head, next item is %+v", r, it)
			}
			if r == pmC {
				m.awaits[pmC] = false // a response, even a 1xx, went by
			}
			if !m.acceptHead(r, it) {
				return pmFailed
			}
			if r == pmS {
				m.awaits[pmS] = it.expect
			}
			*q = (*q)[1:]
			want.addString(it.event)
		case h1.SendBody:
			switch b.framing {
			case pmNone:
				v.end(p)
				m.awaits[r] = false
				want.addString(propEndString(nil))
				continue
			case pmLength:
				if b.remaining == 0 {
					v.end(p)
					m.awaits[r] = false
					want.addString(propEndString(nil))
					continue
				}
			}
			if len(*q) == 0 {
				if !m.eof[r] {
					return pmNeedsInput
				}
				if b.framing != pmUntilClose {
					return pmFailed
				}
				v.end(p)
				m.awaits[r] = false
				want.addString(propEndString(nil))
				continue
			}
			it := (*q)[0]
			*q = (*q)[1:]
			m.awaits[r] = false // data or the end went by
			switch it.kind {
			case pmDataItem:
				want.addData(it.data)
				if b.framing == pmLength {
					b.remaining -= int64(len(it.data))
				}
			case pmEndItem:
				v.end(p)
				want.addString(propEndString(it.trailers))
			default:
				t.Fatalf("model: %v in a body got %+v", r, it)
			}
		case h1.Done:
			if len(*q) > 0 {
				return pmPaused // the next message waits for StartNextCycle
			}
			if !m.eof[r] {
				return pmNeedsInput
			}
			v.closed(p)
			want.addString("closed")
			return pmClosed
		case h1.MustClose:
			if len(*q) > 0 {
				return pmFailed
			}
			if !m.eof[r] {
				return pmNeedsInput
			}
			v.closed(p)
			want.addString("closed")
			return pmClosed
		case h1.Closed:
			want.addString("closed")
			return pmClosed
		case h1.MightSwitchProtocol, h1.SwitchedProtocol:
			return pmPaused
		default:
			t.Fatalf("model: %v sees its peer in %v", r, v.st[p])
		}
	}
}

// acceptHead applies a head item to r's view, as receiving it should; false means a RemoteError.
func (m *pmModel) acceptHead(r h1.Role, it pmItem) bool {
	v := &m.view[r]
	b := &m.recv[r]
	if r == pmS { // a request
		connect := string(it.method) == "CONNECT"
		if !v.request(it.closeField || it.version == proto.HTTP10, it.upgrade, connect) {
			return false
		}
		m.peerV = it.version
		m.method[pmS] = pmOther
		switch string(it.method) {
		case "HEAD":
			m.method[pmS] = pmHead
		case "CONNECT":
			m.method[pmS] = pmConnect
		}
		*b = pmRecvState{framing: pmNone}
		switch {
		case it.chunked:
			b.framing = pmChunked
		case it.cl >= 0:
			*b = pmRecvState{framing: pmLength, remaining: it.cl}
		}
		return true
	}
	// A response.
	switch {
	case it.status == 101:
		return v.switchAccept(false)
	case it.status < 200:
		return v.informational()
	case m.method[pmC] == pmConnect && it.status < 300:
		return v.switchAccept(true)
	}
	*b = pmRecvState{framing: pmUntilClose}
	close := it.closeField
	switch {
	case m.method[pmC] == pmHead || it.status == 204 || it.status == 304:
		b.framing = pmNone
	case it.chunked:
		b.framing = pmChunked
		close = close || it.cl >= 0
	case it.cl >= 0:
		*b = pmRecvState{framing: pmLength, remaining: it.cl}
	default:
		close = true
	}
	return v.response(close)
}

// ---- Invariants ----------------------------------------------------------------------------------------------

// Check runs after every action.
func (m *pmModel) Check(t *rapid.T) {
	if m.p == nil || m.dead {
		return
	}
	m.steps++
	for r, c := range m.conn {
		v := m.view[r]
		role := h1.Role(r)
		if c.Err() != nil {
			t.Fatalf("%v: unexpected sticky error %v", role, c.Err())
		}
		if c.OurState() != v.st[role] || c.TheirState() != v.st[pmPeer(role)] || c.KeepAlive() != v.keepAlive {
			t.Fatalf("%v: states %v/%v keep-alive %v, model says %v/%v keep-alive %v", role, c.OurState(),
				c.TheirState(), c.KeepAlive(), v.st[role], v.st[pmPeer(role)], v.keepAlive)
		}
		if c.ClientAwaitsContinue() != m.awaits[r] {
			t.Fatalf("%v: ClientAwaitsContinue() = %v, model says %v", role, c.ClientAwaitsContinue(), m.awaits[r])
		}
		if !c.KeepAlive() && (c.OurState() == h1.Done || c.TheirState() == h1.Done) {
			t.Fatalf("%v: KeepAlive() is false but a side is Done (%v/%v), want MustClose", role, c.OurState(),
				c.TheirState())
		}
	}
	if m.settled() {
		cl, sv := m.conn[pmC], m.conn[pmS]
		if cl.TheirState() != sv.OurState() || sv.TheirState() != cl.OurState() {
			t.Fatalf("views differ after every byte was read: client sees %v/%v (us/them), server %v/%v",
				cl.OurState(), cl.TheirState(), sv.OurState(), sv.TheirState())
		}
	}
}

// settled reports whether both Conns have read everything the other sent, in the same cycle, so that each
// one's view of the other must be the other's own state. A sender whose message needs no more bytes (no body,
// or all of its Content-Length sent) but which has not called SendEnd yet is ahead in the peer's view, and a
// close-delimited body ends only when the socket closes: both are left out.
func (m *pmModel) settled() bool {
	if m.aborted || m.cycles[pmC] != m.cycles[pmS] {
		return false
	}
	for r := range m.conn {
		if len(m.wire[r]) > 0 || len(m.unread[r]) > 0 {
			return false
		}
		s := m.send[r]
		if m.view[r].st[r] == h1.SendBody && (s.framing == pmNone || s.framing == pmUntilClose ||
			s.framing == pmLength && s.remaining == 0) {
			return false
		}
		if m.view[r].st[pmPeer(h1.Role(r))] == h1.SendBody && m.recv[r].framing == pmUntilClose && !m.eof[r] {
			return false
		}
	}
	return true
}

// actions weights the actions: moving bytes and sending bodies more often than the rest.
func (m *pmModel) actions() map[string]func(*rapid.T) {
	// The first action in rapid's order (keys sort) must never skip: a shrunk run draws it again and again.
	a := map[string]func(*rapid.T){"": m.Check, "0Read": m.Read}
	add := func(name string, weight int, f func(*rapid.T)) {
		for i := range weight {
			a[name+strconv.Itoa(i)] = f
		}
	}
	add("ClientRequest", 2, m.ClientRequest)
	add("ServerResponse", 2, m.ServerResponse)
	add("ClientData", 2, m.ClientData)
	add("ServerData", 2, m.ServerData)
	add("ClientEnd", 2, m.ClientEnd)
	add("ServerEnd", 2, m.ServerEnd)
	add("DeliverToServer", 3, m.DeliverToServer)
	add("DeliverToClient", 3, m.DeliverToClient)
	add("ClientNextCycle", 2, m.ClientNextCycle)
	add("ServerNextCycle", 2, m.ServerNextCycle)
	add("ClientClose", 1, m.ClientClose)
	add("ServerClose", 1, m.ServerClose)
	add("Abort", 1, m.Abort)
	add("Raw", 1, m.Raw)
	add("Misuse", 1, m.Misuse)
	return a
}

// TestPropModel runs the state-machine model of both roles: about 90 actions per check, on as many pairs as
// it takes (a pair is replaced when it fails or finishes).
func TestPropModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &pmModel{}
		m.reset(t)
		actions := m.actions()
		for range 3 {
			t.Repeat(actions)
		}
	})
}
