//go:build unix && !aix

package driver

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// idlePeeker looks at an idle connection without blocking: whether bytes are waiting (data) or the peer has
// closed it (closed). checked is false where the socket cannot be looked at (a wrapped connection). It peeks
// (MSG_PEEK) at the socket under any TLS layer, so that nothing is taken from it, with MSG_DONTWAIT inside
// RawConn.Control, which keeps the descriptor open meanwhile: one system call, without the netpoller, which
// a non-blocking look does not need. It is made once per connection, so that looking allocates nothing.
type idlePeeker struct {
	rc  syscall.RawConn
	fn  func(fd uintptr)
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
	p.fn = func(fd uintptr) {
		p.n, _, p.err = syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if errors.Is(p.err, syscall.EINTR) {
			p.n, _, p.err = syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		}
	}
	return p
}

func (p *idlePeeker) peek() (data, closed, checked bool) {
	if p.rc == nil {
		return false, false, false
	}
	if err := p.rc.Control(p.fn); err != nil {
		return false, true, true // the connection is closed
	}
	switch {
	case p.n > 0:
		return true, false, true
	case p.n == 0 && p.err == nil:
		return false, true, true
	case errors.Is(p.err, syscall.EAGAIN) || errors.Is(p.err, syscall.EWOULDBLOCK):
		return false, false, true
	}
	return false, true, true // ECONNRESET and the like
}
