package h1

import "github.com/httpwire/httpwire/proto"

// Limits bounds what a Conn accepts from its peer. Zero fields take their defaults.
type Limits struct {
	proto.Limits

	// MaxChunkLineBytes bounds a chunk-size line with its extensions (RFC 9112 §7.1.1).
	MaxChunkLineBytes int
	// MaxBodyBytes bounds a received body: a larger Content-Length, or a chunked or close-delimited body
	// growing past it, is a RemoteError with StatusHint 413 (a close-delimited body hands out the bytes up to
	// the limit first). Zero means no bound.
	MaxBodyBytes int64
}

// DefaultLimits are the limits of NewConn.
var DefaultLimits = Limits{Limits: proto.DefaultLimits, MaxChunkLineBytes: 4 << 10}

func (l Limits) withDefaults() Limits {
	l.Limits = l.Limits.WithDefaults()
	if l.MaxChunkLineBytes <= 0 {
		l.MaxChunkLineBytes = DefaultLimits.MaxChunkLineBytes
	}
	return l
}
