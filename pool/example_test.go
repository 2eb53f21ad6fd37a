package pool_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// The pool as the transport of an http.Client.
func ExamplePool_RoundTrip() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()

	p := pool.New(pool.Options{})
	defer p.Close()
	client := &http.Client{Transport: p}
	for range 3 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.Status, string(body))
	}
	st := p.Stats().Total
	fmt.Println("dials:", st.Dials, "reuses:", st.Reuses)
	// Output:
	// 200 OK hello
	// 200 OK hello
	// 200 OK hello
	// dials: 1 reuses: 2
}

// The native API streams the body and reports protocol details.
func ExamplePool_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "streamed")
	}))
	defer srv.Close()

	p := pool.New(pool.Options{})
	defer p.Close()
	origin, _ := proto.ParseOrigin(srv.URL)
	resp, err := p.Do(context.Background(), &pool.Request{Method: "GET", Origin: origin, Target: "/"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, resp.Extensions.HTTPVersion, resp.Extensions.ReasonPhrase, string(body))
	// Output: 200 HTTP/1.1 OK streamed
}

func ExampleNew() {
	p := pool.New(pool.Options{MaxConnectionsPerOrigin: 4, H2C: true})
	defer p.Close()
	fmt.Println(p.Stats().Total.Connections)
	// Output: 0
}
