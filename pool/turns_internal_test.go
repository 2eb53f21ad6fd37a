package pool

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/proto"
)

// stubConn is a driver.Conn that is never used for a request: it only holds a place in the pool.
type stubConn struct{}

func (stubConn) RoundTrip(context.Context, *driver.Request) (*driver.Response, error) {
	return nil, errors.New("stub")
}
func (stubConn) Protocol() string        { return "http/1.1" }
func (stubConn) Available() int          { return 1 }
func (stubConn) Capacity() int           { return 1 }
func (stubConn) Idle() (bool, time.Time) { return true, time.Time{} }
func (stubConn) Close() error            { return nil }

// waitQueued waits until n origins have requests queued.
func (p *Pool) waitQueued(t *testing.T, n int) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		p.mu.Lock()
		queued := len(p.waiting)
		p.mu.Unlock()
		if queued == n {
			return
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%d origins queued, want %d", queued, n)
		}
	}
}

// TestTurnPassesOnAfterCancel: at MaxConnections 1, requests to B and then C wait. Their origin's connection
// going idle is closed to make room, and B is handed the turn to dial; B's context ends as it wakes. The turn
// must pass to C, which then dials (and fails at once: nothing listens there), instead of waiting for ever.
func TestTurnPassesOnAfterCancel(t *testing.T) {
	for range 5 {
		p := New(Options{MaxConnections: 1})
		a, _ := proto.ParseOrigin("http://a.invalid:80")
		b, _ := proto.ParseOrigin("http://127.0.0.1:1")
		c, _ := proto.ParseOrigin("http://127.0.0.1:2")
		p.mu.Lock()
		opA := p.originLocked(a, nil)
		held := &conn{d: stubConn{}, p: p, op: opA, inFlight: 1, idleAt: p.now()}
		opA.addLocked(held)
		p.total = 1
		p.mu.Unlock()

		ctxB, cancelB := context.WithCancel(context.Background())
		ctxC, cancelC := context.WithTimeout(context.Background(), 10*time.Second)
		doneB, doneC := make(chan error, 1), make(chan error, 1)
		go func() { _, _, err := p.acquire(ctxB, b); doneB <- err }()
		p.waitQueued(t, 1)
		go func() { _, _, err := p.acquire(ctxC, c); doneC <- err }()
		p.waitQueued(t, 2)
		p.release(held) // closed to make room; B gets the turn to dial
		cancelB()
		<-doneB
		if err := <-doneC; errors.Is(err, context.DeadlineExceeded) {
			t.Fatal("the request to C was never handed the turn to dial")
		}
		cancelC()
		p.Close()
	}
}
