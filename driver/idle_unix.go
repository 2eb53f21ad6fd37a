//go:build unix

package driver

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// peekIdle looks at an idle connection without blocking: whether bytes are waiting (data) or the peer has
// closed it (closed). checked is false where the socket cannot be looked at (a wrapped connection).
// Under TLS it reads the socket itself: a byte it takes would be part of a record, but the connection is
// discarded then anyway.
func peekIdle(nc net.Conn) (data, closed, checked bool) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return false, false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false, false
	}
	var n int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		n, rerr = syscall.Read(int(fd), b[:])
		return true // one attempt: the socket is non-blocking, EAGAIN means quiet
	})
	switch {
	case err != nil:
		return false, true, true
	case n > 0:
		return true, false, true
	case n == 0 && rerr == nil:
		return false, true, true
	case errors.Is(rerr, syscall.EAGAIN) || errors.Is(rerr, syscall.EWOULDBLOCK):
		return false, false, true
	}
	return false, true, true
}
