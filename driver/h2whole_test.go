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
