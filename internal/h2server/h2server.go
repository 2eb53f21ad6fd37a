// Package h2server serves HTTP/2 by prior knowledge (h2c) on loopback with the project's server core, for
// tests that need a server whose every frame they control: each connection's events go to a handler that
// answers through the core, and whatever the core queues is written after each read.
package h2server

import (
	"net"
	"sync/atomic"
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/canned"
	"github.com/httpwire/httpwire/proto"
)

// Handler answers one event of connection conn (numbered from 1 in the order accepted) through c.
type Handler func(conn int, c *h2.Conn, ev h2.Event)

// Start serves until the test ends and returns the origin and a count of the connections accepted. While
// silence reports true for a connection (nil: never), nothing is written on it: a peer gone without a word.
func Start(t testing.TB, cfg h2.Config, handle Handler, silence func(conn int) bool) (proto.Origin, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	addr := canned.Listen(t, func(nc net.Conn) {
		n := int(conns.Add(1))
		serve(nc, h2.NewConn(h2.Server, cfg), func(c *h2.Conn, ev h2.Event) { handle(n, c, ev) },
			func() bool { return silence != nil && silence(n) })
	})
	o, _ := proto.ParseOrigin("http://" + addr)
	return o, &conns
}

// serve runs one connection until it fails or the peer closes it.
func serve(nc net.Conn, c *h2.Conn, handle func(*h2.Conn, h2.Event), silent func() bool) {
	buf := make([]byte, 16<<10)
	for {
		if p := c.Pending(); len(p) > 0 && !silent() {
			if _, err := nc.Write(p); err != nil {
				return
			}
			c.Advance(len(p))
		}
		n, err := nc.Read(buf)
		if err != nil {
			return
		}
		_ = c.Receive(buf[:n])
		for {
			ev, err := c.NextEvent()
			if err != nil || ev == nil {
				break
			}
			handle(c, ev)
		}
	}
}
