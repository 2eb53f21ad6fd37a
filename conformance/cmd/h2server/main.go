// Command h2server runs the project's thin server driver for conformance suites: HTTP/2 by prior knowledge
// (h2c) on -h2c, and HTTP/1.1 on -h1 when given. Every path answers 200 with a short text body. It prints
// "listening h2c ADDR" (and "listening h1 ADDR") once ready and runs until killed.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/httpwire/httpwire/driver/server"
	"github.com/httpwire/httpwire/proto"
)

func main() {
	h2cAddr := flag.String("h2c", "127.0.0.1:0", "address for HTTP/2 by prior knowledge")
	h1Addr := flag.String("h1", "", "address for HTTP/1.1 (off when empty)")
	verbose := flag.Bool("v", false, "log connection errors")
	flag.Parse()

	srv := &server.Server{Handler: hello}
	if *verbose {
		srv.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	l, err := net.Listen("tcp", *h2cAddr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "h2server:", err)
		os.Exit(1)
	}
	fmt.Println("listening h2c", l.Addr())
	go func() { _ = srv.ServeH2C(l) }()
	if *h1Addr != "" {
		l1, err := net.Listen("tcp", *h1Addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "h2server:", err)
			os.Exit(1)
		}
		fmt.Println("listening h1", l1.Addr())
		go func() { _ = srv.ServeH1(l1) }()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	_ = srv.Close()
}

// hello answers every request with 200 and a body naming the path.
func hello(req *proto.RequestHead, body []byte) (*proto.ResponseHead, []byte) {
	resp := proto.NewResponse(200, "content-type", "text/plain")
	return resp, []byte("hello from httpwire: " + string(req.Target) + "\n")
}
