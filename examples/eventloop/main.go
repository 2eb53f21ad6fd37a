// Command eventloop is a Linux HTTP load generator that drives every connection from one goroutine with
// epoll on non-blocking sockets, each connection holding a sans-I/O core: an h1.Conn, or with -h2c an
// h2.Conn. It uses nothing of the cores but their contract (Receive, NextEvent, Pending/Advance,
// Deadline/HandleTimeout, Consume). See docs/event-loop.md.
//
//	eventloop -c CONNS -n REQUESTS [-h2c] [-streams N] [-timeout D] http://127.0.0.1:8080/path
//	eventloop -compare [-conns 1000,10000] [-duration 5s] [-json FILE]
//
// With -compare it measures the event loop against httpwire's pool and net/http's Transport, each driven
// by a goroutine per connection, against a net/http server it runs in a child process.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "serve" {
		serveMain() // the -compare server, in a child process
		return
	}
	compare := flag.Bool("compare", false, "compare the event loop, httpwire's pool and net/http against a local server")
	compareConns := flag.String("conns", "1000,10000", "-compare: connection counts, comma-separated")
	duration := flag.Duration("duration", 5*time.Second, "-compare: timed part of each run, after all connections are open")
	jsonOut := flag.String("json", "", "-compare: also write the results to this JSON file")
	conns := flag.Int("c", 50, "connections to keep open")
	n := flag.Int("n", 10000, "requests to make in all")
	h2c := flag.Bool("h2c", false, "HTTP/2 over plaintext by prior knowledge instead of HTTP/1.1")
	streams := flag.Int("streams", 10, "h2c: concurrent streams per connection")
	timeout := flag.Duration("timeout", 30*time.Second, "per-request timeout (0: none)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: eventloop -c CONNS -n REQUESTS [-h2c] [-streams N] [-timeout D] http://IPv4:PORT/path\n"+
				"       eventloop -compare [-conns 1000,10000] [-duration 5s] [-json FILE]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *compare {
		if err := compareMain(*compareConns, *duration, *jsonOut); err != nil {
			fmt.Fprintln(os.Stderr, "eventloop:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 1 || *conns < 1 || *n < 1 || *streams < 1 {
		flag.Usage()
		os.Exit(2)
	}
	cfg, err := parseTarget(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "eventloop:", err)
		os.Exit(2)
	}
	cfg.conns, cfg.n, cfg.h2c, cfg.streams, cfg.timeout = *conns, *n, *h2c, *streams, *timeout
	if !cfg.h2c {
		cfg.streams = 1
	}
	total := cfg.n
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		cfg.progress = func(s *stats) {
			fmt.Fprintf(os.Stderr, "\r%d/%d done, %d errors, %.0f req/s   ",
				s.done, total, s.errors, float64(s.done)/s.elapsed.Seconds())
		}
	}
	st, err := run(cfg)
	if cfg.progress != nil {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	if st != nil {
		report(os.Stdout, cfg, st)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "eventloop:", err)
		os.Exit(1)
	}
	if st.errors > 0 {
		os.Exit(1)
	}
}

// parseTarget accepts http:// URLs whose host is a literal IPv4 address: there is no resolver in the loop.
func parseTarget(raw string) (config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return config{}, err
	}
	if u.Scheme != "http" {
		return config{}, errors.New("only http:// URLs are supported")
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil || !ip.Is4() {
		return config{}, fmt.Errorf("host %q: a literal IPv4 address is required", u.Hostname())
	}
	port := 80
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return config{}, fmt.Errorf("bad port %q", p)
		}
	}
	path := u.RequestURI() // path and query, "/" when empty
	return config{
		addr: unix.SockaddrInet4{Port: port, Addr: ip.As4()},
		host: u.Host,
		path: path,
	}, nil
}

func report(w io.Writer, cfg config, s *stats) {
	proto := "HTTP/1.1"
	if cfg.h2c {
		proto = fmt.Sprintf("h2c, %d streams per connection", cfg.streams)
	}
	fmt.Fprintf(w, "target:      %s%s (%s)\n", cfg.host, cfg.path, proto)
	fmt.Fprintf(w, "requests:    %d done, %d errors, %d non-2xx\n", s.done, s.errors, s.non2xx)
	if s.firstErr != nil {
		fmt.Fprintf(w, "first error: %v\n", s.firstErr)
	}
	fmt.Fprintf(w, "elapsed:     %v\n", s.elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "throughput:  %.0f req/s\n", float64(s.done)/s.elapsed.Seconds())
	fmt.Fprintf(w, "latency:     p50 %v  p90 %v  p99 %v\n",
		s.lat.percentile(0.50), s.lat.percentile(0.90), s.lat.percentile(0.99))
	fmt.Fprintf(w, "connections: %d configured, %d opened\n", cfg.conns, s.opened)
	fmt.Fprintf(w, "memory:      %.1f MiB heap in use (after GC, connections open)\n", float64(s.heap)/(1<<20))
}
