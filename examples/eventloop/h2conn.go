package main

import (
	"fmt"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// h2session keeps up to cfg.streams requests in flight on one h2.Conn (h2c, prior knowledge).
type h2session struct {
	l         *loop
	c         *h2.Conn
	req       *proto.RequestHead
	streams   map[uint32]*h2stream // requests in flight
	goingAway bool                 // a GOAWAY came: no new streams on this connection
}

type h2stream struct {
	started time.Time
	status  int
}

func newH2Session(l *loop) *h2session {
	s := &h2session{
		l: l,
		c: h2.NewConn(h2.Client, h2.Config{}), // queues the preface and our SETTINGS
		req: &proto.RequestHead{Method: []byte("GET"), Scheme: []byte("http"),
			Authority: []byte(l.cfg.host), Target: []byte(l.cfg.path)},
		streams: make(map[uint32]*h2stream, l.cfg.streams),
	}
	s.open(time.Now())
	return s
}

// open starts requests until cfg.streams are in flight, the peer's limit is reached or none are left.
func (s *h2session) open(now time.Time) error {
	for len(s.streams) < s.l.cfg.streams && !s.goingAway && s.c.CanOpenStream() && s.l.issue() {
		id, err := s.c.SendRequest(s.req, true)
		if err != nil {
			s.l.issued-- // not sent: give the request back
			return err
		}
		s.streams[id] = &h2stream{started: now}
	}
	return nil
}

func (s *h2session) receive(b []byte) error { return s.c.Receive(b) }
func (s *h2session) pending() []byte        { return s.c.Pending() }
func (s *h2session) advance(n int)          { s.c.Advance(n) }

// receiveEOF: HTTP/2 has no half-close at the connection level, so the core has no ReceiveEOF. The step
// closes the connection, and the streams still in flight fail.
func (s *h2session) receiveEOF() error { return nil }

func (s *h2session) process(now time.Time) (bool, error) {
	for {
		ev, err := s.c.NextEvent()
		if err != nil {
			return false, err // a connection error: a GOAWAY is queued, the loop tries to send it and closes
		}
		if ev == nil {
			break
		}
		switch e := ev.(type) {
		case *h2.HeadersReceived:
			if st := s.streams[e.StreamID]; st != nil && e.Kind == h2.KindResponse {
				st.status = e.Response.Status
			}
		case *h2.DataReceived:
			// Discarded, so consumed at once: the receive windows are credited only by Consume, and a
			// client that forgot it would stall once a window (1 MiB per stream, 4 MiB per connection) is used.
			s.c.Consume(e.StreamID, len(e.Data))
		case *h2.StreamEnded:
			if st := s.streams[e.StreamID]; st != nil {
				delete(s.streams, e.StreamID)
				s.l.st.complete(st.status, now.Sub(st.started))
			}
		case *h2.StreamReset:
			if s.streams[e.StreamID] != nil {
				delete(s.streams, e.StreamID)
				s.l.st.fail(1, fmt.Errorf("stream reset: %v", e.Code))
			}
		case *h2.GoAwayReceived:
			// Streams above LastStreamID were not processed; the rest still complete.
			s.goingAway = true
			for id := range s.streams {
				if id > e.LastStreamID {
					delete(s.streams, id)
					s.l.st.fail(1, fmt.Errorf("not processed: GOAWAY %v", e.Code))
				}
			}
		}
		// SettingsReceived may raise or lower the stream limit: open below looks again. WindowUpdated,
		// PingReceived (already answered by the core) and the rest need nothing from a client that sends no body.
	}
	if err := s.open(now); err != nil {
		return false, err
	}
	// The zero deadline means "now": HandleTimeout arms the timers the core wants (the SETTINGS ack timer
	// after the first SETTINGS, the stall timer when data waits on a closed window).
	if at, ok := s.c.Deadline(); ok && at.IsZero() {
		if err := s.c.HandleTimeout(now); err != nil {
			return false, err
		}
	}
	// After a GOAWAY the connection ends with its last stream; the loop opens another if requests are left.
	return s.goingAway && len(s.streams) == 0, nil
}

// deadline is the earlier of the core's timer and the oldest request's timeout.
func (s *h2session) deadline() (time.Time, bool) {
	at, ok := s.c.Deadline()
	if d := s.l.cfg.timeout; d > 0 {
		for _, st := range s.streams {
			if t := st.started.Add(d); !ok || t.Before(at) {
				at, ok = t, true
			}
		}
	}
	return at, ok
}

func (s *h2session) timeout(now time.Time) error {
	if at, ok := s.c.Deadline(); ok && !now.Before(at) {
		if err := s.c.HandleTimeout(now); err != nil {
			return err // SETTINGS_TIMEOUT or a stall: the GOAWAY is queued
		}
	}
	if d := s.l.cfg.timeout; d > 0 {
		for _, st := range s.streams {
			if !now.Before(st.started.Add(d)) {
				return errTimeout // the loop closes the connection; every stream in flight fails
			}
		}
	}
	return nil
}

func (s *h2session) fail(err error) {
	if len(s.streams) > 0 {
		if err2 := s.c.Err(); err2 != nil {
			err = err2
		}
		s.l.st.fail(len(s.streams), err)
		clear(s.streams)
	}
}

// shutdown queues a GOAWAY(NO_ERROR); the loop makes one attempt to send it before closing.
func (s *h2session) shutdown() { _ = s.c.GoAway(h2.ErrCodeNo, nil) }

// kick opens streams up to cfg.streams.
func (s *h2session) kick(now time.Time) error { return s.open(now) }
