// Command httpwire is a curl-like client built on the httpwire pool, and a demo of the library.
//
//	httpwire [flags] URL            one request; the body goes to stdout (or -o FILE)
//	httpwire --ws URL               WebSocket: stdin lines go out as text messages, messages come back printed
//	httpwire --sse URL              Server-Sent Events: each event printed as it arrives
//	httpwire -n N -c C URL          load: N requests, C at a time, then req/s and latency percentiles
//	httpwire demo                   every capability against embedded local peers
//
// Exit status: 0 success, 1 usage error, 2 connection or protocol error, 3 timeout, 4 an HTTP error
// status (400 or above) with --fail.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses scripts can rely on.
const (
	exitOK       = 0
	exitUsage    = 1
	exitFailure  = 2
	exitTimeout  = 3
	exitHTTPFail = 4
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// headerList collects repeated -H flags.
type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

// config is the parsed command line.
type config struct {
	method         string
	headers        headerList
	data           string
	output         string
	include, head  bool
	http11, http2  bool
	h2c, insecure  bool
	cacert         string
	connectTimeout float64
	maxTime        float64
	verbose, fail  bool
	ws, sse        bool
	n, c           int
	url            string
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "demo" {
		return runDemo(ctx, stdout, stderr)
	}
	var cfg config
	fs := flag.NewFlagSet("httpwire", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.method, "X", "", "request method")
	fs.Var(&cfg.headers, "H", "request header \"Name: value\" (repeatable)")
	fs.StringVar(&cfg.data, "d", "", "request body: text, @file, or @- for stdin (streamed)")
	fs.StringVar(&cfg.output, "o", "", "write the body to this file")
	fs.BoolVar(&cfg.include, "i", false, "print the response head before the body")
	fs.BoolVar(&cfg.head, "I", false, "HEAD request; print the response head")
	fs.BoolVar(&cfg.http11, "http1.1", false, "use HTTP/1.1 only")
	fs.BoolVar(&cfg.http2, "http2", false, "use HTTP/2 only (ALPN h2)")
	fs.BoolVar(&cfg.h2c, "h2c", false, "HTTP/2 by prior knowledge on http:// URLs")
	fs.BoolVar(&cfg.insecure, "k", false, "do not verify the server's certificate")
	fs.StringVar(&cfg.cacert, "cacert", "", "PEM file of CA certificates to trust")
	fs.Float64Var(&cfg.connectTimeout, "connect-timeout", 0, "seconds allowed for connecting")
	fs.Float64Var(&cfg.maxTime, "max-time", 0, "seconds allowed for the whole operation")
	fs.BoolVar(&cfg.verbose, "v", false, "tell the connection's story on stderr (HTTP/2: every frame)")
	fs.BoolVar(&cfg.fail, "fail", false, "exit with status 4 on an HTTP status of 400 or above")
	fs.BoolVar(&cfg.ws, "ws", false, "open a WebSocket: stdin lines out, messages printed")
	fs.BoolVar(&cfg.sse, "sse", false, "read Server-Sent Events and print each as it arrives")
	fs.IntVar(&cfg.n, "n", 0, "load mode: number of requests")
	fs.IntVar(&cfg.c, "c", 1, "load mode: requests at a time")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: httpwire [flags] URL   (httpwire -h for flags, httpwire demo for the demo)")
		return exitUsage
	}
	cfg.url = fs.Arg(0)
	if cfg.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, seconds(cfg.maxTime))
		defer cancel()
	}
	var err error
	switch {
	case cfg.ws:
		err = runWebSocket(ctx, &cfg, stdin, stdout, stderr)
	case cfg.sse:
		err = runSSE(ctx, &cfg, stdout, stderr)
	case cfg.n > 0:
		err = runLoad(ctx, &cfg, stdout, stderr)
	default:
		err = runRequest(ctx, &cfg, stdin, stdout, stderr)
	}
	return exitStatus(err, stderr)
}

// errHTTPStatus reports an error status under --fail.
type errHTTPStatus int

func (e errHTTPStatus) Error() string { return fmt.Sprintf("the server answered %d", int(e)) }

func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "httpwire:", err)
	var status errHTTPStatus
	var usage usageError
	switch {
	case errors.As(err, &status):
		return exitHTTPFail
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return exitTimeout
	}
	return exitFailure
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }
