package pool

import "time"

// The bookkeeping of an origin's connections, so that taking and giving back a connection costs the same
// with ten connections or ten thousand: a stack of connections that went idle (most recent on top, so that
// the others can expire), the few HTTP/2 connections that take requests while busy, and removal by index.

// addLocked adds a new connection, already carrying one request.
func (op *originPool) addLocked(c *conn) {
	c.idx = len(op.conns)
	op.conns = append(op.conns, c)
	if c.d.Protocol() == "h2" {
		c.multi = true
		op.multi = append(op.multi, c)
	}
}

// dropLocked takes c out of the origin's lists.
func (op *originPool) dropLocked(c *conn) {
	last := len(op.conns) - 1
	op.conns[c.idx] = op.conns[last]
	op.conns[c.idx].idx = c.idx
	op.conns[last] = nil
	op.conns = op.conns[:last]
	if c.multi {
		for i, x := range op.multi {
			if x == c {
				op.multi = append(op.multi[:i], op.multi[i+1:]...)
				break
			}
		}
	}
	if c.idle {
		c.idle = false
		op.idle--
	}
	c.removed = true
}

// removeLocked forgets a connection and dooms it.
func (p *Pool) removeLocked(c *conn) {
	if c.removed {
		return
	}
	if c.idle {
		p.idleConns--
	}
	c.op.dropLocked(c)
	p.total--
	p.doomed = append(p.doomed, c.d)
}

// idleLocked records that c has no request any more, and closes the oldest idle connections beyond
// MaxIdlePerOrigin.
func (p *Pool) idleLocked(c *conn) {
	op := c.op
	if !c.idle {
		c.idle = true
		op.idle++
		p.idleConns++
	}
	op.free = append(op.free, c)
	for op.idle > p.opts.MaxIdlePerOrigin {
		oldest := -1
		for i, x := range op.free {
			if !x.removed && x.idle {
				oldest = i
				break
			}
		}
		if oldest < 0 {
			break
		}
		victim := op.free[oldest]
		op.free = append(op.free[:oldest], op.free[oldest+1:]...)
		p.removeLocked(victim)
	}
	if len(op.free) > 2*len(op.conns)+16 {
		op.compactFree()
	}
}

// compactFree drops the stale entries of the free stack, keeping the order.
func (op *originPool) compactFree() {
	kept := op.free[:0]
	for _, x := range op.free {
		if !x.removed && x.idle {
			kept = append(kept, x)
		}
	}
	clear(op.free[len(kept):])
	op.free = kept
}

// reserveLocked takes one request slot: the most recently idle connection first, then an HTTP/2 connection
// with streams to spare. A connection idle past KeepaliveExpiry, or dead, is closed on the way.
// now is the clock, read into *now on first need (notRead until then) so that the caller can reuse it.
func (p *Pool) reserveLocked(op *originPool, now *time.Duration) *conn {
	for len(op.free) > 0 {
		c := op.free[len(op.free)-1]
		op.free[len(op.free)-1] = nil
		op.free = op.free[:len(op.free)-1]
		if c.removed || !c.idle {
			continue // stale: taken or closed since it went idle
		}
		capacity := c.d.Capacity()
		if *now == notRead {
			*now = p.now()
		}
		if capacity < 0 || *now-c.idleAt >= p.opts.KeepaliveExpiry {
			if capacity >= 0 {
				op.expired++
			}
			p.removeLocked(c)
			continue
		}
		if c.inFlight < capacity {
			p.takeLocked(c)
			return c
		}
	}
	for _, c := range op.multi {
		capacity := c.d.Capacity()
		if capacity >= 0 && c.inFlight < capacity {
			p.takeLocked(c)
			return c
		}
	}
	return nil
}

// takeLocked puts one more request on c.
func (p *Pool) takeLocked(c *conn) {
	if c.idle {
		c.idle = false
		c.op.idle--
		p.idleConns--
	}
	c.inFlight++
}
