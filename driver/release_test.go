package driver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// TestReleaseKeepsEachHeader: responses whose heads grow and shrink (more fields and longer values than a
// recycled exchange has room for, then fewer), each released before the next, carry exactly their own
// fields, capped so that an append to one does not write into the next; their bodies and trailers are theirs.
func TestReleaseKeepsEachHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		for i := range n {
			w.Header().Set(fmt.Sprintf("X-F%d", i), strings.Repeat(string(rune('a'+i%26)), size))
		}
		w.Header().Set("Trailer", "X-Done")
		_, _ = fmt.Fprintf(w, "body %d/%d", n, size)
		w.Header().Set("X-Done", r.URL.RawQuery)
	}))
	defer srv.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	c := dialOrigin(t, origin, nil)
	for _, shape := range [][2]int{{1, 3}, {40, 300}, {2, 1}, {20, 20}, {0, 0}, {70, 2}, {3, 5}} {
		n, size := shape[0], shape[1]
		query := fmt.Sprintf("n=%d&size=%d", n, size)
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/?" + query})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, f := range resp.Header {
			name := string(f.Name)
			if !strings.HasPrefix(name, "X-F") {
				continue
			}
			i, _ := strconv.Atoi(name[3:])
			if want := strings.Repeat(string(rune('a'+i%26)), size); string(f.Value) != want || i >= n {
				t.Errorf("%s: field %s = %q, want %q", query, name, f.Value, want)
			}
			if cap(f.Name) != len(f.Name) || cap(f.Value) != len(f.Value) {
				t.Errorf("%s: field %s has room beyond its end (%d/%d, %d/%d)", query, name,
					len(f.Name), cap(f.Name), len(f.Value), cap(f.Value))
			}
			got++
		}
		if got != n {
			t.Errorf("%s: %d X-F fields, want %d", query, got, n)
		}
		body, err := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("body %d/%d", n, size); err != nil || string(body) != want {
			t.Errorf("%s: body %q, %v; want %q", query, body, err, want)
		}
		if v, _ := resp.Trailers().Get("X-Done"); string(v) != query {
			t.Errorf("%s: trailer X-Done %q", query, v)
		}
		resp.Release()
	}
}

// TestReleaseClosesTheBody: releasing a response whose body was not read closes it as Close does: a short
// rest is drained and the connection carries the next request; one still arriving ends the connection.
func TestReleaseClosesTheBody(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "some body")
		if r.URL.Path == "/held" {
			w.(http.Flusher).Flush()
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	defer close(hold)
	origin, _ := proto.ParseOrigin(srv.URL)
	c := dialOrigin(t, origin, nil)
	get := func(path string) *driver.Response {
		t.Helper()
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: path})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return resp
	}
	get("/").Release()
	resp := get("/") // the same connection: the first body was drained
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "some body" {
		t.Fatalf("after a release: %q, %v", b, err)
	}
	resp.Release()
	get("/held").Release()
	if _, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/"}); !errors.Is(err, driver.ErrConnClosed) {
		t.Errorf("after releasing a body still arriving: %v, want ErrConnClosed", err)
	}
}

// TestReleaseWaitsForARead: Release from one goroutine while another is blocked in the body's Read ends the
// Read and returns only after it did (the race detector checks that nothing of the response is touched
// after).
func TestReleaseWaitsForARead(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, "part")
		w.(http.Flusher).Flush()
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hold)
	origin, _ := proto.ParseOrigin(srv.URL)
	c := dialOrigin(t, origin, nil)
	resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/"})
	if err != nil {
		t.Fatal(err)
	}
	body := resp.Body
	buf := make([]byte, 4)
	if _, err := io.ReadFull(body, buf); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := body.Read(make([]byte, 10))
		done <- err
	}()
	waitUntil(t, func() bool { return blockedIn("(*h1Body).Read", "IO wait") })
	resp.Release()
	select {
	case err := <-done:
		if err == nil {
			t.Error("the blocked Read returned no error")
		}
	default:
		t.Fatal("Release returned while the Read was still running")
	}
}

// TestReleaseLeavesStreamsAlone: releasing an HTTP/2 response closes its body (the stream ends, the
// connection carries the next request), and releasing a 101's leaves its NetworkStream to the caller.
func TestReleaseLeavesStreamsAlone(t *testing.T) {
	t.Run("HTTP/2", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, strings.Repeat("x", 1<<20))
		}))
		srv.EnableHTTP2 = true
		srv.StartTLS()
		defer srv.Close()
		origin, _ := proto.ParseOrigin(srv.URL)
		c := dialOrigin(t, origin, &driver.Options{TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig})
		for range 2 {
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/"})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Extensions.HTTPVersion != "HTTP/2" {
				t.Fatalf("version %s", resp.Extensions.HTTPVersion)
			}
			resp.Release()
			if _, err := resp.Body.Read(make([]byte, 1)); !errors.Is(err, driver.ErrBodyClosed) {
				t.Errorf("Read after releasing an HTTP/2 response: %v, want ErrBodyClosed", err)
			}
		}
	})
	t.Run("101", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, brw, _ := w.(http.Hijacker).Hijack()
			defer conn.Close()
			_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			_ = brw.Flush()
			_, _ = io.Copy(conn, brw) // echo until the client closes
		}))
		defer srv.Close()
		origin, _ := proto.ParseOrigin(srv.URL)
		c := dialOrigin(t, origin, nil)
		resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/",
			Header: proto.Fields{{Name: []byte("Connection"), Value: []byte("Upgrade")}, {Name: []byte("Upgrade"), Value: []byte("echo")}}})
		if err != nil {
			t.Fatal(err)
		}
		stream := resp.Extensions.NetworkStream
		resp.Release()
		defer stream.Close()
		if _, err := stream.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 4)
		if _, err := io.ReadFull(stream, got); err != nil || !bytes.Equal(got, []byte("ping")) {
			t.Errorf("the stream after Release: %q, %v", got, err)
		}
	})
}
