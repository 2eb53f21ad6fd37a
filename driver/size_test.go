package driver

import (
	"testing"
	"unsafe"
)

// TestH2ExchangeSize: an open HTTP/2 request (its stream, response and body, one allocation) fits the 512-byte
// size class. Beyond it the next class is 576 bytes, for every request in flight (docs/performance.md,
// stream-mem).
func TestH2ExchangeSize(t *testing.T) {
	if n := unsafe.Sizeof(h2Exchange{}); n > 512 {
		t.Errorf("h2Exchange is %d bytes; want at most 512", n)
	}
}

// TestH1ExchangeSize: an HTTP/1.1 response and its body, one allocation per request, fit the 256-byte size
// class; the next is 288 bytes.
func TestH1ExchangeSize(t *testing.T) {
	if n := unsafe.Sizeof(h1Exchange{}); n > 256 {
		t.Errorf("h1Exchange is %d bytes; want at most 256", n)
	}
}
