// Package driver binds the protocol cores to the network: it dials TCP or Unix sockets, negotiates TLS with
// ALPN ("h2", "http/1.1") or speaks HTTP/2 by prior knowledge (h2c), and returns a Conn that runs requests
// with streaming bodies. An HTTP/1.1 Conn runs one request at a time and needs no goroutine of its own; an
// HTTP/2 Conn runs one reader goroutine that dispatches frames to per-stream queues and one writer goroutine,
// and multiplexes many requests.
//
// After a 101 Switching Protocols, or a 2xx answer to CONNECT, the response's Extensions.NetworkStream is the
// raw connection on HTTP/1.1 (its reads start with the bytes the parser had already buffered) and the
// stream on HTTP/2 (CONNECT, RFC 8441 extended CONNECT): WebSocket and tunnels take it from there.
//
// Errors wrap what happened: errors.Is(err, context.Canceled) or context.DeadlineExceeded for cancellation
// and timeouts, the proto sentinels for protocol errors, and ErrConnClosed and friends for connection state.
package driver
