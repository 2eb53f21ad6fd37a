package driver

import "sync"

// recvBuffer holds the DATA a stream received and no Read has taken yet, as a list of chunks: appending never
// moves what is already there, and a chunk read to its end goes back to the pool at once. A download through a
// large window so neither grows one slice by copying nor shifts its unread bytes down (RFC 9113 §5.2 bounds
// what it holds: the peer sends no more than the stream's window).
type recvBuffer struct {
	head, tail *dataBuffer
	off        int // head.b[off:] is unread; off < len(head.b) whenever head has a next
}

// dataBuffer is one chunk of a recvBuffer; the pool holds them between streams.
type dataBuffer struct {
	b    []byte // at most chunkSize, and never grown past it
	next *dataBuffer
}

// chunkSize is the largest chunk. A chunk starts as small as the first DATA needs and grows to it, so that a
// small response does not take a whole chunk.
const chunkSize = 32 << 10

// dataBuffers holds chunks of finished streams for new ones, across connections: a chunk is given back by
// whoever reads the stream last (the connection when it removes the stream, or a detached body at its end).
var dataBuffers = sync.Pool{New: func() any { return new(dataBuffer) }}

// empty reports whether nothing is buffered.
func (r *recvBuffer) empty() bool { return r.head == nil || r.off == len(r.head.b) }

// buffered is how many bytes are buffered.
func (r *recvBuffer) buffered() int {
	n := -r.off
	for c := r.head; c != nil; c = c.next {
		n += len(c.b)
	}
	return n
}

// write appends p.
func (r *recvBuffer) write(p []byte) {
	for len(p) > 0 {
		t := r.tail
		if t == nil || len(t.b) == chunkSize {
			next := dataBuffers.Get().(*dataBuffer)
			if t == nil {
				r.head, r.off = next, 0
			} else {
				t.next = next
			}
			r.tail, t = next, next
		}
		n := min(len(p), chunkSize-len(t.b))
		if len(t.b)+n > cap(t.b) {
			grown := make([]byte, len(t.b), min(chunkSize, max(2*cap(t.b), len(t.b)+n, 512)))
			copy(grown, t.b)
			t.b = grown
		}
		t.b = append(t.b, p[:n]...)
		p = p[n:]
	}
}

// read moves buffered bytes into p, across chunks, and returns how many. The last chunk, read to its end, is
// kept (empty) for the next DATA.
func (r *recvBuffer) read(p []byte) int {
	n := 0
	for n < len(p) && r.head != nil {
		h := r.head
		k := copy(p[n:], h.b[r.off:])
		n += k
		r.off += k
		if r.off < len(h.b) {
			break
		}
		if h.next == nil {
			h.b, r.off = h.b[:0], 0
			break
		}
		r.head, r.off = h.next, 0
		h.next, h.b = nil, h.b[:0]
		dataBuffers.Put(h)
	}
	return n
}

// release gives every chunk back; nothing is buffered afterwards.
func (r *recvBuffer) release() {
	for c := r.head; c != nil; {
		next := c.next
		c.next, c.b = nil, c.b[:0]
		dataBuffers.Put(c)
		c = next
	}
	*r = recvBuffer{}
}
