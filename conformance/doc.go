// Package conformance is the root of httpwire's conformance module, a nested Go module that checks the
// protocol cores and drivers against the specifications and against real peers.
//
// The module holds:
//   - vector runners, such as cmd/h1vectors, which feed the JSON vectors under vectors/ (and the shared
//     suites) to the cores whole, one byte at a time and split at every offset;
//   - interop tests against real servers and clients (nghttpd, nginx, go-httpbin, WebSocket echo servers);
//   - the h2spec harness, which runs h2spec in strict mode against the HTTP/2 server driver;
//   - hostile peers that send malformed, oversized and abusive input.
//
// It is a separate module so that heavy test-only dependencies stay out of the library's go.mod; a replace
// directive points it at the library in the parent directory.
package conformance
