package h2_test

import (
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// The exchange every iteration of BenchmarkExchange runs: a GET with three fields, answered by a 200 with two
// fields and a 13-byte body, on a new stream of the same connection.
var (
	bxRequest = &proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"), Authority: []byte("example.com"),
		Target: []byte("/index.html"), Fields: proto.Fields{
			{Name: []byte("accept"), Value: []byte("text/html")},
			{Name: []byte("accept-encoding"), Value: []byte("gzip, br")},
			{Name: []byte("user-agent"), Value: []byte("httpwire-bench/1.0")},
		}}
	bxResponse = &proto.ResponseHead{Status: 200, Fields: proto.Fields{
		{Name: []byte("content-type"), Value: []byte("text/plain")},
		{Name: []byte("content-length"), Value: []byte("13")},
	}}
	bxBody = []byte("hello, world\n")
)

// bxMove hands everything src has queued to dst.
func bxMove(tb testing.TB, src, dst *h2.Conn) {
	if out := src.Pending(); len(out) > 0 {
		if err := dst.Receive(out); err != nil {
			tb.Fatal(err)
		}
		src.Advance(len(out))
	}
}

// bxServe reads the server's events and answers the request.
func bxServe(tb testing.TB, sv *h2.Conn) {
	for {
		ev, err := sv.NextEvent()
		if err != nil {
			tb.Fatal(err)
		}
		if ev == nil {
			return
		}
		if h, ok := ev.(*h2.HeadersReceived); ok && h.Kind == h2.KindRequest {
			if err := sv.SendResponse(h.StreamID, bxResponse, false); err != nil {
				tb.Fatal(err)
			}
			if n, err := sv.SendData(h.StreamID, bxBody, true); n != len(bxBody) || err != nil {
				tb.Fatal(n, err)
			}
		}
	}
}

// bxReceive reads the client's events for stream id, consuming the body, and fails unless the whole response
// arrived.
func bxReceive(tb testing.TB, cl *h2.Conn, id uint32) {
	got, ended := 0, false
	for {
		ev, err := cl.NextEvent()
		if err != nil {
			tb.Fatal(err)
		}
		if ev == nil {
			break
		}
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if e.StreamID != id || e.Response.Status != 200 {
				tb.Fatalf("response %+v on stream %d, want 200 on %d", e.Response, e.StreamID, id)
			}
		case *h2.DataReceived:
			got += len(e.Data)
			cl.Consume(e.StreamID, len(e.Data))
		case *h2.StreamEnded:
			ended = e.StreamID == id
		}
	}
	if got != len(bxBody) || !ended {
		tb.Fatalf("stream %d: %d bytes of body, ended %v", id, got, ended)
	}
}

// bxPair returns a client and a server core past the SETTINGS exchange that have run warm exchanges, so
// that both HPACK dynamic tables hold the fields.
func bxPair(tb testing.TB) (cl, sv *h2.Conn) {
	cl, sv = h2.NewConn(h2.Client, h2.Config{}), h2.NewConn(h2.Server, h2.Config{})
	for range 3 {
		bxExchange(tb, cl, sv)
	}
	return cl, sv
}

func bxExchange(tb testing.TB, cl, sv *h2.Conn) {
	id, err := cl.SendRequest(bxRequest, true)
	if err != nil {
		tb.Fatal(err)
	}
	bxMove(tb, cl, sv)
	bxServe(tb, sv)
	bxMove(tb, sv, cl)
	bxReceive(tb, cl, id)
}

// BenchmarkExchange runs one exchange per iteration: "pair" through both cores in memory, "client" through
// the client core alone, fed the server's response recorded once (its HPACK block refers to the warm dynamic
// table only, so it replays as is) with the stream id patched in. The target is at most 5
// allocations per exchange on the client core.
func BenchmarkExchange(b *testing.B) {
	b.Run("pair", func(b *testing.B) {
		cl, sv := bxPair(b)
		b.ReportAllocs()
		for b.Loop() {
			bxExchange(b, cl, sv)
		}
	})
	b.Run("client", func(b *testing.B) {
		cl, sv := bxPair(b)
		// Record the server's answer to one more request.
		id, err := cl.SendRequest(bxRequest, true)
		if err != nil {
			b.Fatal(err)
		}
		bxMove(b, cl, sv)
		bxServe(b, sv)
		answer := append([]byte(nil), sv.Pending()...)
		bxMove(b, sv, cl)
		bxReceive(b, cl, id)
		b.ReportAllocs()
		for b.Loop() {
			id, err := cl.SendRequest(bxRequest, true)
			if err != nil {
				b.Fatal(err)
			}
			cl.Advance(len(cl.Pending())) // what the server would receive
			bxPatchStream(answer, id)
			if err := cl.Receive(answer); err != nil {
				b.Fatal(err)
			}
			bxReceive(b, cl, id)
		}
	})
}

// bxPatchStream sets the stream id of every frame in b to id.
func bxPatchStream(b []byte, id uint32) {
	for len(b) >= h2.FrameHeaderLen {
		h, _ := h2.ParseFrameHeader(b)
		b[5], b[6], b[7], b[8] = byte(id>>24), byte(id>>16), byte(id>>8), byte(id)
		b = b[h2.FrameHeaderLen+int(h.Length):]
	}
}
