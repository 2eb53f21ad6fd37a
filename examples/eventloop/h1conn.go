package main

import (
	"errors"
	"io"
	"time"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/proto"
)

var errTimeout = errors.New("request timed out")

// h1session carries one request at a time on an h1.Conn, and the next one on the same connection when the
// keep-alive cycle allows it.
type h1session struct {
	l        *loop
	c        *h1.Conn
	req      *proto.RequestHead
	inflight bool
	started  time.Time
	status   int
}

func newH1Session(l *loop) *h1session {
	s := &h1session{
		l:   l,
		c:   h1.NewConn(h1.Client),
		req: proto.NewRequest("GET", l.cfg.path, "Host", l.cfg.host),
	}
	s.send(time.Now())
	return s
}

// send queues the next request, if any is left. Nothing is written here: the loop writes Pending.
func (s *h1session) send(now time.Time) error {
	if !s.l.issue() {
		return nil
	}
	s.inflight, s.started, s.status = true, now, 0
	if err := s.c.SendRequest(s.req); err != nil {
		return err
	}
	return s.c.SendEnd(nil)
}

func (s *h1session) receive(b []byte) error { return s.c.Receive(b) }
func (s *h1session) receiveEOF() error      { return s.c.ReceiveEOF() }
func (s *h1session) pending() []byte        { return s.c.Pending() }
func (s *h1session) advance(n int)          { s.c.Advance(n) }

func (s *h1session) process(now time.Time) (bool, error) {
	for {
		ev, err := s.c.NextEvent()
		if err != nil {
			return false, err // sticky: the connection is unusable
		}
		switch e := ev.(type) {
		case nil:
			return false, nil // more input needed (or idle: all requests handed out, the run ends soon)
		case *h1.Response:
			s.status = e.Status
		case *h1.Data:
			// Discarded. e.Data is borrowed until the next call into s.c; a real client would copy it here.
		case *h1.EndOfMessage:
			s.inflight = false
			s.l.st.complete(s.status, now.Sub(s.started))
			// Reuse the connection only when both sides are Done: MustClose (Connection: close, HTTP/1.0,
			// a close-delimited body) means this cycle was the last.
			if s.c.OurState() != h1.Done || s.c.TheirState() != h1.Done {
				return true, nil
			}
			if err := s.c.StartNextCycle(); err != nil {
				return false, err
			}
			if err := s.send(now); err != nil {
				return false, err
			}
		case *h1.ConnectionClosed:
			return true, nil // the peer closed between messages, or after a close-delimited body
		case *h1.Paused:
			return true, nil // a protocol switch, or bytes past the response: not for this client
		}
		// InformationalResponse (1xx): the final response follows.
	}
}

func (s *h1session) deadline() (time.Time, bool) {
	if !s.inflight || s.l.cfg.timeout <= 0 {
		return time.Time{}, false // the h1 core has no timers of its own
	}
	return s.started.Add(s.l.cfg.timeout), true
}

func (s *h1session) timeout(now time.Time) error {
	if at, ok := s.deadline(); ok && !now.Before(at) {
		return errTimeout
	}
	return nil
}

func (s *h1session) fail(err error) {
	if s.inflight {
		s.inflight = false
		if err == io.ErrUnexpectedEOF && s.c.Err() != nil {
			err = s.c.Err()
		}
		s.l.st.fail(1, err)
	}
}

// shutdown: HTTP/1.1 says goodbye by closing the socket; SendClose only records it in the core.
func (s *h1session) shutdown() { _ = s.c.SendClose() }

// kick sends the next request if the connection is idle.
func (s *h1session) kick(now time.Time) error {
	if s.inflight {
		return nil
	}
	return s.send(now)
}
