package driver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpwire/httpwire/driver"
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
