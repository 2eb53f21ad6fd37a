package proto

// FieldArena copies fields into shared chunks, so that keeping many small heads costs one allocation per
// chunk rather than two per head. A copy it returns is independent of the original and of every other copy
// (each slice is capped at its own length, so an append reallocates instead of writing into a neighbour),
// and it stays valid for as long as it is referenced: the arena only ever carves new space and never
// reuses what it handed out. A chunk is freed once nothing refers to any copy carved from it.
//
// The zero value is ready to use. A FieldArena is not safe for concurrent use.
type FieldArena struct {
	bytes  []byte
	fields Fields
}

const (
	arenaBytes  = 8 << 10 // bytes per chunk of names and values
	arenaFields = 128     // fields per chunk
)

// Clone returns a copy of f as Fields.Clone does, carved from the arena's chunks. A head too large to share
// a chunk gets its own allocation.
func (a *FieldArena) Clone(f Fields) Fields {
	if f == nil {
		return nil
	}
	n := f.ByteLen()
	if n > arenaBytes/4 || len(f) > arenaFields/4 {
		return f.Clone()
	}
	if cap(a.bytes)-len(a.bytes) < n {
		a.bytes = make([]byte, 0, arenaBytes)
	}
	if cap(a.fields)-len(a.fields) < len(f) {
		a.fields = make(Fields, 0, arenaFields)
	}
	start := len(a.fields)
	out := a.fields[start : start+len(f) : start+len(f)]
	a.fields = a.fields[:start+len(f)]
	a.bytes = f.CloneInto(out, a.bytes)
	return out
}
