package h2

import (
	"time"

	"github.com/httpwire/httpwire/proto"
)

// Role is the side of the connection a Conn plays.
type Role = proto.Role

// The two roles.
const (
	Client = proto.Client
	Server = proto.Server
)

// Limits bounds what a Conn accepts from its peer; each defends against one abuse named in its comment.
// Zero fields take their defaults.
type Limits struct {
	// MaxHeaderBytes bounds a decoded field section (RFC 9113 §6.5.2 SETTINGS_MAX_HEADER_LIST_SIZE, counted as
	// RFC 9113 §6.5.2 says: name + value + 32 per field), checked while decoding (HPACK bomb, CVE-2019-9516 and
	// relatives). MaxHeaderCount bounds the number of fields.
	proto.Limits
	// MaxContinuationFrames bounds the CONTINUATION frames of one field block (CVE-2024-27316 family).
	MaxContinuationFrames int
	// MaxPendingControlBytes bounds the SETTINGS and PING acknowledgements queued and not yet taken by the driver
	// (SETTINGS/PING floods, CVE-2019-9512/9515).
	MaxPendingControlBytes int
	// MaxEmptyFrames bounds consecutive frames that carry nothing: empty DATA without END_STREAM, empty
	// CONTINUATION, and the like (CVE-2019-9518).
	MaxEmptyFrames int
	// MaxResetStreams bounds streams that the peer opens and resets, or makes us reset, before they finish
	// (Rapid Reset CVE-2023-44487, MadeYouReset CVE-2025-8671). Each stream that completes normally earns one
	// back, so steady traffic never runs out.
	MaxResetStreams int
	// MaxClosedStreams bounds the closed streams remembered to tell "closed" from "never opened".
	MaxClosedStreams int
}

// DefaultLimits are the limits of a Conn made with a zero Config.
var DefaultLimits = Limits{
	Limits:                 proto.DefaultLimits,
	MaxContinuationFrames:  32,
	MaxPendingControlBytes: 64 << 10,
	MaxEmptyFrames:         100,
	MaxResetStreams:        200,
	MaxClosedStreams:       1024,
}

func (l Limits) withDefaults() Limits {
	l.Limits = l.Limits.WithDefaults()
	d := DefaultLimits
	if l.MaxContinuationFrames <= 0 {
		l.MaxContinuationFrames = d.MaxContinuationFrames
	}
	if l.MaxPendingControlBytes <= 0 {
		l.MaxPendingControlBytes = d.MaxPendingControlBytes
	}
	if l.MaxEmptyFrames <= 0 {
		l.MaxEmptyFrames = d.MaxEmptyFrames
	}
	if l.MaxResetStreams <= 0 {
		l.MaxResetStreams = d.MaxResetStreams
	}
	if l.MaxClosedStreams <= 0 {
		l.MaxClosedStreams = d.MaxClosedStreams
	}
	return l
}

// Config sets up a Conn. The zero value is usable.
type Config struct {
	Limits Limits

	// MaxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS we advertise: how many streams the peer may
	// open at once. Default 100.
	MaxConcurrentStreams uint32
	// StreamWindow is our initial receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE). Default 1 MiB;
	// raise it for bulk transfers over long paths.
	StreamWindow uint32
	// ConnWindow is our receive window for the whole connection, opened with a WINDOW_UPDATE at start.
	// Default 4 MiB.
	ConnWindow uint32
	// HeaderTableSize is the HPACK dynamic table size we allow the peer's encoder (SETTINGS_HEADER_TABLE_SIZE).
	// Default 4096.
	HeaderTableSize uint32
	// MaxFrameSize is the largest frame payload we accept (SETTINGS_MAX_FRAME_SIZE). Default 16384.
	MaxFrameSize uint32
	// EnableConnectProtocol advertises SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441) so that clients may send
	// extended CONNECT requests, e.g. WebSocket over HTTP/2. Server role only.
	EnableConnectProtocol bool
	// SettingsTimeout bounds the wait for the peer to acknowledge our SETTINGS (RFC 9113 §6.5.3). Default 10 s.
	SettingsTimeout time.Duration
	// StableFields keeps the fields of HeadersReceived events (request, response and trailer sections)
	// valid for as long as they are referenced, instead of until the next NextEvent: each section is decoded
	// into memory the Conn never writes again (carved from shared chunks), so that a driver can keep heads
	// without copying them.
	StableFields bool
	// StallTimeout bounds how long data may wait for the peer to open a flow-control window before the
	// connection ends (zero-window stall, CVE-2019-9517). Default 30 s; negative turns it off.
	StallTimeout time.Duration
	// KeepaliveInterval turns on a health check of a quiet connection: after this long without a frame from
	// the peer (at most twice this long, as the check runs once an interval), a PING goes out, and a peer
	// that then sends nothing for PingTimeout ends the connection with ErrPingTimeout. It finds a peer that
	// vanished without closing (a dead route, a NAT that forgot us) while requests wait, as x/net/http2's
	// ReadIdleTimeout does. Zero, the default, turns it off.
	KeepaliveInterval time.Duration
	// PingTimeout bounds the wait for any frame after a keepalive PING. Default 15 s.
	PingTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.SettingsTimeout <= 0 {
		c.SettingsTimeout = 10 * time.Second
	}
	if c.StallTimeout == 0 {
		c.StallTimeout = 30 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 15 * time.Second
	}
	c.Limits = c.Limits.withDefaults()
	if c.MaxConcurrentStreams == 0 {
		c.MaxConcurrentStreams = 100
	}
	if c.StreamWindow == 0 {
		c.StreamWindow = 1 << 20
	}
	if c.StreamWindow > MaxWindowSize {
		c.StreamWindow = MaxWindowSize
	}
	if c.ConnWindow == 0 {
		c.ConnWindow = 4 << 20
	}
	if c.ConnWindow > MaxWindowSize {
		c.ConnWindow = MaxWindowSize
	}
	if c.HeaderTableSize == 0 {
		c.HeaderTableSize = 4096
	}
	if c.MaxFrameSize < DefaultMaxFrameSize {
		c.MaxFrameSize = DefaultMaxFrameSize
	}
	if c.MaxFrameSize > MaxFrameSizeLimit {
		c.MaxFrameSize = MaxFrameSizeLimit
	}
	return c
}

// Settings are the values of the SETTINGS parameters one side has announced (RFC 9113 §6.5.2).
type Settings struct {
	HeaderTableSize       uint32
	EnablePush            bool
	MaxConcurrentStreams  uint32 // math.MaxUint32 when not announced
	InitialWindowSize     uint32
	MaxFrameSize          uint32
	MaxHeaderListSize     uint32 // math.MaxUint32 when not announced
	EnableConnectProtocol bool
}

// defaultSettings are the values in force before a peer's SETTINGS arrive (RFC 9113 §6.5.2).
var defaultSettings = Settings{
	HeaderTableSize:      4096,
	EnablePush:           true,
	MaxConcurrentStreams: 1<<32 - 1,
	InitialWindowSize:    65535,
	MaxFrameSize:         DefaultMaxFrameSize,
	MaxHeaderListSize:    1<<32 - 1,
}
