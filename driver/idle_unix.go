//go:build unix

package driver

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// idlePeeker looks at an idle connection without blocking: whether bytes are waiting (data) or the peer has
// closed it (closed). checked is false where the socket cannot be looked at (a wrapped connection). It peeks
// (MSG_PEEK) at the socket under any TLS layer, so that nothing is taken from it, straight on the file
// descriptor with MSG_DONTWAIT: one system call, without the netpoller, which a non-blocking look does not
// need. It is made once per connection, so that looking allocates nothing.
type idlePeeker struct {
	fd  int // -1 where the socket cannot be looked at
	buf [1]byte
}

func newIdlePeeker(nc net.Conn) *idlePeeker {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	p := &idlePeeker{fd: -1}
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			_ = rc.Control(func(fd uintptr) { p.fd = int(fd) })
		}
	}
	return p
}

func (p *idlePeeker) peek() (data, closed, checked bool) {
	if p.fd < 0 {
		return false, false, false
	}
	n, _, err := syscall.Recvfrom(p.fd, p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if errors.Is(err, syscall.EINTR) {
		n, _, err = syscall.Recvfrom(p.fd, p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	}
	switch {
	case n > 0:
		return true, false, true
	case n == 0 && err == nil:
		return false, true, true
	case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK):
		return false, false, true
	}
	return false, true, true // EBADF after a close, ECONNRESET, ...
}
