package driver

import (
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/proto"
)

// TestReleaseWaitsForTheBody: an exchange goes back for reuse only once no Read holds its body, whether it
// was a plain one or a recycled one.
func TestReleaseWaitsForTheBody(t *testing.T) {
	for _, x := range []releaser{new(h1Exchange), new(h1Recycled)} {
		body := &x.(interface{ exchange() *h1Exchange }).exchange().body
		body.readMu.Lock() // a Read still running
		done := make(chan struct{})
		go func() {
			x.release()
			close(done)
		}()
		select {
		case <-done:
			t.Fatalf("%T: released while a Read held its body", x)
		case <-time.After(20 * time.Millisecond): // no proof of waiting, but a release that does not wait is caught
		}
		body.readMu.Unlock()
		<-done
	}
}

func (x *h1Exchange) exchange() *h1Exchange { return x }

// TestRecycledRoom: a recycled exchange copies fields into its own room, which grows as needed, is reused
// while it is small, and is dropped on release beyond its limits.
func TestRecycledRoom(t *testing.T) {
	fields := func(n, size int) proto.Fields {
		var f proto.Fields
		for i := range n {
			f.Add("x-"+strings.Repeat("n", i%7), strings.Repeat("v", size))
		}
		return f
	}
	x := new(h1Recycled)
	for _, shape := range [][2]int{{3, 10}, {30, 100}, {2, 2}, {1, 1}} {
		in := fields(shape[0], shape[1])
		out := x.keep(in)
		if len(out) != len(in) {
			t.Fatalf("%v: kept %d fields of %d", shape, len(out), len(in))
		}
		for i := range in {
			if string(out[i].Name) != string(in[i].Name) || string(out[i].Value) != string(in[i].Value) {
				t.Errorf("%v: field %d kept as %q: %q", shape, i, out[i].Name, out[i].Value)
			}
		}
		for i := range in { // the parser's buffer moves on: the kept copy must not follow
			in[i].Value[0] = '!'
		}
		for i := range out {
			if out[i].Value[0] == '!' {
				t.Fatalf("%v: kept field %d shares the original's memory", shape, i)
			}
		}
		room := cap(x.bytes)
		x.release()
		if got := recycledExchanges.Get(); got != nil && got != x {
			recycledExchanges.Put(got) // another test's; ours may have been dropped (the race detector does)
		}
		if small := shape[0]*(9+shape[1]) <= recycleMaxBytes && shape[0] <= recycleMaxFields; small && cap(x.bytes) != room {
			t.Errorf("%v: room of %d bytes not kept (%d)", shape, room, cap(x.bytes))
		}
	}
	// Beyond the limits the room is dropped.
	x.keep(fields(recycleMaxFields+1, 1))
	x.release()
	if x.fields != nil || x.bytes != nil {
		t.Errorf("room kept for %d fields (%d bytes)", cap(x.fields), cap(x.bytes))
	}
	x.keep(fields(2, recycleMaxBytes))
	x.release()
	if x.fields != nil || x.bytes != nil {
		t.Errorf("room kept for %d bytes", cap(x.bytes))
	}
	if x.keep(nil) != nil {
		t.Error("nil fields kept as non-nil")
	}
}
