package h1_test

import (
	"testing"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// Walks through the transition table of state.go by the exported API: after each step, the states of both
// sides as one Conn sees them.

// stStep is one call into a Conn and the states (ours/theirs) it leads to.
type stStep struct {
	do     string // what the step does, for messages
	call   func(c *h1.Conn) error
	states string
}

func stRecv(in string) func(c *h1.Conn) error {
	return func(c *h1.Conn) error {
		_, err := receiveAll(c, []string{in}, false)
		return err
	}
}

func stRecvEOF(c *h1.Conn) error {
	_, err := receiveAll(c, nil, true)
	return err
}

func stRequest(method, target string, pairs ...string) func(c *h1.Conn) error {
	return func(c *h1.Conn) error {
		return c.SendRequest(proto.NewRequest(method, target, append([]string{"Host", "a"}, pairs...)...))
	}
}

func stResponse(status int, pairs ...string) func(c *h1.Conn) error {
	return func(c *h1.Conn) error { return c.SendResponse(proto.NewResponse(status, pairs...)) }
}

func stData(p string) func(c *h1.Conn) error {
	return func(c *h1.Conn) error { return c.SendData([]byte(p)) }
}

func stEnd(c *h1.Conn) error       { return c.SendEnd(nil) }
func stClose(c *h1.Conn) error     { return c.SendClose() }
func stNextCycle(c *h1.Conn) error { return c.StartNextCycle() }

func runSteps(t *testing.T, role h1.Role, steps []stStep) {
	t.Helper()
	c := h1.NewConn(role)
	if got := statesOf(c); got != "Idle/Idle" {
		t.Fatalf("new %v: states %s, want Idle/Idle", role, got)
	}
	for i, s := range steps {
		if err := s.call(c); err != nil {
			t.Fatalf("step %d (%s): %v", i, s.do, err)
		}
		if got := statesOf(c); got != s.states {
			t.Fatalf("step %d (%s): states (ours/theirs) = %s, want %s", i, s.do, got, s.states)
		}
	}
}

func TestStateClient(t *testing.T) {
	cases := []struct {
		name  string
		steps []stStep
	}{
		{"keep-alive cycles", []stStep{
			{"send GET", stRequest("GET", "/"), "SendBody/SendResponse"},
			{"send end", stEnd, "Done/SendResponse"},
			{"receive 100", stRecv("HTTP/1.1 100 Continue\r\n\r\n"), "Done/SendResponse"},
			{"receive response head", stRecv("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"), "Done/SendBody"},
			{"receive body", stRecv("ok"), "Done/Done"},
			{"next cycle", stNextCycle, "Idle/Idle"},
			{"send POST", stRequest("POST", "/", "Content-Length", "1"), "SendBody/SendResponse"},
			{"send data", stData("x"), "SendBody/SendResponse"},
			{"send end", stEnd, "Done/SendResponse"},
			{"receive chunked response", stRecv("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"), "Done/Done"},
			{"next cycle", stNextCycle, "Idle/Idle"},
		}},
		{"early response while the request body is sent", []stStep{
			{"send POST", stRequest("POST", "/", "Content-Length", "3"), "SendBody/SendResponse"},
			{"receive 413", stRecv("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n"), "SendBody/Done"},
			{"send data", stData("abc"), "SendBody/Done"},
			{"send end", stEnd, "Done/Done"},
		}},
		{"request with Connection: close", []stStep{
			{"send GET", stRequest("GET", "/", "Connection", "close"), "SendBody/SendResponse"},
			{"send end", stEnd, "MustClose/SendResponse"},
			{"receive response", stRecv("HTTP/1.1 204 No Content\r\n\r\n"), "MustClose/MustClose"},
			{"peer closes", stRecvEOF, "MustClose/Closed"},
			{"close", stClose, "Closed/Closed"},
		}},
		{"response with Connection: close", []stStep{
			{"send GET", stRequest("GET", "/"), "SendBody/SendResponse"},
			{"send end", stEnd, "Done/SendResponse"},
			{"receive response", stRecv("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), "MustClose/MustClose"},
		}},
		{"HTTP/1.0 response", []stStep{
			{"send GET", stRequest("GET", "/"), "SendBody/SendResponse"},
			{"send end", stEnd, "Done/SendResponse"},
			{"receive head", stRecv("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n"), "MustClose/SendBody"},
			{"receive body", stRecv("x"), "MustClose/MustClose"},
		}},
		{"response head before the request ends", []stStep{
			{"send GET", stRequest("POST", "/", "Transfer-Encoding", "chunked"), "SendBody/SendResponse"},
			{"receive close-delimited head", stRecv("HTTP/1.1 200 OK\r\n\r\n"), "SendBody/SendBody"},
			{"send end", stEnd, "MustClose/SendBody"},
			{"peer closes", stRecvEOF, "MustClose/Closed"},
		}},
		{"Upgrade accepted", []stStep{
			{"send GET with Upgrade", stRequest("GET", "/", "Upgrade", "websocket", "Connection", "upgrade"), "SendBody/SendResponse"},
			{"send end", stEnd, "MightSwitchProtocol/SendResponse"},
			{"receive 100", stRecv("HTTP/1.1 100 Continue\r\n\r\n"), "MightSwitchProtocol/SendResponse"},
			{"receive 101", stRecv("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"), "SwitchedProtocol/SwitchedProtocol"},
		}},
		{"Upgrade declined", []stStep{
			{"send GET with Upgrade", stRequest("GET", "/", "Upgrade", "websocket"), "SendBody/SendResponse"},
			{"send end", stEnd, "MightSwitchProtocol/SendResponse"},
			{"receive 200 head", stRecv("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"), "Done/SendBody"},
			{"receive body", stRecv("x"), "Done/Done"},
			{"next cycle", stNextCycle, "Idle/Idle"},
		}},
		{"CONNECT accepted", []stStep{
			{"send CONNECT", stRequest("CONNECT", "a:443"), "SendBody/SendResponse"},
			{"send end", stEnd, "MightSwitchProtocol/SendResponse"},
			{"receive 200", stRecv("HTTP/1.1 200 OK\r\n\r\n"), "SwitchedProtocol/SwitchedProtocol"},
		}},
		{"CONNECT declined", []stStep{
			{"send CONNECT", stRequest("CONNECT", "a:443"), "SendBody/SendResponse"},
			{"send end", stEnd, "MightSwitchProtocol/SendResponse"},
			{"receive 403", stRecv("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), "Done/Done"},
			{"next cycle", stNextCycle, "Idle/Idle"},
		}},
		{"close before any request", []stStep{
			{"close", stClose, "Closed/MustClose"},
			{"peer closes", stRecvEOF, "Closed/Closed"},
		}},
		{"close after a cycle", []stStep{
			{"send GET", stRequest("GET", "/"), "SendBody/SendResponse"},
			{"send end", stEnd, "Done/SendResponse"},
			{"receive response", stRecv("HTTP/1.1 204 No Content\r\n\r\n"), "Done/Done"},
			{"close", stClose, "Closed/MustClose"},
			{"close again", stClose, "Closed/MustClose"},
		}},
		{"close after the request, before the response", []stStep{
			{"send GET", stRequest("GET", "/"), "SendBody/SendResponse"},
			{"send end", stEnd, "Done/SendResponse"},
			{"half-close", stClose, "Closed/SendResponse"},
			{"receive response", stRecv("HTTP/1.1 204 No Content\r\n\r\n"), "Closed/MustClose"},
		}},
		{"peer closes before any request", []stStep{
			{"peer closes", stRecvEOF, "MustClose/Closed"},
			{"close", stClose, "Closed/Closed"},
		}},
		{"peer closes between cycles", []stStep{
			{"send GET", stRequest("GET", "/"), "SendBody/SendResponse"},
			{"send end", stEnd, "Done/SendResponse"},
			{"receive response", stRecv("HTTP/1.1 204 No Content\r\n\r\n"), "Done/Done"},
			{"peer closes", stRecvEOF, "MustClose/Closed"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, h1.Client, tc.steps) })
	}
}

func TestStateServer(t *testing.T) {
	get := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	cases := []struct {
		name  string
		steps []stStep
	}{
		{"keep-alive cycles", []stStep{
			{"receive GET", stRecv(get), "SendResponse/Done"},
			{"send 100", stResponse(100), "SendResponse/Done"},
			{"send 200", stResponse(200, "Content-Length", "2"), "SendBody/Done"},
			{"send data", stData("ok"), "SendBody/Done"},
			{"send end", stEnd, "Done/Done"},
			{"next cycle", stNextCycle, "Idle/Idle"},
			{"receive POST head", stRecv("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n"), "SendResponse/SendBody"},
			{"receive body", stRecv("hi"), "SendResponse/Done"},
			{"send chunked 200", stResponse(200), "SendBody/Done"},
			{"send end", stEnd, "Done/Done"},
			{"next cycle", stNextCycle, "Idle/Idle"},
		}},
		{"early response before the request body", []stStep{
			{"receive POST head", stRecv("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n"), "SendResponse/SendBody"},
			{"send 413", stResponse(413, "Content-Length", "0"), "SendBody/SendBody"},
			{"send end", stEnd, "Done/SendBody"},
			{"receive body", stRecv("hi"), "Done/Done"},
		}},
		{"server closes with Connection: close", []stStep{
			{"receive GET", stRecv(get), "SendResponse/Done"},
			{"send 200 with close", stResponse(200, "Connection", "close", "Content-Length", "0"), "SendBody/MustClose"},
			{"send end", stEnd, "MustClose/MustClose"},
			{"close", stClose, "Closed/MustClose"},
		}},
		{"client asks to close", []stStep{
			{"receive GET with close", stRecv("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), "SendResponse/MustClose"},
			{"send 204", stResponse(204), "SendBody/MustClose"},
			{"send end", stEnd, "MustClose/MustClose"},
			{"peer closes", stRecvEOF, "MustClose/Closed"},
		}},
		{"HTTP/1.0 request", []stStep{
			{"receive GET", stRecv("GET / HTTP/1.0\r\n\r\n"), "SendResponse/MustClose"},
			{"send 200", stResponse(200), "SendBody/MustClose"},
			{"send data", stData("x"), "SendBody/MustClose"},
			{"send end", stEnd, "MustClose/MustClose"},
		}},
		{"server closes idle connection", []stStep{
			{"close", stClose, "Closed/MustClose"},
		}},
		{"server closes after a cycle", []stStep{
			{"receive GET", stRecv(get), "SendResponse/Done"},
			{"send 204", stResponse(204), "SendBody/Done"},
			{"send end", stEnd, "Done/Done"},
			{"close", stClose, "Closed/MustClose"},
		}},
		{"peer closes idle connection", []stStep{
			{"peer closes", stRecvEOF, "MustClose/Closed"},
		}},
		{"peer half-closes after its request", []stStep{
			{"receive GET", stRecv(get), "SendResponse/Done"},
			{"peer closes", stRecvEOF, "SendResponse/Closed"},
			{"send 200", stResponse(200, "Content-Length", "0"), "SendBody/Closed"},
			{"send end", stEnd, "MustClose/Closed"},
			{"close", stClose, "Closed/Closed"},
		}},
		{"408 before any request", []stStep{
			{"send 408", stResponse(408, "Connection", "close", "Content-Length", "0"), "SendBody/Idle"},
			{"send end", stEnd, "MustClose/Idle"},
		}},
		{"Upgrade accepted", []stStep{
			{"receive GET with Upgrade", stRecv("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n"), "SendResponse/MightSwitchProtocol"},
			{"send 100", stResponse(100), "SendResponse/MightSwitchProtocol"},
			{"send 101", stResponse(101, "Upgrade", "h2c"), "SwitchedProtocol/SwitchedProtocol"},
		}},
		{"Upgrade accepted before the request body ends", []stStep{
			{"receive POST with Upgrade", stRecv("POST / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\n"), "SendResponse/SendBody"},
			{"send 101", stResponse(101, "Upgrade", "h2c"), "SwitchedProtocol/SendBody"},
			{"receive body", stRecv("hi"), "SwitchedProtocol/SwitchedProtocol"},
		}},
		{"Upgrade declined", []stStep{
			{"receive GET with Upgrade", stRecv("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c\r\n\r\n"), "SendResponse/MightSwitchProtocol"},
			{"send 200", stResponse(200, "Content-Length", "0"), "SendBody/Done"},
			{"send end", stEnd, "Done/Done"},
			{"next cycle", stNextCycle, "Idle/Idle"},
		}},
		{"CONNECT accepted", []stStep{
			{"receive CONNECT", stRecv("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n"), "SendResponse/MightSwitchProtocol"},
			{"send 200", stResponse(200), "SwitchedProtocol/SwitchedProtocol"},
		}},
		{"CONNECT declined", []stStep{
			{"receive CONNECT", stRecv("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n"), "SendResponse/MightSwitchProtocol"},
			{"send 502", stResponse(502, "Content-Length", "0"), "SendBody/Done"},
			{"send end", stEnd, "Done/Done"},
		}},
		{"CONNECT declined by 3xx", []stStep{
			{"receive CONNECT", stRecv("CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n"), "SendResponse/MightSwitchProtocol"},
			{"send 307", stResponse(307, "Location", "b:1", "Content-Length", "0"), "SendBody/Done"},
			{"send end", stEnd, "Done/Done"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, h1.Server, tc.steps) })
	}
}

func TestStateAfterErrors(t *testing.T) {
	cases := []struct {
		name   string
		role   h1.Role
		steps  []func(c *h1.Conn) error
		local  bool   // the last step fails with a LocalError (else a RemoteError)
		states string // after the error
	}{
		{"server: remote error in a request head", h1.Server,
			[]func(c *h1.Conn) error{stRecv("GET / HTTP/9.9\r\n\r\n")}, false, "Idle/Error"},
		{"server: remote error after a complete request", h1.Server,
			[]func(c *h1.Conn) error{stRecv("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), stRecv("junk")}, false, "SendResponse/Error"},
		{"server: local error after a cycle", h1.Server,
			[]func(c *h1.Conn) error{stRecv("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), stResponse(204), stEnd, stData("x")}, true, "Error/MustClose"},
		{"server: local error in a response", h1.Server,
			[]func(c *h1.Conn) error{stRecv("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), stResponse(200, "X", "\r\n")}, true, "Error/MustClose"},
		{"client: remote error in a response", h1.Client,
			[]func(c *h1.Conn) error{stRequest("GET", "/"), stEnd, stRecv("HTTP/1.1 2000 OK\r\n\r\n")}, false, "MustClose/Error"},
		{"client: remote error while sending", h1.Client,
			[]func(c *h1.Conn) error{stRequest("POST", "/", "Content-Length", "5"), stRecv("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n")}, false, "SendBody/Error"},
		{"client: local error after a cycle", h1.Client,
			[]func(c *h1.Conn) error{stRequest("GET", "/"), stEnd, stRecv("HTTP/1.1 204 No Content\r\n\r\n"), stEnd}, true, "Error/MustClose"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h1.NewConn(tc.role)
			var err error
			for _, s := range tc.steps {
				if err = s(c); err != nil {
					break
				}
			}
			if tc.local {
				assertLocal(t, err, errAnyKind)
			} else {
				assertRemote(t, err, errAnyKind, -1)
			}
			if got := statesOf(c); got != tc.states {
				t.Errorf("states (ours/theirs) = %s, want %s", got, tc.states)
			}
			assertSticky(t, c, err)
		})
	}
}

func TestStartNextCycleErrors(t *testing.T) {
	cases := []struct {
		name   string
		role   h1.Role
		steps  []func(c *h1.Conn) error
		states string // before StartNextCycle
	}{
		{"client Idle/Idle", h1.Client, nil, "Idle/Idle"},
		{"client SendBody/SendResponse", h1.Client, []func(c *h1.Conn) error{stRequest("POST", "/", "Content-Length", "1")}, "SendBody/SendResponse"},
		{"client Done/SendResponse", h1.Client, []func(c *h1.Conn) error{stRequest("GET", "/"), stEnd}, "Done/SendResponse"},
		{"client Done/SendBody", h1.Client, []func(c *h1.Conn) error{stRequest("GET", "/"), stEnd,
			stRecv("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n")}, "Done/SendBody"},
		{"client SendBody/Done", h1.Client, []func(c *h1.Conn) error{stRequest("POST", "/", "Content-Length", "1"),
			stRecv("HTTP/1.1 204 No Content\r\n\r\n")}, "SendBody/Done"},
		{"client MustClose/MustClose", h1.Client, []func(c *h1.Conn) error{stRequest("GET", "/", "Connection", "close"), stEnd,
			stRecv("HTTP/1.1 204 No Content\r\n\r\n")}, "MustClose/MustClose"},
		{"client SwitchedProtocol", h1.Client, []func(c *h1.Conn) error{stRequest("CONNECT", "a:1"), stEnd,
			stRecv("HTTP/1.1 200 OK\r\n\r\n")}, "SwitchedProtocol/SwitchedProtocol"},
		{"client MightSwitchProtocol", h1.Client, []func(c *h1.Conn) error{stRequest("GET", "/", "Upgrade", "x"), stEnd}, "MightSwitchProtocol/SendResponse"},
		{"client Closed/MustClose", h1.Client, []func(c *h1.Conn) error{stClose}, "Closed/MustClose"},
		{"server Idle/Idle", h1.Server, nil, "Idle/Idle"},
		{"server SendResponse/Done", h1.Server, []func(c *h1.Conn) error{stRecv("GET / HTTP/1.1\r\nHost: a\r\n\r\n")}, "SendResponse/Done"},
		{"server SendBody/Done", h1.Server, []func(c *h1.Conn) error{stRecv("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), stResponse(200)}, "SendBody/Done"},
		{"server Done/SendBody", h1.Server, []func(c *h1.Conn) error{stRecv("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n"),
			stResponse(204), stEnd}, "Done/SendBody"},
		{"server Done/Idle", h1.Server, []func(c *h1.Conn) error{stResponse(408, "Content-Length", "0"), stEnd}, "Done/Idle"},
		{"server SwitchedProtocol", h1.Server, []func(c *h1.Conn) error{stRecv("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: x\r\n\r\n"),
			stResponse(101, "Upgrade", "x")}, "SwitchedProtocol/SwitchedProtocol"},
		{"server MustClose/Closed", h1.Server, []func(c *h1.Conn) error{stRecvEOF}, "MustClose/Closed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h1.NewConn(tc.role)
			for i, s := range tc.steps {
				if err := s(c); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			if got := statesOf(c); got != tc.states {
				t.Fatalf("states before StartNextCycle = %s, want %s", got, tc.states)
			}
			before := string(c.Pending())
			err := c.StartNextCycle()
			assertLocal(t, err, proto.ErrState)
			if got := c.StartNextCycle(); got != err {
				t.Errorf("second StartNextCycle = %v, want the sticky %v", got, err)
			}
			if got := string(c.Pending()); got != before {
				t.Errorf("Pending() changed to %q", got)
			}
		})
	}
}

func TestStateAndRoleStrings(t *testing.T) {
	states := map[h1.State]string{
		h1.Idle: "Idle", h1.SendResponse: "SendResponse", h1.SendBody: "SendBody", h1.Done: "Done",
		h1.MustClose: "MustClose", h1.Closed: "Closed", h1.MightSwitchProtocol: "MightSwitchProtocol",
		h1.SwitchedProtocol: "SwitchedProtocol", h1.Error: "Error", h1.State(200): "State(200)",
	}
	for s, want := range states {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", uint8(s), got, want)
		}
	}
	if got := h1.Client.String(); got != "client" {
		t.Errorf("Client.String() = %q", got)
	}
	if got := h1.Server.String(); got != "server" {
		t.Errorf("Server.String() = %q", got)
	}
	for _, r := range []h1.Role{h1.Client, h1.Server} {
		c := h1.NewConnWithLimits(r, h1.Limits{})
		if c.Role() != r {
			t.Errorf("NewConnWithLimits(%v).Role() = %v", r, c.Role())
		}
		if !c.KeepAlive() || c.Err() != nil || c.ClientAwaitsContinue() {
			t.Errorf("new %v: KeepAlive %v, Err %v, ClientAwaitsContinue %v; want true, nil, false", r,
				c.KeepAlive(), c.Err(), c.ClientAwaitsContinue())
		}
		if ev, err := c.NextEvent(); ev != nil || err != nil {
			t.Errorf("new %v: NextEvent() = %s, %v; want nil, nil", r, renderEvent(ev), err)
		}
		if stData, eof := c.TrailingData(); len(stData) != 0 || eof {
			t.Errorf("new %v: TrailingData() = %q, %v", r, stData, eof)
		}
	}
}

func TestReceiveAfterEOF(t *testing.T) {
	c := h1.NewConn(h1.Server)
	must(t, c.ReceiveEOF())
	must(t, c.Receive(nil)) // nothing to add is fine
	err := c.Receive([]byte("GET"))
	assertLocal(t, err, proto.ErrState)
	if got := c.Err(); got != err {
		t.Errorf("Err() = %v, want %v", got, err)
	}
	if ev, got := c.NextEvent(); got != err || ev != nil {
		t.Errorf("NextEvent() = %s, %v; want the sticky %v", renderEvent(ev), got, err)
	}
}
