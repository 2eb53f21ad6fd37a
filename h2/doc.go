// Package h2 is a sans-I/O HTTP/2 protocol core (RFC 9113): bytes in, events out; events in, bytes out. It
// opens no sockets, starts no goroutines, takes no locks and reads no clock.
//
// It has two layers. The frame layer (frame*.go, one file per frame type) splits received bytes into frames
// with NextFrame, checks each frame on its own with a Parse function (ParseData, ParseHeaders, ...) and
// encodes frames with Append functions in the style of strconv.AppendInt. Parsed frames borrow the bytes they
// were parsed from. The connection layer (Conn) runs the connection and stream state machines on top: the
// preface, SETTINGS exchange, stream states, field block assembly and HPACK, flow control, PING and GOAWAY.
//
// A peer's violation is a *proto.RemoteError whose Code is the HTTP/2 error code (RFC 9113 §7) and whose
// StreamID is the stream to reset, or zero when the whole connection must end (RFC 9113 §5.4).
package h2
