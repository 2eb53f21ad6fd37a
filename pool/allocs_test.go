package pool_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// Allocation budgets per pooled GET with a 13-byte body, read to the end: the targets. The servers
// here answer from canned bytes and allocate nothing per request, so every allocation counted is the
// client's (pool, driver and core).
const (
	h1AllocBudget = 2
	h2AllocBudget = 5
)

func TestAllocsPerRequest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		serve  func(net.Conn)
		h2c    bool
		budget float64
	}{
		{"h1", serveCannedH1, false, h1AllocBudget},
		{"h2c", serveCannedH2, true, h2AllocBudget},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
				tc.serve(nc)
			}()
			origin, _ := proto.ParseOrigin("http://" + l.Addr().String())
			p := pool.New(pool.Options{H2C: tc.h2c, MaxConnectionsPerOrigin: 1})
			req := &pool.Request{Method: "GET", Origin: origin, Target: "/"}
			buf := make([]byte, 64)
			get := func() {
				resp, err := p.Do(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.ReadFull(resp.Body, buf[:13])
				if err != nil || string(buf[:n]) != "Hello, World!" {
					t.Fatalf("body %q, %v", buf[:n], err)
				}
				if _, err := resp.Body.Read(buf); err != io.EOF {
					t.Fatalf("after the body: %v, want EOF", err)
				}
				resp.Body.Close()
			}
			for range 50 {
				get() // warm: the connection, HPACK tables, spare buffers
			}
			allocs := testing.AllocsPerRun(500, get)
			t.Logf("%.2f allocations per request", allocs)
			// Under the race detector sync.Pool drops what is put back at random, so the count varies; make
			// test-allocs checks the budget without it.
			if !raceEnabled && allocs > tc.budget {
				t.Errorf("%.2f allocations per request, budget %v", allocs, tc.budget)
			}
			p.Close()
			<-done
		})
	}
}

// serveCannedH1 answers every request head with the same response until the client closes.
func serveCannedH1(nc net.Conn) {
	response := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!")
	buf := make([]byte, 4096)
	have := 0
	for {
		n, err := nc.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		for {
			i := bytes.Index(buf[:have], []byte("\r\n\r\n"))
			if i < 0 {
				break
			}
			have = copy(buf, buf[i+4:have])
			if _, err := nc.Write(response); err != nil {
				return
			}
		}
	}
}

// serveCannedH2 speaks just enough h2c: it acknowledges SETTINGS and answers every HEADERS frame with a
// 200 (":status: 200", "content-length: 13" from the static table, RFC 7541 Appendix A) and a 13-byte DATA
// frame that ends the stream.
func serveCannedH2(nc net.Conn) {
	const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	frame := func(b []byte, typ, flags byte, stream uint32, payload []byte) []byte {
		b = append(b, byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload)), typ, flags)
		b = binary.BigEndian.AppendUint32(b, stream)
		return append(b, payload...)
	}
	block := []byte{0x88, 0x0f, 0x0d, 0x02, '1', '3'}
	out := frame(nil, 0x4, 0, 0, nil) // our SETTINGS: none
	if _, err := nc.Write(out); err != nil {
		return
	}
	hello := []byte("Hello, World!")
	buf := make([]byte, 1<<16)
	have, prefaced := 0, false
	for {
		n, err := nc.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		off := 0
		if !prefaced {
			if have < len(preface) {
				continue
			}
			off, prefaced = len(preface), true
		}
		out = out[:0]
		for have-off >= 9 {
			length := int(buf[off])<<16 | int(buf[off+1])<<8 | int(buf[off+2])
			if have-off < 9+length {
				break
			}
			typ, flags := buf[off+3], buf[off+4]
			stream := binary.BigEndian.Uint32(buf[off+5:]) & 0x7fffffff
			switch {
			case typ == 0x4 && flags&0x1 == 0: // SETTINGS: acknowledge
				out = frame(out, 0x4, 0x1, 0, nil)
			case typ == 0x1: // HEADERS: answer
				out = frame(out, 0x1, 0x4, stream, block)
				out = frame(out, 0x0, 0x1, stream, hello)
			}
			off += 9 + length
		}
		have = copy(buf, buf[off:have])
		if len(out) > 0 {
			if _, err := nc.Write(out); err != nil {
				return
			}
		}
	}
}
