package h2_test

import (
	"fmt"
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// Flow control (RFC 9113 §5.2, §6.9): receive windows credited by Consume and automatically for bytes
// nobody reads, send windows honoured by SendData, and overflows.

// smallWindows makes the receive windows 65535, so that no WINDOW_UPDATE goes out at start.
var smallWindows = h2.Config{StreamWindow: 65535, ConnWindow: 65535}

// windowUpdates returns the WINDOW_UPDATE frames among frames, described.
func windowUpdates(frames []pairtest.H2Frame) []string {
	return pairtest.DescribeH2Frames(pairtest.FramesOfType(frames, h2.FrameWindowUpdate))
}

// TestConsumeWindowUpdate: Consume returns bytes to the windows, and a WINDOW_UPDATE goes out only once half
// a window has been read, for the stream and the connection separately.
func TestConsumeWindowUpdate(t *testing.T) {
	t.Run("10000-byte reads", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1))
		want := [][]string{nil, nil, nil, {"WINDOW_UPDATE 0 +40000", "WINDOW_UPDATE 1 +40000"}, nil, nil}
		var got [][]string
		for range want {
			send(t, p, h2.AppendData(nil, 1, false, make([]byte, 10000)))
			p.Conn.Consume(1, 10000)
			got = append(got, windowUpdates(mustRead(t, p)))
		}
		diff(t, "WINDOW_UPDATE frames after each read", want, got)
	})
	t.Run("1-byte reads", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1), h2.AppendData(nil, 1, false, make([]byte, 16384)),
			h2.AppendData(nil, 1, false, make([]byte, 16384)), h2.AppendData(nil, 1, false, make([]byte, 16384)))
		var frames []pairtest.H2Frame
		for range 3 * 16384 {
			p.Conn.Consume(1, 1)
			frames = append(frames, mustRead(t, p)...)
		}
		diff(t, "WINDOW_UPDATE frames", []string{"WINDOW_UPDATE 0 +32767", "WINDOW_UPDATE 1 +32767"},
			windowUpdates(frames))
	})
	t.Run("default windows", func(t *testing.T) {
		p := newServer(t, h2.Config{}) // 1 MiB per stream, 4 MiB for the connection
		var got []string
		for _, id := range []uint32{1, 3, 5} {
			send(t, p, post(p, id))
			for range 64 {
				send(t, p, h2.AppendData(nil, id, false, make([]byte, 16384)))
				p.Conn.Consume(id, 16384)
				got = append(got, windowUpdates(mustRead(t, p))...)
			}
		}
		diff(t, "WINDOW_UPDATE frames", []string{"WINDOW_UPDATE 1 +524288", "WINDOW_UPDATE 1 +524288",
			"WINDOW_UPDATE 3 +524288", "WINDOW_UPDATE 0 +2097152", "WINDOW_UPDATE 3 +524288",
			"WINDOW_UPDATE 5 +524288", "WINDOW_UPDATE 5 +524288"}, got)
	})
	t.Run("a reader that keeps up never stalls the sender", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1))
		for i := range 1000 {
			if evs, err := p.Send(h2.AppendData(nil, 1, false, make([]byte, 16384))); err != nil || len(evs) != 1 {
				t.Fatalf("DATA %d: events %q, error %v", i, pairtest.DescribeH2Events(evs), err)
			}
			p.Conn.Consume(1, 16384)
			read(t, p)
		}
	})
	t.Run("unread data exhausts the stream window", func(t *testing.T) {
		p := newServer(t, h2.Config{StreamWindow: 65535})
		send(t, p, post(p, 1))
		for range 3 {
			send(t, p, h2.AppendData(nil, 1, false, make([]byte, 16384)))
		}
		diff(t, "events", []string{`data 1 len=16383`}, send(t, p, h2.AppendData(nil, 1, false, make([]byte, 16383))))
		diff(t, "events", []string{"reset 1 FLOW_CONTROL_ERROR local"}, send(t, p, h2.AppendData(nil, 1, false, []byte("x"))))
		diff(t, "frames", []string{"RST_STREAM 1 FLOW_CONTROL_ERROR"}, read(t, p))
		// A stream error: the connection, whose window was credited for the refused byte, goes on.
		diff(t, "next request", []string{"request 3 GET https://example.com/ [] end", "ended 3"},
			send(t, p, get(p, 3, true)))
	})
	t.Run("unread data exhausts the connection window", func(t *testing.T) {
		p := newServer(t, h2.Config{ConnWindow: 65535})
		send(t, p, post(p, 1), post(p, 3))
		send(t, p, h2.AppendData(nil, 1, false, make([]byte, 16384)), h2.AppendData(nil, 1, false, make([]byte, 16384)),
			h2.AppendData(nil, 3, false, make([]byte, 16384)), h2.AppendData(nil, 3, false, make([]byte, 16383)))
		recvConnError(t, p, h2.ErrCodeFlowControl, h2.AppendData(nil, 3, false, []byte("x")))
	})
}

// TestPaddingCredited: padding counts against flow control (RFC 9113 §6.1) but is never read by the
// application, so the core returns it to the windows itself.
func TestPaddingCredited(t *testing.T) {
	t.Run("data read, padding credited", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1))
		var frames []pairtest.H2Frame
		for i := range 1000 {
			// 1 byte of data, 1+200 bytes of Pad Length and padding: 202 bytes of window each.
			evs, err := p.Send(h2.AppendDataPadded(nil, 1, false, []byte("x"), 200))
			if err != nil || len(evs) != 1 {
				t.Fatalf("DATA %d: events %q, error %v", i, pairtest.DescribeH2Events(evs), err)
			}
			p.Conn.Consume(1, 1)
			frames = append(frames, mustRead(t, p)...)
		}
		var stream, conn uint32
		for _, f := range pairtest.FramesOfType(frames, h2.FrameWindowUpdate) {
			w, _ := h2.ParseWindowUpdate(f.FrameHeader, f.Payload)
			if w.StreamID == 0 {
				conn += w.Increment
			} else {
				stream += w.Increment
			}
		}
		// All 202,000 bytes come back, less what waits below the threshold of half a window.
		for name, n := range map[string]uint32{"stream": stream, "connection": conn} {
			if n > 202000 || n < 202000-32767 {
				t.Errorf("%s windows credited %d bytes of 202000", name, n)
			}
		}
	})
	t.Run("data not read, padding still credited", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1))
		for i := range 1000 {
			if evs, err := p.Send(h2.AppendDataPadded(nil, 1, false, []byte("x"), 255)); err != nil || len(evs) != 1 {
				t.Fatalf("DATA %d: events %q, error %v", i, pairtest.DescribeH2Events(evs), err)
			}
			read(t, p)
		}
	})
	t.Run("padding of a refused frame", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, get(p, 1, true)) // half-closed (remote): DATA is refused
		for range 400 {
			send(t, p, h2.AppendDataPadded(nil, 1, false, []byte("x"), 200))
		}
		if err := p.Conn.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConnectionWindowOnClosedStreams: DATA that no stream will read — on a stream we reset, or reset
// because of it — still counts against the connection window (RFC 9113 §6.9), and the core credits it back
// by itself; so does Consume of data read after the stream closed.
func TestConnectionWindowOnClosedStreams(t *testing.T) {
	t.Run("DATA in flight after our RST_STREAM", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1))
		if err := p.Conn.Reset(1, h2.ErrCodeCancel); err != nil {
			t.Fatal(err)
		}
		read(t, p)
		var got []string
		for range 10 { // 163,840 bytes: two and a half connection windows
			diff(t, "events", []string(nil), send(t, p, h2.AppendData(nil, 1, false, make([]byte, 16384))))
			got = append(got, windowUpdates(mustRead(t, p))...)
		}
		diff(t, "WINDOW_UPDATE frames", []string{"WINDOW_UPDATE 0 +32768", "WINDOW_UPDATE 0 +32768",
			"WINDOW_UPDATE 0 +32768", "WINDOW_UPDATE 0 +32768", "WINDOW_UPDATE 0 +32768"}, got)
	})
	t.Run("DATA refused on a half-closed stream", func(t *testing.T) {
		p := newServer(t, h2.Config{StreamWindow: 65535, ConnWindow: 65535, Limits: h2.Limits{MaxResetStreams: 1000}})
		for id := uint32(1); id < 2*10; id += 2 {
			send(t, p, get(p, id, true), h2.AppendData(nil, id, false, make([]byte, 16384)))
		}
		if err := p.Conn.Err(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Consume after the peer ended the stream", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1))
		diff(t, "events", []string{"data 1 len=16384", "data 1 len=16384", "data 1 len=7232 end", "ended 1"},
			send(t, p, h2.AppendData(nil, 1, false, make([]byte, 16384)), h2.AppendData(nil, 1, false, make([]byte, 16384)),
				h2.AppendData(nil, 1, true, make([]byte, 7232))))
		p.Conn.Consume(1, 40000)
		// The peer sends nothing more on the stream: only the connection needs its window back.
		diff(t, "frames", []string{"WINDOW_UPDATE 0 +40000"}, read(t, p))
	})
	t.Run("Consume after the stream closed", func(t *testing.T) {
		p := newServer(t, smallWindows)
		send(t, p, post(p, 1), h2.AppendData(nil, 1, true, make([]byte, 40000-16384*2)),
			rst(1, h2.ErrCodeCancel)(p))
		p.Conn.Consume(1, 40000-16384*2)
		send(t, p, post(p, 3), h2.AppendData(nil, 3, false, make([]byte, 16384)), h2.AppendData(nil, 3, false, make([]byte, 16384)))
		p.Conn.Consume(3, 16384*2)
		diff(t, "frames", []string{"WINDOW_UPDATE 0 +40000", "WINDOW_UPDATE 3 +32768"}, windowUpdates(mustRead(t, p)))
	})
}

// TestSendWindow: SendData sends what the smaller of the stream and connection windows allows, split into
// frames of the peer's SETTINGS_MAX_FRAME_SIZE, and more once WINDOW_UPDATE frames arrive.
func TestSendWindow(t *testing.T) {
	p := newServer(t, h2.Config{})
	respond(t, p, 1)
	read(t, p)
	body := make([]byte, 100000)
	n, err := p.Conn.SendData(1, body, true)
	if n != 65535 || err != nil {
		t.Fatalf("SendData = %d, %v; want 65535 (the peer's initial windows)", n, err)
	}
	diff(t, "frames", []string{"DATA 1 len=16384", "DATA 1 len=16384", "DATA 1 len=16384", "DATA 1 len=16383"},
		read(t, p))
	diff(t, "SendWindow", 0, p.Conn.SendWindow(1))
	diff(t, "events", []string{"window 1 +50000"}, send(t, p, h2.AppendWindowUpdate(nil, 1, 50000)))
	diff(t, "SendWindow with the connection window closed", 0, p.Conn.SendWindow(1))
	if n, err := p.Conn.SendData(1, body[65535:], true); n != 0 || err != nil {
		t.Fatalf("SendData = %d, %v; want 0", n, err)
	}
	diff(t, "frames", []string(nil), read(t, p))
	diff(t, "events", []string{"window 0 +20000"}, send(t, p, h2.AppendWindowUpdate(nil, 0, 20000)))
	diff(t, "SendWindow", 20000, p.Conn.SendWindow(1))
	n, _ = p.Conn.SendData(1, body[65535:], true)
	diff(t, "sent", 20000, n)
	send(t, p, h2.AppendWindowUpdate(nil, 0, 50000))
	n, _ = p.Conn.SendData(1, body[85535:], true)
	diff(t, "sent", 14465, n)
	diff(t, "frames", []string{"DATA 1 len=16384", "DATA 1 len=3616", "DATA 1 len=14465 END_STREAM"}, read(t, p))
	if _, err := p.Conn.SendData(1, []byte("x"), false); err == nil {
		t.Error("SendData after END_STREAM succeeded")
	}
	diff(t, "SendWindow of a closed stream", 0, p.Conn.SendWindow(1))
}

// TestSendDataBeforeResponse: a server sends DATA only after its final response head (RFC 9113 §8.1).
func TestSendDataBeforeResponse(t *testing.T) {
	p := newServer(t, h2.Config{})
	send(t, p, get(p, 1, true))
	if _, err := p.Conn.SendData(1, []byte("x"), true); err == nil {
		t.Error("SendData before the response head succeeded")
	}
	if err := p.Conn.SendResponse(1, proto.NewResponse(103, "link", "</a>"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Conn.SendData(1, []byte("x"), true); err == nil {
		t.Error("SendData after a 1xx head succeeded")
	}
	diff(t, "frames", []string{"HEADERS 1 END_HEADERS [:status: 103, link: </a>]"}, read(t, p))
}

// TestWindowOverflow: a window above 2^31-1 is a FLOW_CONTROL_ERROR (RFC 9113 §6.9.1): of the connection for
// the connection window, of the stream for a stream window.
func TestWindowOverflow(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames func(p *pairtest.H2Peer) [][]byte
		events []string
		out    []string
		code   h2.ErrCode
	}{
		{name: "connection window to 2^31-1", frames: func(*pairtest.H2Peer) [][]byte {
			return [][]byte{h2.AppendWindowUpdate(nil, 0, h2.MaxWindowSize-65535)}
		}, events: []string{fmt.Sprintf("window 0 +%d", h2.MaxWindowSize-65535)}},
		{name: "connection window past 2^31-1", frames: func(*pairtest.H2Peer) [][]byte {
			return [][]byte{h2.AppendWindowUpdate(nil, 0, h2.MaxWindowSize-65535), h2.AppendWindowUpdate(nil, 0, 1)}
		}, code: h2.ErrCodeFlowControl},
		{name: "connection WINDOW_UPDATE increment 0", frames: func(*pairtest.H2Peer) [][]byte {
			return [][]byte{h2.AppendWindowUpdate(nil, 0, 0)}
		}, code: h2.ErrCodeProtocol},
		{name: "stream window to 2^31-1", frames: func(p *pairtest.H2Peer) [][]byte {
			return [][]byte{post(p, 1), h2.AppendWindowUpdate(nil, 1, h2.MaxWindowSize-65535)}
		}, events: []string{"request 1 POST https://example.com/up []", fmt.Sprintf("window 1 +%d", h2.MaxWindowSize-65535)}},
		{name: "stream window past 2^31-1", frames: func(p *pairtest.H2Peer) [][]byte {
			return [][]byte{post(p, 1), h2.AppendWindowUpdate(nil, 1, h2.MaxWindowSize-65535),
				h2.AppendWindowUpdate(nil, 1, 1)}
		}, events: []string{"request 1 POST https://example.com/up []", fmt.Sprintf("window 1 +%d", h2.MaxWindowSize-65535),
			"reset 1 FLOW_CONTROL_ERROR local"}, out: []string{"RST_STREAM 1 FLOW_CONTROL_ERROR"}},
		{name: "WINDOW_UPDATE of 4 bytes plus one", frames: func(p *pairtest.H2Peer) [][]byte {
			return [][]byte{append(h2.AppendFrameHeader(nil, h2.FrameHeader{Length: 5, Type: h2.FrameWindowUpdate}),
				0, 0, 0, 1, 0)}
		}, code: h2.ErrCodeFrameSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newServer(t, h2.Config{})
			evs, err := p.Send(tc.frames(p)...)
			if tc.code != 0 {
				wantConnError(t, p, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			diff(t, "events", tc.events, pairtest.DescribeH2Events(evs))
			diff(t, "frames", tc.out, read(t, p))
		})
	}
}
