package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/httpwire/httpwire/internal/childproc"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// The comparison (-compare): the event loop, httpwire's pool (a goroutine per request) and net/http's
// Transport, one after another, each against a fresh net/http server in a child process ("eventloop serve"),
// at each connection count. See docs/performance.md, "Event loop vs goroutines".

// result is one implementation at one connection count.
type result struct {
	Conns        int     `json:"conns"`
	Impl         string  `json:"impl"`
	Requests     int     `json:"requests"`       // completed in the timed part
	Errors       int     `json:"errors"`         // failed, warm-up included
	Seconds      float64 `json:"seconds"`        // the timed part, until the last request finished
	ReqPerSec    float64 `json:"req_per_sec"`    // Requests / Seconds
	BytesPerConn float64 `json:"bytes_per_conn"` // (HeapInuse+StackInuse after GC, idle) - before, / Conns
	Open         int     `json:"open"`           // TCP sockets of this process open at the memory reading
	FirstError   string  `json:"first_error,omitempty"`
}

const (
	implLoop    = "eventloop"
	implPool    = "httpwire pool"
	implNetHTTP = "net/http"
)

// warmPath holds each warm-up request at the server until n of them are there at once (or warmHold
// passed), so that the goroutine drivers open n connections, not fewer that they reuse.
const (
	warmPath = "/warm"
	warmHold = 30 * time.Second
)

func compareMain(connsList string, duration time.Duration, jsonPath string) error {
	var counts []int
	for f := range strings.SplitSeq(connsList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -conns entry %q", f)
		}
		counts = append(counts, n)
	}
	limit, err := raiseNofile()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "RLIMIT_NOFILE %d, GOMAXPROCS %d, %d CPUs, %v per run\n",
		limit, runtime.GOMAXPROCS(0), runtime.NumCPU(), duration)
	var results []result
	for _, n := range counts {
		if uint64(n)+64 > limit {
			fmt.Fprintf(os.Stderr, "skipping %d connections: RLIMIT_NOFILE is %d\n", n, limit)
			continue
		}
		for _, impl := range []string{implLoop, implPool, implNetHTTP} {
			addr, stop, err := startServer()
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%d connections, %s...\n", n, impl)
			r, err := runImpl(impl, addr, n, duration)
			stop()
			if err != nil {
				return fmt.Errorf("%s, %d connections: %w", impl, n, err)
			}
			results = append(results, r)
		}
	}
	printTable(os.Stdout, results)
	if jsonPath != "" {
		b, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runImpl runs one implementation with n connections against addr for d after the warm-up.
func runImpl(impl, addr string, n int, d time.Duration) (result, error) {
	base := memInUse()
	var r result
	var err error
	switch impl {
	case implLoop:
		r, err = runLoop(addr, n, d)
	case implPool:
		r, err = runPool(addr, n, d)
	case implNetHTTP:
		r, err = runNetHTTP(addr, n, d)
	default:
		return result{}, fmt.Errorf("unknown implementation %q", impl)
	}
	if err != nil {
		return r, err
	}
	r.Impl, r.Conns = impl, n
	if r.Seconds > 0 {
		r.ReqPerSec = float64(r.Requests) / r.Seconds
	}
	r.BytesPerConn = (float64(r.BytesPerConn) - float64(base)) / float64(n)
	return r, nil
}

// memInUse is the figure compared: heap and goroutine stacks in use, after a collection.
func memInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

func runLoop(addr string, n int, d time.Duration) (result, error) {
	cfg, err := parseTarget("http://" + addr + "/")
	if err != nil {
		return result{}, err
	}
	cfg.conns, cfg.duration, cfg.streams, cfg.timeout = n, d, 1, 30*time.Second
	var open int
	cfg.atMemory = func() { open = openSockets() }
	st, err := run(cfg)
	if err != nil {
		return result{}, err
	}
	r := result{Requests: st.done, Errors: st.errors + st.warmupErrors, Seconds: st.elapsed.Seconds(),
		BytesPerConn: float64(st.mem), Open: open}
	if st.firstErr != nil {
		r.FirstError = st.firstErr.Error()
	}
	return r, nil
}

func runPool(addr string, n int, d time.Duration) (result, error) {
	p := pool.New(pool.Options{MaxConnections: n, MaxConnectionsPerOrigin: n, MaxIdlePerOrigin: n,
		KeepaliveExpiry: 10 * time.Minute, HTTP1: true})
	defer p.Close()
	origin, err := proto.ParseOrigin("http://" + addr)
	if err != nil {
		return result{}, err
	}
	get := func(target string) error {
		resp, err := p.Do(context.Background(), &pool.Request{Method: "GET", Origin: origin, Target: target})
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.Status != 200 {
			err = fmt.Errorf("status %d", resp.Status)
		}
		return err
	}
	return runGoroutines(n, d, func() func(string) error { return get })
}

func runNetHTTP(addr string, n int, d time.Duration) (result, error) {
	tr := &http.Transport{MaxConnsPerHost: n, MaxIdleConnsPerHost: n, MaxIdleConns: n,
		DisableCompression: true, IdleConnTimeout: 10 * time.Minute}
	defer tr.CloseIdleConnections()
	return runGoroutines(n, d, func() func(string) error {
		reqs := map[string]*http.Request{} // one request per target and goroutine, reused sequentially
		return func(target string) error {
			req := reqs[target]
			if req == nil {
				var err error
				if req, err = http.NewRequest("GET", "http://"+addr+target, nil); err != nil {
					return err
				}
				reqs[target] = req
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			return err
		}
	})
}

// runGoroutines runs n goroutines, each with its own get from newGet: one held warm-up request each (so
// that n connections open), then sequential GETs of "/" for d. The memory is read once every goroutine has
// finished its last request and waits, parked, its connection idle.
func runGoroutines(n int, d time.Duration, newGet func() func(target string) error) (result, error) {
	var (
		warm, timed     sync.WaitGroup
		start, release  = make(chan struct{}), make(chan struct{})
		stopAt          atomic.Int64
		done, errs      atomic.Int64
		firstErr        atomic.Value
		warmTarget      = warmPath + "?n=" + strconv.Itoa(n)
		recordErr       = func(err error) { errs.Add(1); firstErr.CompareAndSwap(nil, err.Error()) }
		exited          sync.WaitGroup
		mem, open       = uint64(0), 0
		startedAt, endT time.Time
	)
	warm.Add(n)
	timed.Add(n)
	exited.Add(n)
	for range n {
		go func() {
			defer exited.Done()
			get := newGet()
			if err := get(warmTarget); err != nil {
				recordErr(err)
			}
			warm.Done()
			<-start
			var k int64
			for time.Now().UnixNano() < stopAt.Load() {
				if err := get("/"); err != nil {
					recordErr(err)
					continue
				}
				k++
			}
			done.Add(k)
			timed.Done()
			<-release // parked: the goroutine is part of what a connection costs in this design
		}()
	}
	warm.Wait()
	startedAt = time.Now()
	stopAt.Store(startedAt.Add(d).UnixNano())
	close(start)
	timed.Wait()
	endT = time.Now()
	mem = memInUse()
	open = openSockets()
	close(release)
	exited.Wait()
	r := result{Requests: int(done.Load()), Errors: int(errs.Load()), Seconds: endT.Sub(startedAt).Seconds(),
		BytesPerConn: float64(mem), Open: open}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstError = e
	}
	return r, nil
}

// openSockets counts this process's open sockets: its TCP connections, since the server is another process.
func openSockets() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	k := 0
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			k++
		}
	}
	return k
}

// raiseNofile raises RLIMIT_NOFILE's soft limit to the hard one and returns it.
func raiseNofile() (uint64, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
			return 0, fmt.Errorf("setrlimit: %w", err)
		}
	}
	return rl.Cur, nil
}

// newHandler answers "/" with a short body, and holds warmPath?n=N until N such requests are waiting.
func newHandler() http.Handler {
	hello := []byte("Hello, World!")
	var (
		mu      sync.Mutex
		waiting int
		ready   = make(chan struct{})
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == warmPath {
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			mu.Lock()
			waiting++
			if waiting == n {
				close(ready)
			}
			mu.Unlock()
			select {
			case <-ready:
			case <-time.After(warmHold):
			case <-r.Context().Done():
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(hello)))
		_, _ = w.Write(hello)
	})
}

// serveMain is the child: a net/http server on a loopback port. It prints "addr HOST:PORT" and serves
// until its stdin closes.
func serveMain() {
	if _, err := raiseNofile(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	// The backlog is net.core.somaxconn (Go passes it to listen); connections refused beyond it are retried
	// by the client's SYN retransmission, during the warm-up.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: newHandler()}
	go func() { _ = srv.Serve(l) }()
	fmt.Printf("addr %s\n", l.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // the parent closes our stdin to stop us, or dies
	os.Exit(0)
}

// startServer runs "eventloop serve" and returns its address and a function that stops it.
func startServer() (string, func(), error) { return childproc.Start("serve") }

func printTable(w io.Writer, rs []result) {
	base := map[int]result{}
	for _, r := range rs {
		if r.Impl == implNetHTTP {
			base[r.Conns] = r
		}
	}
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	fmt.Fprintln(w, "| connections | implementation | req/s | vs net/http | bytes/conn | vs net/http | open | errors |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rs {
		b := base[r.Conns]
		fmt.Fprintf(w, "| %d | %s | %.0f | %s | %.0f | %s | %d | %d |\n", r.Conns, r.Impl, r.ReqPerSec,
			ratio(r.ReqPerSec, b.ReqPerSec), r.BytesPerConn, ratio(r.BytesPerConn, b.BytesPerConn), r.Open, r.Errors)
	}
	for _, r := range rs {
		if r.FirstError != "" {
			fmt.Fprintf(w, "%d %s, first error: %s\n", r.Conns, r.Impl, r.FirstError)
		}
	}
}
