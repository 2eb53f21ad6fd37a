package h2

// Stream bookkeeping and receive-side flow control (RFC 9113 §5.2, §6.9).

// transition moves s by ev; a stream that reaches closed is forgotten but remembered as closed.
func (c *Conn) transition(s *stream, ev streamEvent) bool {
	next, ok := s.state.next(ev)
	if !ok {
		return false
	}
	s.state = next
	if next == stateClosed {
		kind := closedNormally
		if ev == sendReset {
			kind = closedByUs
		} else if ev != recvReset && c.resetBudget < c.lim.MaxResetStreams {
			c.resetBudget++ // a stream that completed earns back one abandoned stream
		}
		c.unblock(s)
		delete(c.streams, s.id)
		if s.local {
			c.localOpen--
		} else {
			c.peerOpen--
		}
		c.rememberClosed(s.id, kind)
		if len(c.free) < 64 {
			c.free = append(c.free, s)
		}
	}
	return true
}

// markBlocked records that s waits for a window, starting the stall timer (CVE-2019-9517).
func (c *Conn) markBlocked(s *stream) {
	if !s.blocked {
		s.blocked = true
		c.blockedStreams++
	}
	c.stallTimer.want()
}

// unblock records that s no longer waits; the stall timer stops when no stream waits.
func (c *Conn) unblock(s *stream) {
	if !s.blocked {
		return
	}
	s.blocked = false
	c.blockedStreams--
	if c.blockedStreams == 0 {
		c.stallTimer.stop()
	}
}

// unblockAll is unblock for every stream: a window opened for all of them.
func (c *Conn) unblockAll() {
	for _, s := range c.streams {
		c.unblock(s)
	}
}

// rememberClosed records how stream id closed, forgetting the oldest record beyond MaxClosedStreams.
func (c *Conn) rememberClosed(id uint32, kind closedKind) {
	if _, ok := c.closed[id]; !ok {
		c.closedOrder = append(c.closedOrder, id)
	}
	c.closed[id] = kind
	if len(c.closedOrder) > c.lim.MaxClosedStreams {
		delete(c.closed, c.closedOrder[0])
		c.closedOrder = c.closedOrder[1:]
	}
}

// openStream starts tracking a stream with the initial windows of both sides.
func (c *Conn) openStream(id uint32, local bool) *stream {
	var s *stream
	if n := len(c.free); n > 0 {
		s, c.free = c.free[n-1], c.free[:n-1]
	} else {
		s = new(stream)
	}
	*s = stream{
		id:            id,
		local:         local,
		sendWindow:    int64(c.peer.InitialWindowSize),
		recvWindow:    c.initialRecvWindow(),
		contentLength: -1,
	}
	c.streams[id] = s
	if local {
		c.localOpen++
	} else {
		c.peerOpen++
	}
	return s
}

// initialRecvWindow is a new stream's receive window: ours once the peer acknowledged our SETTINGS, and
// until then at least the default, which the peer may still be using (RFC 9113 §6.9.2: a receiver that
// lowers the window must accept data sent before the peer saw the change).
func (c *Conn) initialRecvWindow() int64 {
	w := int64(c.local.InitialWindowSize)
	if !c.localAcked {
		w = max(w, int64(defaultSettings.InitialWindowSize))
	}
	return w
}

// settingsAckedFirst applies our first SETTINGS on their acknowledgement: a stream window lower than the
// default now holds, and open streams' windows shrink by the difference, below zero if need be (§6.9.2).
func (c *Conn) settingsAckedFirst() {
	c.localAcked = true
	if d := int64(defaultSettings.InitialWindowSize) - int64(c.local.InitialWindowSize); d > 0 {
		for _, s := range c.streams {
			s.recvWindow -= d
		}
	}
}

// Consume reports that the application has read n bytes of DATA on stream id, so that the peer may send
// that much more. WINDOW_UPDATE frames go out once half a window has been read, not for every read.
func (c *Conn) Consume(id uint32, n int) {
	if n <= 0 || c.err != nil {
		return
	}
	if s := c.streams[id]; s != nil {
		c.credit(s, int64(n))
		return
	}
	c.creditConn(int64(n))
}

// credit returns n bytes to the windows of s and of the connection.
func (c *Conn) credit(s *stream, n int64) {
	c.creditConn(n)
	if s.state != stateOpen && s.state != stateHalfClosedLocal {
		return // the peer sends no more on it
	}
	s.unacked += n
	if s.unacked >= int64(c.local.InitialWindowSize)/2 {
		c.out = AppendWindowUpdate(c.out, s.id, uint32(s.unacked))
		s.recvWindow += s.unacked
		s.unacked = 0
	}
}

// creditConn returns n bytes to the connection window.
func (c *Conn) creditConn(n int64) {
	c.connUnacked += n
	if c.connUnacked >= int64(c.cfg.ConnWindow)/2 {
		c.out = AppendWindowUpdate(c.out, 0, uint32(c.connUnacked))
		c.connRecv += c.connUnacked
		c.connUnacked = 0
	}
}
