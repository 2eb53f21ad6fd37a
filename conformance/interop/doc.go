// Package interop tests the drivers against servers the project did not write: Go's net/http server,
// go-httpbin, and WebSocket echo servers, all on loopback.
package interop
