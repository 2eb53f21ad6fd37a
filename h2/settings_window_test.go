package h2_test

import (
	"bytes"
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// TestLoweredWindowBeforeAck: a receiver that announces a stream window below the default 65,535 bytes must
// accept data the peer sent under the default before it saw the SETTINGS (RFC 9113 §6.9.2), and enforce the
// lower window only once the peer acknowledged it, when open streams' windows shrink by the difference.
func TestLoweredWindowBeforeAck(t *testing.T) {
	server := h2.NewConn(h2.Server, h2.Config{StreamWindow: 16})
	client := h2.NewConn(h2.Client, h2.Config{})
	req := &proto.RequestHead{Method: []byte("POST"), Scheme: []byte("http"), Authority: []byte("a"), Target: []byte("/")}
	id, err := client.SendRequest(req, false)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("x"), 1000)
	if n, err := client.SendData(id, body, false); err != nil || n != len(body) {
		t.Fatalf("client sends %d of %d bytes under the default window: %v", n, len(body), err)
	}
	// The server gets all of it before the client has seen the server's SETTINGS.
	deliver(t, client, server)
	got := takeData(t, server)
	if got != len(body) {
		t.Fatalf("the server received %d bytes, want %d", got, len(body))
	}

	// SETTINGS to the client, its ACK back: the stream's window is now 16 - 1000, and the client holds off.
	deliver(t, server, client)
	takeData(t, client)
	deliver(t, client, server)
	takeData(t, server)
	if n, err := client.SendData(id, []byte("more"), false); err != nil || n != 0 {
		t.Fatalf("after the lower window took effect the client sent %d bytes (%v), want 0", n, err)
	}
	server.Consume(id, got) // the application read it all: 1000 bytes of credit, the window back to 16
	deliver(t, server, client)
	takeData(t, client)
	if n, err := client.SendData(id, []byte("more"), false); err != nil || n != 4 {
		t.Fatalf("after the credit the client sent %d bytes (%v), want 4", n, err)
	}
	deliver(t, client, server)
	if n := takeData(t, server); n != 4 {
		t.Fatalf("the server received %d bytes, want 4", n)
	}
}

// takeData takes every event c has and returns how many DATA bytes arrived; a stream reset fails the test
// (all data here is within the window the receiver must honour).
func takeData(t *testing.T, c *h2.Conn) int {
	t.Helper()
	n := 0
	for {
		ev, err := c.NextEvent()
		if err != nil {
			t.Fatal(err)
		}
		switch e := ev.(type) {
		case nil:
			return n
		case *h2.DataReceived:
			n += len(e.Data)
		case *h2.StreamReset:
			t.Fatalf("stream %d reset (%v) for data within the window", e.StreamID, e.Code)
		}
	}
}

// deliver moves what from has queued to to.
func deliver(t *testing.T, from, to *h2.Conn) {
	t.Helper()
	p := from.Pending()
	if err := to.Receive(p); err != nil {
		t.Fatal(err)
	}
	from.Advance(len(p))
}
