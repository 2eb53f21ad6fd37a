package driver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

var (
	// ErrConnClosed: the connection was closed, by us or the peer, before or during the request.
	ErrConnClosed = errors.New("driver: connection closed")
	// ErrConnBusy: an HTTP/1.1 connection already runs a request.
	ErrConnBusy = errors.New("driver: connection busy")
	// ErrNotProcessed marks a request the server provably did not process: HTTP/2 GOAWAY above its stream
	// (before its response head), REFUSED_STREAM from the server, a dead connection before anything was
	// sent, an idle HTTP/1.1 connection found closed or holding unsolicited bytes. Safe to retry elsewhere.
	ErrNotProcessed = errors.New("driver: request not processed by the server")
	// ErrReadTimeout: no byte of the response arrived within Options.ReadTimeout. It matches
	// os.ErrDeadlineExceeded, like a network read deadline, and reports Timeout() true.
	ErrReadTimeout error = readTimeout{}
	// ErrConnStale: a kept-alive HTTP/1.1 connection failed before any byte of the response arrived, the
	// usual sign of a server that closed it while idle. The server most likely never saw the request, but
	// it cannot be proved: retry only idempotent requests (RFC 9110 §9.2.2), as net/http does.
	ErrConnStale = errors.New("driver: kept-alive connection closed before any response byte")
	// ErrBodyClosed: a read after the response body was closed.
	ErrBodyClosed = errors.New("driver: read on closed response body")
)

// StreamError reports an HTTP/2 stream that was reset: by the server, or by our core because the server
// broke the protocol on it (Local).
type StreamError struct {
	StreamID uint32
	Code     uint32
	Local    bool
}

func (e *StreamError) Error() string {
	by := "the server"
	if e.Local {
		by = "us: the server broke the protocol on it"
	}
	return fmt.Sprintf("driver: stream %d reset by %s (code %#x)", e.StreamID, by, e.Code)
}

type readTimeout struct{}

func (readTimeout) Error() string   { return "driver: read timeout" }
func (readTimeout) Timeout() bool   { return true }
func (readTimeout) Temporary() bool { return true }
func (readTimeout) Is(target error) bool {
	return target == os.ErrDeadlineExceeded
}

// connLost reports whether a network error says the connection itself is gone: closed here (net.ErrClosed),
// or reset or aborted by the peer, or a write to a peer that closed (EPIPE).
func connLost(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE)
}
