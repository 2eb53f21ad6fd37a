package h2

import "github.com/httpwire/httpwire/proto"

// Event is what NextEvent returns. Events borrow the Conn's memory: an event and every slice in it are valid
// only until the next call into the Conn; Clone where offered to keep one longer. With Config.StableFields the
// fields of a HeadersReceived (not the event itself) stay valid as long as they are referenced.
type Event interface{ isEvent() }

// HeadersKind tells what a HeadersReceived carries.
type HeadersKind uint8

// The kinds of field sections.
const (
	KindRequest       HeadersKind = iota // a request head (server role)
	KindResponse                         // a final response head (client role)
	KindInformational                    // a 1xx response head (client role)
	KindTrailers                         // trailer fields, always with EndStream
)

// HeadersReceived is a complete, validated field section (HEADERS and its CONTINUATIONs).
type HeadersReceived struct {
	StreamID  uint32
	Kind      HeadersKind
	Request   proto.RequestHead  // KindRequest
	Response  proto.ResponseHead // KindResponse and KindInformational
	Trailers  proto.Fields       // KindTrailers
	EndStream bool               // a StreamEnded follows
}

// DataReceived is body data of a stream. The receive window is credited only when the application reports
// the bytes as read with Conn.Consume (RFC 9113 §5.2), so that a slow reader back-pressures only its stream.
type DataReceived struct {
	StreamID  uint32
	Data      []byte
	EndStream bool // a StreamEnded follows
}

// StreamEnded reports that the peer will send nothing more on the stream (END_STREAM).
type StreamEnded struct{ StreamID uint32 }

// StreamReset reports that a stream ended abnormally: the peer sent RST_STREAM (Remote), or we reset it
// because the peer broke the protocol on it.
type StreamReset struct {
	StreamID uint32
	Code     ErrCode
	Remote   bool
}

// WindowUpdated reports that the peer opened its receive window: more DATA may be sent on StreamID (0 for the
// connection).
type WindowUpdated struct {
	StreamID uint32
	Delta    uint32
}

// SettingsReceived reports new peer settings, already applied and acknowledged; PeerSettings has them.
type SettingsReceived struct{ Settings Settings }

// SettingsAcked reports that the peer acknowledged our SETTINGS.
type SettingsAcked struct{}

// PingReceived reports a PING from the peer; the acknowledgement is already queued.
type PingReceived struct{ Data [8]byte }

// PingAcked reports the acknowledgement of a PING we sent.
type PingAcked struct{ Data [8]byte }

// GoAwayReceived reports that the peer is closing the connection: streams above LastStreamID that we opened
// were not processed and may be retried elsewhere (RFC 9113 §6.8).
type GoAwayReceived struct {
	LastStreamID uint32
	Code         ErrCode
	Debug        []byte
}

func (*HeadersReceived) isEvent()  {}
func (*DataReceived) isEvent()     {}
func (*StreamEnded) isEvent()      {}
func (*StreamReset) isEvent()      {}
func (*WindowUpdated) isEvent()    {}
func (*SettingsReceived) isEvent() {}
func (*SettingsAcked) isEvent()    {}
func (*PingReceived) isEvent()     {}
func (*PingAcked) isEvent()        {}
func (*GoAwayReceived) isEvent()   {}

// Clone returns a copy that shares no memory with the Conn.
func (e *HeadersReceived) Clone() *HeadersReceived {
	c := *e
	c.Request = *e.Request.Clone()
	c.Response = *e.Response.Clone()
	c.Trailers = e.Trailers.Clone()
	return &c
}

// Clone returns a copy that shares no memory with the Conn.
func (e *DataReceived) Clone() *DataReceived {
	c := *e
	c.Data = append([]byte(nil), e.Data...)
	return &c
}

// Clone returns a copy that shares no memory with the Conn.
func (e *GoAwayReceived) Clone() *GoAwayReceived {
	c := *e
	c.Debug = append([]byte(nil), e.Debug...)
	return &c
}
