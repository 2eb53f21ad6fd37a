package h2

import (
	"github.com/httpwire/httpwire/proto"
	"golang.org/x/net/http2/hpack"
)

// ClientPreface is what a client sends first (RFC 9113 §3.4).
const ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Conn is one HTTP/2 connection seen from one side: a sans-I/O state machine. Received bytes go in through
// Receive; NextEvent returns what they mean; Send… methods queue frames that the driver takes with Pending
// and Advance. It is not safe for concurrent use.
type Conn struct {
	role Role
	cfg  Config
	lim  Limits
	err  error // sticky

	in            []byte // in[r:] is received input not yet processed, processed before shared
	r             int
	shared        []byte // input lent by ReceiveShared, not yet processed; whole frames only follow in[r:]
	magicDone     bool   // server: the client's 24-byte magic has arrived
	awaitSettings bool   // the peer's first frame, which must be SETTINGS, has not arrived (§3.4)

	out []byte // out[w:] awaits the driver
	w   int

	local, peer  Settings
	localAcked   bool // the peer acknowledged our first SETTINGS
	settingsSent int  // SETTINGS we sent and the peer has not acknowledged
	connSend     int64
	connRecv     int64
	connUnacked  int64
	streams      map[uint32]*stream
	closed       map[uint32]closedKind
	closedOrder  []uint32
	nextLocalID  uint32 // the next stream id we open
	lastPeerID   uint32 // the highest stream id the peer opened
	peerOpen     int    // open streams the peer initiated
	localOpen    int    // open streams we initiated
	goAwaySent   bool
	goAwayLast   uint32 // the last stream id we promised to process
	goAwayRecv   bool
	peerGoAwayID uint32
	resetBudget  int // MaxResetStreams minus abandoned streams, plus completed ones
	emptyFrames  int
	pendingEnded uint32 // a StreamEnded to report after the current event (0: none)

	settingsTimer  timer // our SETTINGS await an acknowledgement
	keepTimer      timer // the next look at whether the peer was heard (KeepaliveInterval)
	pingTimer      timer // a keepalive PING awaits any frame (PingTimeout)
	heard          bool  // input arrived since keepTimer or pingTimer was armed
	stallTimer     timer // data waits for a window to open
	blockedStreams int   // streams whose data waits for a window
	ctrlBytes      int   // acknowledgements queued since the driver last took all output

	strings   stringCache // strings of sent fields, reused
	free      []*stream   // closed streams' structs, reused
	enc       *hpack.Encoder
	encWriter bufWriter
	// encTableChanged: the peer changed SETTINGS_HEADER_TABLE_SIZE, so the next block must start with the
	// encoder's dynamic table size update (RFC 7541 §4.2, §6.3), and writeField takes no shortcut before it.
	encTableChanged bool
	dec             *hpack.Decoder
	block           headerBlock

	// Events handed out by NextEvent.
	evHeaders  HeadersReceived
	evData     DataReceived
	evEnded    StreamEnded
	evReset    StreamReset
	evWindow   WindowUpdated
	evSettings SettingsReceived
	evPing     PingReceived
	evPingAck  PingAcked
	evGoAway   GoAwayReceived
}

// NewConn returns a connection playing role. A client queues its preface and SETTINGS at once; a server
// queues its SETTINGS and waits for the client's preface.
func NewConn(role Role, cfg Config) *Conn {
	cfg = cfg.withDefaults()
	c := &Conn{
		role:     role,
		cfg:      cfg,
		lim:      cfg.Limits,
		peer:     defaultSettings,
		connSend: 65535,
		connRecv: int64(cfg.ConnWindow),
		streams:  make(map[uint32]*stream),
		closed:   make(map[uint32]closedKind),
	}
	c.resetBudget = c.lim.MaxResetStreams
	c.awaitSettings = true
	c.magicDone = role == Client
	c.local = Settings{
		HeaderTableSize:       cfg.HeaderTableSize,
		MaxConcurrentStreams:  cfg.MaxConcurrentStreams,
		InitialWindowSize:     cfg.StreamWindow,
		MaxFrameSize:          cfg.MaxFrameSize,
		MaxHeaderListSize:     uint32(c.lim.MaxHeaderBytes),
		EnableConnectProtocol: cfg.EnableConnectProtocol && role == Server,
	}
	if role == Client {
		c.nextLocalID = 1
		c.out = append(c.out, ClientPreface...)
	} else {
		c.nextLocalID = 2
	}
	settings := []Setting{
		{SettingHeaderTableSize, c.local.HeaderTableSize},
		{SettingMaxConcurrentStreams, c.local.MaxConcurrentStreams},
		{SettingInitialWindowSize, c.local.InitialWindowSize},
		{SettingMaxFrameSize, c.local.MaxFrameSize},
		{SettingMaxHeaderListSize, c.local.MaxHeaderListSize},
	}
	if role == Client {
		settings = append(settings, Setting{SettingEnablePush, 0})
	}
	// Priority signals are ignored (RFC 9113 §5.3.2), which RFC 9218 §2.1 lets us say.
	settings = append(settings, Setting{SettingNoRFC7540Priorities, 1})
	if c.local.EnableConnectProtocol {
		settings = append(settings, Setting{SettingEnableConnectProtocol, 1})
	}
	c.out = AppendSettings(c.out, settings...)
	c.settingsSent = 1
	c.settingsTimer.want()
	if c.cfg.KeepaliveInterval > 0 {
		c.keepTimer.want()
	}
	if cfg.ConnWindow > 65535 {
		c.out = AppendWindowUpdate(c.out, 0, cfg.ConnWindow-65535)
	}
	c.enc = hpack.NewEncoder(&c.encWriter)
	c.dec = hpack.NewDecoder(cfg.HeaderTableSize, c.emitField)
	c.dec.SetMaxStringLength(c.lim.MaxHeaderBytes)
	return c
}

// Role returns the side this connection plays.
func (c *Conn) Role() Role { return c.role }

// Err returns the sticky error, or nil.
func (c *Conn) Err() error { return c.err }

// PeerSettings returns the settings the peer announced (defaults until its SETTINGS arrive).
func (c *Conn) PeerSettings() Settings { return c.peer }

// LocalSettings returns the settings we announced.
func (c *Conn) LocalSettings() Settings { return c.local }

// Receive hands received bytes to the connection, which copies them. Call NextEvent until it returns nil.
func (c *Conn) Receive(b []byte) error {
	if c.err != nil {
		return c.err
	}
	if len(b) > 0 {
		c.heard = true // proof of life for the keepalive, even a frame's first bytes
	}
	if len(c.shared) > 0 {
		c.takeShared() // lent input comes first
	}
	c.in, c.r = proto.AppendInput(c.in, c.r, b)
	return nil
}

// ReceiveShared is Receive without the copy: the connection reads frames straight from b, and keeps b until
// NextEvent returns nil or an error, when it copies what is left of an incomplete frame. The caller must not
// change b before then. Only the bytes that complete a frame already buffered are copied.
func (c *Conn) ReceiveShared(b []byte) error {
	if c.err != nil {
		return c.err
	}
	if len(b) > 0 {
		c.heard = true // proof of life for the keepalive, even a frame's first bytes
	}
	if len(c.shared) > 0 || !c.magicDone {
		// Input lent before and not yet taken (NextEvent was not run to nil), or the preface still to
		// come: copy, as Receive does.
		c.takeShared()
		return c.Receive(b)
	}
	if c.r < len(c.in) {
		if h, ok := ParseFrameHeader(c.in[c.r:]); ok && len(c.in)-c.r >= FrameHeaderLen+int(h.Length) {
			// Whole frames are still buffered (NextEvent was not run to nil): b goes after them, copied.
			return c.Receive(b)
		}
		// One incomplete frame is buffered (whatever follows its start belongs to it): complete it from
		// the front of b, first its header, then its payload.
		for len(b) > 0 {
			buf := c.in[c.r:]
			need := FrameHeaderLen - len(buf)
			if h, ok := ParseFrameHeader(buf); ok {
				need = FrameHeaderLen + int(h.Length) - len(buf)
			}
			if need <= 0 {
				break
			}
			k := min(need, len(b))
			c.in = append(c.in, b[:k]...)
			b = b[k:]
		}
	}
	c.shared = b
	return nil
}

// takeShared copies the unprocessed part of lent input into the connection's own buffer.
func (c *Conn) takeShared() {
	if len(c.shared) == 0 {
		c.shared = nil
		return
	}
	b := c.shared
	c.shared = nil
	_ = c.Receive(b)
}

// NextEvent processes received frames until one yields an event, and returns it; nil, nil when more input
// is needed. A connection error is returned as a *proto.RemoteError (Code set, StreamID 0) after a GOAWAY
// carrying it has been queued: the driver sends Pending and closes.
func (c *Conn) NextEvent() (Event, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.pendingEnded != 0 {
		c.evEnded.StreamID = c.pendingEnded
		c.pendingEnded = 0
		return &c.evEnded, nil
	}
	for {
		ev, more, err := c.step()
		if err != nil {
			c.shared = nil
			return nil, c.connError(err)
		}
		if ev != nil {
			return ev, nil
		}
		if !more {
			c.takeShared() // the caller may reuse what it lent from now on
			return nil, nil
		}
	}
}

// input is the received input not yet processed: the buffered part first, then what is lent.
func (c *Conn) input() []byte {
	if c.r < len(c.in) {
		return c.in[c.r:]
	}
	return c.shared
}

// consumed marks n bytes of input() as processed.
func (c *Conn) consumed(n int) {
	if c.r < len(c.in) {
		c.r += n
		return
	}
	c.shared = c.shared[n:]
}

// step processes at most one frame. more is false when the input holds no whole frame.
func (c *Conn) step() (ev Event, more bool, err error) {
	buf := c.input()
	if !c.magicDone {
		n := min(len(buf), len(ClientPreface))
		if string(buf[:n]) != ClientPreface[:n] {
			return nil, false, connError(ErrCodeProtocol, "invalid connection preface")
		}
		if n < len(ClientPreface) {
			return nil, false, nil
		}
		buf = buf[len(ClientPreface):]
		c.consumed(len(ClientPreface))
		c.magicDone = true
	}
	if c.awaitSettings {
		// RFC 9113 §3.4: the first frame from either side is SETTINGS; judge its type before its size.
		if h, ok := ParseFrameHeader(buf); ok && (h.Type != FrameSettings || h.Flags.Has(FlagAck)) {
			return nil, false, connError(ErrCodeProtocol, "the first frame is not SETTINGS")
		}
	}
	h, payload, n, err := NextFrame(buf, c.local.MaxFrameSize)
	if err != nil {
		return nil, false, err
	}
	if n == 0 {
		return nil, false, nil
	}
	c.consumed(n)
	if c.awaitSettings {
		// RFC 9113 §3.4: the first frame from either side is SETTINGS.
		if h.Type != FrameSettings || h.Flags.Has(FlagAck) {
			return nil, false, connError(ErrCodeProtocol, "the first frame is not SETTINGS")
		}
		c.awaitSettings = false
	}
	ev, err = c.processFrame(h, payload)
	return ev, true, err
}

// connError records a connection error: GOAWAY with its code is queued and the error becomes sticky.
func (c *Conn) connError(err error) error {
	re, ok := err.(*proto.RemoteError)
	if !ok {
		re = &proto.RemoteError{Err: proto.ErrProtocol, Code: uint32(ErrCodeInternal), Msg: err.Error()}
	}
	if c.err == nil {
		c.out = AppendGoAway(c.out, c.lastPeerID, ErrCode(re.Code), []byte(re.Msg))
		c.goAwaySent = true
		c.goAwayLast = c.lastPeerID
	}
	c.err = re
	return re
}

// Pending returns the bytes to send to the peer, in order. The driver writes them and calls Advance.
func (c *Conn) Pending() []byte { return c.out[c.w:] }

// Advance marks n bytes of Pending as written.
func (c *Conn) Advance(n int) {
	c.w += n
	if c.w >= len(c.out) {
		c.out, c.w = c.out[:0], 0
		c.ctrlBytes = 0
	}
}

// bufWriter collects what the HPACK encoder writes.
type bufWriter struct{ b []byte }

func (w *bufWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
