package driver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// Dial a server, send a request, stream the response body.
func ExampleDial() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello, "+r.URL.Path)
	}))
	defer srv.Close()

	origin, _ := proto.ParseOrigin(srv.URL)
	conn, err := driver.Dial(context.Background(), origin, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	resp, err := conn.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: "/world"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(conn.Protocol(), resp.Status, resp.Extensions.HTTPVersion, string(body))
	// Output: http/1.1 200 HTTP/1.1 hello, /world
}

// HTTP/2 by prior knowledge (h2c) on a plaintext origin.
func ExampleOptions_h2c() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()

	origin, _ := proto.ParseOrigin(srv.URL)
	conn, err := driver.Dial(context.Background(), origin, &driver.Options{H2C: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	resp, err := conn.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(conn.Protocol(), string(body))
	// Output: h2 HTTP/2.0
}

// A request that may be sent twice with the effect of once: after driver.ErrConnStale, such a request can
// be resent on another connection.
func ExampleRequest_Idempotent() {
	get := &driver.Request{Method: "GET"}
	post := &driver.Request{Method: "POST"}
	keyed := &driver.Request{Method: "POST", Header: proto.Fields{{Name: []byte("Idempotency-Key"), Value: []byte("8e03978e")}}}
	fmt.Println(get.Idempotent(), post.Idempotent(), keyed.Idempotent())
	// Output: true false true
}

// An HTTP/2 connection that checks a quiet peer: after 30 s without a frame it sends a PING, and a peer that
// then stays silent for 10 s ends the connection (its requests fail with h2.ErrPingTimeout) instead of
// leaving them waiting on a route that died.
func ExampleOptions_keepalive() {
	origin, _ := proto.ParseOrigin("https://example.com")
	opts := &driver.Options{H2: h2.Config{KeepaliveInterval: 30 * time.Second, PingTimeout: 10 * time.Second}}
	conn, err := driver.Dial(context.Background(), origin, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	resp, err := conn.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin})
	if errors.Is(err, h2.ErrPingTimeout) {
		fmt.Println("the server vanished")
		return
	}
	if err == nil {
		resp.Body.Close()
	}
}

// finishPrinter prints when the response it was given for is done with.
type finishPrinter struct{}

func (finishPrinter) Finish() { fmt.Println("response done: the connection is free") }

// An HTTP/1.1 connection tells a Finisher when the response is done with, so that whoever pools connections
// can take this one back without wrapping the body.
func ExampleFinishingConn() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()

	origin, _ := proto.ParseOrigin(srv.URL)
	conn, err := driver.Dial(context.Background(), origin, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	fc, ok := conn.(driver.FinishingConn)
	if !ok {
		fmt.Println("not HTTP/1.1")
		return
	}
	resp, err := fc.RoundTripFinish(context.Background(), &driver.Request{Method: "GET", Origin: origin}, finishPrinter{})
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	resp.Body.Close()
	fmt.Println("available:", conn.Available())
	// Output:
	// response done: the connection is free
	// hello
	// available: 1
}

// Release ends the use of a response, so that the next one reuses its memory: in a loop of requests, an
// HTTP/1.1 response then costs no allocation. Nothing of a released response may be used after.
func ExampleResponse_Release() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Path)
	}))
	defer srv.Close()

	origin, _ := proto.ParseOrigin(srv.URL)
	conn, err := driver.Dial(context.Background(), origin, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	buf := make([]byte, 64)
	for _, path := range []string{"/one", "/two", "/three"} {
		resp, err := conn.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: origin, Target: path})
		if err != nil {
			fmt.Println(err)
			return
		}
		n, _ := io.ReadFull(resp.Body, buf[:len(path)])
		fmt.Println(resp.Status, string(buf[:n]))
		resp.Release() // closes the body too
	}
	// Output:
	// 200 /one
	// 200 /two
	// 200 /three
}
