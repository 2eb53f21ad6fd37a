// Package pool is a fixture: a pool may use sync, goroutines and the clock.
package pool

import (
	"sync"
	"time"

	"github.com/httpwire/httpwire/h1"
)

// Pool holds connections.
type Pool struct {
	mu    sync.Mutex
	conns []*h1.Conn
}

// Expire runs f after d.
func (p *Pool) Expire(d time.Duration, f func()) {
	go func() {
		time.Sleep(d)
		f()
	}()
}
