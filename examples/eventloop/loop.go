package main

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// config is what one run needs; main fills it from the flags, tests directly.
type config struct {
	addr    unix.SockaddrInet4
	host    string        // host:port, for Host and :authority
	path    string        // request target
	conns   int           // connections to keep open
	n       int           // requests to make in all
	h2c     bool          // HTTP/2 by prior knowledge instead of HTTP/1.1
	streams int           // h2c: concurrent streams per connection
	timeout time.Duration // per request; zero means none
	// duration, when positive, makes the run timed instead of counted (n is ignored): every connection
	// first makes one request, and once all of them are open and idle the loop sends requests for
	// duration, then lets those in flight finish. The stats cover the timed part only.
	duration time.Duration

	progress func(*stats) // called about every progressEvery while the loop runs; nil for none
	atMemory func()       // called right after the memory reading, connections still open; nil for none
}

const progressEvery = 250 * time.Millisecond

// session is the protocol side of one connection: h1session or h2session. It wraps the core and the
// requests in flight on it; the loop only moves bytes and time in and out.
type session interface {
	receive(b []byte) error // bytes read from the socket
	receiveEOF() error      // the peer closed its side
	// process drains the core's events, records the responses and sends the next requests. It reports
	// done when the connection has nothing more to do and should be closed once Pending is written.
	process(now time.Time) (done bool, err error)
	pending() []byte
	advance(n int)
	deadline() (time.Time, bool) // the next timer: a core timer or a request timeout
	timeout(now time.Time) error // the deadline passed
	fail(err error)              // the connection ends: count the requests in flight as errors
	shutdown()                   // the run is over: queue a goodbye if the protocol has one
	kick(now time.Time) error    // an idle connection may send again: queue requests if any are left
}

// conn is one socket and its session.
type conn struct {
	fd         int
	s          session
	connecting bool   // a non-blocking connect is under way
	events     uint32 // the interest registered with epoll
	timerAt    time.Time
	heapIdx    int // index in loop.timers, -1 when no timer runs
}

// loop drives every connection from one goroutine.
type loop struct {
	cfg    config
	epfd   int
	conns  []*conn // indexed by fd
	live   int
	issued int       // requests handed to a connection so far
	limit  int       // requests that may be issued: cfg.n, or in a timed run one per connection, then unbounded
	timed  time.Time // timed run: when the timed part started (zero during the warm-up)
	stopAt time.Time // timed run: when the timed part stops issuing requests
	st     stats
	buf    []byte // one read buffer for all connections: Receive copies what it keeps
	timers timerHeap

	write func(fd int, p []byte) (int, error) // unix.Write; tests inject short writes
}

func newLoop(cfg config) (*loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	l := &loop{cfg: cfg, epfd: epfd, buf: make([]byte, 64<<10), write: unix.Write, limit: cfg.n}
	if cfg.duration > 0 {
		l.limit = cfg.conns // the warm-up: one request per connection
	}
	return l, nil
}

// run opens cfg.conns connections and drives them until cfg.n requests have finished.
func run(cfg config) (*stats, error) {
	l, err := newLoop(cfg)
	if err != nil {
		return nil, err
	}
	defer unix.Close(l.epfd)
	for range min(cfg.conns, l.limit) {
		l.dial()
	}
	return l.run()
}

// issue reserves the next request, and reports false when all have been handed out.
func (l *loop) issue() bool {
	if l.issued >= l.limit {
		return false
	}
	l.issued++
	return true
}

func (l *loop) finished() bool { return l.st.done+l.st.errors >= l.limit }

// dial opens a non-blocking socket and starts connecting it; the connection completes in step.
func (l *loop) dial() {
	l.st.opened++
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		l.dialFailed(fmt.Errorf("socket: %w", err))
		return
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	err = unix.Connect(fd, &l.cfg.addr)
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		l.dialFailed(fmt.Errorf("connect: %w", err))
		return
	}
	l.add(fd, err == unix.EINPROGRESS)
}

// dialFailed counts the request the connection would have carried as failed.
func (l *loop) dialFailed(err error) {
	if l.issue() {
		l.st.fail(1, err)
	}
}

// add registers fd with epoll and gives it a session, which queues its first requests.
func (l *loop) add(fd int, connecting bool) {
	c := &conn{fd: fd, connecting: connecting, heapIdx: -1}
	if l.cfg.h2c {
		c.s = newH2Session(l)
	} else {
		c.s = newH1Session(l)
	}
	// A connect in progress completes when the socket turns writable; the request is queued already.
	c.events = unix.EPOLLIN | unix.EPOLLOUT
	ev := unix.EpollEvent{Events: c.events, Fd: int32(fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		c.s.fail(fmt.Errorf("epoll_ctl: %w", err))
		return
	}
	for fd >= len(l.conns) {
		l.conns = append(l.conns, nil)
	}
	l.conns[fd] = c
	l.live++
	l.setTimer(c)
}

// close ends a connection. Whatever the core still has queued gets one last try (a GOAWAY, say).
func (l *loop) close(c *conn) {
	if p := c.s.pending(); len(p) > 0 && !c.connecting {
		_, _ = l.write(c.fd, p)
	}
	unix.Close(c.fd) // also removes it from the epoll set
	l.conns[c.fd] = nil
	l.live--
	if c.heapIdx >= 0 {
		heap.Remove(&l.timers, c.heapIdx)
	}
}

// run is the loop: wait for readiness or the nearest deadline, and step each connection concerned.
func (l *loop) run() (*stats, error) {
	events := make([]unix.EpollEvent, 512)
	var expired []*conn
	start := time.Now()
	nextProgress := start.Add(progressEvery)
	var err error
	for !l.finished() && l.live > 0 {
		// epoll_wait's timeout is the nearest deadline: a core timer, a request timeout or the progress line.
		wake, ok := time.Time{}, false
		if len(l.timers) > 0 {
			wake, ok = l.timers[0].timerAt, true
		}
		if l.cfg.progress != nil && (!ok || nextProgress.Before(wake)) {
			wake, ok = nextProgress, true
		}
		if l.limit == math.MaxInt && (!ok || l.stopAt.Before(wake)) {
			wake, ok = l.stopAt, true
		}
		ms := -1
		if ok {
			ms = int((time.Until(wake) + time.Millisecond - 1) / time.Millisecond) // round up: never wake early
			ms = max(ms, 0)
		}
		n, werr := unix.EpollWait(l.epfd, events, ms)
		if werr == unix.EINTR {
			continue
		}
		if werr != nil {
			err = fmt.Errorf("epoll_wait: %w", werr)
			break
		}
		now := time.Now()
		before := l.live
		for _, ev := range events[:n] {
			if c := l.conns[ev.Fd]; c != nil {
				l.step(c, ev.Events, now)
			}
		}
		// Expired timers: step with no readiness, so that step calls the session's timeout. Collect them
		// first: each is stepped once per wake-up even if its session leaves the deadline in the past.
		expired = expired[:0]
		for len(l.timers) > 0 && !now.Before(l.timers[0].timerAt) {
			expired = append(expired, heap.Pop(&l.timers).(*conn)) // step puts it back if a timer still runs
		}
		for _, c := range expired {
			if l.conns[c.fd] == c {
				l.step(c, 0, now)
			}
		}
		// Reconnect after the batch, so that a new socket cannot reuse the fd of one closed in this batch
		// and receive its stale events.
		for range before - l.live {
			if l.issued < l.limit {
				l.dial()
			}
		}
		if l.cfg.duration > 0 {
			switch {
			case l.timed.IsZero() && l.finished():
				start = l.startTimed(now)
			case !l.timed.IsZero() && l.limit == math.MaxInt && !now.Before(l.stopAt):
				l.limit = l.issued // time is up: no new requests, the ones in flight finish
			}
		}
		if l.cfg.progress != nil && !now.Before(nextProgress) {
			l.st.elapsed = now.Sub(start)
			l.cfg.progress(&l.st)
			nextProgress = now.Add(progressEvery)
		}
	}
	l.st.elapsed = time.Since(start)
	if err == nil && !l.finished() {
		err = errors.New("all connections closed before the requests finished")
	}
	// Memory in use with every connection still open, garbage collected.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	l.st.heap = ms.HeapInuse
	l.st.mem = ms.HeapInuse + ms.StackInuse
	l.st.live = l.live
	if l.cfg.atMemory != nil {
		l.cfg.atMemory()
	}
	for _, c := range l.conns {
		if c != nil {
			c.s.fail(errors.New("run ended")) // nothing in flight once finished; counts leftovers otherwise
			c.s.shutdown()
			l.close(c)
		}
	}
	return &l.st, err
}

// startTimed ends the warm-up of a timed run: every connection has made its request and is idle. The
// counters restart, the limit goes, and each connection is kicked into sending. It returns the new start.
func (l *loop) startTimed(now time.Time) time.Time {
	l.timed, l.stopAt = now, now.Add(l.cfg.duration)
	l.st.warmupErrors = l.st.errors
	l.st.done, l.st.errors, l.st.non2xx, l.st.lat = 0, 0, 0, histogram{}
	l.issued, l.limit = 0, math.MaxInt
	for _, c := range l.conns {
		if c == nil {
			continue
		}
		if err := c.s.kick(now); err != nil {
			l.fail(c, err)
			continue
		}
		l.step(c, 0, now) // writes what the kick queued, subscribes to EPOLLOUT if needed, re-arms the timer
	}
	return now
}

// setTimer puts c in the timer heap at the session's deadline, or takes it out.
func (l *loop) setTimer(c *conn) {
	at, ok := c.s.deadline()
	switch {
	case !ok && c.heapIdx >= 0:
		heap.Remove(&l.timers, c.heapIdx)
	case ok && c.heapIdx >= 0:
		if !at.Equal(c.timerAt) {
			c.timerAt = at
			heap.Fix(&l.timers, c.heapIdx)
		}
	case ok:
		c.timerAt = at
		heap.Push(&l.timers, c)
	}
}

// timerHeap orders connections by timerAt; each connection is in it at most once.
type timerHeap []*conn

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].timerAt.Before(h[j].timerAt) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *timerHeap) Push(x any) {
	c := x.(*conn)
	c.heapIdx = len(*h)
	*h = append(*h, c)
}
func (h *timerHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.heapIdx = -1
	return c
}
