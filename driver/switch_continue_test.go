package driver_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
)

// TestSwitchWhileAwaitingContinue: a server that switches protocols (101 to an Upgrade, or a 2xx to a
// CONNECT) while the client waits for 100 Continue has answered the request: the body is not sent, and the
// response hands the connection over with the bytes that followed the head. The call used to spin for ever
// on the switched core (101), or return a CONNECT's 2xx as an ordinary response whose body failed.
func TestSwitchWhileAwaitingContinue(t *testing.T) {
	for _, tc := range []struct {
		name, method, answer string
		header               [][2]string
	}{
		{"101", "POST", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n",
			[][2]string{{"Connection", "Upgrade"}, {"Upgrade", "test"}}},
		{"CONNECT 200", "CONNECT", "HTTP/1.1 200 Connection Established\r\n\r\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 1)
			origin := rawServer(t, func(nc net.Conn) {
				br := bufio.NewReader(nc)
				if _, err := http.ReadRequest(br); err != nil {
					got <- "bad request: " + err.Error()
					return
				}
				_, _ = io.WriteString(nc, tc.answer+"hello")
				b := make([]byte, 4)
				_, err := io.ReadFull(br, b) // what the client writes next: "ping", not the request body
				got <- string(b)
				if err == nil {
					_, _ = io.WriteString(nc, "pong")
				}
			})
			c := dialOrigin(t, origin, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req := &driver.Request{Method: tc.method, Origin: origin, Target: "/", Body: strings.NewReader("body"), ContentLength: 4}
			if tc.method == "CONNECT" {
				req.Target = origin.Authority()
			}
			for _, h := range tc.header {
				req.Header.Add(h[0], h[1])
			}
			req.Header.Add("Expect", "100-continue")
			resp, err := c.RoundTrip(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			stream := resp.Extensions.NetworkStream
			if stream == nil {
				t.Fatalf("status %d without a NetworkStream", resp.Status)
			}
			defer stream.Close()
			b := make([]byte, 5)
			if _, err := io.ReadFull(stream, b); err != nil || string(b) != "hello" {
				t.Fatalf("the stream's first bytes: %q, %v", b, err)
			}
			if _, err := io.WriteString(stream, "ping"); err != nil {
				t.Fatal(err)
			}
			if s := <-got; s != "ping" {
				t.Errorf("the server read %q after its answer, want the stream's ping (no request body)", s)
			}
			b = b[:4]
			if _, err := io.ReadFull(stream, b); err != nil || string(b) != "pong" {
				t.Errorf("pong: %q, %v", b, err)
			}
			if _, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: origin}); !errors.Is(err, driver.ErrConnClosed) {
				t.Errorf("a request on the handed-over connection: %v, want ErrConnClosed", err)
			}
		})
	}
}
