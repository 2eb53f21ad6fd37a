package server

import (
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/internal/coreio"
	"github.com/httpwire/httpwire/proto"
)

// serveH1 runs one HTTP/1.1 connection: requests in order, each answered once complete.
func (s *Server) serveH1(nc net.Conn) {
	c := h1.NewConn(h1.Server)
	buf := make([]byte, 32<<10)
	var req *proto.RequestHead
	var body []byte
	for {
		n, rerr := nc.Read(buf)
		if n > 0 {
			_ = c.Receive(buf[:n])
		} else if rerr != nil {
			_ = c.ReceiveEOF()
		}
		for {
			ev, err := c.NextEvent()
			if err != nil {
				s.h1Refuse(nc, err)
				return
			}
			switch e := ev.(type) {
			case nil:
			case *h1.Request:
				req, body = e.RequestHead.Clone(), nil
				continue
			case *h1.Data:
				if len(body)+len(e.Data) > MaxRequestBody {
					s.h1Refuse(nc, &proto.RemoteError{Err: proto.ErrTooLarge, StatusHint: 413})
					return
				}
				body = append(body, e.Data...)
				continue
			case *h1.EndOfMessage:
				if !s.h1Respond(nc, c, req, body) {
					return
				}
				req, body = nil, nil
				continue
			case *h1.ConnectionClosed:
				return
			case *h1.Paused:
				if c.TheirState() != h1.Done {
					return // switched protocols or must close: this server does neither
				}
			}
			break
		}
		if rerr != nil {
			return
		}
	}
}

// h1Respond answers one request; false means the connection ends.
func (s *Server) h1Respond(nc net.Conn, c *h1.Conn, req *proto.RequestHead, body []byte) bool {
	resp, out := s.answer(req, body)
	resp = resp.Clone()
	resp.Fields.Del("Content-Length")
	resp.Fields.Del("Transfer-Encoding")
	if resp.Status >= 200 && resp.Status != 204 && resp.Status != 304 {
		resp.Fields.Add("Content-Length", strconv.Itoa(len(out)))
	}
	if string(req.Method) == "HEAD" || resp.Status == 204 || resp.Status == 304 {
		out = nil
	}
	if err := c.SendResponse(resp); err != nil {
		return false
	}
	if err := c.SendData(out); err != nil {
		return false
	}
	if err := c.SendEnd(nil); err != nil {
		return false
	}
	if coreio.WriteAll(nc, c.Pending, c.Advance) != nil {
		return false
	}
	return c.StartNextCycle() == nil
}

// h1Refuse answers a request the core rejected with the status it suggests, then the connection closes.
func (s *Server) h1Refuse(nc net.Conn, err error) {
	s.logger().Debug("h1 connection error", "err", err)
	var re *proto.RemoteError
	if !errors.As(err, &re) || re.StatusHint == 0 {
		return
	}
	// The core refuses every call after an error, so the answer is written directly: the status with an empty
	// reason phrase (RFC 9112 §4), then the connection closes.
	_, _ = fmt.Fprintf(nc, "HTTP/1.1 %d \r\nConnection: close\r\nContent-Length: 0\r\n\r\n", re.StatusHint)
}
