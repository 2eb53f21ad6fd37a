//go:build !unix || aix

package driver

import "net"

// idlePeeker cannot look at sockets here; reuse relies on the stale-connection retry instead.
type idlePeeker struct{}

func newIdlePeeker(net.Conn) *idlePeeker { return &idlePeeker{} }

func (*idlePeeker) peek() (data, closed, checked bool) { return false, false, false }
