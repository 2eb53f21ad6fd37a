package proto

// Field is one header or trailer field. Name and Value are bytes so that a parser can hand out fields that
// borrow its buffer without allocating; such fields are valid only as long as the parser documents, and
// Fields.Clone makes a copy that can be kept.
type Field struct {
	Name  []byte
	Value []byte
}

// Fields is an ordered list of fields (RFC 9110 §5.3): order and repeated names are kept, names keep the case
// they were given, and lookups ignore case.
type Fields []Field

// Add appends a field with the given name and value.
func (f *Fields) Add(name, value string) {
	*f = append(*f, Field{Name: []byte(name), Value: []byte(value)})
}

// AddBytes appends a field without copying name or value.
func (f *Fields) AddBytes(name, value []byte) {
	*f = append(*f, Field{Name: name, Value: value})
}

// Set removes every field named name and appends one with the given value.
func (f *Fields) Set(name, value string) {
	f.Del(name)
	f.Add(name, value)
}

// Del removes every field named name (case-insensitively), keeping the order of the others.
func (f *Fields) Del(name string) {
	kept := (*f)[:0]
	for _, fl := range *f {
		if !EqualFold(fl.Name, name) {
			kept = append(kept, fl)
		}
	}
	clear((*f)[len(kept):])
	*f = kept
}

// Get returns the value of the first field named name and whether there is one.
func (f Fields) Get(name string) ([]byte, bool) {
	for i := range f {
		if EqualFold(f[i].Name, name) {
			return f[i].Value, true
		}
	}
	return nil, false
}

// Has reports whether a field named name is present.
func (f Fields) Has(name string) bool {
	_, ok := f.Get(name)
	return ok
}

// Values returns the values of every field named name, in order.
func (f Fields) Values(name string) [][]byte {
	var vs [][]byte
	for i := range f {
		if EqualFold(f[i].Name, name) {
			vs = append(vs, f[i].Value)
		}
	}
	return vs
}

// HasToken reports whether a field named name holds token in its comma-separated list, ignoring case and
// optional whitespace (RFC 9110 §5.6.1), as `Connection: keep-alive, Close` holds "close".
func (f Fields) HasToken(name, token string) bool {
	for i := range f {
		if !EqualFold(f[i].Name, name) {
			continue
		}
		found := false
		EachListItem(f[i].Value, func(item []byte) bool {
			found = EqualFold(item, token)
			return !found
		})
		if found {
			return true
		}
	}
	return false
}

// Clone returns a deep copy whose bytes share one new backing array and none of f's.
func (f Fields) Clone() Fields {
	if f == nil {
		return nil
	}
	out := make(Fields, len(f))
	f.CloneInto(out, make([]byte, 0, f.ByteLen()))
	return out
}

// ByteLen is the number of bytes of f's names and values together.
func (f Fields) ByteLen() int {
	n := 0
	for i := range f {
		n += len(f[i].Name) + len(f[i].Value)
	}
	return n
}

// CloneInto copies f into out, which must hold len(f) fields, with the names and values appended to buf; it
// returns buf after them. Each copied name and value is capped at its length, so that an append to one
// reallocates instead of writing into the next. With room for f.ByteLen() more bytes in buf, the copies share
// buf's backing array and nothing is allocated.
func (f Fields) CloneInto(out Fields, buf []byte) []byte {
	for i := range f {
		buf = append(buf, f[i].Name...)
		out[i].Name = buf[len(buf)-len(f[i].Name) : len(buf) : len(buf)]
		buf = append(buf, f[i].Value...)
		out[i].Value = buf[len(buf)-len(f[i].Value) : len(buf) : len(buf)]
	}
	return buf
}

// EachListItem calls yield for every non-empty element of a comma-separated list (RFC 9110 §5.6.1), with
// optional whitespace trimmed, until yield returns false.
func EachListItem(list []byte, yield func(item []byte) bool) {
	for len(list) > 0 {
		var item []byte
		if i := indexByte(list, ','); i >= 0 {
			item, list = list[:i], list[i+1:]
		} else {
			item, list = list, nil
		}
		item = TrimOWS(item)
		if len(item) > 0 && !yield(item) {
			return
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
