package h2

import "github.com/httpwire/httpwire/proto"

// processFrame applies one received frame (RFC 9113 §6) and returns the event it yields, if any.
func (c *Conn) processFrame(h FrameHeader, p []byte) (Event, error) {
	if c.block.active && h.Type != FrameContinuation {
		return nil, connError(ErrCodeProtocol, "frame inside a field block") // §6.10
	}
	switch h.Type {
	case FrameData:
		return c.onData(h, p)
	case FrameHeaders:
		return c.onHeaders(h, p)
	case FrameContinuation:
		return c.onContinuation(h, p)
	case FramePriority:
		if _, err := ParsePriority(h, p); err != nil {
			return c.frameError(err)
		}
		return nil, nil // RFC 9113 §5.3.2: priority signals are accepted and ignored
	case FrameRSTStream:
		return c.onRSTStream(h, p)
	case FrameSettings:
		return c.onSettings(h, p)
	case FramePushPromise:
		// We never enable push (a client announces ENABLE_PUSH 0; a server never receives it).
		return nil, connError(ErrCodeProtocol, "PUSH_PROMISE without push enabled") // §6.6, §8.4
	case FramePing:
		return c.onPing(h, p)
	case FrameGoAway:
		return c.onGoAway(h, p)
	case FrameWindowUpdate:
		return c.onWindowUpdate(h, p)
	}
	return nil, nil // unknown frame types are ignored (§4.1, §5.5)
}

// frameError turns a parse error into a stream reset (stream errors) or passes a connection error on.
func (c *Conn) frameError(err error) (Event, error) {
	if re, ok := err.(*proto.RemoteError); ok && re.StreamID != 0 {
		return c.resetByUs(re.StreamID, ErrCode(re.Code))
	}
	return nil, err
}

// peerInitiated reports whether id belongs to streams the peer opens (odd ids are the client's, §5.1.1).
func (c *Conn) peerInitiated(id uint32) bool { return (id%2 == 1) == (c.role == Server) }

// idle reports whether stream id was never opened, by either side.
func (c *Conn) idle(id uint32) bool {
	if c.peerInitiated(id) {
		return id > c.lastPeerID
	}
	return id >= c.nextLocalID
}

func (c *Conn) onData(h FrameHeader, p []byte) (Event, error) {
	f, err := ParseData(h, p)
	if err != nil {
		return c.frameError(err)
	}
	id := f.StreamID
	// Flow control counts every DATA frame against the connection, whatever its stream (§6.9).
	if int64(f.FlowLen) > c.connRecv {
		return nil, connError(ErrCodeFlowControl, "DATA beyond the connection window")
	}
	c.connRecv -= int64(f.FlowLen)
	s := c.streams[id]
	if s == nil {
		if c.idle(id) {
			return nil, connError(ErrCodeProtocol, "DATA on an idle stream") // §5.1
		}
		c.creditConn(int64(f.FlowLen))
		if c.closed[id] == closedByUs {
			return nil, nil // in flight when we reset it
		}
		return c.resetByUs(id, ErrCodeStreamClosed)
	}
	if s.state == stateHalfClosedRemote || s.state == stateClosed || !s.gotHeaders {
		c.creditConn(int64(f.FlowLen))
		if !s.gotHeaders {
			return c.resetByUs(id, ErrCodeProtocol)
		}
		return c.resetByUs(id, ErrCodeStreamClosed) // §5.1 half-closed (remote)
	}
	if int64(f.FlowLen) > s.recvWindow {
		c.creditConn(int64(f.FlowLen))
		return c.resetByUs(id, ErrCodeFlowControl)
	}
	s.recvWindow -= int64(f.FlowLen)
	if pad := int64(f.FlowLen) - int64(len(f.Data)); pad > 0 {
		c.credit(s, pad) // padding is never read by anyone
	}
	s.received += int64(len(f.Data))
	if s.contentLength >= 0 && (s.received > s.contentLength || f.EndStream && s.received != s.contentLength) {
		c.credit(s, int64(len(f.Data)))
		return c.resetByUs(id, ErrCodeProtocol) // §8.1.1: content-length must match
	}
	if len(f.Data) == 0 && !f.EndStream {
		if err := c.emptyFrame(); err != nil {
			return nil, err
		}
		return nil, nil
	}
	c.emptyFrames = 0
	if f.EndStream {
		c.transition(s, recvEndStream)
	}
	if len(f.Data) == 0 {
		c.evEnded.StreamID = id
		return &c.evEnded, nil
	}
	s.surfaced = true
	c.evData = DataReceived{StreamID: id, Data: f.Data, EndStream: f.EndStream}
	if f.EndStream {
		c.pendingEnded = id
	}
	return &c.evData, nil
}

// emptyFrame counts a frame that carries nothing (CVE-2019-9518).
func (c *Conn) emptyFrame() error {
	c.emptyFrames++
	if c.emptyFrames > c.lim.MaxEmptyFrames {
		return connError(ErrCodeEnhanceYourCalm, "too many empty frames")
	}
	return nil
}

func (c *Conn) onRSTStream(h FrameHeader, p []byte) (Event, error) {
	f, err := ParseRSTStream(h, p)
	if err != nil {
		return c.frameError(err)
	}
	if c.idle(f.StreamID) {
		return nil, connError(ErrCodeProtocol, "RST_STREAM on an idle stream") // §6.4
	}
	s := c.streams[f.StreamID]
	if s == nil {
		return nil, nil // already closed
	}
	surfaced := s.surfaced
	if c.role == Server && !s.local && s.state != stateHalfClosedLocal {
		// The peer abandons a request before its response ended: Rapid Reset (CVE-2023-44487) spends this.
		if err := c.spendReset(); err != nil {
			return nil, err
		}
	}
	c.transition(s, recvReset)
	if !surfaced {
		return nil, nil
	}
	c.evReset = StreamReset{StreamID: f.StreamID, Code: f.Code, Remote: true}
	return &c.evReset, nil
}

// spendReset takes one from the budget of abandoned streams.
func (c *Conn) spendReset() error {
	c.resetBudget--
	if c.resetBudget < 0 {
		return connError(ErrCodeEnhanceYourCalm, "too many streams reset before completion")
	}
	return nil
}

func (c *Conn) onSettings(h FrameHeader, p []byte) (Event, error) {
	f, err := ParseSettings(h, p)
	if err != nil {
		return nil, err
	}
	if f.Ack {
		if c.settingsSent > 0 {
			c.settingsSent--
		}
		if !c.localAcked {
			c.settingsAckedFirst()
		}
		if c.settingsSent == 0 {
			c.settingsTimer.stop()
		}
		return &SettingsAcked{}, nil
	}
	for i := range f.Len() {
		if err := c.applySetting(f.At(i)); err != nil {
			return nil, err
		}
	}
	if err := c.queueControl(FrameHeaderLen); err != nil {
		return nil, err
	}
	c.out = AppendSettingsAck(c.out)
	c.evSettings.Settings = c.peer
	return &c.evSettings, nil
}

// applySetting takes one peer setting into effect (RFC 9113 §6.5.2, RFC 8441 §3).
func (c *Conn) applySetting(s Setting) error {
	switch s.ID {
	case SettingHeaderTableSize:
		c.peer.HeaderTableSize = s.Val
		c.enc.SetMaxDynamicTableSizeLimit(s.Val)
		c.encTableChanged = true
	case SettingEnablePush:
		if c.role == Client && s.Val != 0 {
			return connError(ErrCodeProtocol, "a server announced ENABLE_PUSH")
		}
		c.peer.EnablePush = s.Val == 1
	case SettingMaxConcurrentStreams:
		c.peer.MaxConcurrentStreams = s.Val
	case SettingInitialWindowSize:
		delta := int64(s.Val) - int64(c.peer.InitialWindowSize)
		for _, st := range c.streams {
			if st.sendWindow+delta > MaxWindowSize {
				return connError(ErrCodeFlowControl, "INITIAL_WINDOW_SIZE overflows a stream window")
			}
			st.sendWindow += delta // §6.9.2: may become negative
		}
		if delta > 0 {
			c.unblockAll() // every stream's window grew: blocked data may go
		}
		c.peer.InitialWindowSize = s.Val
	case SettingMaxFrameSize:
		c.peer.MaxFrameSize = s.Val
	case SettingMaxHeaderListSize:
		c.peer.MaxHeaderListSize = s.Val
	case SettingEnableConnectProtocol:
		if c.role == Server {
			break // meaningful from servers only
		}
		if c.peer.EnableConnectProtocol && s.Val == 0 {
			return connError(ErrCodeProtocol, "ENABLE_CONNECT_PROTOCOL withdrawn") // RFC 8441 §3
		}
		c.peer.EnableConnectProtocol = s.Val == 1
	}
	return nil
}

// queueControl accounts for an acknowledgement of n bytes about to be queued, and refuses it when the
// acknowledgements queued since the driver last took all output exceed MaxPendingControlBytes: a peer that
// floods SETTINGS or PING while not reading our answers cannot grow our memory (CVE-2019-9512, 9515).
func (c *Conn) queueControl(n int) error {
	c.ctrlBytes += n
	if c.ctrlBytes > c.lim.MaxPendingControlBytes {
		return connError(ErrCodeEnhanceYourCalm, "too many control frames queued")
	}
	return nil
}

func (c *Conn) onPing(h FrameHeader, p []byte) (Event, error) {
	f, err := ParsePing(h, p)
	if err != nil {
		return nil, err
	}
	if f.Ack {
		if f.Data == keepaliveData && c.pingTimer.armed {
			return nil, nil // our keepalive's: the frame itself was the proof of life (keepalive)
		}
		c.evPingAck.Data = f.Data
		return &c.evPingAck, nil
	}
	if err := c.queueControl(FrameHeaderLen + 8); err != nil {
		return nil, err
	}
	c.out = AppendPing(c.out, true, f.Data)
	c.evPing.Data = f.Data
	return &c.evPing, nil
}

func (c *Conn) onGoAway(h FrameHeader, p []byte) (Event, error) {
	f, err := ParseGoAway(h, p)
	if err != nil {
		return nil, err
	}
	if c.goAwayRecv && f.LastStreamID > c.peerGoAwayID {
		return nil, connError(ErrCodeProtocol, "GOAWAY raised its last stream id") // §6.8
	}
	c.goAwayRecv = true
	c.peerGoAwayID = f.LastStreamID
	c.evGoAway = GoAwayReceived(f)
	return &c.evGoAway, nil
}

func (c *Conn) onWindowUpdate(h FrameHeader, p []byte) (Event, error) {
	f, err := ParseWindowUpdate(h, p)
	if err != nil {
		if re, ok := err.(*proto.RemoteError); ok && re.StreamID != 0 && c.idle(re.StreamID) {
			return nil, connError(ErrCodeProtocol, "WINDOW_UPDATE on an idle stream")
		}
		return c.frameError(err)
	}
	if f.StreamID == 0 {
		if c.connSend+int64(f.Increment) > MaxWindowSize {
			return nil, connError(ErrCodeFlowControl, "connection window above 2^31-1") // §6.9.1
		}
		c.connSend += int64(f.Increment)
		c.unblockAll()
	} else {
		s := c.streams[f.StreamID]
		if s == nil {
			if c.idle(f.StreamID) {
				return nil, connError(ErrCodeProtocol, "WINDOW_UPDATE on an idle stream")
			}
			return nil, nil // closed: may cross our END_STREAM or RST_STREAM (§5.1)
		}
		if s.sendWindow+int64(f.Increment) > MaxWindowSize {
			return c.resetByUs(f.StreamID, ErrCodeFlowControl)
		}
		s.sendWindow += int64(f.Increment)
		c.unblock(s)
	}
	c.evWindow = WindowUpdated{StreamID: f.StreamID, Delta: f.Increment}
	return &c.evWindow, nil
}

// resetByUs resets a stream because the peer broke the protocol on it (§5.4.2): RST_STREAM is queued and,
// if the application knows the stream, a StreamReset reports it. Provoking resets spends from the budget
// of abandoned streams (MadeYouReset, CVE-2025-8671).
func (c *Conn) resetByUs(id uint32, code ErrCode) (Event, error) {
	if err := c.spendReset(); err != nil {
		return nil, err
	}
	c.out = AppendRSTStream(c.out, id, code)
	s := c.streams[id]
	if s == nil {
		c.rememberClosed(id, closedByUs)
		return nil, nil
	}
	surfaced := s.surfaced
	c.transition(s, sendReset)
	if !surfaced {
		return nil, nil
	}
	c.evReset = StreamReset{StreamID: id, Code: code}
	return &c.evReset, nil
}
