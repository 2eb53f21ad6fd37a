package h2_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// sharedScript runs requests from a fresh client core to a server core and returns the client, ready to
// receive, and everything the server sent: SETTINGS, response heads split into CONTINUATION frames (a small
// SETTINGS_MAX_FRAME_SIZE is not possible, so large fields do it), DATA of many sizes, trailers and a PING.
func sharedScript(t *testing.T) (*h2.Conn, []byte) {
	t.Helper()
	cl := h2.NewConn(h2.Client, h2.Config{})
	sv := h2.NewConn(h2.Server, h2.Config{})
	req := &proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"), Authority: []byte("example.com"),
		Target: []byte("/"), Version: proto.HTTP2}
	var ids []uint32
	for range 4 {
		id, err := cl.SendRequest(req, true)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := sv.Receive(cl.Pending()); err != nil {
		t.Fatal(err)
	}
	cl.Advance(len(cl.Pending()))
	for {
		ev, err := sv.NextEvent()
		if err != nil {
			t.Fatal(err)
		}
		if ev == nil {
			break
		}
	}
	big := string(bytes.Repeat([]byte("v"), 20000)) // a head larger than one frame: CONTINUATION follows
	for i, id := range ids {
		head := proto.NewResponse(200, "x-index", string(rune('a'+i)))
		if i == 1 {
			head.Fields.Add("x-big", big)
		}
		if err := sv.SendResponse(id, head, false); err != nil {
			t.Fatal(err)
		}
		for _, size := range []int{1, 100, 16384, 5000 * (i + 1)} {
			data := bytes.Repeat([]byte{byte('0' + i)}, size)
			if n, err := sv.SendData(id, data, false); err != nil || n != size {
				t.Fatalf("SendData: %d, %v", n, err)
			}
		}
		if err := sv.SendTrailers(id, proto.Fields{{Name: []byte("x-done"), Value: []byte("yes")}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sv.Ping([8]byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	return cl, append([]byte(nil), sv.Pending()...)
}

// TestReceiveShared: input lent with ReceiveShared, in pieces of every size from 1 byte to the whole, gives
// the same events as Receive, and the connection keeps nothing of a piece once NextEvent returned nil: the
// piece is scribbled over before the next one.
func TestReceiveShared(t *testing.T) {
	want := func() []string {
		cl, script := sharedScript(t)
		if err := cl.Receive(script); err != nil {
			t.Fatal(err)
		}
		return drainDescribed(t, cl)
	}()
	if len(want) < 20 {
		t.Fatalf("the script yields only %d events: %v", len(want), want)
	}
	for _, size := range []int{1, 2, 7, 9, 10, 100, 4096, 16393, 16394, 40000, 1 << 20} {
		cl, script := sharedScript(t)
		var got []string
		piece := make([]byte, size)
		for off := 0; off < len(script); off += size {
			n := copy(piece, script[off:])
			if err := cl.ReceiveShared(piece[:n]); err != nil {
				t.Fatalf("piece %d: %v", size, err)
			}
			got = append(got, drainDescribed(t, cl)...)
			for i := range piece {
				piece[i] = 0xff // the connection must not read this again
			}
		}
		diff(t, "events with pieces of "+strconv.Itoa(size), want, got)
	}
}

// drainDescribed reads every event the core has, described at once (event data is valid until the next call).
func drainDescribed(t *testing.T, c *h2.Conn) []string {
	t.Helper()
	var out []string
	for {
		ev, err := c.NextEvent()
		if err != nil {
			t.Fatal(err)
		}
		if ev == nil {
			return out
		}
		d := pairtest.DescribeH2Event(ev)
		if e, ok := ev.(*h2.DataReceived); ok {
			d += " " + string(e.Data) // the bytes themselves, not only their count
		}
		out = append(out, d)
	}
}

// TestReceiveSharedUndrained: lending more input before NextEvent ran to nil (one event taken between
// pieces) still yields every event in order: frames already buffered are not skipped over.
func TestReceiveSharedUndrained(t *testing.T) {
	want := func() []string {
		cl, script := sharedScript(t)
		if err := cl.Receive(script); err != nil {
			t.Fatal(err)
		}
		return drainDescribed(t, cl)
	}()
	for _, size := range []int{3, 9, 100, 5000, 16400} {
		cl, script := sharedScript(t)
		var got []string
		var pieces [][]byte
		for off := 0; off < len(script); off += size {
			piece := append([]byte(nil), script[off:min(off+size, len(script))]...)
			pieces = append(pieces, piece)
			if err := cl.ReceiveShared(piece); err != nil {
				t.Fatalf("pieces of %d: %v", size, err)
			}
			ev, err := cl.NextEvent() // one event, not all of them
			if err != nil {
				t.Fatalf("pieces of %d: %v", size, err)
			}
			if ev != nil {
				d := pairtest.DescribeH2Event(ev)
				if e, ok := ev.(*h2.DataReceived); ok {
					d += " " + string(e.Data)
				}
				got = append(got, d)
			}
		}
		got = append(got, drainDescribed(t, cl)...)
		for _, piece := range pieces {
			for i := range piece {
				piece[i] = 0xff
			}
		}
		diff(t, "events with pieces of "+strconv.Itoa(size)+", one event each", want, got)
		if more := drainDescribed(t, cl); len(more) > 0 {
			t.Errorf("pieces of %d: events after the end: %v", size, more)
		}
	}
}
