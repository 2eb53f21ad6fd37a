// Package pool is the library's main entry point: a connection pool per origin (scheme, host, port) over
// the drivers, usable as an http.RoundTripper or through Do, which streams bodies and returns the driver's
// Extensions.
//
// Requests reuse an idle connection, open a new one below the limits, or wait in a FIFO queue that honours
// their context. At MaxConnections, an idle connection to another origin is closed to make room. An origin
// left with no connection and no request is forgotten in time, so a pool meeting many origins stays small.
// HTTP/2 connections carry requests up to the server's SETTINGS_MAX_CONCURRENT_STREAMS, and a new
// connection opens only when all are saturated; while the first connection to an origin is being made and
// its protocol is unknown, other requests wait for it instead of each dialing. Requests that the server
// provably did not process (driver.ErrNotProcessed: a GOAWAY above their stream, REFUSED_STREAM, an idle
// connection found closed) are retried on another connection, and so are idempotent requests that met a
// stale kept-alive HTTP/1.1 connection (driver.ErrConnStale); every other failure reaches the caller as it
// was.
package pool
