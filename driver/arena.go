package driver

import (
	"sync"

	"github.com/httpwire/httpwire/proto"
)

// arenas hold the field arenas HTTP/1.1 connections copy response heads and trailers into: shared across
// connections, so that an idle connection pins no chunk of its own (HTTP/2 connections keep one each, used
// with their lock held).
var arenas = sync.Pool{New: func() any { return new(proto.FieldArena) }}

// keepFields copies fields that borrow a parser's buffer into memory the caller may keep.
func keepFields(f proto.Fields) proto.Fields {
	a := arenas.Get().(*proto.FieldArena)
	out := a.Clone(f)
	arenas.Put(a)
	return out
}
