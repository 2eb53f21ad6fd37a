package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/httpwire/httpwire/internal/childproc"
	"github.com/valyala/fasthttp"
)

// The server runs in a child process: "bench serve h1" (fasthttp) or "bench serve h2c" (net/http with
// HTTP/2 by prior knowledge). It prints "addr HOST:PORT" and serves until its stdin closes.

const bulkSize = 64 << 20

var hello = []byte("Hello, World!")

func serveMain(args []string) {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: bench serve h1|h2c")
		os.Exit(2)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bulk := make([]byte, bulkSize)
	for i := range bulk {
		bulk[i] = byte(i)
	}
	switch args[0] {
	case "h1":
		srv := &fasthttp.Server{Concurrency: 100000, Handler: func(ctx *fasthttp.RequestCtx) {
			switch string(ctx.Path()) {
			case "/bulk":
				ctx.SetBody(bulk)
				return
			case "/slow":
				time.Sleep(200 * time.Millisecond) // holds every connection open at once (idle-mem)
			}
			ctx.SetBody(hello)
		}}
		go func() { _ = srv.Serve(l) }()
	case "h2c":
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				time.Sleep(time.Second) // holds every stream open at once (idle-mem's streams)
			}
			if r.URL.Path == "/bulk" {
				w.Header().Set("Content-Length", fmt.Sprint(bulkSize))
				_, _ = w.Write(bulk)
				return
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(hello)))
			_, _ = w.Write(hello)
		})}
		srv.Protocols = new(http.Protocols)
		srv.Protocols.SetHTTP1(true)
		srv.Protocols.SetUnencryptedHTTP2(true)
		srv.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 256, MaxReceiveBufferPerConnection: 16 << 20,
			MaxReceiveBufferPerStream: 16 << 20}
		go func() { _ = srv.Serve(l) }()
	default:
		fmt.Fprintln(os.Stderr, "unknown server", args[0])
		os.Exit(2)
	}
	fmt.Printf("addr %s\n", l.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // the parent closes our stdin to stop us
	os.Exit(0)
}

// startServer runs a server child ("bench serve KIND") and returns its address and a function that stops it.
func startServer(kind string) (string, func(), error) { return childproc.Start("serve", kind) }
