package proto

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every LocalError and RemoteError wraps one of them, so callers test the kind of failure
// with errors.Is and the blame with errors.As.
var (
	// ErrProtocol: a message or frame broke the protocol's syntax or rules.
	ErrProtocol = errors.New("protocol error")
	// ErrFraming: the length of a message body cannot be determined safely (RFC 9112 §6.3); the usual shape
	// of request smuggling.
	ErrFraming = errors.New("ambiguous or invalid message framing")
	// ErrTooLarge: a limit in Limits was exceeded.
	ErrTooLarge = errors.New("limit exceeded")
	// ErrUnsupported: a version, transfer coding or feature the core does not implement.
	ErrUnsupported = errors.New("not supported")
	// ErrIncomplete: the peer closed the connection in the middle of a message.
	ErrIncomplete = errors.New("connection closed before the message was complete")
	// ErrState: an operation that the connection's state does not allow.
	ErrState = errors.New("invalid state for this operation")
	// ErrInvalidField: a field name or value that must not be sent (RFC 9110 §5.5).
	ErrInvalidField = errors.New("invalid field")
	// ErrBodyLength: a body that does not match its declared length.
	ErrBodyLength = errors.New("body length mismatch")
)

// LocalError reports that our own caller misused the API: a header value with CR or LF, a body on a HEAD
// response, an event the state does not allow. Nothing was sent for the failed call.
type LocalError struct {
	Err error  // a sentinel of this package
	Msg string // what exactly went wrong
}

func (e *LocalError) Error() string { return "local: " + e.Err.Error() + ": " + e.Msg }

// Unwrap returns the sentinel.
func (e *LocalError) Unwrap() error { return e.Err }

// RemoteError reports that the peer broke the protocol.
type RemoteError struct {
	Err error  // a sentinel of this package
	Msg string // what exactly went wrong

	// StatusHint is, for an HTTP/1.1 server, the status to answer with before closing:
	// 400, 413, 414, 431, 501 or 505. Zero when no answer is due.
	StatusHint int

	// Code is the HTTP/2 error code (RFC 9113 §7) and StreamID the stream it applies to,
	// zero for a connection error.
	Code     uint32
	StreamID uint32
}

func (e *RemoteError) Error() string {
	s := "remote: " + e.Err.Error() + ": " + e.Msg
	if e.StatusHint != 0 {
		s += fmt.Sprintf(" (status %d)", e.StatusHint)
	}
	if e.StreamID != 0 {
		s += fmt.Sprintf(" (stream %d)", e.StreamID)
	}
	return s
}

// Unwrap returns the sentinel.
func (e *RemoteError) Unwrap() error { return e.Err }
