// Package hostile tests the client side of httpwire against scripted peers that break the protocol on
// purpose: raw HTTP/1.1 servers that write bytes straight to a TCP connection, and HTTP/2 (h2c, prior
// knowledge) servers that write frames with the h2 package's Append functions and HPACK blocks of their
// own. Each case sends a request through a pool.Pool and checks that it
//
//   - fails with an error a caller can name with errors.Is or errors.As (a proto.RemoteError and its
//     sentinel or HTTP/2 code, a *driver.StreamError, a timeout), or succeeds where the RFC asks the
//     client to cope, and does so within a bounded time;
//   - keeps memory bounded when the peer aims at memory (header floods, HPACK bombs, control-frame floods);
//   - panics nowhere and leaks no goroutine (goleak checks the whole package);
//   - leaves the pool usable: the same pool then serves a request to a healthy origin.
//
// The tests live in package hostile_test; this package holds nothing else.
package hostile
