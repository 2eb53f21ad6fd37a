package h1_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// Receive tests of the client role: responses (docs/h1-rules.md, RFC 9112 §4, §6.3).

// newClientConn returns a client that has sent tc.req (by default GET / with Host a) and its end.
func newClientConn(t *testing.T, tc recvCase) *h1.Conn {
	t.Helper()
	c := h1.NewConn(h1.Client)
	if tc.lim != nil {
		c = h1.NewConnWithLimits(h1.Client, *tc.lim)
	}
	req := tc.req
	if req == nil {
		req = proto.NewRequest("GET", "/", "Host", "a")
	}
	must(t, c.SendRequest(req))
	must(t, c.SendEnd(nil))
	c.Advance(len(c.Pending()))
	return c
}

func TestClientReceiveResponses(t *testing.T) {
	head := proto.NewRequest("HEAD", "/", "Host", "a")
	upgrade := proto.NewRequest("GET", "/chat", "Host", "a", "Upgrade", "websocket", "Connection", "Upgrade")
	connect := proto.NewRequest("CONNECT", "example.com:443", "Host", "example.com:443")
	cases := []recvCase{
		{
			name:   "Content-Length body",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"5"`, `data "hello"`, "end"},
			states: "Done/Done",
		},
		{
			name: "status line without a reason",
			in:   "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
			want: []string{`response 200 "" HTTP/1.1 Content-Length:"0"`, "end"},
		},
		{
			name: "empty reason",
			in:   "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
			want: []string{`response 404 "" HTTP/1.1 Content-Length:"0"`, "end"},
		},
		{
			name: "reason with spaces, HTAB and obs-text",
			in:   "HTTP/1.1 200 All\tfine, caf\xc3\xa9 \r\nContent-Length: 0\r\n\r\n",
			want: []string{`response 200 "All\tfine, café " HTTP/1.1 Content-Length:"0"`, "end"},
		},
		{
			name: "leading empty lines are ignored",
			in:   "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
			want: []string{`response 200 "OK" HTTP/1.1 Content-Length:"0"`, "end"},
		},
		{
			name:   "HEAD: no body whatever Content-Length says",
			req:    head,
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"100"`, "end"},
			states: "Done/Done",
		},
		{
			name: "HEAD: no body with Transfer-Encoding",
			req:  head,
			in:   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
			want: []string{`response 200 "OK" HTTP/1.1 Transfer-Encoding:"chunked"`, "end"},
		},
		{
			name: "HEAD: no body without framing fields",
			req:  head,
			in:   "HTTP/1.1 200 OK\r\n\r\n",
			want: []string{`response 200 "OK" HTTP/1.1`, "end"}, states: "Done/Done",
		},
		{
			name: "204: no body", in: "HTTP/1.1 204 No Content\r\n\r\n",
			want: []string{`response 204 "No Content" HTTP/1.1`, "end"}, states: "Done/Done",
		},
		{
			name: "304: no body whatever Content-Length says", in: "HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n",
			want: []string{`response 304 "Not Modified" HTTP/1.1 Content-Length:"42"`, "end"}, states: "Done/Done",
		},
		{
			name: "1xx then the final response",
			in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" +
				"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			want: []string{`informational 100 "Continue" HTTP/1.1`,
				`informational 103 "Early Hints" HTTP/1.1 Link:"</s.css>; rel=preload"`,
				`response 200 "OK" HTTP/1.1 Content-Length:"2"`, `data "ok"`, "end"},
			states: "Done/Done",
		},
		{
			name:   "1xx only",
			in:     "HTTP/1.1 102 Processing\r\n\r\n",
			want:   []string{`informational 102 "Processing" HTTP/1.1`},
			states: "Done/SendResponse",
		},
		{
			name:   "101 to an Upgrade request",
			req:    upgrade,
			in:     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi",
			want:   []string{`informational 101 "Switching Protocols" HTTP/1.1 Upgrade:"websocket" Connection:"Upgrade"`, "paused"},
			states: "SwitchedProtocol/SwitchedProtocol",
		},
		{
			name:   "Upgrade declined by 200",
			req:    upgrade,
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno",
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"2"`, `data "no"`, "end"},
			states: "Done/Done",
		},
		{
			name:   "100 before 101",
			req:    upgrade,
			in:     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
			want:   []string{`informational 100 "Continue" HTTP/1.1`, `informational 101 "Switching Protocols" HTTP/1.1 Upgrade:"websocket"`, "paused"},
			states: "SwitchedProtocol/SwitchedProtocol",
		},
		{
			name:   "2xx to CONNECT",
			req:    connect,
			in:     "HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01",
			want:   []string{`response 200 "Connection Established" HTTP/1.1`, "paused"},
			states: "SwitchedProtocol/SwitchedProtocol",
		},
		{
			name:   "2xx to CONNECT ignores framing fields",
			req:    connect,
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nabc",
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"5" Transfer-Encoding:"chunked"`, "paused"},
			states: "SwitchedProtocol/SwitchedProtocol",
		},
		{
			name:   "CONNECT declined by 407",
			req:    connect,
			in:     "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\nauth",
			want:   []string{`response 407 "Proxy Authentication Required" HTTP/1.1 Content-Length:"4"`, `data "auth"`, "end"},
			states: "Done/Done",
		},
		{
			name:   "close-delimited body ends at the end of input",
			in:     "HTTP/1.1 200 OK\r\n\r\nall of this\r\n0\r\n\r\nis body",
			eof:    true,
			want:   []string{`response 200 "OK" HTTP/1.1`, `data "all of this\r\n0\r\n\r\nis body"`, "end", "closed"},
			states: "MustClose/Closed",
		},
		{
			name:   "close-delimited body before the end of input",
			in:     "HTTP/1.1 200 OK\r\n\r\nsome",
			want:   []string{`response 200 "OK" HTTP/1.1`, `data "some"`},
			states: "MustClose/SendBody",
		},
		{
			name:   "close-delimited body of MaxBodyBytes",
			lim:    func() *h1.Limits { l := h1.DefaultLimits; l.MaxBodyBytes = 4; return &l }(),
			in:     "HTTP/1.1 200 OK\r\n\r\nhell",
			eof:    true,
			want:   []string{`response 200 "OK" HTTP/1.1`, `data "hell"`, "end", "closed"},
			states: "MustClose/Closed",
		},
		{
			name:   "close-delimited HTTP/1.0 response",
			in:     "HTTP/1.0 200 OK\r\n\r\nold",
			eof:    true,
			want:   []string{`response 200 "OK" HTTP/1.0`, `data "old"`, "end", "closed"},
			states: "MustClose/Closed",
		},
		{
			name:   "HTTP/1.0 response with Content-Length is not kept alive",
			in:     "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
			want:   []string{`response 200 "OK" HTTP/1.0 Content-Length:"2"`, `data "ok"`, "end"},
			states: "MustClose/MustClose",
		},
		{
			name:   "Connection: close",
			in:     "HTTP/1.1 200 OK\r\nConnection: CLOSE\r\nContent-Length: 0\r\n\r\n",
			want:   []string{`response 200 "OK" HTTP/1.1 Connection:"CLOSE" Content-Length:"0"`, "end"},
			states: "MustClose/MustClose",
		},
		{
			name:   "end of input after a response",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
			eof:    true,
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"0"`, "end", "closed"},
			states: "MustClose/Closed",
		},
		{
			name: "chunked body with trailers",
			in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\n" +
				"Expires: never\r\n\r\n",
			want:   []string{`response 200 "OK" HTTP/1.1 Transfer-Encoding:"chunked"`, `data "Wikipedia"`, `end Expires:"never"`},
			states: "Done/Done",
		},
		{
			name:   "chunked and Content-Length: chunked wins, no reuse",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"100" Transfer-Encoding:"chunked"`, `data "ok"`, "end"},
			states: "MustClose/MustClose",
		},
		{
			name:   "chunked and an invalid Content-Length: chunked wins",
			in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: x\r\n\r\n2\r\nok\r\n0\r\n\r\n",
			want:   []string{`response 200 "OK" HTTP/1.1 Transfer-Encoding:"chunked" Content-Length:"x"`, `data "ok"`, "end"},
			states: "MustClose/MustClose",
		},
		{
			name: "obs-fold is unfolded with one SP",
			in:   "HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\n\tc \r\nX-Next: d\r\nContent-Length: 0\r\n\r\n",
			want: []string{`response 200 "OK" HTTP/1.1 X-Long:"a b c" X-Next:"d" Content-Length:"0"`, "end"},
		},
		{
			name: "obs-fold onto an empty value",
			in:   "HTTP/1.1 200 OK\r\nX:\r\n b\r\nY: 1\r\n \r\nContent-Length: 0\r\n\r\n",
			want: []string{`response 200 "OK" HTTP/1.1 X:"b" Y:"1" Content-Length:"0"`, "end"},
		},
		{
			name: "obs-fold in trailers",
			in:   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n",
			want: []string{`response 200 "OK" HTTP/1.1 Transfer-Encoding:"chunked"`, `end X:"a b"`},
		},
		{
			name:   "bare LF line endings",
			in:     "\nHTTP/1.1 200 OK\nContent-Length: 2\nX: y\n\nok",
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"2" X:"y"`, `data "ok"`, "end"},
			states: "Done/Done",
		},
		{
			name: "bare LF in trailers",
			in:   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX: 1\n\n",
			want: []string{`response 200 "OK" HTTP/1.1 Transfer-Encoding:"chunked"`, `data "x"`, `end X:"1"`},
		},
		{
			name:   "unsolicited bytes after a response: Paused",
			in:     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n",
			want:   []string{`response 200 "OK" HTTP/1.1 Content-Length:"0"`, "end", "paused"},
			states: "Done/Done",
		},
	}
	runRecv(t, cases, newClientConn)
}

func TestClientReceiveErrors(t *testing.T) {
	withLimits := func(f func(l *h1.Limits)) *h1.Limits {
		l := h1.DefaultLimits
		f(&l)
		return &l
	}
	resp := `response 200 "OK" HTTP/1.1`
	cases := []recvCase{
		// Status lines (RFC 9112 §4). The client role never gives a StatusHint.
		{name: "two-digit status", in: "HTTP/1.1 20 OK\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "four-digit status", in: "HTTP/1.1 2000 OK\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "status below 100", in: "HTTP/1.1 099 X\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "status above 599", in: "HTTP/1.1 600 X\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "non-digit status", in: "HTTP/1.1 2x0 OK\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "two spaces before the status", in: "HTTP/1.1  200 OK\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "tab after the status", in: "HTTP/1.1 200\tOK\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "lower-case version", in: "http/1.1 200 OK\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "HTTP/2.0 status line", in: "HTTP/2.0 200 OK\r\n\r\n", err: proto.ErrUnsupported, status: 0},
		{name: "control byte in the reason", in: "HTTP/1.1 200 O\x01K\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "bare CR in the status line", in: "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "bare CR in a field value", in: "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "CR CR LF", in: "HTTP/1.1 200 OK\r\nX: a\r\r\n\r\n", err: proto.ErrProtocol, status: 0},

		// Fields.
		{name: "whitespace before the first field line", in: "HTTP/1.1 200 OK\r\n X: a\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "space before the colon", in: "HTTP/1.1 200 OK\r\nX : a\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "NUL in a value", in: "HTTP/1.1 200 OK\r\nX: \x00\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "NUL in a folded value", in: "HTTP/1.1 200 OK\r\nX: a\r\n b\x00\r\n\r\n", err: proto.ErrProtocol, status: 0},

		// Framing (RFC 9112 §6.3).
		{name: "Transfer-Encoding in HTTP/1.0", in: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", err: proto.ErrFraming, status: 0},
		// The rules say "error" without a kind for these two.
		{name: "Transfer-Encoding gzip", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", err: errAnyKind, status: 0},
		{name: "Transfer-Encoding gzip, chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", err: errAnyKind, status: 0},
		{name: "Transfer-Encoding chunked twice", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", err: errAnyKind, status: 0},
		{name: "invalid Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", err: proto.ErrFraming, status: 0},
		{name: "differing Content-Length", in: "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", err: proto.ErrFraming, status: 0},
		{name: "chunk-size line ended by a bare LF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n",
			want: []string{resp + ` Transfer-Encoding:"chunked"`}, err: proto.ErrFraming, status: 0},
		{name: "chunk data followed by a bare LF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\n0\r\n\r\n",
			want: []string{resp + ` Transfer-Encoding:"chunked"`, `data "ok"`}, err: proto.ErrFraming, status: 0},
		{name: "101 without an Upgrade request", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", err: proto.ErrProtocol, status: 0},
		{name: "bytes after a response with Connection: close", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nX",
			want: []string{resp + ` Connection:"close" Content-Length:"0"`, "end"}, err: proto.ErrProtocol, status: 0},

		// End of input inside a message.
		{name: "end of input before the response", eof: true, err: proto.ErrIncomplete, status: 0},
		{name: "end of input inside the status line", in: "HTTP/1.1 20", eof: true, err: proto.ErrIncomplete, status: 0},
		{name: "end of input inside the head", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", eof: true, err: proto.ErrIncomplete, status: 0},
		{name: "end of input inside a Content-Length body", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel", eof: true,
			want: []string{resp + ` Content-Length:"5"`, `data "hel"`}, err: proto.ErrIncomplete, status: 0},
		{name: "end of input inside a chunked body", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", eof: true,
			want: []string{resp + ` Transfer-Encoding:"chunked"`, `data "hel"`}, err: proto.ErrIncomplete, status: 0},
		{name: "end of input before the last chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", eof: true,
			want: []string{resp + ` Transfer-Encoding:"chunked"`}, err: proto.ErrIncomplete, status: 0},

		// Limits carry no StatusHint in the client role.
		{name: "more fields than MaxHeaderCount", lim: withLimits(func(l *h1.Limits) { l.MaxHeaderCount = 1 }),
			in: "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n", err: proto.ErrTooLarge, status: 0},
		{name: "head over MaxHeaderBytes", lim: withLimits(func(l *h1.Limits) { l.MaxHeaderBytes = 40 }),
			in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 40) + "\r\n\r\n", err: proto.ErrTooLarge, status: 0},
		{name: "Content-Length over MaxBodyBytes", lim: withLimits(func(l *h1.Limits) { l.MaxBodyBytes = 4 }),
			in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", err: proto.ErrTooLarge, status: 0},
		{name: "close-delimited body over MaxBodyBytes", lim: withLimits(func(l *h1.Limits) { l.MaxBodyBytes = 4 }),
			in: "HTTP/1.1 200 OK\r\n\r\nhello", want: []string{`response 200 "OK" HTTP/1.1`, `data "hell"`},
			err: proto.ErrTooLarge, status: 0},
	}
	runRecv(t, cases, newClientConn)
}

func TestClientTrailingDataAfterSwitch(t *testing.T) {
	cases := []struct {
		name string
		req  *proto.RequestHead
		in   string
		want string
	}{
		{"101", proto.NewRequest("GET", "/", "Host", "a", "Upgrade", "h2c", "Connection", "Upgrade, HTTP2-Settings"),
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
		{"2xx to CONNECT", proto.NewRequest("CONNECT", "db:5432", "Host", "db:5432"),
			"HTTP/1.1 200 OK\r\n\r\n\x00\x00\x00\x08", "\x00\x00\x00\x08"},
		{"nothing after the head", proto.NewRequest("CONNECT", "db:5432", "Host", "db:5432"),
			"HTTP/1.1 200 OK\r\n\r\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClientConn(t, recvCase{req: tc.req})
			receiveOK(t, c, tc.in)
			if got := statesOf(c); got != "SwitchedProtocol/SwitchedProtocol" {
				t.Fatalf("states = %s, want SwitchedProtocol/SwitchedProtocol", got)
			}
			data, eof := c.TrailingData()
			if string(data) != tc.want || eof {
				t.Errorf("TrailingData() = %q, %v; want %q, false", data, eof, tc.want)
			}
			// More bytes of the new protocol are kept for the driver, and the end of input shows.
			must(t, c.Receive([]byte("more")))
			must(t, c.ReceiveEOF())
			diffEvents(t, "events after the switch", []string{"paused"}, drainOK(t, c))
			data, eof = c.TrailingData()
			if string(data) != tc.want+"more" || !eof {
				t.Errorf("TrailingData() = %q, %v; want %q, true", data, eof, tc.want+"more")
			}
		})
	}
}

func TestClientAwaitsContinue(t *testing.T) {
	newExpecting := func(t *testing.T) *h1.Conn {
		c := h1.NewConn(h1.Client)
		must(t, c.SendRequest(proto.NewRequest("PUT", "/f", "Host", "a", "Expect", "100-continue", "Content-Length", "4")))
		return c
	}
	cases := []struct {
		name string
		then func(t *testing.T, c *h1.Conn)
		want bool
	}{
		{"after the head", func(*testing.T, *h1.Conn) {}, true},
		{"after 100 Continue", func(t *testing.T, c *h1.Conn) { receiveOK(t, c, "HTTP/1.1 100 Continue\r\n\r\n") }, false},
		{"after an early final response", func(t *testing.T, c *h1.Conn) {
			receiveOK(t, c, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n")
		}, false},
		{"after sending body data", func(t *testing.T, c *h1.Conn) { must(t, c.SendData([]byte("da"))) }, false},
		{"after an empty SendData", func(t *testing.T, c *h1.Conn) { must(t, c.SendData(nil)) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newExpecting(t)
			tc.then(t, c)
			if got := c.ClientAwaitsContinue(); got != tc.want {
				t.Errorf("ClientAwaitsContinue() = %v, want %v", got, tc.want)
			}
		})
	}
	c := h1.NewConn(h1.Client)
	req := proto.NewRequest("PUT", "/f", "Expect", "100-continue", "Content-Length", "4")
	req.Version = proto.HTTP10
	must(t, c.SendRequest(req))
	if c.ClientAwaitsContinue() {
		t.Error("ClientAwaitsContinue() = true after an HTTP/1.0 request")
	}
}

func TestClientKeepAlive(t *testing.T) {
	cases := []struct {
		name string
		req  *proto.RequestHead
		in   string
		want bool
	}{
		{"HTTP/1.1 with Content-Length", nil, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true},
		{"HTTP/1.1 chunked", nil, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", true},
		{"chunked and Content-Length", nil, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n0\r\n\r\n", false},
		{"close-delimited", nil, "HTTP/1.1 200 OK\r\n\r\n", false},
		{"Connection: close in the response", nil, "HTTP/1.1 204 No Content\r\nConnection: x, close\r\n\r\n", false},
		{"Connection: close in the request", proto.NewRequest("GET", "/", "Host", "a", "Connection", "close"),
			"HTTP/1.1 204 No Content\r\n\r\n", false},
		{"HTTP/1.0 response", nil, "HTTP/1.0 204 No Content\r\n\r\n", false},
		{"Connection: closed is not close", nil, "HTTP/1.1 204 No Content\r\nConnection: closed\r\n\r\n", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClientConn(t, recvCase{req: tc.req})
			receiveOK(t, c, tc.in)
			if got := c.KeepAlive(); got != tc.want {
				t.Errorf("KeepAlive() = %v, want %v", got, tc.want)
			}
			if tc.want {
				must(t, c.StartNextCycle())
			} else {
				assertLocal(t, c.StartNextCycle(), proto.ErrState)
			}
		})
	}
}

// TestClientInformationalLimit: a server that sends 1xx responses without end is cut off (RFC 9110 §15.2
// sets no bound; proto.Limits.MaxInformational does).
func TestClientInformationalLimit(t *testing.T) {
	c := h1.NewConnWithLimits(h1.Client, h1.Limits{Limits: proto.Limits{MaxInformational: 3}})
	if err := c.SendRequest(proto.NewRequest("GET", "/", "Host", "a")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendEnd(nil); err != nil {
		t.Fatal(err)
	}
	infos := 0
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		if err = c.Receive([]byte("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")); err != nil {
			break
		}
		var ev h1.Event
		for ev, err = c.NextEvent(); ev != nil && err == nil; ev, err = c.NextEvent() {
			infos++
		}
	}
	if infos != 3 || !errors.Is(err, proto.ErrTooLarge) {
		t.Fatalf("%d informational events, then %v; want 3, then ErrTooLarge", infos, err)
	}
}
