// Package h1 is a sans-I/O HTTP/1.1 protocol core (RFC 9112) for both roles: bytes in, events out; events in,
// bytes out. It opens no sockets, starts no goroutines, takes no locks and reads no clock, so it can be driven
// from a blocking driver, an event loop or a test harness alike.
//
// A Conn is one connection seen from one side. Received bytes go in through Receive (and ReceiveEOF when the
// peer closes); NextEvent returns what they mean, one event at a time: Request, InformationalResponse,
// Response, Data, EndOfMessage, ConnectionClosed, or Paused when nothing more can be read until our side acts.
// Outbound, SendRequest, SendResponse, SendData and SendEnd validate a message and append its wire bytes to an
// outbound buffer that the driver drains with Pending and Advance.
//
// Both sides of a connection move through the states of State; the transitions live in one table (state.go).
// After both messages of a keep-alive cycle are done, StartNextCycle resets the connection for the next one.
// What is accepted and rejected on receipt is listed in docs/h1-rules.md.
//
// Errors are sticky: after a protocol error every call returns it. A *proto.RemoteError blames the peer (and
// carries the status a server should answer with); a *proto.LocalError blames our own caller.
package h1
