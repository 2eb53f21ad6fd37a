package h2

import (
	"encoding/binary"
	"strconv"
)

// RFC 9113 §6.6: PUSH_PROMISE (type 0x5) announces a stream the server will open, with a field block
// fragment of the promised request; CONTINUATION frames carry the rest unless END_HEADERS is set.
//
//	+---------------+
//	|Pad Length? (8)|
//	+-+-------------+-----------------------------------------------+
//	|R|                  Promised Stream ID (31)                    |
//	+-+-----------------------------+-------------------------------+
//	|                   Field Block Fragment (*)                  ...
//	+---------------------------------------------------------------+
//	|                           Padding (*)                       ...
//	+---------------------------------------------------------------+

// PushPromiseFrame is a parsed PUSH_PROMISE frame. Fragment borrows the payload it was parsed from.
type PushPromiseFrame struct {
	StreamID   uint32 // the stream the promise is associated with
	PromisedID uint32 // the stream the server reserves; 31 bits
	EndHeaders bool
	Fragment   []byte // the field block fragment, without padding
}

// ParsePushPromise parses the payload p of the PUSH_PROMISE frame with header h. All errors are connection
// errors: PUSH_PROMISE on stream 0 and padding that fills the rest of the payload or more are PROTOCOL_ERRORs
// (RFC 9113 §6.6); a payload too short for the Pad Length octet and the Promised Stream ID is a
// FRAME_SIZE_ERROR (RFC 9113 §4.2); a promised stream that is 0 or odd, never a legal server-initiated stream,
// is a PROTOCOL_ERROR (RFC 9113 §5.1.1, §6.6). Whether push is enabled, whether we are the client, and
// whether the promised id is new are the connection's business.
func ParsePushPromise(h FrameHeader, p []byte) (PushPromiseFrame, error) {
	if h.StreamID == 0 {
		return PushPromiseFrame{}, frameOnStreamZero(h)
	}
	id, frag, err := h.unpad(p, 4)
	if err != nil {
		return PushPromiseFrame{}, err
	}
	f := PushPromiseFrame{
		StreamID:   h.StreamID,
		PromisedID: binary.BigEndian.Uint32(id) & streamIDMask,
		EndHeaders: h.Flags.Has(FlagEndHeaders),
		Fragment:   frag,
	}
	if f.PromisedID == 0 || f.PromisedID%2 == 1 {
		return PushPromiseFrame{}, connError(ErrCodeProtocol, "PUSH_PROMISE frame promises stream "+
			strconv.FormatUint(uint64(f.PromisedID), 10)+", not a server-initiated stream")
	}
	return f, nil
}

// AppendPushPromise appends a PUSH_PROMISE frame without padding to dst. As with AppendHeaders, fragment must
// fit the peer's frame size, less the 4 octets of the promised stream id; the connection ensures it.
func AppendPushPromise(dst []byte, streamID, promisedID uint32, endHeaders bool, fragment []byte) []byte {
	var f Flags
	if endHeaders {
		f |= FlagEndHeaders
	}
	dst = appendFrameStart(dst, FramePushPromise, f, streamID, 4+len(fragment))
	dst = binary.BigEndian.AppendUint32(dst, promisedID&streamIDMask)
	return append(dst, fragment...)
}
