package h1

import "github.com/httpwire/httpwire/proto"

// Event is what NextEvent returns: one of *Request, *InformationalResponse, *Response, *Data, *EndOfMessage,
// *ConnectionClosed or *Paused.
//
// Events borrow the Conn's memory: an event and every byte slice in it are valid only until the next call
// into the Conn. Use Clone to keep one longer.
type Event interface{ isEvent() }

// Request is the head of a request received by a server.
type Request struct{ proto.RequestHead }

// InformationalResponse is a 1xx response head (RFC 9110 §15.2), 101 Switching Protocols included. More
// informational responses or the final Response follow, except after a 101 that switched protocols.
type InformationalResponse struct{ proto.ResponseHead }

// Response is the head of a final response (status 200–599) received by a client.
type Response struct{ proto.ResponseHead }

// Data is a piece of a message body, after transfer decoding.
type Data struct{ Data []byte }

// EndOfMessage ends a message, with the trailer fields of a chunked body (RFC 9112 §7.1.2), if any.
type EndOfMessage struct{ Trailers proto.Fields }

// ConnectionClosed reports that the peer closed its side where the protocol allows it.
type ConnectionClosed struct{}

// Paused reports that nothing more can be read until our side acts: the peer's message is complete and the
// next one waits for StartNextCycle, or the connection switched (or may switch) protocols and TrailingData
// holds the bytes after the head.
type Paused struct{}

func (*Request) isEvent()               {}
func (*InformationalResponse) isEvent() {}
func (*Response) isEvent()              {}
func (*Data) isEvent()                  {}
func (*EndOfMessage) isEvent()          {}
func (*ConnectionClosed) isEvent()      {}
func (*Paused) isEvent()                {}

// Clone returns a copy that shares no memory with the Conn.
func (e *Request) Clone() *Request { return &Request{*e.RequestHead.Clone()} }

// Clone returns a copy that shares no memory with the Conn.
func (e *InformationalResponse) Clone() *InformationalResponse {
	return &InformationalResponse{*e.ResponseHead.Clone()}
}

// Clone returns a copy that shares no memory with the Conn.
func (e *Response) Clone() *Response { return &Response{*e.ResponseHead.Clone()} }

// Clone returns a copy that shares no memory with the Conn.
func (e *Data) Clone() *Data { return &Data{append([]byte(nil), e.Data...)} }

// Clone returns a copy that shares no memory with the Conn.
func (e *EndOfMessage) Clone() *EndOfMessage { return &EndOfMessage{e.Trailers.Clone()} }
