package h1

import (
	"net"
	"sync"
	"testing"
	"time"
)

// Tests may use whatever they need.
func TestAnything(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	defer mu.Unlock()
	go func() { _ = time.Now() }()
	_, _ = net.Pipe()
}
