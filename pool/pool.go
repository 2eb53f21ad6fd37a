package pool

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sync"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/internal/clock"
	"github.com/httpwire/httpwire/proto"
)

// ErrClosed is returned for requests made after Close.
var ErrClosed = errors.New("pool: closed")

// Pool is a connection pool. It is safe for concurrent use.
type Pool struct {
	opts Options

	mu         sync.Mutex
	origins    map[poolKey]*originPool
	lastOrigin *originPool   // the one originLocked returned last, while it is in origins
	waiting    []*originPool // the origins with queued requests, in the order they began to queue
	total      int           // connections open or being opened
	retired    originCounts  // the counts of the origins forgotten
	idleConns  int           // connections without a request, all origins
	sweepAt    int           // the size of origins at which a new origin sweeps it (sweepLocked)
	turns      int           // turns to dial handed out, all origins
	closed     bool
	janitor    *time.Timer
	doomed     []driver.Conn // closed once the lock is released
	dialing    sync.WaitGroup
	closing    context.Context // done when Close is called
	close      context.CancelFunc
	epoch      time.Time // Options.Now's first reading, when it is set: Pool.now counts from it
	epochSet   bool      // epoch was read (a test clock may read the zero time)
}

// poolKey identifies a group of interchangeable connections: the origin and the proxy they go through.
type poolKey struct {
	origin proto.Origin
	proxy  string
}

// originPool holds the connections of one origin (through one proxy) and the requests waiting for one.
type originPool struct {
	key        poolKey
	origin     proto.Origin
	name       string
	opts       *driver.Options // the pool's, with this group's proxy
	conns      []*conn
	connecting int
	protocol   string // what the last connection negotiated; "" before the first
	waiters    []*waiter
	queued     bool    // listed in Pool.waiting
	turns      int     // waiters told to dial that have not started yet
	free       []*conn // connections that went idle, most recent last; entries may be stale
	multi      []*conn // the HTTP/2 connections, which take requests while busy
	idle       int     // live connections without a request

	originCounts
}

// originCounts are an origin's running totals.
type originCounts struct{ dials, reuses, expired int64 }

// conn is a pooled connection.
type conn struct {
	d        driver.Conn
	p        *Pool
	op       *originPool
	inFlight int           // requests the pool has given it and not taken back
	idleAt   time.Duration // Pool.now when it last went idle
	idx      int           // position in op.conns
	idle     bool          // counted in op.idle
	removed  bool          // no longer in the pool
	multi    bool          // HTTP/2: several requests at once
}

// waiter is a request queued for a connection. ready receives a connection reserved for it, or nil to
// tell it to try again (it may dial now).
type waiter struct{ ready chan *conn }

// New returns a pool with the given options.
func New(opts Options) *Pool {
	closing, close := context.WithCancel(context.Background())
	return &Pool{opts: opts.withDefaults(), origins: make(map[poolKey]*originPool), closing: closing, close: close}
}

// now reads the pool's clock (p.mu held), as a duration that only differences are taken of: the monotonic
// clock alone (clock.Mono, no time.Time to build), or Options.Now's time since its first reading (not since
// New: a test's clock may be set after New, and time.Time.Sub saturates across centuries).
func (p *Pool) now() time.Duration {
	if p.opts.Now == nil {
		return clock.Mono()
	}
	t := p.opts.Now()
	if !p.epochSet {
		p.epoch, p.epochSet = t, true
	}
	return t.Sub(p.epoch)
}

// nowUnlocked reads the system's clock without the lock, or returns notRead when Options.Now is set (whose
// first reading is taken under the lock, now).
func (p *Pool) nowUnlocked() time.Duration {
	if p.opts.Now != nil {
		return notRead
	}
	return clock.Mono()
}

// notRead marks a clock reading not taken yet (reserveLocked).
const notRead = time.Duration(math.MinInt64)

// unlock releases the lock, then closes the connections doomed while it was held.
func (p *Pool) unlock() {
	doomed := p.doomed
	p.doomed = nil
	p.mu.Unlock()
	for _, d := range doomed {
		d.Close()
	}
}

func (p *Pool) originLocked(o proto.Origin, proxy *url.URL) *originPool {
	key := poolKey{origin: o}
	if proxy != nil {
		key.proxy = proxy.String()
	}
	if op := p.lastOrigin; op != nil && op.key == key {
		return op // comparing the key costs less than hashing it, and most pools serve one origin at a time
	}
	op := p.origins[key]
	if op == nil {
		op = p.newOriginLocked(key, proxy)
	}
	p.lastOrigin = op
	return op
}

// newOriginLocked starts keeping the origin of key. It is apart from originLocked so that a request's
// common path (the origin known) keeps a small frame: a goroutine waiting on a request keeps the stack its
// deepest call grew (docs/performance.md, stream-mem).
//
//go:noinline
func (p *Pool) newOriginLocked(key poolKey, proxy *url.URL) *originPool {
	if len(p.origins) >= p.sweepAt {
		p.sweepLocked()
	}
	o := key.origin
	op := &originPool{key: key, origin: o, name: o.String(), opts: &p.opts.Driver}
	if proxy != nil {
		opts := p.opts.Driver
		opts.Proxy = proxy
		op.opts = &opts
		op.name += " via " + proxy.Redacted()
	}
	p.origins[key] = op
	return op
}

// sweepLocked forgets the origins that hold nothing: no connection, open or being opened, and no request
// waiting or about to dial. A pool that meets a million origins over its life keeps those in use, and the
// counts of a forgotten origin live on in Stats' Total. It runs when idle connections expire, and when new
// origins have doubled the map since the last sweep, so that a burst of failing dials is bounded too and
// the cost per new origin stays constant. An origin is not forgotten the moment it empties: a request
// retried after its connection failed finds it again, counts and all. Whoever keeps an origin across an
// unlock holds one of those things, or looks it up again.
func (p *Pool) sweepLocked() {
	for key, op := range p.origins {
		if len(op.conns) > 0 || op.connecting > 0 || len(op.waiters) > 0 || op.turns > 0 {
			continue
		}
		delete(p.origins, key)
		if op == p.lastOrigin {
			p.lastOrigin = nil
		}
		p.retired.dials += op.dials
		p.retired.reuses += op.reuses
		p.retired.expired += op.expired
	}
	p.sweepAt = 2*len(p.origins) + 64
}

// acquire returns a connection to origin with one request reserved on it, and whether it was reused.
func (p *Pool) acquire(ctx context.Context, origin proto.Origin) (*conn, bool, error) {
	var proxy *url.URL
	if p.opts.Proxy != nil {
		var err error
		if proxy, err = p.proxyFor(origin); err != nil {
			return nil, false, err
		}
	}
	now := p.nowUnlocked() // before the lock, which is then held for less (release)
	p.mu.Lock()
	for ; ; now = notRead { // after a wait, the clock is read again
		op := p.originLocked(origin, proxy) // again after every wait: the origin may have been forgotten
		if p.closed || ctx.Err() != nil {
			return nil, false, p.refuseLocked(ctx)
		}
		if c := p.reserveLocked(op, &now); c != nil {
			op.reuses++
			if c.inFlight == 1 && now == notRead {
				now = p.now()
			}
			idle := c.inFlight == 1 && now-c.idleAt >= p.opts.HealthCheckAfter
			p.unlock()
			if idle && !p.healthy(ctx, c) {
				p.mu.Lock()
				continue
			}
			return c, true, nil
		}
		if p.canDialLocked(op) {
			return p.dial(ctx, op)
		}
		c, again, err := p.waitLocked(ctx, op)
		if !again {
			return c, c != nil, err
		}
	}
}

// proxyFor asks Options.Proxy which proxy serves origin.
//
//go:noinline
func (p *Pool) proxyFor(origin proto.Origin) (*url.URL, error) {
	proxy, err := p.opts.Proxy(origin)
	if err != nil {
		return nil, fmt.Errorf("pool: choosing a proxy for %s: %w", origin, err)
	}
	return proxy, nil
}

// refuseLocked ends an acquire that cannot go on, the pool closed or the context ended, and unlocks.
//
//go:noinline
func (p *Pool) refuseLocked(ctx context.Context) error {
	if p.closed {
		p.unlock()
		return ErrClosed
	}
	p.serveLocked() // a turn to dial this request was handed passes to the next
	p.unlock()
	return ctx.Err()
}

// waitLocked queues the request on op until a connection is handed to it (returned), or a turn to dial
// (again, with the lock held), or ctx ends. It is apart from acquire, and not inlined, so that the common
// path keeps a small frame.
//
//go:noinline
func (p *Pool) waitLocked(ctx context.Context, op *originPool) (c *conn, again bool, err error) {
	w := &waiter{ready: make(chan *conn, 1)}
	op.waiters = append(op.waiters, w)
	if !op.queued {
		op.queued = true
		p.waiting = append(p.waiting, op)
	}
	p.unlock()
	select {
	case c := <-w.ready:
		if c != nil {
			return c, false, nil
		}
		p.mu.Lock()
		op.turns-- // our turn to dial, taken now
		p.turns--
		return nil, true, nil
	case <-ctx.Done():
		p.mu.Lock()
		if !op.removeWaiter(w) {
			// Served at the same moment: give back what it was handed, a connection or the turn to
			// dial, so that the next waiter gets it.
			if c := <-w.ready; c != nil {
				p.releaseLocked(c)
			} else {
				op.turns--
				p.turns--
				p.serveLocked()
			}
		}
		p.unlock()
		return nil, false, ctx.Err()
	}
}

// healthy pings an HTTP/2 connection that sat idle; a connection that does not answer is dropped.
func (p *Pool) healthy(ctx context.Context, c *conn) bool {
	pinger, ok := c.d.(driver.Pinger)
	if !ok {
		return true
	}
	pctx, cancel := context.WithTimeout(ctx, p.opts.HealthCheckTimeout)
	defer cancel()
	err := pinger.Ping(pctx)
	if err == nil {
		return true
	}
	p.mu.Lock()
	if ctx.Err() != nil {
		p.releaseLocked(c) // the caller gave up; the connection may be fine
	} else {
		p.opts.Logger.Debug("idle connection failed its health check", "origin", c.op.name, "err", err)
		c.inFlight--
		p.removeLocked(c)
		p.serveLocked()
	}
	p.unlock()
	return false
}

func (op *originPool) removeWaiter(w *waiter) bool {
	for i, x := range op.waiters {
		if x == w {
			op.waiters = append(op.waiters[:i], op.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// canDialLocked reports whether a request may open a new connection to op now. At MaxConnections, an idle
// connection to another origin is closed to make room, as httpcore does: idle connections elsewhere must
// not hold a request up until they expire.
func (p *Pool) canDialLocked(op *originPool) bool {
	if len(op.conns)+op.connecting+op.turns >= p.opts.MaxConnectionsPerOrigin {
		return false
	}
	// While a connection is being made whose protocol may be HTTP/2, wait for it rather than dial a burst
	// (RFC 9113 §9.1: one connection per origin is the norm).
	if op.connecting+op.turns > 0 && op.protocol != "http/1.1" {
		return false
	}
	if p.total+p.turns < p.opts.MaxConnections {
		return true
	}
	return p.evictIdleLocked(op) && p.total+p.turns < p.opts.MaxConnections
}

// evictIdleLocked closes the connection idle the longest among the other origins' and reports whether
// there was one. Origins with queued requests keep theirs: those are about to be used. The search is over
// the known origins (those with connections or requests), and only when some connection is idle.
func (p *Pool) evictIdleLocked(except *originPool) bool {
	if p.idleConns == 0 {
		return false
	}
	var victim *conn
	for _, op := range p.origins {
		if op == except || op.idle == 0 || len(op.waiters) > 0 {
			continue
		}
		// Entries may be stale, and an HTTP/2 connection taken and given back again appears twice, first at
		// its old place: every live entry is compared, not only the first (the stack stays short, see
		// compactFree).
		for _, c := range op.free {
			if !c.removed && c.idle && (victim == nil || c.idleAt < victim.idleAt) {
				victim = c
			}
		}
	}
	if victim == nil {
		return false
	}
	p.opts.Logger.Debug("closing an idle connection to make room", "origin", victim.op.name)
	p.removeLocked(victim)
	return true
}

// dial opens a connection for the caller, with the lock held on entry and released on return.
func (p *Pool) dial(ctx context.Context, op *originPool) (*conn, bool, error) {
	op.connecting++
	op.dials++
	p.total++
	p.dialing.Add(1)
	p.unlock()
	defer p.dialing.Done()
	p.trace(func(t *Trace) {
		if t.DialStart != nil {
			t.DialStart(op.name)
		}
	})
	// Close cancels dials in flight rather than wait for them.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopOnClose := context.AfterFunc(p.closing, cancel)
	defer stopOnClose()
	var d driver.Conn
	var err error
	for attempt := 0; attempt <= p.opts.Retries; attempt++ {
		if d, err = driver.Dial(ctx, op.origin, op.opts); err == nil || ctx.Err() != nil {
			break
		}
	}
	p.trace(func(t *Trace) {
		if t.DialDone != nil {
			proto := ""
			if d != nil {
				proto = d.Protocol()
			}
			t.DialDone(op.name, proto, err)
		}
	})
	p.mu.Lock()
	op.connecting--
	if err != nil {
		p.total--
		if p.closed {
			err = ErrClosed // cut short by Close, not by the caller
		}
		p.serveLocked() // a slot is free: a waiter may dial
		p.unlock()
		p.opts.Logger.Debug("dial failed", "origin", op.name, "err", err)
		return nil, false, err
	}
	if p.closed {
		p.total--
		p.doomed = append(p.doomed, d)
		p.unlock()
		return nil, false, ErrClosed
	}
	c := &conn{d: d, p: p, op: op, inFlight: 1, idleAt: p.now()}
	op.addLocked(c)
	op.protocol = d.Protocol()
	p.opts.Logger.Debug("connected", "origin", op.name, "protocol", op.protocol)
	p.serveLocked() // HTTP/2: the new connection has room for waiters too
	p.unlock()
	return c, false, nil
}

// release gives back c's request slot. Many goroutines take and give back connections at once, twice per
// request: the connection's state and the clock are read before the lock is taken, so that the lock is held
// for the pool's own bookkeeping alone.
func (p *Pool) release(c *conn) {
	dead := c.d.Capacity() < 0
	now := p.nowUnlocked()
	p.mu.Lock()
	if now == notRead {
		now = p.now()
	}
	p.releaseAt(c, dead, now)
	p.unlock()
}

func (p *Pool) releaseLocked(c *conn) { p.releaseAt(c, c.d.Capacity() < 0, p.now()) }

// releaseAt is releaseLocked with the connection's state (dead: it can take no more requests) and the clock
// read already.
func (p *Pool) releaseAt(c *conn, dead bool, now time.Duration) {
	c.inFlight--
	switch {
	case dead || p.closed || c.removed: // removed: by a failed health check, say, while this request ran
		if c.inFlight == 0 {
			p.removeLocked(c)
		}
	case c.inFlight == 0:
		c.idleAt = now
		p.idleLocked(c)
		p.scheduleJanitorLocked()
	}
	p.serveLocked()
}

// detach takes a connection out of the pool without closing it: after a protocol switch it belongs to the
// caller.
func (p *Pool) detach(c *conn) {
	p.mu.Lock()
	if !c.removed {
		if c.idle {
			p.idleConns--
		}
		c.op.dropLocked(c)
		p.total--
	}
	p.serveLocked()
	p.unlock()
}

// serveLocked hands free slots to waiters, first come first served, and tells one waiter per origin to dial
// when a connection may be opened for it. It visits only the origins with queued requests, so that giving a
// connection back costs the same with one origin known or a million.
func (p *Pool) serveLocked() {
	if len(p.waiting) == 0 {
		return
	}
	for _, op := range p.waiting {
		for len(op.waiters) > 0 {
			now := notRead
			c := p.reserveLocked(op, &now)
			if c == nil {
				// Hand out turns to dial while there is room, so that cold starts dial in parallel.
				for len(op.waiters) > 0 && p.canDialLocked(op) {
					w := op.waiters[0]
					op.waiters = op.waiters[1:]
					op.turns++
					p.turns++
					w.ready <- nil
				}
				break
			}
			w := op.waiters[0]
			op.waiters = op.waiters[1:]
			op.reuses++
			w.ready <- c
		}
	}
	still := p.waiting[:0]
	for _, op := range p.waiting {
		if len(op.waiters) > 0 {
			still = append(still, op)
		} else {
			op.queued = false
		}
	}
	clear(p.waiting[len(still):])
	p.waiting = still
}

// expireLocked closes connections idle for longer than KeepaliveExpiry.
func (p *Pool) expireLocked() {
	now := p.now()
	for _, op := range p.origins {
		for i := 0; i < len(op.conns); i++ {
			c := op.conns[i]
			if c.inFlight == 0 && (now-c.idleAt >= p.opts.KeepaliveExpiry || c.d.Capacity() < 0) {
				if c.d.Capacity() >= 0 {
					op.expired++
				}
				p.removeLocked(c)
				i--
			}
		}
	}
	p.sweepLocked()
}

// scheduleJanitorLocked arranges for idle connections to be expired even when no request comes.
func (p *Pool) scheduleJanitorLocked() {
	if p.janitor != nil || p.closed {
		return
	}
	p.janitor = time.AfterFunc(p.opts.KeepaliveExpiry, func() {
		p.mu.Lock()
		p.janitor = nil
		p.expireLocked()
		for _, op := range p.origins {
			for _, c := range op.conns {
				if c.inFlight == 0 {
					p.scheduleJanitorLocked()
				}
			}
		}
		p.unlock()
	})
}

// Close closes idle connections at once and the others when their requests end; later requests fail with
// ErrClosed, and waiting ones are woken to fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.closed = true
	p.close() // cancels dials in flight; they see closed when they fail
	if p.janitor != nil {
		p.janitor.Stop()
		p.janitor = nil
	}
	for _, op := range p.origins {
		for i := 0; i < len(op.conns); i++ {
			if c := op.conns[i]; c.inFlight == 0 {
				p.removeLocked(c)
				i--
			}
		}
		for _, w := range op.waiters {
			op.turns++
			p.turns++
			w.ready <- nil // woken to find the pool closed
		}
		op.waiters = nil
	}
	p.serveLocked() // empties the list of waiting origins
	p.unlock()
	p.dialing.Wait()
	return nil
}

func (p *Pool) trace(f func(*Trace)) { f(p.opts.Trace) }

func (c *conn) String() string { return fmt.Sprintf("%s %s", c.op.name, c.d.Protocol()) }
