package h1_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// printEvents reads every event c has and prints it, the way a driver loop would dispatch them.
func printEvents(c *h1.Conn) {
	for {
		ev, err := c.NextEvent()
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		switch e := ev.(type) {
		case nil:
			return // more input needed
		case *h1.Request:
			fmt.Printf("request: %s %s (Host %s)\n", e.Method, e.Target, e.Fields.Values("Host")[0])
		case *h1.InformationalResponse:
			fmt.Printf("informational: %d %s\n", e.Status, e.Reason)
		case *h1.Response:
			fmt.Printf("response: %d %s\n", e.Status, e.Reason)
		case *h1.Data:
			fmt.Printf("data: %q\n", e.Data)
		case *h1.EndOfMessage:
			fmt.Printf("end of message, %d trailer fields\n", len(e.Trailers))
		case *h1.ConnectionClosed:
			fmt.Println("connection closed")
			return
		case *h1.Paused:
			fmt.Println("paused")
			return
		}
	}
}

// printWire prints bytes queued for the peer one line at a time, then marks them as written.
func printWire(c *h1.Conn) {
	for _, line := range strings.SplitAfter(string(c.Pending()), "\n") {
		if line != "" {
			fmt.Printf("> %q\n", line)
		}
	}
	c.Advance(len(c.Pending()))
}

// A client sends a request, hands the response bytes to the core as they arrive and reads the events.
func ExampleNewConn() {
	c := h1.NewConn(h1.Client)

	req := proto.NewRequest("GET", "/hello", "Accept", "text/plain")
	req.Authority = []byte("example.com") // becomes the Host field
	if err := c.SendRequest(req); err != nil {
		panic(err)
	}
	if err := c.SendEnd(nil); err != nil {
		panic(err)
	}
	printWire(c) // a driver writes these bytes to the socket

	// Bytes read from the socket, in whatever pieces they came.
	for _, piece := range []string{"HTTP/1.1 200 OK\r\nContent-", "Length: 12\r\n\r\nhello", ", world"} {
		if err := c.Receive([]byte(piece)); err != nil {
			panic(err)
		}
		printEvents(c)
	}
	fmt.Println("states:", c.OurState(), c.TheirState())
	fmt.Println("next cycle:", c.StartNextCycle())
	// Output:
	// > "GET /hello HTTP/1.1\r\n"
	// > "Host: example.com\r\n"
	// > "Accept: text/plain\r\n"
	// > "\r\n"
	// response: 200 OK
	// data: "hello"
	// data: ", world"
	// end of message, 0 trailer fields
	// states: Done Done
	// next cycle: <nil>
}

// A server reads a request and answers it; the response has no length, so it is sent chunked.
func ExampleConn_server() {
	c := h1.NewConn(h1.Server)
	input := "POST /echo HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n\r\nping"
	if err := c.Receive([]byte(input)); err != nil {
		panic(err)
	}
	var body []byte
	for {
		ev, err := c.NextEvent()
		if err != nil {
			// A *proto.RemoteError carries the status to answer with in StatusHint.
			panic(err)
		}
		if ev == nil {
			break
		}
		switch e := ev.(type) {
		case *h1.Request:
			fmt.Printf("%s %s\n", e.Method, e.Target)
		case *h1.Data:
			body = append(body, e.Data...) // Data borrows the Conn's buffer: copy it
		case *h1.EndOfMessage:
			if err := c.SendResponse(proto.NewResponse(200, "Content-Type", "text/plain")); err != nil {
				panic(err)
			}
			if err := c.SendData(body); err != nil {
				panic(err)
			}
			if err := c.SendEnd(nil); err != nil {
				panic(err)
			}
		}
	}
	printWire(c)
	fmt.Println("states:", c.OurState(), c.TheirState())
	// Output:
	// POST /echo
	// > "HTTP/1.1 200 OK\r\n"
	// > "Content-Type: text/plain\r\n"
	// > "Transfer-Encoding: chunked\r\n"
	// > "\r\n"
	// > "4\r\n"
	// > "ping\r\n"
	// > "0\r\n"
	// > "\r\n"
	// states: Done Done
}

// Pipelined requests: the second waits (Paused) until the first has its response and StartNextCycle resets
// the connection.
func ExampleConn_StartNextCycle() {
	c := h1.NewConn(h1.Server)
	if err := c.Receive([]byte("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")); err != nil {
		panic(err)
	}
	for i := 0; i < 2; i++ {
		printEvents(c)
		if err := c.SendResponse(proto.NewResponse(204)); err != nil {
			panic(err)
		}
		if err := c.SendEnd(nil); err != nil {
			panic(err)
		}
		fmt.Println("states:", c.OurState(), c.TheirState())
		if err := c.StartNextCycle(); err != nil {
			panic(err)
		}
	}
	printEvents(c)
	if err := c.ReceiveEOF(); err != nil {
		panic(err)
	}
	printEvents(c)
	// Output:
	// request: GET /1 (Host a)
	// end of message, 0 trailer fields
	// paused
	// states: Done Done
	// request: GET /2 (Host a)
	// end of message, 0 trailer fields
	// states: Done Done
	// connection closed
}

// After a 101 the connection speaks another protocol; TrailingData hands back the bytes of that protocol
// that came with the response.
func ExampleConn_TrailingData() {
	c := h1.NewConn(h1.Client)
	req := proto.NewRequest("GET", "/chat", "Host", "example.com", "Upgrade", "websocket", "Connection", "Upgrade")
	if err := c.SendRequest(req); err != nil {
		panic(err)
	}
	if err := c.SendEnd(nil); err != nil {
		panic(err)
	}
	c.Advance(len(c.Pending()))
	fmt.Println("after the request:", c.OurState())

	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi"
	if err := c.Receive([]byte(resp)); err != nil {
		panic(err)
	}
	printEvents(c)
	fmt.Println("states:", c.OurState(), c.TheirState())
	rest, closed := c.TrailingData()
	fmt.Printf("trailing data: %q, peer closed: %v\n", rest, closed)
	// Output:
	// after the request: MightSwitchProtocol
	// informational: 101 Switching Protocols
	// paused
	// states: SwitchedProtocol SwitchedProtocol
	// trailing data: "\x81\x02hi", peer closed: false
}

// SendData encodes body data for the message's framing: here chunked, ended by trailers.
func ExampleConn_SendData() {
	c := h1.NewConn(h1.Client)
	req := proto.NewRequest("POST", "/upload", "Host", "example.com", "Transfer-Encoding", "chunked")
	if err := c.SendRequest(req); err != nil {
		panic(err)
	}
	printWire(c)
	for _, chunk := range []string{"hello, ", "chunked world"} {
		if err := c.SendData([]byte(chunk)); err != nil {
			panic(err)
		}
	}
	var trailers proto.Fields
	trailers.Add("X-Checksum", "7d1f")
	if err := c.SendEnd(trailers); err != nil {
		panic(err)
	}
	printWire(c)
	// Output:
	// > "POST /upload HTTP/1.1\r\n"
	// > "Host: example.com\r\n"
	// > "Transfer-Encoding: chunked\r\n"
	// > "\r\n"
	// > "7\r\n"
	// > "hello, \r\n"
	// > "d\r\n"
	// > "chunked world\r\n"
	// > "0\r\n"
	// > "X-Checksum: 7d1f\r\n"
	// > "\r\n"
}

// A request that breaks the rules is a *proto.RemoteError that tells a server what to answer.
func ExampleConn_NextEvent_error() {
	c := h1.NewConn(h1.Server)
	if err := c.Receive([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")); err != nil {
		panic(err)
	}
	_, err := c.NextEvent()
	var re *proto.RemoteError
	if errors.As(err, &re) {
		fmt.Println("answer with", re.StatusHint)
	}
	fmt.Println("framing error:", errors.Is(err, proto.ErrFraming))
	_, again := c.NextEvent()
	fmt.Println("sticky:", again == err)
	// Output:
	// answer with 400
	// framing error: true
	// sticky: true
}
