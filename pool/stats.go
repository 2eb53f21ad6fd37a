package pool

// OriginStats counts the connections and requests of one origin (or of all, in Stats.Total).
type OriginStats struct {
	Connections int // open connections
	HTTP1       int // of which HTTP/1.1
	HTTP2       int // of which HTTP/2
	Active      int // connections with requests in flight
	Idle        int // connections without
	Connecting  int // connections being opened
	InFlight    int // requests in flight (streams, on HTTP/2)
	Waiters     int // requests queued for a connection
	Dials       int64
	Reuses      int64
	Expired     int64
}

// Stats is a snapshot of the pool.
type Stats struct {
	// Origins holds the known origins by name ("https://example.com:8443"). An origin left with no
	// connection and no request is forgotten when Stats or the expiry of idle connections next runs, and its
	// counts start again from zero if it comes back; Total keeps them.
	Origins map[string]OriginStats
	Total   OriginStats
}

// Stats returns a snapshot of the pool, after expiring idle connections.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.unlock()
	p.expireLocked()
	st := Stats{Origins: make(map[string]OriginStats, len(p.origins))}
	st.Total.Dials, st.Total.Reuses, st.Total.Expired = p.retired.dials, p.retired.reuses, p.retired.expired
	for _, op := range p.origins {
		var o OriginStats
		for _, c := range op.conns {
			o.Connections++
			if c.d.Protocol() == "h2" {
				o.HTTP2++
			} else {
				o.HTTP1++
			}
			if c.inFlight > 0 {
				o.Active++
			} else {
				o.Idle++
			}
			o.InFlight += c.inFlight
		}
		o.Connecting = op.connecting
		o.Waiters = len(op.waiters)
		o.Dials, o.Reuses, o.Expired = op.dials, op.reuses, op.expired
		st.Origins[op.name] = o
		t := &st.Total
		t.Connections += o.Connections
		t.HTTP1 += o.HTTP1
		t.HTTP2 += o.HTTP2
		t.Active += o.Active
		t.Idle += o.Idle
		t.Connecting += o.Connecting
		t.InFlight += o.InFlight
		t.Waiters += o.Waiters
		t.Dials += o.Dials
		t.Reuses += o.Reuses
		t.Expired += o.Expired
	}
	return st
}
