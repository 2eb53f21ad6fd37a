package proto

// Limits bounds what a core accepts from a peer in the heads of messages. A peer that exceeds a limit gets a
// RemoteError wrapping ErrTooLarge (an HTTP/1.1 server answers 414 or 431).
type Limits struct {
	// MaxStartLineBytes bounds an HTTP/1.1 request line (RFC 9112 §3: 414 URI Too Long) or status line.
	MaxStartLineBytes int
	// MaxHeaderBytes bounds a whole head or trailer section: every line with its line ending. In HTTP/2 it
	// bounds the decoded field section (SETTINGS_MAX_HEADER_LIST_SIZE, RFC 9113 §6.5.2).
	MaxHeaderBytes int
	// MaxHeaderCount bounds the number of fields in one head or trailer section.
	MaxHeaderCount int
	// MaxInformational bounds the 1xx responses before a final one (RFC 9110 §15.2): a server that sends
	// them forever would otherwise hold a request, and its memory, as long as it likes.
	MaxInformational int
}

// DefaultLimits are safe defaults for a client or a server.
var DefaultLimits = Limits{
	MaxStartLineBytes: 8 << 10,
	MaxHeaderBytes:    64 << 10,
	MaxHeaderCount:    100,
	MaxInformational:  10,
}

// WithDefaults returns l with every zero field replaced by its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxStartLineBytes <= 0 {
		l.MaxStartLineBytes = DefaultLimits.MaxStartLineBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultLimits.MaxHeaderBytes
	}
	if l.MaxHeaderCount <= 0 {
		l.MaxHeaderCount = DefaultLimits.MaxHeaderCount
	}
	if l.MaxInformational <= 0 {
		l.MaxInformational = DefaultLimits.MaxInformational
	}
	return l
}
