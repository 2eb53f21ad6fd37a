//go:build unix && !aix

package driver

import (
	"errors"
	"net"
	"os"
	"syscall"
)

// exchanger sends a request on a kept-alive plain TCP (or Unix) connection and waits for its answer in one
// pass over the socket, inside syscall.RawConn.Read:
//
//  1. a read that must find nothing: bytes or the end of input that arrived while the connection was idle
//     answer no request of ours. This is idlePeeker's look, made by the read that the response needs anyway;
//  2. a write of the whole request, when the socket takes it at once (a short write leaves the rest to the
//     caller's ordinary write);
//  3. a wait for the socket to become readable, and a read of the answer's first bytes.
//
// RawConn.Read resets the socket's readiness before step 1, so an answer that arrives between steps 2 and 3 is
// not missed. That makes three system calls where a look, a write, and a read that finds nothing yet make four.
// Read deadlines and a Close from another goroutine end the wait as they end any Read.
//
// Only connections whose writes go straight to the socket qualify: a *net.TCPConn or *net.UnixConn, not TLS
// nor a caller's wrapper, whose Write might do more than write. It is made once per connection, so that an
// exchange allocates nothing.
type exchanger struct {
	rc syscall.RawConn
	fn func(fd uintptr) bool
	nc net.Conn // for the addresses in errors

	out, in []byte
	res     exchangeResult
	stage   int
}

// exchangeResult is what one exchange found. Exactly one of its cases holds: idle is true (nothing written);
// werr is set (wrote bytes went out before it); sent is false (the socket took wrote bytes, the rest is the
// caller's to write); or sent is true and n, eof and rerr tell what the read found.
type exchangeResult struct {
	idle  bool  // bytes, the end of input or a reset met before writing: nothing was sent
	wrote int   // request bytes written
	werr  error // the write failed, or the socket could not be used at all
	sent  bool  // the whole request went out
	n     int   // answer bytes read into in
	eof   bool  // the peer closed after the request went out
	rerr  error // the read or the wait for it failed
}

// newExchanger returns nil for connections that do not qualify.
func newExchanger(nc net.Conn) *exchanger {
	var sc syscall.Conn
	switch c := nc.(type) {
	case *net.TCPConn:
		sc = c
	case *net.UnixConn:
		sc = c
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	x := &exchanger{rc: rc, nc: nc}
	x.fn = x.step
	return x
}

// exchange runs the three steps with out as the request and in as the buffer for the answer's first bytes.
func (x *exchanger) exchange(out, in []byte) exchangeResult {
	x.out, x.in, x.stage, x.res = out, in, 0, exchangeResult{}
	if err := x.rc.Read(x.fn); err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "raw-read" {
			oe.Op = "read" // as a Read would have said: the error is new, and ours
		}
		if x.stage == 0 {
			x.res.werr = err // closed, or past its deadline, before anything was tried
		} else {
			x.res.rerr = err // the wait ended: a deadline, or the connection was closed
		}
	}
	x.out, x.in = nil, nil
	return x.res
}

// step is called by RawConn.Read, again each time the socket becomes readable, until it returns true.
func (x *exchanger) step(fd uintptr) bool {
	if x.stage == 0 {
		if _, err := readFD(fd, x.in); !wouldBlock(err) {
			x.res.idle = true // data, the end of input, or a reset: the connection is done
			return true
		}
		w, err := writeFD(fd, x.out)
		x.res.wrote = w
		switch {
		case err != nil && !wouldBlock(err):
			x.res.werr = x.opError("write", err)
			return true
		case w < len(x.out):
			return true // the socket's send buffer is full: the caller writes the rest and reads as usual
		}
		x.stage, x.res.sent = 1, true
		return false // wait for the answer rather than read too early
	}
	n, err := readFD(fd, x.in)
	switch {
	case wouldBlock(err):
		return false // woken by readiness seen before the write: keep waiting
	case err != nil:
		x.res.rerr = x.opError("read", err)
	case n == 0:
		x.res.eof = true
	default:
		x.res.n = n
	}
	return true
}

// opError dresses a system call's error as net.Conn's Read and Write do.
func (x *exchanger) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: x.nc.LocalAddr().Network(), Source: x.nc.LocalAddr(), Addr: x.nc.RemoteAddr(),
		Err: os.NewSyscallError(op, err)}
}

func readFD(fd uintptr, p []byte) (int, error)  { return ioFD(fd, p, false) }
func writeFD(fd uintptr, p []byte) (int, error) { return ioFD(fd, p, true) }

// ioFD runs read(2), or write(2), on fd, again while a signal interrupts it.
func ioFD(fd uintptr, p []byte, write bool) (int, error) {
	for {
		var n int
		var err error
		if write {
			n, err = syscall.Write(int(fd), p)
		} else {
			n, err = syscall.Read(int(fd), p)
		}
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}

func wouldBlock(err error) bool {
	return err != nil && (errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK))
}
