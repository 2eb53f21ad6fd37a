package driver

import (
	"sync"

	"github.com/httpwire/httpwire/proto"
)

// Released HTTP/1.1 responses are reused (Response.Release). A new response is written to memory the program
// has not touched for a while: the allocator hands out fresh space until the next collection, and with a
// large heap that space is cold. Writing the response, its body's state and its header fields there costs
// about ten cache misses per request, more than the rest of a small request's work in the client. A response
// taken from recycledExchanges was released a moment ago, most often on the same thread: its memory is warm.

// h1Recycled is an exchange that comes back for reuse, with room of its own for the header fields: a plain
// exchange's fields are carved from an arena chunk other responses share, which cannot be taken back.
type h1Recycled struct {
	h1Exchange
	fields proto.Fields
	bytes  []byte
}

// recycledExchanges holds released exchanges (*h1Recycled).
var recycledExchanges sync.Pool

// Beyond these sizes a recycled exchange's field room is dropped on release rather than kept: one response
// with a huge head must not pin its memory for every later one.
const (
	recycleMaxFields = 64
	recycleMaxBytes  = 8 << 10
)

func (x *h1Exchange) trailerFields() proto.Fields { return x.body.trailerFields() }

// release takes a plain exchange's response back. Its memory cannot be reused (its fields are in a shared
// chunk), so a recycled exchange is made in its place: once responses are released as fast as they are
// made, every response comes from recycledExchanges.
func (x *h1Exchange) release() {
	x.body.waitReads()
	recycledExchanges.Put(new(h1Recycled))
}

// release takes a recycled exchange's response back for the next one.
func (x *h1Recycled) release() {
	x.body.waitReads()
	x.h1Exchange = h1Exchange{}
	if cap(x.fields) > recycleMaxFields || cap(x.bytes) > recycleMaxBytes {
		x.fields, x.bytes = nil, nil
	}
	recycledExchanges.Put(x)
}

// keep copies fields into the exchange's own room (proto.Fields.CloneInto: each name and value capped at
// its length).
func (x *h1Recycled) keep(f proto.Fields) proto.Fields {
	if f == nil {
		return nil
	}
	if n := f.ByteLen(); cap(x.bytes) < n {
		x.bytes = make([]byte, 0, max(n, 512))
	}
	if cap(x.fields) < len(f) {
		x.fields = make(proto.Fields, 0, max(len(f), 16))
	}
	out := x.fields[:len(f):len(f)]
	f.CloneInto(out, x.bytes[:0])
	return out
}

// newExchange returns an exchange for a response with header fields f (which borrow the parser's buffer),
// a released one when there is one, and the header copied where the response may keep it.
func newExchange(f proto.Fields) (*h1Exchange, releaser, proto.Fields) {
	if r, _ := recycledExchanges.Get().(*h1Recycled); r != nil {
		return &r.h1Exchange, r, r.keep(f)
	}
	x := new(h1Exchange)
	return x, x, keepFields(f)
}
