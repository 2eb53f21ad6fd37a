package proto_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/httpwire/httpwire/proto"
)

func TestErrorStrings(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&proto.LocalError{Err: proto.ErrInvalidField, Msg: "CR in value of X"}, "local: invalid field: CR in value of X"},
		{&proto.LocalError{Err: proto.ErrState, Msg: "SendData in state Idle"}, "local: invalid state for this operation: SendData in state Idle"},
		{&proto.RemoteError{Err: proto.ErrFraming, Msg: "both Transfer-Encoding and Content-Length", StatusHint: 400},
			"remote: ambiguous or invalid message framing: both Transfer-Encoding and Content-Length (status 400)"},
		{&proto.RemoteError{Err: proto.ErrIncomplete, Msg: "peer closed"}, "remote: connection closed before the message was complete: peer closed"},
		{&proto.RemoteError{Err: proto.ErrProtocol, Msg: "bad frame", Code: 1, StreamID: 3}, "remote: protocol error: bad frame (stream 3)"},
		{&proto.RemoteError{Err: proto.ErrProtocol, Msg: "bad settings", Code: 1}, "remote: protocol error: bad settings"},
		{&proto.RemoteError{Err: proto.ErrTooLarge, Msg: "x", StatusHint: 431, StreamID: 1}, "remote: limit exceeded: x (status 431) (stream 1)"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestErrorsWrapSentinels(t *testing.T) {
	sentinels := []error{proto.ErrProtocol, proto.ErrFraming, proto.ErrTooLarge, proto.ErrUnsupported,
		proto.ErrIncomplete, proto.ErrState, proto.ErrInvalidField, proto.ErrBodyLength}
	for i, s := range sentinels {
		for j, other := range sentinels {
			if i != j && errors.Is(s, other) {
				t.Errorf("sentinel %q matches %q", s, other)
			}
		}
		local := error(&proto.LocalError{Err: s, Msg: "m"})
		remote := error(&proto.RemoteError{Err: s, Msg: "m", StatusHint: 400})
		for _, err := range []error{local, remote, fmt.Errorf("driver: %w", local), fmt.Errorf("driver: %w", remote)} {
			if !errors.Is(err, s) {
				t.Errorf("%q does not wrap %q", err, s)
			}
			if errors.Is(err, proto.ErrInvalidOrigin) {
				t.Errorf("%q wraps ErrInvalidOrigin", err)
			}
		}
		if got := errors.Unwrap(local); got != s {
			t.Errorf("LocalError.Unwrap() = %v, want %v", got, s)
		}
		if got := errors.Unwrap(remote); got != s {
			t.Errorf("RemoteError.Unwrap() = %v, want %v", got, s)
		}

		// Blame is told apart with errors.As.
		var le *proto.LocalError
		var re *proto.RemoteError
		if !errors.As(fmt.Errorf("w: %w", local), &le) || le.Msg != "m" || errors.As(local, &re) {
			t.Errorf("errors.As on a wrapped LocalError: LocalError %v, RemoteError %v", le != nil, errors.As(local, &re))
		}
		re, le = nil, nil
		if !errors.As(fmt.Errorf("w: %w", remote), &re) || re.StatusHint != 400 || errors.As(remote, &le) {
			t.Errorf("errors.As on a wrapped RemoteError: RemoteError %v, LocalError %v", re != nil, errors.As(remote, &le))
		}
	}
}
