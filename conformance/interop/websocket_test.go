package interop_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/gorilla/websocket"
	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// wsHandshake sends the opening handshake (RFC 6455 §4.1) and checks the 101 (§4.2.2): it returns the raw
// stream that the caller's WebSocket library frames.
func wsHandshake(t *testing.T, c driver.Conn, origin proto.Origin, target string) net.Conn {
	t.Helper()
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: target,
		Header: proto.Fields{
			{Name: []byte("Connection"), Value: []byte("Upgrade")},
			{Name: []byte("Upgrade"), Value: []byte("websocket")},
			{Name: []byte("Sec-WebSocket-Version"), Value: []byte("13")},
			{Name: []byte("Sec-WebSocket-Key"), Value: []byte(key)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 101 || resp.Extensions.NetworkStream == nil {
		t.Fatalf("handshake answered %d, stream %v", resp.Status, resp.Extensions.NetworkStream)
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got, _ := resp.Header.Get("Sec-WebSocket-Accept"); string(got) != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("Sec-WebSocket-Accept %q does not answer the key", got)
	}
	if c.Available() != -1 {
		t.Fatalf("a switched connection still offers itself for requests: Available %d", c.Available())
	}
	return resp.Extensions.NetworkStream
}

// echoMessages sends messages through the stream and checks each comes back byte for byte.
func echoMessages(t *testing.T, stream net.Conn) {
	t.Helper()
	for i, msg := range []string{"hello", strings.Repeat("é", 40000), "", "last"} {
		if err := wsutil.WriteClientText(stream, []byte(msg)); err != nil {
			t.Fatalf("message %d: write: %v", i, err)
		}
		got, err := wsutil.ReadServerText(stream)
		if err != nil {
			t.Fatalf("message %d: read: %v", i, err)
		}
		if string(got) != msg {
			t.Fatalf("message %d: echoed %d bytes, want %d", i, len(got), len(msg))
		}
	}
}

func TestWebSocketHTTPBinEcho(t *testing.T) {
	for _, p := range serve(t, httpbin.New().Handler()) {
		if p.proto != "http/1.1" {
			continue // an Upgrade needs HTTP/1.1; WebSocket over HTTP/2 is RFC 8441
		}
		t.Run(p.name, func(t *testing.T) {
			p.opts.HTTP1 = true
			c := dial(t, p)
			stream := wsHandshake(t, c, p.origin, "/websocket/echo")
			defer stream.Close()
			echoMessages(t, stream)
		})
	}
}

func TestWebSocketGorillaEcho(t *testing.T) {
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			kind, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if err := conn.WriteMessage(kind, msg); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	c, err := driver.Dial(context.Background(), origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stream := wsHandshake(t, c, origin, "/ws")
	defer stream.Close()
	echoMessages(t, stream)
}

// TestWebSocketBytesWithThe101 uses a server that writes the 101 and its first message in one write, so
// that the message arrives in the same read as the head: the stream must still deliver it.
func TestWebSocketBytesWithThe101(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := l.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		head := fmt.Sprintf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: %s\r\n\r\n", base64.StdEncoding.EncodeToString(sum[:]))
		var frame strings.Builder
		_ = ws.WriteFrame(&frame, ws.NewTextFrame([]byte("greeting in the same segment")))
		_, _ = nc.Write([]byte(head + frame.String()))
		// Then echo one message.
		msg, err := wsutil.ReadClientText(nc)
		if err == nil {
			_ = wsutil.WriteServerText(nc, msg)
		}
	}()
	origin, _ := proto.ParseOrigin("http://" + l.Addr().String())
	c, err := driver.Dial(context.Background(), origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stream := wsHandshake(t, c, origin, "/")
	defer stream.Close()
	got, err := wsutil.ReadServerText(stream)
	if err != nil || string(got) != "greeting in the same segment" {
		t.Fatalf("first message %q, %v", got, err)
	}
	if err := wsutil.WriteClientText(stream, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if got, err := wsutil.ReadServerText(stream); err != nil || string(got) != "ping" {
		t.Fatalf("echo %q, %v", got, err)
	}
	stream.Close()
	<-done
}
