package driver_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// TestH2WholeResponse: a response whose head, body and end arrive together is read, closed and cancelled
// like any other. The server answers /N with N bytes, /N/trailers adds a trailer, all in one write.
func TestH2WholeResponse(t *testing.T) {
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		e, ok := ev.(*h2.HeadersReceived)
		if !ok || e.Kind != h2.KindRequest {
			return
		}
		parts := strings.Split(strings.TrimPrefix(string(e.Request.Target), "/"), "/")
		n, _ := strconv.Atoi(parts[0])
		trailers := len(parts) > 1
		_ = sc.SendResponse(e.StreamID, proto.NewResponse(200, "content-length", strconv.Itoa(n)), false)
		_, _ = sc.SendData(e.StreamID, []byte(strings.Repeat("b", n)), !trailers)
		if trailers {
			_ = sc.SendTrailers(e.StreamID, proto.Fields{{Name: []byte("x-sum"), Value: []byte("ok")}})
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true})
	get := func(ctx context.Context, target string) *driver.Response {
		t.Helper()
		resp, err := c.RoundTrip(ctx, &driver.Request{Method: "GET", Origin: origin, Target: target})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	for _, n := range []int{0, 13, 64, 65, 5000} {
		for _, target := range []string{"/" + strconv.Itoa(n), "/" + strconv.Itoa(n) + "/trailers"} {
			resp := get(context.Background(), target)
			body, err := io.ReadAll(resp.Body)
			if err != nil || string(body) != strings.Repeat("b", n) {
				t.Fatalf("%s: %d bytes, %v", target, len(body), err)
			}
			if got, _ := resp.Trailers().Get("x-sum"); strings.HasSuffix(target, "trailers") != (string(got) == "ok") {
				t.Errorf("%s: trailer x-sum %q", target, got)
			}
			if err := resp.Body.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Closed before reading: further Reads fail with ErrBodyClosed.
	resp := get(context.Background(), "/13")
	resp.Body.Close()
	if _, err := resp.Body.Read(make([]byte, 8)); !errors.Is(err, driver.ErrBodyClosed) {
		t.Errorf("Read after Close: %v, want ErrBodyClosed", err)
	}

	// Cancelled after the head: the body fails with the context's error, buffered bytes or not.
	ctx, cancel := context.WithCancel(context.Background())
	resp = get(ctx, "/13")
	cancel()
	if _, err := resp.Body.Read(make([]byte, 8)); !errors.Is(err, context.Canceled) {
		t.Errorf("Read after cancel: %v, want context.Canceled", err)
	}
	resp.Body.Close()

	// Two readers of one body share its bytes without losing any.
	resp = get(context.Background(), "/5000")
	total, foreign := readWithTwo(t, resp.Body, 7, 'b')
	resp.Body.Close()
	if total-foreign != 5000 {
		t.Errorf("two readers got %d bytes of 5000", total-foreign)
	}

	// Every stream is gone: the connection takes as many requests as before.
	if got, want := c.Available(), c.Capacity(); got != want {
		t.Errorf("Available = %d, Capacity = %d: streams left behind", got, want)
	}
}

// TestH2BodyEndsWithItsLastBytes: the Read that returns an HTTP/2 body's last bytes returns io.EOF with them
// once the end has arrived: for a response that came whole with its head, and for DATA carrying END_STREAM
// to a Read that waits for it or that finds it buffered. The server answers /whole at once; /later sends its
// head, and its body only when the client pings.
func TestH2BodyEndsWithItsLastBytes(t *testing.T) {
	var later uint32
	origin := h2Server(t, h2.Config{}, func(sc *h2.Conn, ev h2.Event) {
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if e.Kind != h2.KindRequest {
				return
			}
			_ = sc.SendResponse(e.StreamID, proto.NewResponse(200, "content-length", "5"), false)
			if string(e.Request.Target) == "/later" {
				later = e.StreamID
				return
			}
			_, _ = sc.SendData(e.StreamID, []byte("hello"), true)
		case *h2.PingReceived:
			if later != 0 {
				_, _ = sc.SendData(later, []byte("hello"), true)
				later = 0
			}
		}
	})
	c := dialOrigin(t, origin, &driver.Options{H2C: true})

	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/whole"})
	if err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 2)
	if n, err := resp.Body.Read(small); n != 2 || err != nil {
		t.Fatalf("whole: a Read of 2 of 5 bytes returned %d, %v", n, err)
	}
	var rest [64]byte
	if n, err := resp.Body.Read(rest[:]); string(rest[:n]) != "llo" || err != io.EOF {
		t.Fatalf("whole: the last Read returned %q, %v; want \"llo\" with io.EOF", rest[:n], err)
	}
	if n, err := resp.Body.Read(rest[:]); n != 0 || err != io.EOF {
		t.Fatalf("whole: a Read after the end returned %d, %v", n, err)
	}
	resp.Body.Close()

	resp, err = c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/later"})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		body string
		err  error
	}
	done := make(chan result)
	go func() {
		var buf [64]byte
		n, err := resp.Body.Read(buf[:])
		done <- result{string(buf[:n]), err}
	}()
	waitUntil(t, func() bool { return blockedIn("(*h2Body).Read", "sync.Cond.Wait") })
	if err := c.(driver.Pinger).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.body != "hello" || r.err != io.EOF {
		t.Fatalf("later: the Read that waited returned %q, %v; want \"hello\" with io.EOF", r.body, r.err)
	}
	resp.Body.Close()

	// The body arrives after the head, and before any Read: the Read finds it buffered, with its end.
	resp, err = c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/later"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.(driver.Pinger).Ping(context.Background()); err != nil { // the body goes out with the ack
		t.Fatal(err)
	}
	if n, err := resp.Body.Read(rest[:]); string(rest[:n]) != "hello" || err != io.EOF {
		t.Fatalf("buffered: the Read returned %q, %v; want \"hello\" with io.EOF", rest[:n], err)
	}
	resp.Body.Close()
	if c.Available() < 1 {
		t.Fatal("no stream available after the bodies ended")
	}
}
