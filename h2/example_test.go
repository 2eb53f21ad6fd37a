package h2_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// transfer moves what one core has queued to the other, as a driver would over a socket.
func transfer(from, to *h2.Conn) {
	if err := to.Receive(from.Pending()); err != nil {
		panic(err)
	}
	from.Advance(len(from.Pending()))
}

// A client sends a request and reads the response. The bytes from the server come from a server core here;
// a driver would read them from a socket.
func ExampleNewConn() {
	client := h2.NewConn(h2.Client, h2.Config{})
	server := h2.NewConn(h2.Server, h2.Config{}) // plays the remote server

	id, err := client.SendRequest(&proto.RequestHead{
		Method: []byte("GET"), Scheme: []byte("https"), Authority: []byte("example.com"), Target: []byte("/hello"),
	}, true)
	if err != nil {
		panic(err)
	}
	transfer(client, server)

	// The server answers every request with "hello".
	for {
		ev, err := server.NextEvent()
		if err != nil {
			panic(err)
		}
		if ev == nil {
			break
		}
		if req, ok := ev.(*h2.HeadersReceived); ok && req.Kind == h2.KindRequest {
			_ = server.SendResponse(req.StreamID, proto.NewResponse(200, "content-type", "text/plain"), false)
			_, _ = server.SendData(req.StreamID, []byte("hello"), true)
		}
	}
	transfer(server, client)

	fmt.Println("request on stream", id)
	for {
		ev, err := client.NextEvent()
		if err != nil {
			panic(err)
		}
		switch e := ev.(type) {
		case nil:
			return // more input needed
		case *h2.SettingsReceived:
			fmt.Println("server settings: max concurrent streams", e.Settings.MaxConcurrentStreams)
		case *h2.SettingsAcked:
			fmt.Println("our settings acknowledged")
		case *h2.WindowUpdated:
			fmt.Printf("window of stream %d opened by %d\n", e.StreamID, e.Delta)
		case *h2.HeadersReceived:
			ct, _ := e.Response.Fields.Get("content-type")
			fmt.Printf("stream %d: status %d, content-type %s\n", e.StreamID, e.Response.Status, ct)
		case *h2.DataReceived:
			fmt.Printf("stream %d: data %q\n", e.StreamID, e.Data)
			client.Consume(e.StreamID, len(e.Data)) // the application read it
		case *h2.StreamEnded:
			fmt.Printf("stream %d: ended\n", e.StreamID)
		}
	}
	// Output:
	// request on stream 1
	// server settings: max concurrent streams 100
	// window of stream 0 opened by 4128769
	// our settings acknowledged
	// stream 1: status 200, content-type text/plain
	// stream 1: data "hello"
	// stream 1: ended
}

// SendData sends what the flow-control windows allow and says how much; the rest waits for a
// WindowUpdated event.
func ExampleConn_SendData() {
	client := h2.NewConn(h2.Client, h2.Config{})
	server := h2.NewConn(h2.Server, h2.Config{StreamWindow: 10}) // a tiny window, to show flow control
	transfer(client, server)
	transfer(server, client)
	for ev, _ := client.NextEvent(); ev != nil; ev, _ = client.NextEvent() {
	}

	id, _ := client.SendRequest(&proto.RequestHead{
		Method: []byte("POST"), Scheme: []byte("https"), Authority: []byte("example.com"), Target: []byte("/upload"),
	}, false)
	body := []byte("twenty-four bytes of it!")
	n, _ := client.SendData(id, body, true)
	fmt.Printf("sent %d of %d bytes\n", n, len(body))
	body = body[n:]

	// The server reads the first bytes; once it has read half its window it opens it again.
	transfer(client, server)
	for len(body) > 0 {
		for {
			ev, err := server.NextEvent()
			if err != nil {
				panic(err)
			}
			if ev == nil {
				break
			}
			if d, ok := ev.(*h2.DataReceived); ok {
				fmt.Printf("server read %q\n", d.Data)
				server.Consume(d.StreamID, len(d.Data))
			}
		}
		transfer(server, client)
		for {
			ev, _ := client.NextEvent()
			if ev == nil {
				break
			}
			if w, ok := ev.(*h2.WindowUpdated); ok && w.StreamID == id {
				n, _ := client.SendData(id, body, true)
				fmt.Printf("window +%d: sent %d more\n", w.Delta, n)
				body = body[n:]
			}
		}
		transfer(client, server)
	}
	// Output:
	// sent 10 of 24 bytes
	// server read "twenty-fou"
	// window +10: sent 10 more
	// server read "r bytes of"
	// window +10: sent 4 more
}

// The core reads no clock: Deadline says when it needs attention and HandleTimeout gives it the time. Here
// the peer never acknowledges our SETTINGS.
func ExampleConn_HandleTimeout() {
	c := h2.NewConn(h2.Client, h2.Config{SettingsTimeout: 5 * time.Second})
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) // a driver would use time.Now()

	for range 3 {
		at, ok := c.Deadline()
		if !ok {
			fmt.Println("no timer")
			return
		}
		if at.IsZero() {
			fmt.Println("deadline: now (a timer is to be armed)")
		} else {
			fmt.Println("deadline:", at.Format(time.TimeOnly))
			now = at // a driver would sleep until then, or until bytes arrive
		}
		if err := c.HandleTimeout(now); err != nil {
			fmt.Println("error:", err)
			var re *proto.RemoteError
			if errors.As(err, &re) {
				fmt.Println("code:", h2.ErrCode(re.Code))
			}
			return
		}
	}
	// Output:
	// deadline: now (a timer is to be armed)
	// deadline: 12:00:05
	// error: remote: protocol error: SETTINGS not acknowledged in time
	// code: SETTINGS_TIMEOUT
}

// A driver that reads the socket into one buffer can lend it instead of having it copied: ReceiveShared
// keeps the buffer until NextEvent returns nil, and only then may the next read overwrite it. With
// StableFields the fields of a head stay valid after that, so they can be kept without a copy.
func ExampleConn_ReceiveShared() {
	client := h2.NewConn(h2.Client, h2.Config{StableFields: true})
	server := h2.NewConn(h2.Server, h2.Config{})
	id, _ := client.SendRequest(&proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"),
		Authority: []byte("example.com"), Target: []byte("/")}, true)
	transfer(client, server)
	for ev, _ := server.NextEvent(); ev != nil; ev, _ = server.NextEvent() {
	}
	_ = server.SendResponse(id, proto.NewResponse(200, "etag", `"v1"`), true)

	readBuf := make([]byte, 64<<10) // the driver's read buffer, reused for every read
	var kept proto.Fields
	for wire := server.Pending(); len(wire) > 0; {
		n := copy(readBuf, wire[:min(len(wire), 7)]) // a socket read of a few bytes
		wire = wire[n:]
		if err := client.ReceiveShared(readBuf[:n]); err != nil {
			panic(err)
		}
		for {
			ev, err := client.NextEvent()
			if err != nil {
				panic(err)
			}
			if ev == nil {
				break // readBuf is free again
			}
			if h, ok := ev.(*h2.HeadersReceived); ok && h.Kind == h2.KindResponse {
				kept = h.Response.Fields
			}
		}
		clear(readBuf) // the next read overwrites it
	}
	etag, _ := kept.Get("etag")
	fmt.Println(string(etag))
	// Output: "v1"
}
