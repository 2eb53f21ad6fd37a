//go:build unix && !aix

package driver

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server = <-accepted
	if server == nil {
		t.Fatal("no connection accepted")
	}
	t.Cleanup(func() { server.Close() })
	// A test whose exchange goes wrong fails within 10 s instead of waiting for ever.
	_ = client.SetDeadline(time.Now().Add(10 * time.Second))
	_ = server.SetDeadline(time.Now().Add(10 * time.Second))
	return client, server
}

// TestExchangerQuiet: on a quiet socket the request goes out whole, and the answer, sent only after the
// request was read, is waited for and read.
func TestExchangerQuiet(t *testing.T) {
	client, server := tcpPair(t)
	x := newExchanger(client)
	if x == nil {
		t.Fatal("no exchanger for a *net.TCPConn")
	}
	request := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	answered := make(chan error, 1)
	go func() {
		got := make([]byte, len(request))
		if _, err := io.ReadFull(server, got); err != nil || !bytes.Equal(got, request) {
			answered <- errors.New("the server did not get the request: " + string(got))
			return
		}
		time.Sleep(20 * time.Millisecond) // the client is waiting by now
		_, err := server.Write([]byte("answer"))
		answered <- err
	}()
	in := make([]byte, 64)
	r := x.exchange(request, in)
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	if r.idle || r.werr != nil || !r.sent || r.wrote != len(request) || r.rerr != nil || r.eof {
		t.Fatalf("result %+v; want the whole request sent and no failure", r)
	}
	if got := string(in[:r.n]); got != "answer" {
		t.Fatalf("read %q; want \"answer\"", got)
	}

	// A second exchange on the same socket, the peer closing instead of answering.
	go func() {
		_, _ = io.ReadFull(server, make([]byte, len(request)))
		_ = server.(*net.TCPConn).CloseWrite()
	}()
	r = x.exchange(request, in)
	if !r.sent || !r.eof || r.n != 0 || r.rerr != nil {
		t.Fatalf("result %+v; want the request sent and the end of input", r)
	}
}

// TestExchangerNotQuiet: a byte or the end of input waiting on the idle socket stops the exchange before
// anything is written.
func TestExchangerNotQuiet(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(server net.Conn) error
	}{
		{"unsolicited byte", func(s net.Conn) error { _, err := s.Write([]byte("x")); return err }},
		{"closed by the peer", func(s net.Conn) error { return s.(*net.TCPConn).CloseWrite() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := tcpPair(t)
			if err := tc.spoil(server); err != nil {
				t.Fatal(err)
			}
			p := newIdlePeeker(client) // wait until the kernel has it, with a look that takes nothing
			waitFor(t, func() bool { data, closed, _ := p.peek(); return data || closed })
			r := newExchanger(client).exchange([]byte("GET / HTTP/1.1\r\n\r\n"), make([]byte, 64))
			if !r.idle || r.wrote != 0 || r.sent {
				t.Fatalf("result %+v; want idle set and nothing written", r)
			}
			_ = server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if n, err := server.Read(make([]byte, 64)); n != 0 || !isTimeout(err) {
				t.Fatalf("the server read %d bytes (%v); want none", n, err)
			}
		})
	}
}

// TestExchangerShortWrite: a request larger than the socket takes at once is left part-written for the
// caller, who writes the rest the ordinary way; the peer gets every byte once.
func TestExchangerShortWrite(t *testing.T) {
	client, server := tcpPair(t)
	_ = client.(*net.TCPConn).SetWriteBuffer(4 << 10)
	request := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, more than the socket takes at once
	r := newExchanger(client).exchange(request, make([]byte, 64))
	if r.idle || r.werr != nil || r.sent || r.wrote == 0 || r.wrote >= len(request) {
		t.Fatalf("result idle %v werr %v sent %v wrote %d of %d; want a part written", r.idle, r.werr, r.sent,
			r.wrote, len(request))
	}
	got := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(io.LimitReader(server, int64(len(request)))); got <- b }()
	if _, err := client.Write(request[r.wrote:]); err != nil {
		t.Fatal(err)
	}
	if b := <-got; !bytes.Equal(b, request) {
		t.Fatalf("the server got %d bytes, not the request", len(b))
	}
}

// TestExchangerWaitEnds: a read deadline, or a Close from another goroutine, ends the wait for an answer.
// Either comes once the server has the request, so that the exchange is surely waiting.
func TestExchangerWaitEnds(t *testing.T) {
	request := []byte("GET / HTTP/1.1\r\n\r\n")
	for _, tc := range []struct {
		name  string
		end   func(client net.Conn)
		check func(error) bool
	}{
		{"deadline", func(c net.Conn) { _ = c.SetReadDeadline(time.Now()) }, isTimeout},
		{"close", func(c net.Conn) { c.Close() }, func(err error) bool { return errors.Is(err, net.ErrClosed) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := tcpPair(t)
			x := newExchanger(client)
			go func() {
				if _, err := io.ReadFull(server, make([]byte, len(request))); err == nil {
					tc.end(client)
				}
			}()
			r := x.exchange(request, make([]byte, 64))
			if !r.sent || !tc.check(r.rerr) {
				t.Fatalf("result %+v; want the request sent and the wait ended by the %s", r, tc.name)
			}
			if msg := r.rerr.Error(); !strings.HasPrefix(msg, "read tcp ") {
				t.Errorf("error %q; want it to read as a net.Conn Read's", msg)
			}
			if tc.name == "close" {
				// Closed before the exchange: nothing is tried.
				r = x.exchange(request, make([]byte, 64))
				if r.sent || r.wrote != 0 || r.werr == nil {
					t.Fatalf("result %+v on a closed connection; want werr and nothing written", r)
				}
			}
		})
	}
}

// TestExchangerOnlyPlainSockets: TLS and wrapped connections, whose Write does more than write, get none.
func TestExchangerOnlyPlainSockets(t *testing.T) {
	client, _ := tcpPair(t)
	if newExchanger(tls.Client(client, &tls.Config{})) != nil {
		t.Error("an exchanger for a TLS connection")
	}
	if newExchanger(struct{ net.Conn }{client}) != nil {
		t.Error("an exchanger for a wrapped connection")
	}
}
