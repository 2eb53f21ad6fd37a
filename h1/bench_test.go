package h1

import (
	"testing"

	"github.com/httpwire/httpwire/proto"
)

// Benchmarks of the receive path. Events borrow the Conn's buffer, so a steady state parses heads and body
// chunks without allocating (DESIGN.md §3).

var benchResponse = []byte("HTTP/1.1 200 OK\r\n" +
	"Server: nginx/1.24.0\r\n" +
	"Date: Sun, 29 Nov 2026 18:00:00 GMT\r\n" +
	"Content-Type: application/json; charset=utf-8\r\n" +
	"Content-Length: 13\r\n" +
	"Connection: keep-alive\r\n" +
	"Cache-Control: no-cache, no-store, must-revalidate\r\n" +
	"Vary: Accept-Encoding\r\n" +
	"X-Request-Id: 4f1c2a9e-7b3d-4e8a-9c1f-2d5e6f7a8b9c\r\n" +
	"Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n" +
	"Set-Cookie: session=abc123; Path=/; HttpOnly\r\n" +
	"\r\n" +
	"Hello, World!")

var benchRequest = []byte("GET /api/v1/items?page=2&limit=50 HTTP/1.1\r\n" +
	"Host: api.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: application/json, text/plain, */*\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Referer: https://app.example.com/dashboard\r\n" +
	"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc\r\n" +
	"Cookie: theme=dark; session=abc123\r\n" +
	"Connection: keep-alive\r\n" +
	"Cache-Control: no-cache\r\n" +
	"\r\n")

// resetReceive puts a Conn back to a fresh connection's receive state, keeping its buffers, so that a
// benchmark measures head parsing alone.
func resetReceive(c *Conn) {
	c.m = newMachine()
	c.in, c.r, c.scanned, c.lineStart = c.in[:0], 0, 0, 0
	c.body = bodyReader{}
}

// BenchmarkParseResponseHead parses a 10-field response head (client role).
func BenchmarkParseResponseHead(b *testing.B) {
	c := NewConn(Client)
	head := benchResponse[:len(benchResponse)-13]
	b.SetBytes(int64(len(head)))
	b.ReportAllocs()
	for b.Loop() {
		resetReceive(c)
		c.m.states = [2]State{Done, SendResponse}
		if err := c.Receive(head); err != nil {
			b.Fatal(err)
		}
		if ev, err := c.NextEvent(); err != nil || ev == nil {
			b.Fatal(ev, err)
		}
	}
}

// BenchmarkParseRequestHead parses an 11-field request head (server role).
func BenchmarkParseRequestHead(b *testing.B) {
	c := NewConn(Server)
	b.SetBytes(int64(len(benchRequest)))
	b.ReportAllocs()
	for b.Loop() {
		resetReceive(c)
		if err := c.Receive(benchRequest); err != nil {
			b.Fatal(err)
		}
		if ev, err := c.NextEvent(); err != nil || ev == nil {
			b.Fatal(ev, err)
		}
	}
}

// BenchmarkClientCycle is a whole keep-alive cycle on the client core: send a GET, parse the response head,
// its body and its end, start the next cycle.
func BenchmarkClientCycle(b *testing.B) {
	c := NewConn(Client)
	req := proto.NewRequest("GET", "/api/v1/items", "Host", "api.example.com", "Accept", "*/*")
	b.SetBytes(int64(len(benchResponse)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.SendRequest(req); err != nil {
			b.Fatal(err)
		}
		if err := c.SendEnd(nil); err != nil {
			b.Fatal(err)
		}
		c.Advance(len(c.Pending()))
		if err := c.Receive(benchResponse); err != nil {
			b.Fatal(err)
		}
		for {
			ev, err := c.NextEvent()
			if err != nil {
				b.Fatal(err)
			}
			if _, end := ev.(*EndOfMessage); end {
				break
			}
		}
		if err := c.StartNextCycle(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerCycle is a whole keep-alive cycle on the server core: parse a request, answer it with a
// 13-byte body, start the next cycle.
func BenchmarkServerCycle(b *testing.B) {
	c := NewConn(Server)
	resp := proto.NewResponse(200, "Content-Type", "text/plain", "Content-Length", "13")
	body := []byte("Hello, World!")
	b.SetBytes(int64(len(benchRequest)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Receive(benchRequest); err != nil {
			b.Fatal(err)
		}
		for {
			ev, err := c.NextEvent()
			if err != nil {
				b.Fatal(err)
			}
			if _, end := ev.(*EndOfMessage); end {
				break
			}
		}
		if err := c.SendResponse(resp); err != nil {
			b.Fatal(err)
		}
		if err := c.SendData(body); err != nil {
			b.Fatal(err)
		}
		if err := c.SendEnd(nil); err != nil {
			b.Fatal(err)
		}
		c.Advance(len(c.Pending()))
		if err := c.StartNextCycle(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedDecode decodes a chunked body of 64 chunks of 1 KiB, delivered in 16 KiB reads.
func BenchmarkChunkedDecode(b *testing.B) {
	head := []byte("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
	chunk := make([]byte, 1024)
	for i := range chunk {
		chunk[i] = 'a' + byte(i%26)
	}
	var body []byte
	for range 64 {
		body = append(body, "400;name=value\r\n"...)
		body = append(body, chunk...)
		body = append(body, "\r\n"...)
	}
	body = append(body, "0\r\nX-Checksum: 1\r\n\r\n"...)
	c := NewConn(Server)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		resetReceive(c)
		if err := c.Receive(head); err != nil {
			b.Fatal(err)
		}
		if _, err := c.NextEvent(); err != nil {
			b.Fatal(err)
		}
		got := 0
		for off := 0; off < len(body); off += 16 << 10 {
			if err := c.Receive(body[off:min(off+16<<10, len(body))]); err != nil {
				b.Fatal(err)
			}
			for {
				ev, err := c.NextEvent()
				if err != nil {
					b.Fatal(err)
				}
				if ev == nil {
					break
				}
				if d, ok := ev.(*Data); ok {
					got += len(d.Data)
				}
			}
		}
		if got != 64*1024 {
			b.Fatalf("decoded %d bytes", got)
		}
	}
}
