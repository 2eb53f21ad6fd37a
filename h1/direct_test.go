package h1_test

import (
	"errors"
	"testing"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

// TestDirectBody reads the bodies of three framings partly through the Conn and partly "directly", as a
// driver reading the socket into the application's buffer would, and checks the message ends exactly where
// its framing says.
func TestDirectBody(t *testing.T) {
	cases := []struct {
		name     string
		head     string // the response head, plus any bytes that arrive with it
		direct   []int  // direct reads, each after the Conn needs input
		tail     string // bytes that arrive afterwards, through Receive
		eof      bool
		wantData string // what arrived through Data events
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", []int{5, 3}, "", false, "ab"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nab", []int{6}, "\r\n0\r\n\r\n", false, "ab"},
		{"until close", "HTTP/1.1 200 OK\r\n\r\nab", []int{7}, "", true, "ab"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h1.NewConn(h1.Client)
			must(t, c.SendRequest(proto.NewRequest("GET", "/", "Host", "a")))
			must(t, c.SendEnd(nil))
			must(t, c.Receive([]byte(tc.head)))
			data := ""
			ended := false
			drain := func() {
				for {
					ev, err := c.NextEvent()
					must(t, err)
					switch e := ev.(type) {
					case nil:
						return
					case *h1.Data:
						data += string(e.Data)
					case *h1.EndOfMessage:
						ended = true
						return
					}
				}
			}
			drain()
			for _, n := range tc.direct {
				if got := c.DirectBody(); got < int64(n) {
					t.Fatalf("DirectBody = %d, want at least %d", got, n)
				}
				must(t, c.ConsumeDirect(n))
				drain()
			}
			if c.DirectBody() != 0 && tc.tail == "" && !tc.eof {
				t.Fatalf("DirectBody = %d after the whole body", c.DirectBody())
			}
			if tc.tail != "" {
				must(t, c.Receive([]byte(tc.tail)))
			}
			if tc.eof {
				must(t, c.ReceiveEOF())
			}
			drain()
			if data != tc.wantData || !ended {
				t.Fatalf("data %q, ended %v; want %q and the end", data, ended, tc.wantData)
			}
		})
	}
}

func TestDirectBodyMisuse(t *testing.T) {
	c := h1.NewConn(h1.Client)
	must(t, c.SendRequest(proto.NewRequest("GET", "/", "Host", "a")))
	must(t, c.SendEnd(nil))
	if c.DirectBody() != 0 {
		t.Fatal("DirectBody before any response")
	}
	must(t, c.Receive([]byte("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")))
	if _, err := c.NextEvent(); err != nil {
		t.Fatal(err)
	}
	if err := c.ConsumeDirect(5); !errors.Is(err, proto.ErrState) {
		t.Fatalf("ConsumeDirect past the body: %v, want ErrState", err)
	}
}

// TestDirectBodyLimit: reading a close-delimited body directly counts towards MaxBodyBytes: DirectBody offers
// only the room left, and a byte past the limit, read through the core, fails with ErrTooLarge.
func TestDirectBodyLimit(t *testing.T) {
	lim := h1.DefaultLimits
	lim.MaxBodyBytes = 5
	c := h1.NewConnWithLimits(h1.Client, lim)
	must(t, c.SendRequest(proto.NewRequest("GET", "/", "Host", "a")))
	must(t, c.SendEnd(nil))
	must(t, c.Receive([]byte("HTTP/1.1 200 OK\r\n\r\nab")))
	for {
		ev, err := c.NextEvent()
		must(t, err)
		if ev == nil {
			break
		}
	}
	if got := c.DirectBody(); got != 3 {
		t.Fatalf("DirectBody = %d with 2 of 5 bytes read, want 3", got)
	}
	must(t, c.ConsumeDirect(3))
	if got := c.DirectBody(); got != 0 {
		t.Fatalf("DirectBody = %d at the limit, want 0", got)
	}
	must(t, c.Receive([]byte("x")))
	if _, err := c.NextEvent(); !errors.Is(err, proto.ErrTooLarge) {
		t.Fatalf("a byte past the limit: %v, want ErrTooLarge", err)
	}
}
