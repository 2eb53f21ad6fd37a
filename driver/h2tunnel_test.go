package driver_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// TestH2RefusedConnectFreesStream: a CONNECT (plain or extended) that the server refuses, ending its side
// without a reset, is closed on ours too: with one concurrent stream allowed, the next request still runs.
func TestH2RefusedConnectFreesStream(t *testing.T) {
	origin := h2Server(t, h2.Config{MaxConcurrentStreams: 1, EnableConnectProtocol: true}, func(sc *h2.Conn, ev h2.Event) {
		if e, ok := ev.(*h2.HeadersReceived); ok && e.Kind == h2.KindRequest {
			status := 200
			if string(e.Request.Method) == "CONNECT" {
				status = 403
			}
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(status), true)
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	for _, protocol := range []string{"", "websocket"} {
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "CONNECT", Protocol: protocol,
			Origin: origin, Target: "example.com:443"})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Status != 403 {
			t.Fatalf("CONNECT %q: status %d, want 403", protocol, resp.Status)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		next, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: origin})
		cancel()
		if err != nil {
			t.Fatalf("a request after a refused CONNECT %q: %v", protocol, err)
		}
		next.Body.Close()
	}
}

// tunnelServer answers a CONNECT with 200 and ends its side at once (with "bye"), then GOAWAY when goAway is
// set; it reports what arrives on the tunnel, and "END" when our side ends. Unless consume is set it never
// reopens the window, so that a large write waits.
func tunnelServer(t *testing.T, goAway, consume bool) (proto.Origin, <-chan string) {
	got := make(chan string, 16)
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(200), false)
			_, _ = sc.SendData(e.StreamID, []byte("bye"), true)
			if goAway {
				_ = sc.GoAway(h2.ErrCodeNo, nil)
			}
		case *h2.DataReceived:
			if consume {
				sc.Consume(e.StreamID, len(e.Data))
			}
			report(got, string(e.Data))
		case *h2.StreamEnded:
			report(got, "END")
		}
	})
	return origin, got
}

// openTunnel CONNECTs to origin and reads the tunnel to the end of the server's side ("bye").
func openTunnel(t *testing.T, origin proto.Origin) net.Conn {
	t.Helper()
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "CONNECT", Origin: origin,
		Target: "example.com:443"})
	if err != nil {
		t.Fatal(err)
	}
	s := resp.Extensions.NetworkStream
	if b, err := io.ReadAll(s); err != nil || string(b) != "bye" {
		t.Fatalf("tunnel read %q, %v", b, err)
	}
	return s
}

// report sends s on ch unless ch is full: the server goes on whatever the test reads.
func report(ch chan<- string, s string) {
	select {
	case ch <- s:
	default:
	}
}

// TestH2TunnelHalfClosedByPeer: after the peer ended its side of a tunnel, and sent GOAWAY, our side still
// writes and ends: the stream stays on the connection until Close.
func TestH2TunnelHalfClosedByPeer(t *testing.T) {
	origin, got := tunnelServer(t, true, true)
	s := openTunnel(t, origin)
	if _, err := s.Write([]byte("more")); err != nil {
		t.Fatalf("write after the peer ended its side: %v", err)
	}
	if g := within(t, got, "the tunnel's data"); g != "more" {
		t.Fatalf("the server got %q, want \"more\"", g)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestH2TunnelCloseWakesWriter: a Write waiting for a window returns net.ErrClosed when the tunnel is closed.
func TestH2TunnelCloseWakesWriter(t *testing.T) {
	origin, _ := tunnelServer(t, false, false)
	s := openTunnel(t, origin)
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(make([]byte, 4<<20)) // beyond the 1 MiB window the server never reopens
		done <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the Write start; Close must end it whether it waits yet or not
	s.Close()
	if err := within(t, done, "the blocked Write's return"); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v, want net.ErrClosed", err)
	}
}

// TestBodyLengthMismatch: a body longer or shorter than its ContentLength fails the request with
// proto.ErrBodyLength on both protocols, an error of ours rather than the server's.
func TestBodyLengthMismatch(t *testing.T) {
	for _, p := range peers(t) {
		if p.name == "tls-h1" || p.name == "tls-h2" {
			continue // plain-h1 and h2c cover both protocols
		}
		for _, declared := range []int64{5, 50} {
			c := dial(t, p)
			_, err := c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
				Target: "/echo", Body: strings.NewReader("hello world"), ContentLength: declared})
			if !errors.Is(err, proto.ErrBodyLength) {
				t.Errorf("%s: 11 bytes declared as %d: %v, want proto.ErrBodyLength", p.name, declared, err)
			}
		}
	}
}
