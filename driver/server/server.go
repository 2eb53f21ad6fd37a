// Package server holds thin HTTP/1.1 and HTTP/2 servers built on the protocol cores, for conformance suites
// (h2spec), interoperability tests and local demos. They buffer whole request and response bodies and call
// one Handler per request; they are not a web framework.
package server

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/proto"
)

// Handler answers one request. req and body are the server's own copies. It returns the response head and
// body; a nil head answers 500.
type Handler func(req *proto.RequestHead, body []byte) (*proto.ResponseHead, []byte)

// MaxRequestBody bounds the request body a connection buffers; a larger one is refused.
const MaxRequestBody = 8 << 20

// Server serves HTTP/1.1 and HTTP/2 connections with a Handler.
type Server struct {
	Handler Handler
	// H2 configures HTTP/2 connections.
	H2 h2.Config
	// TLSConfig serves TLS on ServeTLS; its NextProtos should list "h2" and "http/1.1" (ALPN, RFC 7301).
	TLSConfig *tls.Config
	// Logger reports connection errors; nil discards them.
	Logger *slog.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	closed    bool
	wg        sync.WaitGroup
}

// ErrServerClosed is returned by the Serve methods after Close.
var ErrServerClosed = errors.New("server: closed")

// ServeH1 accepts connections on l and serves HTTP/1.1 on them until Close.
func (s *Server) ServeH1(l net.Listener) error { return s.serve(l, s.serveH1) }

// ServeH2C accepts connections on l and serves HTTP/2 by prior knowledge (h2c, RFC 9113 §3.3) until Close.
func (s *Server) ServeH2C(l net.Listener) error { return s.serve(l, s.serveH2) }

// ServeTLS accepts connections on l, performs the TLS handshake with TLSConfig and serves the protocol ALPN
// chose: HTTP/2 for "h2", HTTP/1.1 otherwise.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.TLSConfig == nil {
		return errors.New("server: ServeTLS needs a TLSConfig")
	}
	return s.serve(l, func(nc net.Conn) {
		tc := tls.Server(nc, s.TLSConfig)
		if err := tc.Handshake(); err != nil {
			s.logger().Debug("TLS handshake failed", "err", err)
			return
		}
		if tc.ConnectionState().NegotiatedProtocol == "h2" {
			s.serveH2(tc)
		} else {
			s.serveH1(tc)
		}
	})
}

func (s *Server) serve(l net.Listener, handle func(net.Conn)) error {
	if !s.track(l) {
		return ErrServerClosed
	}
	defer s.untrack(l)
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			return err
		}
		if !s.trackConn(nc) {
			nc.Close()
			return ErrServerClosed
		}
		go func() {
			defer s.wg.Done()
			defer s.untrackConn(nc)
			defer nc.Close()
			handle(nc)
		}()
	}
}

// Close stops every listener and connection and waits for the connection goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) untrack(l net.Listener) {
	s.mu.Lock()
	delete(s.listeners, l)
	s.mu.Unlock()
}

func (s *Server) trackConn(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrackConn(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// answer calls the handler, turning a nil head into 500.
func (s *Server) answer(req *proto.RequestHead, body []byte) (*proto.ResponseHead, []byte) {
	if s.Handler == nil {
		return proto.NewResponse(404), []byte("no handler\n")
	}
	resp, out := s.Handler(req, body)
	if resp == nil {
		return proto.NewResponse(500), []byte("handler returned no response\n")
	}
	return resp, out
}
