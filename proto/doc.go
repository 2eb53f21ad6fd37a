// Package proto holds what the HTTP/1.1 and HTTP/2 cores share: header fields, request and response heads,
// origins, limits and the error types that tell a caller's own mistakes (LocalError) from a peer's
// (RemoteError).
//
// proto imports the standard library only and does no I/O.
package proto
