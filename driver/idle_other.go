//go:build !unix

package driver

import "net"

// peekIdle cannot look at sockets here; reuse relies on the stale-connection retry instead.
func peekIdle(net.Conn) (data, closed, checked bool) { return false, false, false }
