package driver

import "net"

// rawStream is the network connection handed over after a protocol switch: its reads return the bytes the
// parser had buffered past the response head first, then read the connection.
type rawStream struct {
	net.Conn
	prefix []byte
}

func newRawStream(nc net.Conn, buffered []byte) *rawStream {
	return &rawStream{Conn: nc, prefix: append([]byte(nil), buffered...)}
}

func (s *rawStream) Read(p []byte) (int, error) {
	if len(s.prefix) > 0 {
		n := copy(p, s.prefix)
		s.prefix = s.prefix[n:]
		return n, nil
	}
	return s.Conn.Read(p)
}
