//go:build unix

package driver

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// idlePeeker looks at an idle connection without blocking: whether bytes are waiting (data) or the peer has
// closed it (closed). checked is false where the socket cannot be looked at (a wrapped connection). Under
// TLS it reads the socket itself: a byte it takes would be part of a record, but the connection is discarded
// then anyway. It is made once per connection, so that looking allocates nothing.
type idlePeeker struct {
	rc  syscall.RawConn
	fn  func(fd uintptr) bool
	n   int
	err error
	buf [1]byte
}

func newIdlePeeker(nc net.Conn) *idlePeeker {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	p := &idlePeeker{}
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			p.rc = rc
		}
	}
	p.fn = func(fd uintptr) bool {
		p.n, p.err = syscall.Read(int(fd), p.buf[:])
		return true // one attempt: the socket is non-blocking, EAGAIN means quiet
	}
	return p
}

func (p *idlePeeker) peek() (data, closed, checked bool) {
	if p.rc == nil {
		return false, false, false
	}
	if err := p.rc.Read(p.fn); err != nil {
		return false, true, true
	}
	switch {
	case p.n > 0:
		return true, false, true
	case p.n == 0 && p.err == nil:
		return false, true, true
	case errors.Is(p.err, syscall.EAGAIN) || errors.Is(p.err, syscall.EWOULDBLOCK):
		return false, false, true
	}
	return false, true, true
}
