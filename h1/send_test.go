package h1_test

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// Send-side tests: the exact bytes each call queues, and every misuse as a *proto.LocalError that queues
// nothing.

// withAuthority returns h with its Authority set.
func withAuthority(h *proto.RequestHead, authority string) *proto.RequestHead {
	h.Authority = []byte(authority)
	return h
}

// withVersion returns h with its Version set.
func withVersion(h *proto.RequestHead, v proto.Version) *proto.RequestHead {
	h.Version = v
	return h
}

// withReason returns h with its reason phrase set.
func withReason(h *proto.ResponseHead, reason string) *proto.ResponseHead {
	h.Reason = []byte(reason)
	return h
}

// fieldList returns fields from name, value pairs.
func fieldList(pairs ...string) proto.Fields {
	var f proto.Fields
	for i := 0; i+1 < len(pairs); i += 2 {
		f.Add(pairs[i], pairs[i+1])
	}
	return f
}

// serverAfter returns a server that has read the request in (through its end) and sent nothing yet.
func serverAfter(t *testing.T, in string) *h1.Conn {
	t.Helper()
	c := h1.NewConn(h1.Server)
	got := receiveOK(t, c, in)
	if len(got) < 2 || got[1] != "end" {
		t.Fatalf("request events = %q, want a request and its end", got)
	}
	return c
}

// sendCase is one send test: calls on a fresh connection and the bytes they queue.
type sendCase struct {
	name   string
	in     string // server role: the request received first
	send   func(c *h1.Conn) error
	want   string
	states string // "ours/theirs" afterwards; empty when not checked
}

func runSend(t *testing.T, role h1.Role, cases []sendCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h1.NewConn(role)
			if role == h1.Server && tc.in != "" {
				c = serverAfter(t, tc.in)
			}
			must(t, tc.send(c))
			if diff := cmp.Diff(tc.want, string(c.Pending())); diff != "" {
				t.Errorf("wire bytes (-want +got):\n%s", diff)
			}
			if tc.states != "" {
				if got := statesOf(c); got != tc.states {
					t.Errorf("states (ours/theirs) = %s, want %s", got, tc.states)
				}
			}
		})
	}
}

func TestSendRequestWire(t *testing.T) {
	cases := []sendCase{
		{
			name: "Host from Authority, first",
			send: func(c *h1.Conn) error {
				h := withAuthority(proto.NewRequest("GET", "/x?y=1", "Accept", "*/*"), "example.com:8080")
				return firstErr(c.SendRequest(h), c.SendEnd(nil))
			},
			want:   "GET /x?y=1 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\n\r\n",
			states: "Done/SendResponse",
		},
		{
			name: "Host field kept as given, Authority unused",
			send: func(c *h1.Conn) error {
				h := withAuthority(proto.NewRequest("GET", "/", "accept", "a", "hOST", "b.example"), "ignored")
				return firstErr(c.SendRequest(h), c.SendEnd(nil))
			},
			want: "GET / HTTP/1.1\r\naccept: a\r\nhOST: b.example\r\n\r\n",
		},
		{
			name: "empty Host field",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(proto.NewRequest("GET", "/", "Host", "")), c.SendEnd(nil))
			},
			want: "GET / HTTP/1.1\r\nHost: \r\n\r\n",
		},
		{
			name: "HTTP/1.0 needs no Host",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(withVersion(proto.NewRequest("GET", "/old"), proto.HTTP10)), c.SendEnd(nil))
			},
			want:   "GET /old HTTP/1.0\r\n\r\n",
			states: "MustClose/SendResponse",
		},
		{
			name: "zero Version means HTTP/1.1",
			send: func(c *h1.Conn) error {
				h := proto.NewRequest("GET", "/", "Host", "a")
				h.Version = 0
				return firstErr(c.SendRequest(h), c.SendEnd(nil))
			},
			want: "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		},
		{
			name: "order, case and repeated fields kept",
			send: func(c *h1.Conn) error {
				h := proto.NewRequest("GET", "/", "Host", "a", "X-B", "1", "x-a", "2", "X-B", "3", "X-Empty", "")
				return firstErr(c.SendRequest(h), c.SendEnd(nil))
			},
			want: "GET / HTTP/1.1\r\nHost: a\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\nX-Empty: \r\n\r\n",
		},
		{
			name: "Content-Length body",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(proto.NewRequest("POST", "/up", "Host", "a", "Content-Length", "11")),
					c.SendData([]byte("hello")), c.SendData(nil), c.SendData([]byte(" world")), c.SendEnd(nil))
			},
			want:   "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
			states: "Done/SendResponse",
		},
		{
			name: "chunked body with trailers",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(proto.NewRequest("POST", "/up", "Host", "a", "Transfer-Encoding", "chunked")),
					c.SendData([]byte("hello")), c.SendData(nil), c.SendData([]byte("abcdefghijklmnopqrstuvwxyz")),
					c.SendEnd(fieldList("X-Sum", "42", "x-more", "a b")))
			},
			want: "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Sum: 42\r\nx-more: a b\r\n\r\n",
		},
		{
			name: "empty chunked body",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(proto.NewRequest("POST", "/", "Host", "a", "Transfer-Encoding", "chunked")),
					c.SendEnd(nil))
			},
			want: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		},
		{
			name: "absolute-form",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(proto.NewRequest("GET", "http://example.com/x", "Host", "example.com")),
					c.SendEnd(nil))
			},
			want: "GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n",
		},
		{
			name: "authority-form CONNECT",
			send: func(c *h1.Conn) error {
				h := withAuthority(proto.NewRequest("CONNECT", "example.com:443"), "example.com:443")
				return firstErr(c.SendRequest(h), c.SendEnd(nil))
			},
			want:   "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
			states: "MightSwitchProtocol/SendResponse",
		},
		{
			name: "asterisk-form OPTIONS",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(proto.NewRequest("OPTIONS", "*", "Host", "a")), c.SendEnd(nil))
			},
			want: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		},
		{
			name: "Upgrade proposal",
			send: func(c *h1.Conn) error {
				h := proto.NewRequest("GET", "/chat", "Host", "a", "Upgrade", "websocket", "Connection", "Upgrade")
				return firstErr(c.SendRequest(h), c.SendEnd(nil))
			},
			want:   "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
			states: "MightSwitchProtocol/SendResponse",
		},
		{
			name: "Connection: close",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendRequest(proto.NewRequest("GET", "/", "Host", "a", "Connection", "close")), c.SendEnd(nil))
			},
			want:   "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			states: "MustClose/SendResponse",
		},
	}
	runSend(t, h1.Client, cases)
}

func TestSendResponseWire(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	get10 := "GET / HTTP/1.0\r\n\r\n"
	cases := []sendCase{
		{
			name: "Content-Length body",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200, "Content-Length", "2")), c.SendData([]byte("hi")), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
			states: "Done/Done",
		},
		{
			name: "no framing to an HTTP/1.1 peer: chunked added",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200, "Content-Type", "text/plain")), c.SendData([]byte("hi")),
					c.SendData([]byte("0123456789abcdef")), c.SendEnd(nil))
			},
			want: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"2\r\nhi\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
			states: "Done/Done",
		},
		{
			name: "added chunked carries trailers",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200)), c.SendEnd(fieldList("Grpc-Status", "0")))
			},
			want: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nGrpc-Status: 0\r\n\r\n",
		},
		{
			name: "no framing to an HTTP/1.0 peer: close-delimited",
			in:   get10,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200)), c.SendData([]byte("raw bytes")), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nraw bytes",
			states: "MustClose/MustClose",
		},
		{
			name: "Content-Length to an HTTP/1.0 peer: Connection: close added",
			in:   get10,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200, "Content-Length", "2")), c.SendData([]byte("ok")), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
			states: "MustClose/MustClose",
		},
		{
			name: "request with Connection: close: Connection: close added",
			in:   "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(204)), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
			states: "MustClose/MustClose",
		},
		{
			name: "own Connection: close not repeated",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200, "Connection", "Close", "Content-Length", "0")), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n",
			states: "MustClose/MustClose",
		},
		{
			name: "own reason phrase",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(withReason(proto.NewResponse(200, "Content-Length", "0"), "Fine Thanks")), c.SendEnd(nil))
			},
			want: "HTTP/1.1 200 Fine Thanks\r\nContent-Length: 0\r\n\r\n",
		},
		{
			name: "unknown status: empty reason",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(599, "Content-Length", "0")), c.SendEnd(nil))
			},
			want: "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n",
		},
		{
			name: "1xx then the final response",
			in:   "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(100)),
					c.SendResponse(proto.NewResponse(103, "Link", "</a.css>; rel=preload")),
					c.SendResponse(proto.NewResponse(201, "Content-Length", "0")), c.SendEnd(nil))
			},
			want: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" +
				"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
			states: "Done/Done",
		},
		{
			name: "1xx to a request with Connection: close gets no Connection: close",
			in:   "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			send: func(c *h1.Conn) error { return c.SendResponse(proto.NewResponse(103, "Link", "</a>")) },
			want: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
		},
		{
			name: "204: no body, no chunked",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(204)), c.SendData(nil), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 204 No Content\r\n\r\n",
			states: "Done/Done",
		},
		{
			name: "304 may carry Content-Length, no body",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(304, "ETag", `"x"`, "Content-Length", "123")), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 123\r\n\r\n",
			states: "Done/Done",
		},
		{
			name: "HEAD: Content-Length without a body",
			in:   "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200, "Content-Length", "5")), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
			states: "Done/Done",
		},
		{
			name: "HEAD: no framing added",
			in:   "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(200)), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 200 OK\r\n\r\n",
			states: "Done/Done",
		},
		{
			name: "status phrases from the table",
			in:   get,
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(102)), c.SendResponse(proto.NewResponse(431, "Content-Length", "0")))
			},
			want: "HTTP/1.1 102 \r\n\r\nHTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n",
		},
		{
			name: "response before any request",
			in:   "",
			send: func(c *h1.Conn) error {
				return firstErr(c.SendResponse(proto.NewResponse(408, "Connection", "close", "Content-Length", "0")), c.SendEnd(nil))
			},
			want:   "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
			states: "MustClose/Idle",
		},
	}
	runSend(t, h1.Server, cases)
}

func TestSendStatusTable(t *testing.T) {
	phrases := map[int]string{
		100: "Continue", 101: "Switching Protocols", 103: "Early Hints",
		200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
		301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
		307: "Temporary Redirect", 308: "Permanent Redirect",
		400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
		408: "Request Timeout", 413: "Content Too Large", 414: "URI Too Long", 417: "Expectation Failed",
		426: "Upgrade Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
		500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
		504: "Gateway Timeout", 505: "HTTP Version Not Supported",
	}
	for status, phrase := range phrases {
		in := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
		if status == 101 {
			in = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\n\r\n"
		}
		c := serverAfter(t, in)
		resp := proto.NewResponse(status)
		if status == 101 {
			resp.Fields.Add("Upgrade", "x") // RFC 9110 §15.2.2
		}
		must(t, c.SendResponse(resp))
		want := "HTTP/1.1 " + strconv.Itoa(status) + " " + phrase + "\r\n"
		if got := string(c.Pending()); len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("status %d: status line of %q, want %q", status, got, want)
		}
	}
}

// misuseCase is a call that must fail with a LocalError wrapping err (errAnyKind: any sentinel) and queue
// nothing.
type misuseCase struct {
	name string
	conn func(t *testing.T) *h1.Conn
	call func(c *h1.Conn) error
	err  error
}

func runMisuse(t *testing.T, cases []misuseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.conn(t)
			before := string(c.Pending())
			err := tc.call(c)
			assertLocal(t, err, tc.err)
			if got := string(c.Pending()); got != before {
				t.Errorf("Pending() after the failed call = %q, want %q", got, before)
			}
			if err == nil {
				return
			}
			if c.OurState() != h1.Error {
				t.Errorf("OurState() = %v after a LocalError, want Error", c.OurState())
			}
			if got := c.Err(); got != err {
				t.Errorf("Err() = %v, want the sticky %v", got, err)
			}
			if got := c.SendData([]byte("x")); got != err {
				t.Errorf("SendData after the error = %v, want the sticky %v", got, err)
			}
		})
	}
}

func newClientRole(*testing.T) *h1.Conn { return h1.NewConn(h1.Client) }

// clientSending returns a client that has sent the head of a request with the given fields.
func clientSending(method string, pairs ...string) func(t *testing.T) *h1.Conn {
	return func(t *testing.T) *h1.Conn {
		c := h1.NewConn(h1.Client)
		must(t, c.SendRequest(proto.NewRequest(method, "/", append([]string{"Host", "a"}, pairs...)...)))
		return c
	}
}

// serverGot returns a server that has read the request in.
func serverGot(in string) func(t *testing.T) *h1.Conn {
	return func(t *testing.T) *h1.Conn { return serverAfter(t, in) }
}

// serverSent returns a server that has read a GET and sent the head of resp.
func serverSent(in string, resp *proto.ResponseHead) func(t *testing.T) *h1.Conn {
	return func(t *testing.T) *h1.Conn {
		c := serverAfter(t, in)
		must(t, c.SendResponse(resp))
		return c
	}
}

func sendReq(pairs ...string) func(c *h1.Conn) error {
	return func(c *h1.Conn) error { return c.SendRequest(proto.NewRequest("GET", "/", pairs...)) }
}

func sendResp(status int, pairs ...string) func(c *h1.Conn) error {
	return func(c *h1.Conn) error { return c.SendResponse(proto.NewResponse(status, pairs...)) }
}

func TestSendRequestMisuse(t *testing.T) {
	cases := []misuseCase{
		{"space in a field name", newClientRole, sendReq("Host", "a", "Bad Name", "v"), proto.ErrInvalidField},
		{"colon in a field name", newClientRole, sendReq("Host", "a", "X:", "v"), proto.ErrInvalidField},
		{"empty field name", newClientRole, sendReq("Host", "a", "", "v"), proto.ErrInvalidField},
		{"CRLF in a field name", newClientRole, sendReq("Host", "a", "X\r\nY", "v"), proto.ErrInvalidField},
		{"NUL in a field name", newClientRole, sendReq("Host", "a", "X\x00", "v"), proto.ErrInvalidField},
		{"CRLF in a value", newClientRole, sendReq("Host", "a", "X", "a\r\nInjected: 1"), proto.ErrInvalidField},
		{"LF in a value", newClientRole, sendReq("Host", "a", "X", "a\nb"), proto.ErrInvalidField},
		{"CR in a value", newClientRole, sendReq("Host", "a", "X", "a\rb"), proto.ErrInvalidField},
		{"NUL in a value", newClientRole, sendReq("Host", "a", "X", "a\x00b"), proto.ErrInvalidField},
		{"DEL in a value", newClientRole, sendReq("Host", "a", "X", "a\x7f"), proto.ErrInvalidField},
		{"leading space in a value", newClientRole, sendReq("Host", "a", "X", " a"), proto.ErrInvalidField},
		{"trailing space in a value", newClientRole, sendReq("Host", "a", "X", "a "), proto.ErrInvalidField},
		{"trailing tab in a value", newClientRole, sendReq("Host", "a", "X", "a\t"), proto.ErrInvalidField},
		{"CRLF in the Host value", newClientRole, sendReq("Host", "a\r\nX: y"), proto.ErrInvalidField},
		{"method not a token", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("GE T", "/", "Host", "a"))
		}, proto.ErrInvalidField},
		{"empty method", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("", "/", "Host", "a"))
		}, proto.ErrInvalidField},
		{"empty target", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("GET", "", "Host", "a"))
		}, proto.ErrInvalidField},
		{"space in the target", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("GET", "/a b", "Host", "a"))
		}, proto.ErrInvalidField},
		{"CRLF in the target", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("GET", "/\r\nX: y", "Host", "a"))
		}, proto.ErrInvalidField},
		{"authority-form for GET", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("GET", "example.com:80", "Host", "a"))
		}, proto.ErrInvalidField},
		{"origin-form for CONNECT", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("CONNECT", "/", "Host", "a"))
		}, proto.ErrInvalidField},
		{"asterisk-form for GET", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(proto.NewRequest("GET", "*", "Host", "a"))
		}, proto.ErrInvalidField},
		{"neither Host nor Authority", newClientRole, sendReq(), proto.ErrInvalidField},
		{"invalid Authority", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(withAuthority(proto.NewRequest("GET", "/"), "a\r\nX: y"))
		}, proto.ErrInvalidField},
		{"two Host fields", newClientRole, sendReq("Host", "a", "host", "b"), proto.ErrInvalidField},
		{"Transfer-Encoding and Content-Length", newClientRole,
			sendReq("Host", "a", "Transfer-Encoding", "chunked", "Content-Length", "1"), proto.ErrInvalidField},
		{"invalid Content-Length", newClientRole, sendReq("Host", "a", "Content-Length", "abc"), proto.ErrInvalidField},
		{"Transfer-Encoding other than chunked", newClientRole, sendReq("Host", "a", "Transfer-Encoding", "gzip"), proto.ErrUnsupported},
		{"Transfer-Encoding in an HTTP/1.0 request", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(withVersion(proto.NewRequest("POST", "/", "Transfer-Encoding", "chunked"), proto.HTTP10))
		}, errAnyKind},
		{"HTTP/2 version", newClientRole, func(c *h1.Conn) error {
			return c.SendRequest(withVersion(proto.NewRequest("GET", "/", "Host", "a"), proto.HTTP2))
		}, proto.ErrUnsupported},
		{"SendRequest in the server role", func(*testing.T) *h1.Conn { return h1.NewConn(h1.Server) },
			sendReq("Host", "a"), proto.ErrState},
		{"second SendRequest", clientSending("GET"), sendReq("Host", "a"), proto.ErrState},
		{"SendRequest before the response", func(t *testing.T) *h1.Conn {
			c := clientSending("GET")(t)
			must(t, c.SendEnd(nil))
			return c
		}, sendReq("Host", "a"), proto.ErrState},
		{"SendData before the request", newClientRole, func(c *h1.Conn) error { return c.SendData([]byte("x")) }, proto.ErrState},
		{"SendEnd before the request", newClientRole, func(c *h1.Conn) error { return c.SendEnd(nil) }, proto.ErrState},
		{"SendData without a body", clientSending("GET"), func(c *h1.Conn) error { return c.SendData([]byte("x")) },
			proto.ErrBodyLength},
		{"SendData over Content-Length", clientSending("POST", "Content-Length", "3"),
			func(c *h1.Conn) error { return c.SendData([]byte("abcd")) }, proto.ErrBodyLength},
		{"SendData over Content-Length in two calls", func(t *testing.T) *h1.Conn {
			c := clientSending("POST", "Content-Length", "3")(t)
			must(t, c.SendData([]byte("ab")))
			return c
		}, func(c *h1.Conn) error { return c.SendData([]byte("cd")) }, proto.ErrBodyLength},
		{"SendEnd short of Content-Length", func(t *testing.T) *h1.Conn {
			c := clientSending("POST", "Content-Length", "3")(t)
			must(t, c.SendData([]byte("ab")))
			return c
		}, func(c *h1.Conn) error { return c.SendEnd(nil) }, proto.ErrBodyLength},
		{"trailers on a Content-Length body", clientSending("POST", "Content-Length", "0"),
			func(c *h1.Conn) error { return c.SendEnd(fieldList("X", "1")) }, proto.ErrState},
		{"invalid trailer name", clientSending("POST", "Transfer-Encoding", "chunked"),
			func(c *h1.Conn) error { return c.SendEnd(fieldList("X Y", "1")) }, proto.ErrInvalidField},
		{"CRLF in a trailer value", clientSending("POST", "Transfer-Encoding", "chunked"),
			func(c *h1.Conn) error { return c.SendEnd(fieldList("X", "1\r\n\r\nGET / HTTP/1.1")) }, proto.ErrInvalidField},
		{"SendData after the end", func(t *testing.T) *h1.Conn {
			c := clientSending("POST", "Transfer-Encoding", "chunked")(t)
			must(t, c.SendEnd(nil))
			return c
		}, func(c *h1.Conn) error { return c.SendData([]byte("x")) }, proto.ErrState},
		{"SendEnd twice", func(t *testing.T) *h1.Conn {
			c := clientSending("GET")(t)
			must(t, c.SendEnd(nil))
			return c
		}, func(c *h1.Conn) error { return c.SendEnd(nil) }, proto.ErrState},
		{"SendResponse in the client role", newClientRole, sendResp(200), proto.ErrState},
		{"SendClose while sending a body", clientSending("POST", "Content-Length", "3"),
			func(c *h1.Conn) error { return c.SendClose() }, proto.ErrState},
	}
	runMisuse(t, cases)
}

func TestSendResponseMisuse(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	get10 := "GET / HTTP/1.0\r\n\r\n"
	upgrade := "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
	connect := "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
	head := "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
	cases := []misuseCase{
		{"status 99", serverGot(get), sendResp(99), proto.ErrInvalidField},
		{"status 600", serverGot(get), sendResp(600), proto.ErrInvalidField},
		{"CRLF in the reason", serverGot(get), func(c *h1.Conn) error {
			return c.SendResponse(withReason(proto.NewResponse(200), "OK\r\nX: y"))
		}, proto.ErrInvalidField},
		{"control byte in the reason", serverGot(get), func(c *h1.Conn) error {
			return c.SendResponse(withReason(proto.NewResponse(200), "O\x01K"))
		}, proto.ErrInvalidField},
		{"CRLF in a value", serverGot(get), sendResp(200, "Set-Cookie", "a=b\r\nX: y"), proto.ErrInvalidField},
		{"NUL in a value", serverGot(get), sendResp(200, "X", "\x00"), proto.ErrInvalidField},
		{"leading space in a value", serverGot(get), sendResp(200, "X", " v"), proto.ErrInvalidField},
		{"trailing space in a value", serverGot(get), sendResp(200, "X", "v "), proto.ErrInvalidField},
		{"invalid field name", serverGot(get), sendResp(200, "X\r\n", "v"), proto.ErrInvalidField},
		{"Transfer-Encoding and Content-Length", serverGot(get),
			sendResp(200, "Transfer-Encoding", "chunked", "Content-Length", "1"), proto.ErrInvalidField},
		{"invalid Content-Length", serverGot(get), sendResp(200, "Content-Length", "-1"), proto.ErrInvalidField},
		{"Transfer-Encoding other than chunked", serverGot(get), sendResp(200, "Transfer-Encoding", "gzip"), proto.ErrUnsupported},
		{"SendResponse in the client role", newClientRole, sendResp(200), proto.ErrState},
		{"SendRequest in the server role", serverGot(get), sendReq("Host", "a"), proto.ErrState},
		{"101 without an Upgrade request", serverGot(get), sendResp(101, "Upgrade", "websocket"), proto.ErrState},
		// RFC 9110 §15.2.2: "The server MUST generate an Upgrade header field in the response".
		{"101 without an Upgrade field", serverGot(upgrade), sendResp(101, "Connection", "Upgrade"), errAnyKind},
		{"1xx before any request", func(*testing.T) *h1.Conn { return h1.NewConn(h1.Server) }, sendResp(100), proto.ErrState},
		{"second final response", serverSent(get, proto.NewResponse(200, "Content-Length", "0")), sendResp(200), proto.ErrState},
		{"final response after the end", func(t *testing.T) *h1.Conn {
			c := serverSent(get, proto.NewResponse(204))(t)
			must(t, c.SendEnd(nil))
			return c
		}, sendResp(200), proto.ErrState},
		{"SendData before the response", serverGot(get), func(c *h1.Conn) error { return c.SendData([]byte("x")) }, proto.ErrState},
		{"SendData after a 1xx", serverSent(get, proto.NewResponse(100)),
			func(c *h1.Conn) error { return c.SendData([]byte("x")) }, proto.ErrState},
		{"SendEnd before the response", serverGot(get), func(c *h1.Conn) error { return c.SendEnd(nil) }, proto.ErrState},
		{"SendClose before the response", serverGot(get), func(c *h1.Conn) error { return c.SendClose() }, proto.ErrState},

		// Framing fields where no body may be (RFC 9110 §8.6, §9.3.6, RFC 9112 §6.1).
		{"Content-Length in a 1xx", serverGot(get), sendResp(100, "Content-Length", "0"), proto.ErrInvalidField},
		{"Transfer-Encoding in a 1xx", serverGot(get), sendResp(103, "Transfer-Encoding", "chunked"), proto.ErrInvalidField},
		{"Content-Length in a 101", serverGot(upgrade), sendResp(101, "Upgrade", "websocket", "Content-Length", "0"), proto.ErrInvalidField},
		{"Content-Length in a 204", serverGot(get), sendResp(204, "Content-Length", "0"), proto.ErrInvalidField},
		{"Transfer-Encoding in a 204", serverGot(get), sendResp(204, "Transfer-Encoding", "chunked"), proto.ErrInvalidField},
		{"invalid Content-Length in a 204", serverGot(get), sendResp(204, "Content-Length", "abc"), proto.ErrInvalidField},
		{"Content-Length in a 2xx to CONNECT", serverGot(connect), sendResp(200, "Content-Length", "0"), proto.ErrInvalidField},
		{"Transfer-Encoding in a 2xx to CONNECT", serverGot(connect), sendResp(200, "Transfer-Encoding", "chunked"), proto.ErrInvalidField},

		// Bodies that do not match their framing.
		{"SendData on a 204", serverSent(get, proto.NewResponse(204)),
			func(c *h1.Conn) error { return c.SendData([]byte("x")) }, proto.ErrBodyLength},
		{"SendData on a 304", serverSent(get, proto.NewResponse(304)),
			func(c *h1.Conn) error { return c.SendData([]byte("x")) }, proto.ErrBodyLength},
		{"SendData on a 304 with Content-Length", serverSent(get, proto.NewResponse(304, "Content-Length", "1")),
			func(c *h1.Conn) error { return c.SendData([]byte("x")) }, proto.ErrBodyLength},
		{"SendData on a HEAD response", serverSent(head, proto.NewResponse(200, "Content-Length", "5")),
			func(c *h1.Conn) error { return c.SendData([]byte("hello")) }, proto.ErrBodyLength},
		{"SendData over Content-Length", serverSent(get, proto.NewResponse(200, "Content-Length", "1")),
			func(c *h1.Conn) error { return c.SendData([]byte("ab")) }, proto.ErrBodyLength},
		{"SendEnd short of Content-Length", serverSent(get, proto.NewResponse(200, "Content-Length", "1")),
			func(c *h1.Conn) error { return c.SendEnd(nil) }, proto.ErrBodyLength},
		{"trailers on a close-delimited body", serverSent(get10, proto.NewResponse(200)),
			func(c *h1.Conn) error { return c.SendEnd(fieldList("X", "1")) }, proto.ErrState},

		// What an HTTP/1.0 client must not get (RFC 9110 §15.2, RFC 9112 §6.1).
		{"1xx to an HTTP/1.0 client", serverGot("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"),
			sendResp(100), errAnyKind},
		{"Transfer-Encoding to an HTTP/1.0 client", serverGot(get10),
			sendResp(200, "Transfer-Encoding", "chunked"), errAnyKind},
	}
	runMisuse(t, cases)
}

func TestSendDataCopies(t *testing.T) {
	c := h1.NewConn(h1.Client)
	must(t, c.SendRequest(proto.NewRequest("POST", "/", "Host", "a", "Content-Length", "3")))
	p := []byte("abc")
	must(t, c.SendData(p))
	copy(p, "xyz")
	must(t, c.SendEnd(nil))
	want := "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
	if got := string(c.Pending()); got != want {
		t.Errorf("Pending() = %q, want %q", got, want)
	}
}

func TestPendingAdvance(t *testing.T) {
	c := h1.NewConn(h1.Client)
	must(t, c.SendRequest(proto.NewRequest("POST", "/", "Host", "a", "Transfer-Encoding", "chunked")))
	head := "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	if got := string(c.Pending()); got != head {
		t.Fatalf("Pending() = %q, want %q", got, head)
	}
	c.Advance(5)
	if got := string(c.Pending()); got != head[5:] {
		t.Fatalf("after Advance(5), Pending() = %q, want %q", got, head[5:])
	}
	must(t, c.SendData([]byte("abc")))
	if got, want := string(c.Pending()), head[5:]+"3\r\nabc\r\n"; got != want {
		t.Fatalf("Pending() = %q, want %q", got, want)
	}
	c.Advance(len(c.Pending()))
	if got := c.Pending(); len(got) != 0 {
		t.Fatalf("after Advance(all), Pending() = %q, want empty", got)
	}
	must(t, c.SendEnd(nil))
	if got := string(c.Pending()); got != "0\r\n\r\n" {
		t.Fatalf("Pending() = %q, want %q", got, "0\r\n\r\n")
	}
}

func TestSendRequestRoundTrip(t *testing.T) {
	// What the client sends, a server reads back as it was sent.
	client, server := h1.NewConn(h1.Client), h1.NewConn(h1.Server)
	req := withAuthority(proto.NewRequest("PUT", "/files/a%20b?v=2", "Content-Type", "text/plain", "Transfer-Encoding", "chunked"), "files.example:8443")
	must(t, client.SendRequest(req))
	must(t, client.SendData([]byte("line 1\n")))
	must(t, client.SendData([]byte("line 2\n")))
	must(t, client.SendEnd(fieldList("Digest", "sha-256=abc")))
	got := receiveOK(t, server, string(client.Pending()))
	want := []string{
		`request PUT /files/a%20b?v=2 HTTP/1.1 Host:"files.example:8443" Content-Type:"text/plain" Transfer-Encoding:"chunked"`,
		`data "line 1\nline 2\n"`, `end Digest:"sha-256=abc"`,
	}
	diffEvents(t, "server events", want, got)
}
