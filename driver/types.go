package driver

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/httpwire/httpwire/proto"
)

// Request is one HTTP request.
type Request struct {
	Method string
	Origin proto.Origin
	// Target is the request-target: a path with an optional query ("/a?b=1"), or for CONNECT the authority
	// "host:port". Empty means "/".
	Target string
	Header proto.Fields
	// Body streams the content; nil means none. ContentLength is its length, or -1 when unknown (HTTP/1.1
	// then sends it chunked). If Body is an io.Closer, the connection closes it once the request head has
	// gone out and the body is done with (sent, or given up), as net/http's RoundTripper does; a request
	// refused before anything was sent leaves it open. HTTP/1.1 is done with it when RoundTrip returns.
	// HTTP/2 sends it while the response arrives (full duplex): RoundTrip returns with the response head,
	// the body may still be read and sent after, and closing the response body stops it. A body that is not
	// an io.Closer and blocks in Read holds the HTTP/2 sending goroutine until it returns, even after the
	// connection closed.
	Body          io.Reader
	ContentLength int64
	// GetBody, when set, returns a fresh copy of Body, so that a pool may retry a request the server never
	// processed (as net/http's Request.GetBody). It must be a new reader: the one it replaces may still be
	// read, then closed, by the connection that gave up on it.
	GetBody func() (io.Reader, error)
	// Trailer, when set, is called after Body returned io.EOF and its fields are sent as trailers.
	Trailer func() proto.Fields
	// Protocol is the :protocol of an extended CONNECT over HTTP/2 (RFC 8441), e.g. "websocket".
	Protocol string
	// OnInformational is called for each 1xx response before the final one (103 Early Hints, 100 Continue).
	OnInformational func(*proto.ResponseHead)
	// Trace, when set, is told when the request has been written and when the response begins.
	Trace *RequestTrace
}

// Idempotent reports whether the request may be sent twice with the effect of once: its method is
// idempotent (RFC 9110 §9.2.2) or it carries an Idempotency-Key field. Such a request may be retried after
// ErrConnStale.
func (r *Request) Idempotent() bool {
	switch r.Method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return r.Header.Has("Idempotency-Key") || r.Header.Has("X-Idempotency-Key")
}

// Finisher is told that an exchange is over (UploadWaiter, FinishingConn).
type Finisher interface{ Finish() }

// FinishingConn is implemented by HTTP/1.1 connections. RoundTripFinish is RoundTrip, and when it returns a
// response, f.Finish is called once, as soon as that response is done with: its body read to the end, failed
// or closed (the connection is then idle, or closed). A response that hands the connection over
// (Extensions.NetworkStream) never calls it, nor does a failed round trip. A pool learns so when to take the
// connection back without wrapping every response body.
type FinishingConn interface {
	Conn
	RoundTripFinish(ctx context.Context, req *Request, f Finisher) (*Response, error)
}

// UploadWaiter is implemented by HTTP/2 response bodies. With full duplex the request body may still be
// going out when the response body has ended or been closed, and the stream keeps its place on the connection
// until then (a pool must not count the connection as idle). WaitUpload reports whether that is so; if it is,
// f.Finish is called once, when the request body has been sent or abandoned; a later call replaces an earlier
// f.
type UploadWaiter interface{ WaitUpload(f Finisher) bool }

// bodyLengthError reports a request body whose length is not the ContentLength the request declared (at
// least sent bytes, if it was cut short at the first byte too many).
func bodyLengthError(sent, declared int64) error {
	return fmt.Errorf("%w: request body had %d bytes, ContentLength said %d", proto.ErrBodyLength, sent, declared)
}

// closeRequestBody closes req's body if it is an io.Closer (see Request.Body).
func closeRequestBody(req *Request) {
	if cl, ok := req.Body.(io.Closer); ok {
		_ = cl.Close()
	}
}

// RequestTrace receives the progress of one request. Hooks may be nil.
type RequestTrace struct {
	// WroteRequest: the head and the whole body have been handed to the connection. Over HTTP/2, which
	// sends the body while the response arrives, it may be called after RoundTrip returned, from another
	// goroutine; it is not called for a body the server asked us to stop sending.
	WroteRequest func()
	// GotFirstResponseByte: the first byte of the response arrived (on HTTP/2: the final response head).
	GotFirstResponseByte func()
}

func (t *RequestTrace) wroteRequest() {
	if t != nil && t.WroteRequest != nil {
		t.WroteRequest()
	}
}

func (t *RequestTrace) gotFirstResponseByte() {
	if t != nil && t.GotFirstResponseByte != nil {
		t.GotFirstResponseByte()
	}
}

// Response is the answer to a Request. Its Body streams the content as it arrives; read it to the end and
// close it, or close it early to abandon the rest.
type Response struct {
	Status int
	Header proto.Fields
	Body   io.ReadCloser
	// Extensions holds what is specific to the protocol and the connection, as in httpcore.
	Extensions Extensions

	trailers trailerSource
}

// trailerSource is what holds a response's trailers: its body, or an HTTP/1.1 exchange (a releaser).
type trailerSource interface{ trailerFields() proto.Fields }

// releaser is the trailer source of a response whose memory Release gives back for reuse.
type releaser interface {
	trailerSource
	release()
}

// Release ends the caller's use of the response, and lets a later HTTP/1.1 response reuse its memory. It
// closes Body first, as Close does (an unread rest is drained or ends the connection); a Read already
// blocked in another goroutine is ended so and waited for. After Release nothing of the response may be
// used: not the Response, its Header, Trailers and Extensions, nor Body, and no other goroutine may be about
// to call Body's methods (a Read that starts after Release, or races it, runs on memory handed to another
// response). Release may be called only once. Calling it is optional: a response not released is collected
// as usual.
//
// It saves an HTTP/1.1 response's allocation, and more than that the cold memory a new response is written
// to: in a loop of requests, as fasthttp's ReleaseResponse does. An HTTP/2 response is only closed, and a
// NetworkStream (after 101 or CONNECT) stays open: it is the caller's.
func (r *Response) Release() {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	if rel, ok := r.trailers.(releaser); ok {
		rel.release()
	}
}

// Trailers returns the trailer fields, available once Body has returned io.EOF.
func (r *Response) Trailers() proto.Fields {
	if r.trailers == nil {
		return nil
	}
	return r.trailers.trailerFields()
}

// Extensions carries protocol and connection details of a response.
type Extensions struct {
	HTTPVersion  string // "HTTP/1.1", "HTTP/1.0" or "HTTP/2"
	ReasonPhrase string // HTTP/1.x only
	// NetworkStream is the raw connection after 101 Switching Protocols or a 2xx to CONNECT over HTTP/1.1
	// (its reads start with the bytes that arrived with the response head; closing it closes the
	// connection), or the stream after a 2xx to a CONNECT over HTTP/2 (closing it ends the stream). Nil
	// otherwise.
	NetworkStream net.Conn
	TLS           *tls.ConnectionState
	Timings       Timings
}

// Timings measures the phases of a request.
type Timings struct {
	Connect   time.Duration // TCP (or Unix) connect; zero on a reused connection
	TLS       time.Duration // TLS handshake; zero on a reused or plaintext connection
	FirstByte time.Duration // from the start of the request to the first byte of the response head
}
