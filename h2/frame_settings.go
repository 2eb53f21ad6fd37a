package h2

import (
	"encoding/binary"
	"strconv"
)

// RFC 9113 §6.5: SETTINGS (type 0x4) conveys configuration parameters; it applies to the connection, so it is
// always on stream 0. Its payload is zero or more settings of 6 octets each:
//
//	+-------------------------------+
//	|       Identifier (16)         |
//	+-------------------------------+-------------------------------+
//	|                        Value (32)                             |
//	+---------------------------------------------------------------+

// settingLen is the length of one setting in a SETTINGS payload.
const settingLen = 6

// SettingID identifies a SETTINGS parameter (RFC 9113 §6.5.2, §11.3).
type SettingID uint16

// The settings this package knows. A receiver ignores any other identifier (RFC 9113 §6.5.2).
const (
	SettingHeaderTableSize       SettingID = 0x1
	SettingEnablePush            SettingID = 0x2
	SettingMaxConcurrentStreams  SettingID = 0x3
	SettingInitialWindowSize     SettingID = 0x4
	SettingMaxFrameSize          SettingID = 0x5
	SettingMaxHeaderListSize     SettingID = 0x6
	SettingEnableConnectProtocol SettingID = 0x8 // RFC 8441 §3
	SettingNoRFC7540Priorities   SettingID = 0x9 // RFC 9218 §2.1
)

var settingNames = [...]string{
	SettingHeaderTableSize:       "SETTINGS_HEADER_TABLE_SIZE",
	SettingEnablePush:            "SETTINGS_ENABLE_PUSH",
	SettingMaxConcurrentStreams:  "SETTINGS_MAX_CONCURRENT_STREAMS",
	SettingInitialWindowSize:     "SETTINGS_INITIAL_WINDOW_SIZE",
	SettingMaxFrameSize:          "SETTINGS_MAX_FRAME_SIZE",
	SettingMaxHeaderListSize:     "SETTINGS_MAX_HEADER_LIST_SIZE",
	SettingEnableConnectProtocol: "SETTINGS_ENABLE_CONNECT_PROTOCOL",
	SettingNoRFC7540Priorities:   "SETTINGS_NO_RFC7540_PRIORITIES",
}

// String returns the name the RFCs give the setting ("SETTINGS_MAX_FRAME_SIZE"), or "UNKNOWN_SETTING_0xNN".
func (id SettingID) String() string {
	if int(id) < len(settingNames) && settingNames[id] != "" {
		return settingNames[id]
	}
	return "UNKNOWN_SETTING_0x" + strconv.FormatUint(uint64(id), 16)
}

// Setting is one SETTINGS parameter and its value.
type Setting struct {
	ID  SettingID
	Val uint32
}

// String returns "NAME=value".
func (s Setting) String() string {
	return s.ID.String() + "=" + strconv.FormatUint(uint64(s.Val), 10)
}

// check returns the connection error for a value out of its setting's range (RFC 9113 §6.5.2, RFC 8441 §3,
// RFC 9218 §2.1), or nil. Unknown settings have no range.
func (s Setting) check() error {
	switch s.ID {
	case SettingEnablePush, SettingEnableConnectProtocol, SettingNoRFC7540Priorities:
		if s.Val > 1 {
			return connError(ErrCodeProtocol, s.String()+": the value must be 0 or 1")
		}
	case SettingInitialWindowSize:
		if s.Val > MaxWindowSize {
			return connError(ErrCodeFlowControl, s.String()+": above the largest window 2^31-1")
		}
	case SettingMaxFrameSize:
		if s.Val < DefaultMaxFrameSize || s.Val > MaxFrameSizeLimit {
			return connError(ErrCodeProtocol, s.String()+": outside [2^14, 2^24-1]")
		}
	}
	return nil
}

// SettingsFrame is a parsed SETTINGS frame. It borrows the payload it was parsed from and reads each setting
// from it on demand, without allocating:
//
//	for i := range f.Len() {
//		s := f.At(i)
//		...
//	}
//
// Settings must be applied in the order they appear (RFC 9113 §6.5.3). Unknown identifiers are included: the
// caller ignores them (RFC 9113 §6.5.2).
type SettingsFrame struct {
	Ack     bool
	payload []byte
}

// Len returns the number of settings in f; zero for an ACK.
func (f SettingsFrame) Len() int { return len(f.payload) / settingLen }

// At returns the i-th setting of f, 0 <= i < f.Len().
func (f SettingsFrame) At(i int) Setting {
	b := f.payload[i*settingLen : (i+1)*settingLen]
	return Setting{ID: SettingID(binary.BigEndian.Uint16(b)), Val: binary.BigEndian.Uint32(b[2:])}
}

// ParseSettings parses the payload p of the SETTINGS frame with header h. All errors are connection errors:
// SETTINGS on a stream other than 0 is a PROTOCOL_ERROR; an ACK with a payload, or a payload that is not a
// multiple of 6 octets, is a FRAME_SIZE_ERROR (RFC 9113 §6.5); a value out of its setting's range is a
// PROTOCOL_ERROR, or a FLOW_CONTROL_ERROR for SETTINGS_INITIAL_WINDOW_SIZE (RFC 9113 §6.5.2, RFC 8441 §3,
// RFC 9218 §2.1). Rules that depend on earlier frames (a value that must not change) are the connection's.
func ParseSettings(h FrameHeader, p []byte) (SettingsFrame, error) {
	if h.StreamID != 0 {
		return SettingsFrame{}, frameOnStream(h)
	}
	f := SettingsFrame{Ack: h.Flags.Has(FlagAck), payload: p}
	if f.Ack && len(p) != 0 {
		return SettingsFrame{}, frameLengthError(h, 0, "0 with ACK")
	}
	if len(p)%settingLen != 0 {
		return SettingsFrame{}, frameLengthError(h, 0, "a multiple of 6")
	}
	for i := range f.Len() {
		if err := f.At(i).check(); err != nil {
			return SettingsFrame{}, err
		}
	}
	return f, nil
}

// AppendSettings appends a SETTINGS frame carrying settings, in order, to dst. The caller keeps the values in
// range and the frame within the peer's frame size (2,730 settings at the smallest).
func AppendSettings(dst []byte, settings ...Setting) []byte {
	dst = appendFrameStart(dst, FrameSettings, 0, 0, settingLen*len(settings))
	for _, s := range settings {
		dst = binary.BigEndian.AppendUint16(dst, uint16(s.ID))
		dst = binary.BigEndian.AppendUint32(dst, s.Val)
	}
	return dst
}

// AppendSettingsAck appends an empty SETTINGS frame with the ACK flag to dst (RFC 9113 §6.5.3).
func AppendSettingsAck(dst []byte) []byte {
	return appendFrameStart(dst, FrameSettings, FlagAck, 0, 0)
}
