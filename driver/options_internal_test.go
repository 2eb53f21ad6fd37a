package driver

import (
	"testing"
	"time"

	"github.com/httpwire/httpwire/h2"
)

// TestClientStallTimeout: the HTTP/2 client turns the core's zero-window StallTimeout off unless it is set,
// and keeps a value that is.
func TestClientStallTimeout(t *testing.T) {
	if got := (&Options{}).h2Config().StallTimeout; got >= 0 {
		t.Errorf("default client StallTimeout %v, want off (negative)", got)
	}
	set := &Options{H2: h2.Config{StallTimeout: time.Second}}
	if got := set.h2Config().StallTimeout; got != time.Second {
		t.Errorf("client StallTimeout set to 1 s became %v", got)
	}
}
