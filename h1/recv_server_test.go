package h1_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// This file holds the receive tests of the server role (docs/h1-rules.md, RFC 9112) and the helpers that the
// unit tests of this package share.

// renderEvent renders one event as a short string for table comparisons. Field values are quoted, so that
// trimming and empty values show.
func renderEvent(ev h1.Event) string {
	switch e := ev.(type) {
	case *h1.Request:
		return "request " + string(e.Method) + " " + string(e.Target) + " HTTP/" + e.Version.String() +
			renderFields(e.Fields)
	case *h1.InformationalResponse:
		return fmt.Sprintf("informational %d %q HTTP/%v%s", e.Status, e.Reason, e.Version, renderFields(e.Fields))
	case *h1.Response:
		return fmt.Sprintf("response %d %q HTTP/%v%s", e.Status, e.Reason, e.Version, renderFields(e.Fields))
	case *h1.Data:
		return "data " + strconv.Quote(string(e.Data))
	case *h1.EndOfMessage:
		return "end" + renderFields(e.Trailers)
	case *h1.ConnectionClosed:
		return "closed"
	case *h1.Paused:
		return "paused"
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("unknown event %T", ev)
}

func renderFields(f proto.Fields) string {
	var b strings.Builder
	for _, x := range f {
		fmt.Fprintf(&b, " %s:%q", x.Name, x.Value)
	}
	return b.String()
}

// inputSplit is how the input of a receive test reaches the core: whole, or one byte per Receive.
type inputSplit struct {
	name  string
	split func(string) []string
}

var inputSplits = []inputSplit{
	{"whole", func(s string) []string { return []string{s} }},
	{"bytewise", func(s string) []string {
		out := make([]string, len(s))
		for i := 0; i < len(s); i++ {
			out[i] = s[i : i+1]
		}
		return out
	}},
}

// eventList collects events as strings. Consecutive Data events are merged and a repeated Paused or
// ConnectionClosed is kept once, so that every split of the input gives the same list.
type eventList struct {
	out    []string
	data   []byte
	inData bool
}

// drain reads events from c until NextEvent returns nil, Paused, ConnectionClosed or an error.
func (l *eventList) drain(c *h1.Conn) error {
	for {
		ev, err := c.NextEvent()
		if err != nil {
			return err
		}
		if ev == nil {
			return nil
		}
		if d, ok := ev.(*h1.Data); ok {
			if !l.inData {
				l.data, l.inData = l.data[:0], true
				l.out = append(l.out, "")
			}
			l.data = append(l.data, d.Data...)
			l.out[len(l.out)-1] = "data " + strconv.Quote(string(l.data))
			continue
		}
		l.inData = false
		s := renderEvent(ev)
		stop := s == "paused" || s == "closed"
		if stop && len(l.out) > 0 && l.out[len(l.out)-1] == s {
			return nil
		}
		l.out = append(l.out, s)
		if stop {
			return nil
		}
	}
}

// receiveAll reads the events already available, then hands every piece to c, then the end of input if eof,
// reading events after each delivery (see eventList).
func receiveAll(c *h1.Conn, pieces []string, eof bool) ([]string, error) {
	var l eventList
	if err := l.drain(c); err != nil {
		return l.out, err
	}
	for _, p := range pieces {
		if err := c.Receive([]byte(p)); err != nil {
			return l.out, err
		}
		if err := l.drain(c); err != nil {
			return l.out, err
		}
	}
	if eof {
		if err := c.ReceiveEOF(); err != nil {
			return l.out, err
		}
		if err := l.drain(c); err != nil {
			return l.out, err
		}
	}
	return l.out, nil
}

// recvCase is one receive test: input, the events it gives and the error that ends them, if any.
type recvCase struct {
	name   string
	lim    *h1.Limits // nil: DefaultLimits
	req    *proto.RequestHead
	in     string
	eof    bool
	want   []string
	err    error  // the sentinel the RemoteError wraps; nil when no error is expected
	status int    // the RemoteError's StatusHint; -1 when not checked
	states string // "ours/theirs" after reading; empty when not checked
}

// runRecv runs every case with every input split on a connection made by newConn.
func runRecv(t *testing.T, cases []recvCase, newConn func(t *testing.T, tc recvCase) *h1.Conn) {
	t.Helper()
	for _, tc := range cases {
		for _, d := range inputSplits {
			t.Run(tc.name+"/"+d.name, func(t *testing.T) {
				c := newConn(t, tc)
				got, err := receiveAll(c, d.split(tc.in), tc.eof)
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
				if tc.err == nil {
					if err != nil {
						t.Fatalf("unexpected error: %v", err)
					}
				} else {
					assertRemote(t, err, tc.err, tc.status)
					assertSticky(t, c, err)
				}
				if tc.states != "" {
					if got := statesOf(c); got != tc.states {
						t.Errorf("states (ours/theirs) = %s, want %s", got, tc.states)
					}
				}
			})
		}
	}
}

func statesOf(c *h1.Conn) string { return c.OurState().String() + "/" + c.TheirState().String() }

func newServerConn(t *testing.T, tc recvCase) *h1.Conn {
	if tc.lim != nil {
		return h1.NewConnWithLimits(h1.Server, *tc.lim)
	}
	return h1.NewConn(h1.Server)
}

// errAnyKind stands for any sentinel where the rules say "error" without saying which kind.
var errAnyKind = errors.New("any kind of error")

// assertRemote checks that err is a *proto.RemoteError wrapping sentinel, with the given StatusHint unless
// status is -1.
func assertRemote(t *testing.T, err, sentinel error, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want a RemoteError wrapping %q", sentinel)
	}
	if sentinel != errAnyKind && !errors.Is(err, sentinel) {
		t.Errorf("error %q does not wrap %q", err, sentinel)
	}
	var re *proto.RemoteError
	if !errors.As(err, &re) {
		t.Fatalf("error %q is a %T, want a *proto.RemoteError", err, err)
	}
	if status >= 0 && re.StatusHint != status {
		t.Errorf("StatusHint = %d, want %d (error %q)", re.StatusHint, status, err)
	}
}

// assertLocal checks that err is a *proto.LocalError wrapping sentinel.
func assertLocal(t *testing.T, err, sentinel error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want a LocalError wrapping %q", sentinel)
	}
	if sentinel != errAnyKind && !errors.Is(err, sentinel) {
		t.Errorf("error %q does not wrap %q", err, sentinel)
	}
	var le *proto.LocalError
	if !errors.As(err, &le) {
		t.Errorf("error %q is a %T, want a *proto.LocalError", err, err)
	}
}

// assertSticky checks that after err every call into c returns the very same error.
func assertSticky(t *testing.T, c *h1.Conn, err error) {
	t.Helper()
	if got := c.Err(); got != err {
		t.Errorf("Err() = %v, want the sticky %v", got, err)
	}
	if ev, got := c.NextEvent(); got != err || ev != nil {
		t.Errorf("second NextEvent = %v, %v; want nil, the sticky %v", renderEvent(ev), got, err)
	}
	if got := c.Receive([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")); got != err {
		t.Errorf("Receive after the error = %v, want the sticky %v", got, err)
	}
	if got := c.ReceiveEOF(); got != err {
		t.Errorf("ReceiveEOF after the error = %v, want the sticky %v", got, err)
	}
	if got := c.StartNextCycle(); got != err {
		t.Errorf("StartNextCycle after the error = %v, want the sticky %v", got, err)
	}
}

// drainOK reads events from c until nil, Paused or ConnectionClosed, failing the test on an error.
func drainOK(t *testing.T, c *h1.Conn) []string {
	t.Helper()
	got, err := receiveAll(c, nil, false)
	if err != nil {
		t.Fatalf("NextEvent: %v", err)
	}
	return got
}

// receiveOK hands in to c and returns the events it gives, failing the test on an error.
func receiveOK(t *testing.T, c *h1.Conn, in string) []string {
	t.Helper()
	got, err := receiveAll(c, []string{in}, false)
	if err != nil {
		t.Fatalf("receiving %q: %v", in, err)
	}
	return got
}

// diffEvents reports a difference between the event lists.
func diffEvents(t *testing.T, what string, want, got []string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
}

// firstErr returns the first non-nil error of calls made in order.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

const hostA = "Host: a\r\n"

func TestServerReceiveRequests(t *testing.T) {
	cases := []recvCase{
		{
			name:   "origin-form",
			in:     "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: a\r\n\r\n",
			want:   []string{`request GET /a/b?x=1&y=%20 HTTP/1.1 Host:"a"`, "end"},
			states: "SendResponse/Done",
		},
		{
			name: "absolute-form",
			in:   "GET http://example.com:8080/x?y HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
			want: []string{`request GET http://example.com:8080/x?y HTTP/1.1 Host:"example.com:8080"`, "end"},
		},
		{
			name:   "authority-form for CONNECT",
			in:     "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
			want:   []string{`request CONNECT example.com:443 HTTP/1.1 Host:"example.com:443"`, "end", "paused"},
			states: "SendResponse/MightSwitchProtocol",
		},
		{
			name: "authority-form with an IPv6 literal",
			in:   "CONNECT [2001:db8::1]:8443 HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n",
			want: []string{`request CONNECT [2001:db8::1]:8443 HTTP/1.1 Host:"[2001:db8::1]:8443"`, "end", "paused"},
		},
		{
			name: "asterisk-form for OPTIONS",
			in:   "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
			want: []string{`request OPTIONS * HTTP/1.1 Host:"a"`, "end"},
		},
		{
			name: "lower-case method is a valid unknown method",
			in:   "get / HTTP/1.1\r\nHost: a\r\n\r\n",
			want: []string{`request get / HTTP/1.1 Host:"a"`, "end"},
		},
		{
			name: "extension method with token characters",
			in:   "X-PURGE.v2! /x HTTP/1.1\r\nHost: a\r\n\r\n",
			want: []string{`request X-PURGE.v2! /x HTTP/1.1 Host:"a"`, "end"},
		},
		{
			name: "obs-text in the target",
			in:   "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
			want: []string{"request GET /caf\xc3\xa9 HTTP/1.1 Host:\"a\"", "end"},
		},
		{
			name:   "HTTP/1.0 without Host",
			in:     "GET /old HTTP/1.0\r\n\r\n",
			want:   []string{"request GET /old HTTP/1.0", "end"},
			states: "SendResponse/MustClose",
		},
		{
			name: "HTTP/1.0 with Host",
			in:   "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
			want: []string{`request GET / HTTP/1.0 Host:"a"`, "end"},
		},
		{
			name: "empty Host value",
			in:   "GET / HTTP/1.1\r\nHost:\r\n\r\n",
			want: []string{`request GET / HTTP/1.1 Host:""`, "end"},
		},
		{
			name:   "leading empty lines are ignored",
			in:     "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
			want:   []string{`request GET / HTTP/1.1 Host:"a"`, "end"},
			states: "SendResponse/Done",
		},
		{
			name: "OWS trimmed, order, case and repeats kept",
			in: "GET / HTTP/1.1\r\nHost:a\r\nX-A:   spaced  value \t\r\nX-Empty:\r\nX-Tab:\t\t\r\n" +
				"x-a: second\r\nACCEPT: */*\r\n\r\n",
			want: []string{`request GET / HTTP/1.1 Host:"a" X-A:"spaced  value" X-Empty:"" X-Tab:"" x-a:"second"` +
				` ACCEPT:"*/*"`, "end"},
		},
		{
			name: "HTAB and obs-text inside a value",
			in:   "GET / HTTP/1.1\r\nHost: a\r\nX: a\tb caf\xc3\xa9\r\n\r\n",
			want: []string{"request GET / HTTP/1.1 Host:\"a\" X:\"a\\tb caf\xc3\xa9\"", "end"},
		},
		{
			name:   "Content-Length body",
			in:     "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
			want:   []string{`request POST /up HTTP/1.1 Host:"a" Content-Length:"5"`, `data "hello"`, "end"},
			states: "SendResponse/Done",
		},
		{
			name:   "Content-Length body not complete yet",
			in:     "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello",
			want:   []string{`request POST /up HTTP/1.1 Host:"a" Content-Length:"10"`, `data "hello"`},
			states: "SendResponse/SendBody",
		},
		{
			name: "Content-Length zero",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"0"`, "end"},
		},
		{
			name: "Content-Length with leading zeros",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\nabcdefgGET",
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"007"`, `data "abcdefg"`, "end", "paused"},
		},
		{
			name: "equal Content-Length fields and lists count as one",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc",
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"3" Content-Length:"3, 3"`, `data "abc"`,
				"end"},
		},
		{
			name: "largest Content-Length that fits in 63 bits",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\nab",
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"9223372036854775807"`, `data "ab"`},
		},
		{
			name:   "no body fields: no body",
			in:     "DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n",
			want:   []string{`request DELETE /x HTTP/1.1 Host:"a"`, "end"},
			states: "SendResponse/Done",
		},
		{
			name: "chunked body",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
			want: []string{`request POST / HTTP/1.1 Host:"a" Transfer-Encoding:"chunked"`, `data "hello world"`, "end"},
		},
		{
			name: "chunk sizes in either case with leading zeros",
			in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"A\r\n0123456789\r\n000b\r\nabcdefghijk\r\n0000\r\n\r\n",
			want: []string{`request POST / HTTP/1.1 Host:"a" Transfer-Encoding:"chunked"`,
				`data "0123456789abcdefghijk"`, "end"},
		},
		{
			name: "chunk extensions are checked and ignored",
			in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5;name\r\nhello\r\n6 ; a = b ; q=\"x;\\\"y\"\r\n world\r\n0;last;n=v\r\n\r\n",
			want: []string{`request POST / HTTP/1.1 Host:"a" Transfer-Encoding:"chunked"`, `data "hello world"`, "end"},
		},
		{
			name: "trailers",
			in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n" +
				"X-Checksum: 123\r\nx-other:  v w \r\n\r\n",
			want: []string{`request POST / HTTP/1.1 Host:"a" Transfer-Encoding:"chunked"`, `data "abc"`,
				`end X-Checksum:"123" x-other:"v w"`},
		},
		{
			name: "Transfer-Encoding is case-insensitive and OWS-trimmed",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:  Chunked \r\n\r\n1\r\nx\r\n0\r\n\r\n",
			want: []string{`request POST / HTTP/1.1 Host:"a" Transfer-Encoding:"Chunked"`, `data "x"`, "end"},
		},
		{
			name: "empty Transfer-Encoding list elements are ignored",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n\r\n1\r\nx\r\n0\r\n\r\n",
			want: []string{`request POST / HTTP/1.1 Host:"a" Transfer-Encoding:", chunked ,"`, `data "x"`, "end"},
		},
		{
			name:   "pipelined request waits: Paused",
			in:     "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
			want:   []string{`request GET /1 HTTP/1.1 Host:"a"`, "end", "paused"},
			states: "SendResponse/Done",
		},
		{
			name:   "Connection: close",
			in:     "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n",
			want:   []string{`request GET / HTTP/1.1 Host:"a" Connection:"keep-alive, Close"`, "end"},
			states: "SendResponse/MustClose",
		},
		{
			name:   "end of input between messages",
			in:     "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			eof:    true,
			want:   []string{`request GET / HTTP/1.1 Host:"a"`, "end", "closed"},
			states: "SendResponse/Closed",
		},
		{
			name:   "end of input before any request",
			eof:    true,
			want:   []string{"closed"},
			states: "MustClose/Closed",
		},
		{
			name:   "end of input after empty lines",
			in:     "\r\n\r\n",
			eof:    true,
			want:   []string{"closed"},
			states: "MustClose/Closed",
		},
		{
			name:   "pipelined bytes then end of input: Paused",
			in:     "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET",
			eof:    true,
			want:   []string{`request GET / HTTP/1.1 Host:"a"`, "end", "paused"},
			states: "SendResponse/Done",
		},
	}
	runRecv(t, cases, newServerConn)
}

func TestServerReceiveErrors(t *testing.T) {
	post := "POST / HTTP/1.1\r\nHost: a\r\n"
	chunked := post + "Transfer-Encoding: chunked\r\n\r\n"
	reqChunked := `request POST / HTTP/1.1 Host:"a" Transfer-Encoding:"chunked"`
	cases := []recvCase{
		// Request lines (RFC 9112 §3).
		{name: "two spaces after the method", in: "GET  / HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "two spaces before the version", in: "GET /  HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "leading space", in: " GET / HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "trailing space", in: "GET / HTTP/1.1 \r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "tab as separator", in: "GET\t/ HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "space inside the target", in: "GET /a b HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "method not a token", in: "GE(T / HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "DEL in the target", in: "GET /\x7f HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "control byte in the target", in: "GET /\x01 HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "HTTP/0.9 request", in: "GET /\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "version without minor", in: "GET / HTTP/1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "lower-case version", in: "GET / http/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "two-digit major", in: "GET / HTTP/11.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "HTTP/1.2", in: "GET / HTTP/1.2\r\n" + hostA + "\r\n", err: proto.ErrUnsupported, status: 505},
		{name: "HTTP/2.0", in: "GET / HTTP/2.0\r\n" + hostA + "\r\n", err: proto.ErrUnsupported, status: 505},
		{name: "authority-form for GET", in: "GET example.com:80 HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "relative target", in: "GET foo HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "asterisk-form for GET", in: "GET * HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "CONNECT with origin-form", in: "CONNECT /x HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "CONNECT with absolute-form", in: "CONNECT http://a:80 HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "CONNECT without a port", in: "CONNECT example.com HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "CONNECT with an empty port", in: "CONNECT example.com: HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "CONNECT with a named port", in: "CONNECT example.com:https HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "CONNECT without a host", in: "CONNECT :443 HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "CONNECT with asterisk", in: "CONNECT * HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},

		// Line endings: CRLF only in the server role.
		{name: "bare LF after the request line", in: "GET / HTTP/1.1\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "bare LF after a field line", in: "GET / HTTP/1.1\r\nHost: a\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "bare LF ending the head", in: "GET / HTTP/1.1\r\nHost: a\r\n\n", err: proto.ErrProtocol, status: 400},
		{name: "bare LF before the request line", in: "\nGET / HTTP/1.1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "bare CR in the request line", in: "GET / HTTP/1.1\rHost: a\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "bare CR in a field value", in: "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", err: proto.ErrProtocol, status: 400},

		// Fields (RFC 9112 §5, RFC 9110 §5).
		{name: "whitespace before the first field line", in: "GET / HTTP/1.1\r\n X: 1\r\n" + hostA + "\r\n", err: proto.ErrProtocol, status: 400},
		{name: "obs-fold", in: "GET / HTTP/1.1\r\n" + hostA + "X: a\r\n b\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "obs-fold with HTAB", in: "GET / HTTP/1.1\r\n" + hostA + "X: a\r\n\tb\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "space before the colon", in: "GET / HTTP/1.1\r\nHost : a\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "tab before the colon", in: "GET / HTTP/1.1\r\n" + hostA + "X\t: a\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "empty field name", in: "GET / HTTP/1.1\r\n" + hostA + ": a\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "field line without colon", in: "GET / HTTP/1.1\r\n" + hostA + "X a\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "non-token byte in a name", in: "GET / HTTP/1.1\r\n" + hostA + "X(y): a\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "NUL in a value", in: "GET / HTTP/1.1\r\n" + hostA + "X: a\x00b\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "DEL in a value", in: "GET / HTTP/1.1\r\n" + hostA + "X: a\x7fb\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "control byte in a value", in: "GET / HTTP/1.1\r\n" + hostA + "X: \x01\r\n\r\n", err: proto.ErrProtocol, status: 400},

		// Host (RFC 9112 §3.2).
		{name: "HTTP/1.1 without Host", in: "GET / HTTP/1.1\r\n\r\n", err: proto.ErrProtocol, status: 400},
		{name: "two Host fields", in: "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", err: proto.ErrProtocol, status: 400},

		// Framing (RFC 9112 §6.3).
		{name: "Transfer-Encoding and Content-Length", in: post + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "Content-Length and Transfer-Encoding", in: post + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "Transfer-Encoding and an invalid Content-Length", in: post + "Transfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "Transfer-Encoding in HTTP/1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "gzip, chunked", in: post + "Transfer-Encoding: gzip, chunked\r\n\r\n", err: proto.ErrUnsupported, status: 501},
		{name: "TE with gzip and Content-Length", in: post + "Transfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "identity", in: post + "Transfer-Encoding: identity\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "xchunked", in: post + "Transfer-Encoding: xchunked\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "gzip alone", in: post + "Transfer-Encoding: gzip\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "chunked, identity", in: post + "Transfer-Encoding: chunked, identity\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "chunked then gzip in two fields", in: post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "gzip then chunked in two fields", in: post + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", err: proto.ErrUnsupported, status: 501},
		{name: "chunked twice", in: post + "Transfer-Encoding: chunked, chunked\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "chunked in two fields", in: post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "empty Transfer-Encoding", in: post + "Transfer-Encoding:\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "Transfer-Encoding of commas", in: post + "Transfer-Encoding: , ,\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "differing Content-Length list", in: post + "Content-Length: 5, 6\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "differing Content-Length fields", in: post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "Content-Length with a plus", in: post + "Content-Length: +5\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "negative Content-Length", in: post + "Content-Length: -1\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "space inside Content-Length", in: post + "Content-Length: 1 2\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "hex Content-Length", in: post + "Content-Length: 0x5\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "empty Content-Length", in: post + "Content-Length:\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "Content-Length of 2^63", in: post + "Content-Length: 9223372036854775808\r\n\r\n", err: proto.ErrFraming, status: 400},
		{name: "Content-Length of 2^64", in: post + "Content-Length: 18446744073709551616\r\n\r\n", err: proto.ErrFraming, status: 400},

		// Chunked bodies (RFC 9112 §7.1).
		{name: "whitespace after the chunk size", in: chunked + "5 \r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "whitespace before the chunk size", in: chunked + " 5\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "0x chunk size", in: chunked + "0x5\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "signed chunk size", in: chunked + "+5\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "non-hex chunk size", in: chunked + "g\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "empty chunk size", in: chunked + "\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "chunk size overflows 63 bits", in: chunked + "8000000000000000\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "extension without a name", in: chunked + "5;\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "extension with an empty value", in: chunked + "5;a=\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "extension value with a space", in: chunked + "5;a=b c\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "unterminated quoted extension", in: chunked + "5;a=\"b\r\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "chunk-size line ended by a bare LF", in: chunked + "5\nhello\r\n0\r\n\r\n", want: []string{reqChunked}, err: proto.ErrFraming, status: 400},
		{name: "chunk data not followed by CRLF", in: chunked + "3\r\nabcX\r\n0\r\n\r\n", want: []string{reqChunked, `data "abc"`}, err: proto.ErrFraming, status: 400},
		{name: "chunk data followed by a bare LF", in: chunked + "3\r\nabc\n0\r\n\r\n", want: []string{reqChunked, `data "abc"`}, err: proto.ErrFraming, status: 400},
		{name: "bare LF in the trailers", in: chunked + "0\r\nX: 1\n\r\n", want: []string{reqChunked}, err: proto.ErrProtocol, status: 400},
		{name: "obs-fold in the trailers", in: chunked + "0\r\nX: 1\r\n 2\r\n\r\n", want: []string{reqChunked}, err: proto.ErrProtocol, status: 400},
		{name: "invalid trailer name", in: chunked + "0\r\nX Y: 1\r\n\r\n", want: []string{reqChunked}, err: proto.ErrProtocol, status: 400},

		// End of input inside a message.
		{name: "end of input inside the request line", in: "GET / HTT", eof: true, err: proto.ErrIncomplete, status: 400},
		{name: "end of input inside the head", in: "GET / HTTP/1.1\r\nHost: a\r\n", eof: true, err: proto.ErrIncomplete, status: 400},
		{name: "end of input inside a Content-Length body", in: post + "Content-Length: 5\r\n\r\nhel", eof: true,
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"5"`, `data "hel"`}, err: proto.ErrIncomplete, status: 400},
		{name: "end of input before a Content-Length body", in: post + "Content-Length: 5\r\n\r\n", eof: true,
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"5"`}, err: proto.ErrIncomplete, status: 400},
		{name: "end of input inside a chunk-size line", in: chunked + "5", eof: true, want: []string{reqChunked}, err: proto.ErrIncomplete, status: 400},
		{name: "end of input inside chunk data", in: chunked + "5\r\nhel", eof: true, want: []string{reqChunked, `data "hel"`}, err: proto.ErrIncomplete, status: 400},
		{name: "end of input before the CRLF after chunk data", in: chunked + "5\r\nhello\r", eof: true, want: []string{reqChunked, `data "hello"`}, err: proto.ErrIncomplete, status: 400},
		{name: "end of input before the last chunk", in: chunked + "5\r\nhello\r\n", eof: true, want: []string{reqChunked, `data "hello"`}, err: proto.ErrIncomplete, status: 400},
		{name: "end of input inside the trailers", in: chunked + "0\r\nX: 1\r\n", eof: true, want: []string{reqChunked}, err: proto.ErrIncomplete, status: 400},

		// After a message that ends the connection (RFC 9112 §9.6).
		{name: "bytes after Connection: close", in: "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n",
			want: []string{`request GET / HTTP/1.1 Host:"a" Connection:"close"`, "end"}, err: proto.ErrProtocol, status: 400},
		{name: "bytes after an HTTP/1.0 request", in: "GET / HTTP/1.0\r\n\r\nX",
			want: []string{"request GET / HTTP/1.0", "end"}, err: proto.ErrProtocol, status: 400},
	}
	runRecv(t, cases, newServerConn)
}

func TestServerReceiveLimits(t *testing.T) {
	withLimits := func(f func(l *h1.Limits)) *h1.Limits {
		l := h1.DefaultLimits
		f(&l)
		return &l
	}
	line20 := "GET /123456 HTTP/1.1" // 20 bytes
	head := "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789\r\n\r\n"
	chunked := "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	reqChunked := `request POST / HTTP/1.1 Host:"a" Transfer-Encoding:"chunked"`
	cases := []recvCase{
		{
			name: "MaxHeaderCount fields",
			lim:  withLimits(func(l *h1.Limits) { l.MaxHeaderCount = 3 }),
			in:   "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n",
			want: []string{`request GET / HTTP/1.1 Host:"a" A:"1" B:"2"`, "end"},
		},
		{
			name: "MaxHeaderCount+1 fields",
			lim:  withLimits(func(l *h1.Limits) { l.MaxHeaderCount = 3 }),
			in:   "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
			err:  proto.ErrTooLarge, status: 431,
		},
		{
			name: "default MaxHeaderCount",
			in:   "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: 1\r\n", 100) + "\r\n",
			err:  proto.ErrTooLarge, status: 431,
		},
		{
			name: "request line of MaxStartLineBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxStartLineBytes = len(line20) }),
			in:   line20 + "\r\n" + hostA + "\r\n",
			want: []string{`request GET /123456 HTTP/1.1 Host:"a"`, "end"},
		},
		{
			name: "request line of MaxStartLineBytes+1",
			lim:  withLimits(func(l *h1.Limits) { l.MaxStartLineBytes = len(line20) - 1 }),
			in:   line20 + "\r\n" + hostA + "\r\n",
			err:  proto.ErrTooLarge, status: 414,
		},
		{
			name: "unterminated request line over the limit",
			lim:  withLimits(func(l *h1.Limits) { l.MaxStartLineBytes = 16 }),
			in:   "GET /" + strings.Repeat("a", 30),
			err:  proto.ErrTooLarge, status: 414,
		},
		{
			name: "head of MaxHeaderBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxHeaderBytes = len(head) }),
			in:   head,
			want: []string{`request GET / HTTP/1.1 Host:"a" X:"0123456789"`, "end"},
		},
		{
			name: "head of MaxHeaderBytes+1",
			lim:  withLimits(func(l *h1.Limits) { l.MaxHeaderBytes = len(head) - 1 }),
			in:   head,
			err:  proto.ErrTooLarge, status: 431,
		},
		{
			name: "unterminated head over the limit",
			lim:  withLimits(func(l *h1.Limits) { l.MaxHeaderBytes = 32 }),
			in:   "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 40),
			err:  proto.ErrTooLarge, status: 431,
		},
		{
			name: "trailers over MaxHeaderCount",
			lim:  withLimits(func(l *h1.Limits) { l.MaxHeaderCount = 2 }),
			in:   chunked + "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
			want: []string{reqChunked},
			err:  proto.ErrTooLarge, status: 431,
		},
		{
			name: "trailers over MaxHeaderBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxHeaderBytes = 80 }),
			in:   chunked + "0\r\nX: " + strings.Repeat("a", 90) + "\r\n\r\n",
			want: []string{reqChunked},
			err:  proto.ErrTooLarge, status: 431,
		},
		{
			name: "chunk-size line of MaxChunkLineBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxChunkLineBytes = len("5;abcdef") }),
			in:   chunked + "5;abcdef\r\nhello\r\n0\r\n\r\n",
			want: []string{reqChunked, `data "hello"`, "end"},
		},
		{
			name: "chunk-size line of MaxChunkLineBytes+1",
			lim:  withLimits(func(l *h1.Limits) { l.MaxChunkLineBytes = len("5;abcdef") - 1 }),
			in:   chunked + "5;abcdef\r\nhello\r\n0\r\n\r\n",
			want: []string{reqChunked},
			err:  proto.ErrTooLarge, status: 400,
		},
		{
			name: "default MaxChunkLineBytes",
			in:   chunked + "5;a=" + strings.Repeat("b", 5000) + "\r\nhello\r\n0\r\n\r\n",
			want: []string{reqChunked},
			err:  proto.ErrTooLarge, status: 400,
		},
		{
			name: "Content-Length of MaxBodyBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxBodyBytes = 10 }),
			in:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789",
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"10"`, `data "0123456789"`, "end"},
		},
		{
			name: "Content-Length over MaxBodyBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxBodyBytes = 10 }),
			in:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
			err:  proto.ErrTooLarge, status: 413,
		},
		{
			name: "chunked body of MaxBodyBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxBodyBytes = 10 }),
			in:   chunked + "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n",
			want: []string{reqChunked, `data "abcdefghij"`, "end"},
		},
		{
			name: "chunked body growing over MaxBodyBytes",
			lim:  withLimits(func(l *h1.Limits) { l.MaxBodyBytes = 10 }),
			in:   chunked + "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n",
			want: []string{reqChunked, `data "abcdef"`},
			err:  proto.ErrTooLarge, status: 413,
		},
		{
			name: "chunk sizes that overflow the running total",
			lim:  withLimits(func(l *h1.Limits) { l.MaxBodyBytes = 10 }),
			in:   chunked + "1\r\na\r\n7fffffffffffffff\r\n" + strings.Repeat("b", 20),
			want: []string{reqChunked, `data "a"`},
			err:  proto.ErrTooLarge, status: 413,
		},
		{
			name: "no MaxBodyBytes by default",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000\r\n\r\nab",
			want: []string{`request POST / HTTP/1.1 Host:"a" Content-Length:"1000000000000"`, `data "ab"`},
		},
	}
	runRecv(t, cases, newServerConn)
}

func TestServerPipelineStartNextCycle(t *testing.T) {
	c := h1.NewConn(h1.Server)
	in := "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi" +
		"GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
	diffEvents(t, "first request", []string{`request GET /1 HTTP/1.1 Host:"a"`, "end", "paused"}, receiveOK(t, c, in))

	// Paused until the response is out and StartNextCycle is called.
	must(t, c.SendResponse(proto.NewResponse(200, "Content-Length", "1")))
	diffEvents(t, "while responding", []string{"paused"}, drainOK(t, c))
	must(t, c.SendData([]byte("1")))
	must(t, c.SendEnd(nil))
	if got := statesOf(c); got != "Done/Done" {
		t.Fatalf("states after the first cycle = %s, want Done/Done", got)
	}
	diffEvents(t, "before StartNextCycle", []string{"paused"}, drainOK(t, c))
	must(t, c.StartNextCycle())
	if got := statesOf(c); got != "Idle/Idle" {
		t.Fatalf("states after StartNextCycle = %s, want Idle/Idle", got)
	}
	diffEvents(t, "second request",
		[]string{`request POST /2 HTTP/1.1 Host:"a" Content-Length:"2"`, `data "hi"`, "end", "paused"}, drainOK(t, c))

	must(t, c.SendResponse(proto.NewResponse(204)))
	must(t, c.SendEnd(nil))
	must(t, c.StartNextCycle())
	diffEvents(t, "third request", []string{`request GET /3 HTTP/1.1 Host:"a" Connection:"close"`, "end"}, drainOK(t, c))
	if c.KeepAlive() {
		t.Error("KeepAlive() = true after Connection: close")
	}
	must(t, c.SendResponse(proto.NewResponse(200, "Content-Length", "0")))
	must(t, c.SendEnd(nil))
	if got := statesOf(c); got != "MustClose/MustClose" {
		t.Errorf("states after the closing cycle = %s, want MustClose/MustClose", got)
	}
	assertLocal(t, c.StartNextCycle(), proto.ErrState)

	want := "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1" +
		"HTTP/1.1 204 No Content\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	if diff := cmp.Diff(want, string(c.Pending())); diff != "" {
		t.Errorf("sent bytes (-want +got):\n%s", diff)
	}
}

func TestServerEndOfInputAfterPipelinedCycle(t *testing.T) {
	c := h1.NewConn(h1.Server)
	receiveOK(t, c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
	must(t, c.ReceiveEOF())
	must(t, c.SendResponse(proto.NewResponse(200, "Content-Length", "0")))
	must(t, c.SendEnd(nil))
	must(t, c.StartNextCycle())
	diffEvents(t, "events", []string{`request GET /2 HTTP/1.1 Host:"a"`, "end", "closed"}, drainOK(t, c))
	if got := statesOf(c); got != "SendResponse/Closed" {
		t.Errorf("states = %s, want SendResponse/Closed", got)
	}
	// The response can still go out on the half-closed connection; then the connection must close.
	must(t, c.SendResponse(proto.NewResponse(200, "Content-Length", "0")))
	must(t, c.SendEnd(nil))
	if got := statesOf(c); got != "MustClose/Closed" {
		t.Errorf("states = %s, want MustClose/Closed", got)
	}
}

func TestServerClientAwaitsContinue(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		respond int // a status to send after the head; 0 for none
		want    bool
	}{
		{"Expect: 100-continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", 0, true},
		{"case-insensitive", "POST / HTTP/1.1\r\nHost: a\r\nexpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", 0, true},
		{"no Expect", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n", 0, false},
		{"another expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 3\r\n\r\n", 0, false},
		{"ignored in HTTP/1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", 0, false},
		{"body data arrived", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\na", 0, false},
		{"after 100 Continue", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", 100, false},
		{"after a final response", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", 417, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h1.NewConn(h1.Server)
			if c.ClientAwaitsContinue() {
				t.Fatal("ClientAwaitsContinue() = true on a new connection")
			}
			receiveOK(t, c, tc.in)
			if tc.respond != 0 {
				must(t, c.SendResponse(proto.NewResponse(tc.respond)))
			}
			if got := c.ClientAwaitsContinue(); got != tc.want {
				t.Errorf("ClientAwaitsContinue() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestServerProtocolSwitch(t *testing.T) {
	upgrade := "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
	connect := "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
	cases := []struct {
		name     string
		in       string
		resp     *proto.ResponseHead
		wire     string // the response head on the wire
		states   string // after the response (and SendEnd for a final one)
		trailing string // TrailingData after the response
	}{
		{
			name:     "Upgrade accepted by 101",
			in:       upgrade + "\x81\x05hello",
			resp:     proto.NewResponse(101, "Upgrade", "websocket", "Connection", "Upgrade"),
			wire:     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
			states:   "SwitchedProtocol/SwitchedProtocol",
			trailing: "\x81\x05hello",
		},
		{
			name:     "Upgrade declined by 200",
			in:       upgrade,
			resp:     proto.NewResponse(200, "Content-Length", "2"),
			wire:     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
			states:   "Done/Done",
			trailing: "",
		},
		{
			name:     "Upgrade declined by 426",
			in:       upgrade,
			resp:     proto.NewResponse(426, "Content-Length", "2"),
			wire:     "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 2\r\n\r\n",
			states:   "Done/Done",
			trailing: "",
		},
		{
			name:     "CONNECT accepted by 200",
			in:       connect + "\x16\x03\x01",
			resp:     proto.NewResponse(200),
			wire:     "HTTP/1.1 200 OK\r\n\r\n",
			states:   "SwitchedProtocol/SwitchedProtocol",
			trailing: "\x16\x03\x01",
		},
		{
			name:     "CONNECT accepted by 204",
			in:       connect,
			resp:     proto.NewResponse(204),
			wire:     "HTTP/1.1 204 No Content\r\n\r\n",
			states:   "SwitchedProtocol/SwitchedProtocol",
			trailing: "",
		},
		{
			name:     "CONNECT declined by 407",
			in:       connect,
			resp:     proto.NewResponse(407, "Content-Length", "2"),
			wire:     "HTTP/1.1 407 \r\nContent-Length: 2\r\n\r\n",
			states:   "Done/Done",
			trailing: "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h1.NewConn(h1.Server)
			got := receiveOK(t, c, tc.in)
			if n := len(got); n < 2 || got[n-2] != "end" || got[n-1] != "paused" {
				t.Fatalf("events = %q, want the request, end and paused", got)
			}
			if s := statesOf(c); s != "SendResponse/MightSwitchProtocol" {
				t.Errorf("states before the response = %s, want SendResponse/MightSwitchProtocol", s)
			}
			must(t, c.SendResponse(tc.resp))
			if tc.resp.Status >= 200 && c.OurState() == h1.SendBody {
				must(t, c.SendData([]byte("no")))
				must(t, c.SendEnd(nil))
			}
			if diff := cmp.Diff(tc.wire, strings.TrimSuffix(string(c.Pending()), "no")); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if s := statesOf(c); s != tc.states {
				t.Errorf("states after the response = %s, want %s", s, tc.states)
			}
			data, eof := c.TrailingData()
			if string(data) != tc.trailing || eof {
				t.Errorf("TrailingData() = %q, %v; want %q, false", data, eof, tc.trailing)
			}
			if tc.states == "Done/Done" {
				must(t, c.StartNextCycle())
			} else {
				diffEvents(t, "events after the switch", []string{"paused"}, drainOK(t, c))
				assertLocal(t, c.SendData([]byte("x")), proto.ErrState)
			}
		})
	}
}

// RFC 9110 §7.8: "A server MUST ignore an Upgrade header field that is received in an HTTP/1.0 request."
func TestServerUpgradeIgnoredInHTTP10(t *testing.T) {
	c := h1.NewConn(h1.Server)
	receiveOK(t, c, "GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	if got := statesOf(c); got != "SendResponse/MustClose" {
		t.Errorf("states after an HTTP/1.0 request with Upgrade = %s, want SendResponse/MustClose", got)
	}
	before := string(c.Pending())
	err := c.SendResponse(proto.NewResponse(101, "Upgrade", "websocket"))
	assertLocal(t, err, errAnyKind)
	if got := string(c.Pending()); got != before {
		t.Errorf("Pending() after the failed SendResponse = %q, want %q", got, before)
	}
}

func TestServerEventsBorrowAndClone(t *testing.T) {
	c := h1.NewConn(h1.Server)
	in := []byte("POST /first HTTP/1.1\r\nHost: a\r\nX: 1\r\nContent-Length: 3\r\n\r\nabc")
	must(t, c.Receive(in))
	// Receive copies: changing the caller's slice afterwards changes nothing.
	copy(in, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX")
	ev, err := c.NextEvent()
	must(t, err)
	req, ok := ev.(*h1.Request)
	if !ok {
		t.Fatalf("event = %s, want a request", renderEvent(ev))
	}
	kept := req.Clone()
	ev, err = c.NextEvent()
	must(t, err)
	data := ev.(*h1.Data).Clone()
	ev, err = c.NextEvent()
	must(t, err)
	if _, ok := ev.(*h1.EndOfMessage); !ok {
		t.Fatalf("event = %s, want end", renderEvent(ev))
	}
	must(t, c.SendResponse(proto.NewResponse(204)))
	must(t, c.SendEnd(nil))
	must(t, c.StartNextCycle())
	// A second request reuses the Conn's buffers; the clones must not change.
	receiveOK(t, c, "PUT /other-target HTTP/1.1\r\nHost: bbbbbb\r\nY: 2\r\nContent-Length: 3\r\n\r\nxyz")
	if got := renderEvent(&h1.Request{RequestHead: kept.RequestHead}); got != `request POST /first HTTP/1.1 Host:"a" X:"1" Content-Length:"3"` {
		t.Errorf("cloned request changed: %s", got)
	}
	if string(data.Data) != "abc" {
		t.Errorf("cloned data changed: %q", data.Data)
	}
}
