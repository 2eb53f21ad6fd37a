// Package canned holds servers that answer from canned bytes: for benchmarks and allocation counts that must
// see the client's work alone. They are test helpers, not HTTP servers.
package canned

import (
	"bytes"
	"encoding/binary"
	"net"
)

// ServeH1 answers every request head on nc with the same 200 response and its 13-byte body, "Hello,
// World!", until the client closes. It allocates nothing per request, so that a benchmark or an allocation
// count sees the client's work alone.
func ServeH1(nc net.Conn) {
	response := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!")
	buf := make([]byte, 4096)
	have := 0
	for {
		n, err := nc.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		for {
			i := bytes.Index(buf[:have], []byte("\r\n\r\n"))
			if i < 0 {
				break
			}
			have = copy(buf, buf[i+4:have])
			if _, err := nc.Write(response); err != nil {
				return
			}
		}
	}
}

// ServeH2 speaks just enough h2c on nc: it acknowledges SETTINGS and answers every HEADERS frame with a 200
// (":status: 200", "content-length: 13" from the static table, RFC 7541 Appendix A) and a 13-byte DATA frame
// that ends the stream, "Hello, World!". Like ServeH1 it allocates nothing per request.
func ServeH2(nc net.Conn) {
	const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	frame := func(b []byte, typ, flags byte, stream uint32, payload []byte) []byte {
		b = append(b, byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload)), typ, flags)
		b = binary.BigEndian.AppendUint32(b, stream)
		return append(b, payload...)
	}
	block := []byte{0x88, 0x0f, 0x0d, 0x02, '1', '3'}
	out := frame(nil, 0x4, 0, 0, nil) // our SETTINGS: none
	if _, err := nc.Write(out); err != nil {
		return
	}
	hello := []byte("Hello, World!")
	buf := make([]byte, 1<<16)
	have, prefaced := 0, false
	for {
		n, err := nc.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		off := 0
		if !prefaced {
			if have < len(preface) {
				continue
			}
			off, prefaced = len(preface), true
		}
		out = out[:0]
		for have-off >= 9 {
			length := int(buf[off])<<16 | int(buf[off+1])<<8 | int(buf[off+2])
			if have-off < 9+length {
				break
			}
			typ, flags := buf[off+3], buf[off+4]
			stream := binary.BigEndian.Uint32(buf[off+5:]) & 0x7fffffff
			switch {
			case typ == 0x4 && flags&0x1 == 0: // SETTINGS: acknowledge
				out = frame(out, 0x4, 0x1, 0, nil)
			case typ == 0x1: // HEADERS: answer
				out = frame(out, 0x1, 0x4, stream, block)
				out = frame(out, 0x0, 0x1, stream, hello)
			}
			off += 9 + length
		}
		have = copy(buf, buf[off:have])
		if len(out) > 0 {
			if _, err := nc.Write(out); err != nil {
				return
			}
		}
	}
}
