package driver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/clock"
	"github.com/httpwire/httpwire/proto"
)

// h2Conn is an HTTP/2 client connection. A reader goroutine feeds received bytes to the core and dispatches
// events to per-stream queues; a writer goroutine sends what the core has pending, so that no goroutine
// ever writes to the network while holding the lock the reader needs.
type h2Conn struct {
	nc     net.Conn
	opts   *Options
	tls    *tls.ConnectionState
	dialed Timings

	mu           sync.Mutex // guards the core and everything below
	core         *h2.Conn
	streams      map[uint32]*h2Stream
	window       *sync.Cond // broadcast when send windows may have opened
	err          error      // why the connection is dead; nil while it lives
	goAway       bool
	settingsSeen bool
	idleAt       time.Duration // clock.Mono when the last stream ended
	reused       bool
	pings        map[[8]byte]chan struct{}
	pingSeq      uint64       // the last PING's payload: each outstanding one has its own
	capacity     atomic.Int32 // what Capacity reports; written with mu held (publishCapacityLocked)
	armed        time.Time    // the read deadline last set (armLocked), if armedSet
	armedSet     bool

	// Scratch space for request heads, used with mu held (h2Head).
	head       proto.RequestHead
	fields     proto.Fields
	scratch    []byte
	authority  []byte
	authOrigin proto.Origin

	// Streams with news from the reader, woken once it lets go of mu so that they do not wake only to wait
	// for the lock (guarded by mu; each stream is listed once, flagged by its woken field).
	toWake []*h2Stream

	// Requests for the writer to open (enqueue), each flagged queued; one given up on leaves at once.
	queue []*h2Stream

	wake chan struct{} // tells the writer there may be output
	done chan struct{} // closed when the connection dies
	wg   sync.WaitGroup
}

func newH2Conn(nc net.Conn, opts *Options, state *tls.ConnectionState, t Timings) *h2Conn {
	c := &h2Conn{
		nc: nc, opts: opts, tls: state, dialed: t,
		core:    h2.NewConn(h2.Client, opts.h2Config()),
		streams: make(map[uint32]*h2Stream),
		idleAt:  clock.Mono(),
		pings:   make(map[[8]byte]chan struct{}),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
	c.window = sync.NewCond(&c.mu)
	c.publishCapacityLocked()
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	c.kick()
	return c
}

func (c *h2Conn) Protocol() string { return "h2" }

func (c *h2Conn) Available() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.goAway {
		return -1
	}
	if !c.core.CanOpenStream() {
		return 0
	}
	return max(0, c.capacityLocked()-len(c.streams)-len(c.queue))
}

// Capacity reads a copy kept up to date under mu, so that a pool asking with its own lock held never waits
// for this connection's lock, which the reader holds while it works through a read.
func (c *h2Conn) Capacity() int { return int(c.capacity.Load()) }

// publishCapacityLocked updates the copy Capacity reads.
func (c *h2Conn) publishCapacityLocked() {
	capacity := -1
	if c.err == nil && !c.goAway {
		capacity = c.capacityLocked()
	}
	c.capacity.Store(int32(capacity))
}

// capacityLocked is the server's stream limit: 100 until its SETTINGS arrive (RFC 9113 §6.5.2 allows
// any number, and a client that assumed that would open too many), at most 1000.
func (c *h2Conn) capacityLocked() int {
	if !c.settingsSeen {
		return 100
	}
	return int(min(c.core.PeerSettings().MaxConcurrentStreams, 1000))
}

func (c *h2Conn) Idle() (bool, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.streams) == 0 && len(c.queue) == 0 && c.err == nil, clock.At(c.idleAt)
}

// Close ends the connection and waits for its goroutines.
func (c *h2Conn) Close() error {
	c.mu.Lock()
	if c.err == nil {
		_ = c.core.GoAway(h2.ErrCodeNo, nil) // the writer sends it before closing
	}
	c.failLocked(ErrConnClosed)
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

// Ping sends a PING and waits for its acknowledgement: a health check of an idle connection.
func (c *h2Conn) Ping(ctx context.Context) error {
	ack := make(chan struct{})
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	// A counter, not the time: two Pings within the clock's resolution would share a payload, and the
	// second would take the first's place (RFC 9113 §6.7: the ACK echoes the payload).
	c.pingSeq++
	var data [8]byte
	for i := range data {
		data[i] = byte(c.pingSeq >> (8 * i))
	}
	c.pings[data] = ack
	err := c.core.Ping(data)
	c.kickLocked()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	select {
	case <-ack:
		return c.deadErr() // closed on an acknowledgement, or when the connection died
	case <-c.done:
		return c.deadErr()
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pings, data)
		c.mu.Unlock()
		return ctx.Err()
	}
}

func (c *h2Conn) deadErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *h2Conn) readLoop() {
	defer c.wg.Done()
	buf := make([]byte, minReadBuffer)
	grow := false // the last read filled buf: the next one gets a larger buffer
	var woken []*h2Stream
	for {
		n, rerr := c.nc.Read(buf)
		c.mu.Lock()
		if c.err != nil {
			c.mu.Unlock()
			return
		}
		if n > 0 {
			// Lent, not copied: processLocked takes every event before buf is read into again.
			if err := c.core.ReceiveShared(buf[:n]); err != nil {
				c.failLocked(err)
				c.mu.Unlock()
				return
			}
		}
		c.processLocked()
		if isTimeout(rerr) {
			c.armedSet = false // the deadline passed: whatever comes next must be set again
			if err := c.core.HandleTimeout(time.Now()); err != nil {
				c.failLocked(err)
			}
			rerr = nil
		}
		if rerr != nil && c.err == nil {
			c.failLocked(fmt.Errorf("%w: %w", ErrConnClosed, rerr))
		}
		if c.err == nil {
			c.armLocked()
			c.kickLocked()
		}
		dead := c.err != nil
		grow = n == len(buf) && len(buf) < maxReadBuffer
		woken = append(woken[:0], c.toWake...)
		for _, st := range c.toWake {
			st.woken = false
		}
		clear(c.toWake)
		c.toWake = c.toWake[:0]
		c.mu.Unlock()
		for i, st := range woken {
			st.cond.Broadcast()
			woken[i] = nil
		}
		if dead {
			return
		}
		if grow {
			// A full read: more was waiting. Larger reads mean fewer system calls and hand-offs per byte;
			// the old buffer is free, since every event it held has been taken.
			buf = make([]byte, 2*len(buf))
		}
	}
}

// The reader's buffer starts at minReadBuffer and doubles after each read that fills it, up to
// maxReadBuffer: a connection that downloads fast reads in large pieces, one that does not stays small.
const (
	minReadBuffer = 64 << 10
	maxReadBuffer = 256 << 10
)

// wakeLocked lists st to be woken when the reader lets go of mu.
func (c *h2Conn) wakeLocked(st *h2Stream) {
	if !st.woken {
		st.woken = true
		c.toWake = append(c.toWake, st)
	}
}

// processLocked reads every event the core has and dispatches it.
func (c *h2Conn) processLocked() {
	for {
		ev, err := c.core.NextEvent()
		if err != nil {
			c.failLocked(err) // the writer sends the GOAWAY carrying it
			return
		}
		if ev == nil {
			return
		}
		c.dispatchLocked(ev)
	}
}

func (c *h2Conn) dispatchLocked(ev h2.Event) {
	switch e := ev.(type) {
	case *h2.HeadersReceived:
		if st := c.streams[e.StreamID]; st != nil {
			st.onHeaders(e)
		}
	case *h2.DataReceived:
		st := c.streams[e.StreamID]
		if st == nil || st.bodyClosed {
			c.core.Consume(e.StreamID, len(e.Data))
			return
		}
		data := e.Data
		if st.dst != nil && st.dstN < len(st.dst) {
			// A Read is waiting with its buffer, and nothing is buffered: straight into it.
			n := copy(st.dst[st.dstN:], data)
			st.dstN += n
			data = data[n:]
			c.wakeLocked(st)
			if len(data) == 0 {
				return
			}
		}
		st.in.write(data)
		c.wakeLocked(st)
	case *h2.StreamEnded:
		if st := c.streams[e.StreamID]; st != nil {
			st.ended = true
			c.wakeLocked(st)
		}
	case *h2.StreamReset:
		if st := c.streams[e.StreamID]; st != nil {
			if e.Remote && e.Code == h2.ErrCodeNo && st.ended {
				// RFC 9113 §8.1: after a complete response, RST_STREAM NO_ERROR asks us to stop sending the
				// request body; the response stands.
				st.sendStopped = true
				c.stopSenderLocked(st)
				c.window.Broadcast()
				return
			}
			var err error = &StreamError{StreamID: e.StreamID, Code: uint32(e.Code), Local: !e.Remote}
			if e.Remote && e.Code == h2.ErrCodeRefusedStream && !st.gotHead {
				err = fmt.Errorf("%w: %w", ErrNotProcessed, err) // RFC 9113 §8.7
			}
			st.failLocked(err)
			c.stopSenderLocked(st)
		}
		c.window.Broadcast()
	case *h2.SettingsReceived:
		c.settingsSeen = true
		c.publishCapacityLocked()
		c.window.Broadcast()
	case *h2.WindowUpdated:
		c.window.Broadcast()
	case *h2.GoAwayReceived:
		c.goAway = true
		c.publishCapacityLocked()
		for id, st := range c.streams {
			if id > e.LastStreamID && !st.gotHead {
				// RFC 9113 §6.8: streams above the last one were not processed and may be retried. One that
				// already has its response head was processed whatever the GOAWAY says: it goes on.
				st.failLocked(fmt.Errorf("%w: GOAWAY (last stream %d, %v)", ErrNotProcessed, e.LastStreamID, e.Code))
			}
		}
		if len(c.queue) > 0 {
			// Requests the writer has not opened yet cannot be: they go elsewhere now, not when it next runs.
			c.failQueuedLocked(fmt.Errorf("%w: GOAWAY before it was sent (%v)", ErrNotProcessed, e.Code))
			c.idleIfEmptyLocked()
		}
		c.window.Broadcast()
	case *h2.PingAcked:
		if ch := c.pings[e.Data]; ch != nil {
			close(ch)
			delete(c.pings, e.Data)
		}
	}
}

func (c *h2Conn) writeLoop() {
	defer c.wg.Done()
	var out []byte
	for {
		dying := false
		select {
		case <-c.wake:
		case <-c.done:
			dying = true
		}
		c.mu.Lock()
		if c.err == nil {
			c.openQueuedLocked()
		}
		out = append(out[:0], c.core.Pending()...)
		c.core.Advance(len(out))
		c.mu.Unlock()
		for yields := 0; !dying && len(out) > 0 && len(out) < writeBatch && yields < maxWriteYields; yields++ {
			// A small write: let the goroutines that are ready to run (a burst of requests woken by the
			// same read) add their frames first, so that one write carries them all. A write on a socket
			// costs far more than a yield. Stop yielding once a yield brought nothing new.
			runtime.Gosched()
			c.mu.Lock()
			if c.err == nil {
				c.openQueuedLocked()
			}
			more := c.core.Pending()
			out = append(out, more...)
			c.core.Advance(len(more))
			c.mu.Unlock()
			if len(more) == 0 {
				break
			}
		}
		if dying {
			// The last words (a GOAWAY), briefly, then the socket closes: that wakes the reader. No lock is
			// held, so a peer that stops reading stalls nobody else.
			_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.nc.Write(out)
			c.nc.Close()
			return
		}
		if len(out) == 0 {
			continue
		}
		if c.opts.WriteTimeout > 0 {
			_ = c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
		}
		if _, err := c.nc.Write(out); err != nil {
			c.mu.Lock()
			c.failLocked(fmt.Errorf("%w: write: %w", ErrConnClosed, err))
			c.mu.Unlock()
			c.nc.Close()
			return
		}
	}
}

// writeBatch is the size below which the writer yields (up to maxWriteYields times) before writing, to
// gather more frames.
const (
	writeBatch     = 4 << 10
	maxWriteYields = 4
)

// kick wakes the writer.
func (c *h2Conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *h2Conn) kickLocked() {
	if len(c.core.Pending()) > 0 {
		c.kick()
	}
}

// armLocked points the reader's deadline at the core's next timer (DESIGN.md §3: time is an argument).
func (c *h2Conn) armLocked() {
	at, ok := c.core.Deadline()
	if ok && at.IsZero() {
		if err := c.core.HandleTimeout(time.Now()); err != nil {
			c.failLocked(err)
			return
		}
		at, ok = c.core.Deadline()
	}
	if !ok {
		at = time.Time{}
	}
	if !c.armedSet || !at.Equal(c.armed) { // setting a deadline costs a timer update: only when it changes
		c.armed, c.armedSet = at, true
		_ = c.nc.SetReadDeadline(at)
	}
}

// failLocked kills the connection: every stream fails with err, the goroutines end (the writer sends what
// is pending, a GOAWAY, and closes the socket).
func (c *h2Conn) failLocked(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	c.publishCapacityLocked()
	for _, st := range c.streams {
		st.failLocked(err)
		c.stopSenderLocked(st)
	}
	c.failQueuedLocked(fmt.Errorf("%w: %w", ErrNotProcessed, err))
	for data, ch := range c.pings {
		close(ch)
		delete(c.pings, data)
	}
	c.window.Broadcast()
	// A writer stuck in a write to a peer that vanished (no WriteTimeout) returns at once; the writer sets
	// its own deadline for the last words.
	_ = c.nc.SetWriteDeadline(time.Now())
	close(c.done) // the writer closes the socket, outside any lock
}

// removeLocked forgets a finished stream.
// Its DATA chunks go back for another stream: nothing reads them once the stream is removed.
func (c *h2Conn) removeLocked(st *h2Stream) {
	if c.streams[st.id] == st {
		delete(c.streams, st.id)
	}
	if !st.detached { // a detached stream's body still reads its buffer, and gives it back itself
		st.in.release()
	}
	c.idleIfEmptyLocked()
}

// idleIfEmptyLocked notes when the connection's last request ended: from then on it is idle, or, after a
// GOAWAY, done.
func (c *h2Conn) idleIfEmptyLocked() {
	if len(c.streams) == 0 && len(c.queue) == 0 {
		c.idleAt = clock.Mono()
		if c.goAway && c.err == nil {
			c.failLocked(ErrConnClosed) // drained after GOAWAY: nothing more can run here
		}
	}
}

// wrapCtx prefers the context's error when it caused err.
func wrapCtx(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w: %w", ctxErr, err)
	}
	return err
}
