package driver

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestRecvBufferKeepsOrder writes and reads pieces of random sizes, across chunk boundaries, and checks that
// every byte comes out once and in order, that buffered and empty agree with what is left, and that no chunk
// grows past chunkSize.
func TestRecvBufferKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 3*chunkSize+777)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	for _, maxPiece := range []int{1, 100, chunkSize - 1, chunkSize + 1, 2 * chunkSize} {
		var r recvBuffer
		var got []byte
		in, pending := src, 0
		p := make([]byte, 2*chunkSize+3)
		for len(in) > 0 || pending > 0 {
			if len(in) > 0 && (pending == 0 || rng.IntN(2) == 0) {
				n := min(len(in), 1+rng.IntN(maxPiece))
				r.write(in[:n])
				in, pending = in[n:], pending+n
			} else {
				n := r.read(p[:1+rng.IntN(len(p))])
				if n == 0 {
					t.Fatalf("maxPiece %d: read nothing with %d bytes buffered", maxPiece, pending)
				}
				got, pending = append(got, p[:n]...), pending-n
			}
			if r.buffered() != pending || r.empty() != (pending == 0) {
				t.Fatalf("maxPiece %d: buffered %d, empty %v; want %d", maxPiece, r.buffered(), r.empty(), pending)
			}
			for c := r.head; c != nil; c = c.next {
				if cap(c.b) > chunkSize {
					t.Fatalf("maxPiece %d: a chunk of capacity %d", maxPiece, cap(c.b))
				}
			}
		}
		if !bytes.Equal(got, src) {
			t.Fatalf("maxPiece %d: read %d bytes, not what was written", maxPiece, len(got))
		}
	}
}

// TestRecvBufferReadSpansChunks checks that one read takes bytes from several chunks, and that release leaves
// the buffer empty and reusable.
func TestRecvBufferReadSpansChunks(t *testing.T) {
	var r recvBuffer
	r.write(bytes.Repeat([]byte{'a'}, chunkSize))
	r.write(bytes.Repeat([]byte{'b'}, chunkSize))
	r.write([]byte("c"))
	p := make([]byte, 2*chunkSize+1)
	if n := r.read(p); n != len(p) || p[chunkSize-1] != 'a' || p[chunkSize] != 'b' || p[2*chunkSize] != 'c' {
		t.Fatalf("read %d bytes across three chunks, want %d in order", n, len(p))
	}
	if !r.empty() || r.head == nil || r.head.next != nil {
		t.Fatal("after reading everything, one empty chunk should remain for the next DATA")
	}
	r.write([]byte("later"))
	r.release()
	if !r.empty() || r.buffered() != 0 || r.head != nil || r.tail != nil {
		t.Fatal("release left something behind")
	}
	r.write([]byte("again"))
	if n := r.read(p); string(p[:n]) != "again" {
		t.Fatalf("after release, read %q", p[:n])
	}
}

// TestRecvBuffersShareThePool runs three buffers against bytes.Buffer models, with writes, reads, and releases
// that send chunks back to the pool the others take from: a chunk given back while still in use would show
// as another buffer's bytes.
func TestRecvBuffersShareThePool(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var bufs [3]recvBuffer
	var models [3]bytes.Buffer
	next := byte(0)
	for step := range 20000 {
		i := rng.IntN(len(bufs))
		r, m := &bufs[i], &models[i]
		switch op := rng.IntN(10); {
		case op < 4:
			p := make([]byte, rng.IntN(70000))
			if rng.IntN(4) == 0 {
				p = p[:rng.IntN(10)]
			}
			for k := range p {
				p[k] = next
				next++
			}
			r.write(p)
			m.Write(p)
		case op < 8:
			p := make([]byte, rng.IntN(80000))
			got := r.read(p)
			want := m.Next(len(p))
			if got != len(want) || !bytes.Equal(p[:got], want) {
				t.Fatalf("step %d, buffer %d: read %d bytes, not the %d written", step, i, got, len(want))
			}
		case op < 9:
			if r.buffered() != m.Len() || r.empty() != (m.Len() == 0) {
				t.Fatalf("step %d, buffer %d: buffered %d, empty %v; want %d", step, i, r.buffered(), r.empty(), m.Len())
			}
		default:
			r.release()
			m.Reset()
		}
	}
	for i := range bufs {
		bufs[i].release()
	}
}
