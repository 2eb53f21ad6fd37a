package server

import (
	"errors"
	"net"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/coreio"
	"github.com/httpwire/httpwire/proto"
)

// h2stream is a request being received or a response being sent.
type h2stream struct {
	req      *proto.RequestHead
	body     []byte
	out      []byte // response body not yet sent (flow control)
	tooLarge bool
}

// serveH2 runs one HTTP/2 connection: read, process events, answer complete requests, write.
func (s *Server) serveH2(nc net.Conn) {
	c := h2.NewConn(h2.Server, s.H2)
	streams := make(map[uint32]*h2stream)
	buf := make([]byte, 64<<10)
	flush := func() error { return coreio.WriteAll(nc, c.Pending, c.Advance) }
	if flush() != nil {
		return
	}
	for {
		if err := armDeadline(nc, c); err != nil {
			_ = flush()
			return
		}
		n, rerr := nc.Read(buf)
		if isTimeout(rerr) {
			// A core timer expired (DESIGN.md §3: time enters as an argument).
			if err := c.HandleTimeout(time.Now()); err != nil {
				s.logger().Debug("h2 timer", "err", err)
				_ = flush()
				return
			}
			rerr = nil
		}
		if n > 0 {
			if err := c.Receive(buf[:n]); err != nil {
				return
			}
		}
		for {
			ev, err := c.NextEvent()
			if err != nil {
				s.logger().Debug("h2 connection error", "err", err)
				_ = flush()
				return
			}
			if ev == nil {
				break
			}
			s.h2Event(c, streams, ev)
		}
		if flush() != nil || rerr != nil {
			return
		}
	}
}

func (s *Server) h2Event(c *h2.Conn, streams map[uint32]*h2stream, ev h2.Event) {
	switch e := ev.(type) {
	case *h2.HeadersReceived:
		if e.Kind == h2.KindRequest {
			streams[e.StreamID] = &h2stream{req: e.Request.Clone()}
		}
	case *h2.DataReceived:
		st := streams[e.StreamID]
		c.Consume(e.StreamID, len(e.Data))
		if st == nil {
			return
		}
		if len(st.body)+len(e.Data) > MaxRequestBody {
			st.tooLarge = true
			return
		}
		st.body = append(st.body, e.Data...)
	case *h2.StreamEnded:
		st := streams[e.StreamID]
		if st == nil || st.req == nil {
			return
		}
		resp, body := s.answer(st.req, st.body)
		if st.tooLarge {
			resp, body = proto.NewResponse(413), nil
		}
		st.req, st.body = nil, nil
		if err := c.SendResponse(e.StreamID, resp, len(body) == 0); err != nil {
			delete(streams, e.StreamID)
			_ = c.Reset(e.StreamID, h2.ErrCodeInternal)
			return
		}
		if len(body) == 0 {
			delete(streams, e.StreamID)
			return
		}
		st.out = body
		s.h2Pump(c, streams, e.StreamID, st)
	case *h2.WindowUpdated:
		for id, st := range streams {
			if st.out != nil && (e.StreamID == 0 || e.StreamID == id) {
				s.h2Pump(c, streams, id, st)
			}
		}
	case *h2.SettingsReceived:
		// A new SETTINGS_INITIAL_WINDOW_SIZE may open every stream's window (RFC 9113 §6.9.2).
		for id, st := range streams {
			if st.out != nil {
				s.h2Pump(c, streams, id, st)
			}
		}
	case *h2.StreamReset:
		delete(streams, e.StreamID)
	}
}

// h2Pump sends as much of a response body as the windows allow.
func (s *Server) h2Pump(c *h2.Conn, streams map[uint32]*h2stream, id uint32, st *h2stream) {
	n, err := c.SendData(id, st.out, true)
	if err != nil {
		delete(streams, id)
		return
	}
	st.out = st.out[n:]
	if len(st.out) == 0 {
		delete(streams, id)
	}
}

// armDeadline makes the next Read return when the core's next timer is due, arming wanted timers first.
func armDeadline(nc net.Conn, c *h2.Conn) error {
	at, ok := c.Deadline()
	if ok && at.IsZero() {
		if err := c.HandleTimeout(time.Now()); err != nil {
			return err
		}
		at, ok = c.Deadline()
	}
	if !ok {
		at = time.Time{}
	}
	return nc.SetReadDeadline(at)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
