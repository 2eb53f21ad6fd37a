package hostile_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpwire/httpwire/driver"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// readRequest reads one request head and its body from br.
func readRequest(br *bufio.Reader) error {
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err
}

// answerOnce is a raw HTTP/1.1 peer that reads one request, writes response as it is, and then reads
// until the client closes the connection.
func answerOnce(response string) func(int, net.Conn) {
	return func(_ int, nc net.Conn) {
		if readRequest(bufio.NewReader(nc)) != nil {
			return
		}
		if _, err := io.WriteString(nc, response); err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, nc)
	}
}

func TestHostileHTTP1(t *testing.T) {
	healthy := healthyOrigin(t)

	// A head that never ends: 1 KiB field lines without the empty line, far past the 64 KiB limit.
	t.Run("h1 oversized head", func(t *testing.T) {
		srv := newServer(t, func(_ int, nc net.Conn) {
			if readRequest(bufio.NewReader(nc)) != nil {
				return
			}
			if _, err := io.WriteString(nc, "HTTP/1.1 200 OK\r\n"); err != nil {
				return
			}
			line := "X-Pad: " + strings.Repeat("a", 1015) + "\r\n"
			burst := []byte(strings.Repeat(line, 64))
			for written := 0; written < 1<<30; written += len(burst) {
				if _, err := nc.Write(burst); err != nil {
					return
				}
			}
		})
		p := pool.New(pool.Options{})
		defer p.Close()
		var r result
		grown, allocated := measure(func() { r = run(t, p, get(srv.origin), nil) })
		wantRemote(t, r, proto.ErrTooLarge)
		checkMemory(t, grown, allocated)
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	// A body without framing is read until the server closes (RFC 9112 §6.3 rule 8); this one never ends.
	t.Run("h1 endless close-delimited body over MaxBodyBytes", func(t *testing.T) {
		const limit = 1 << 20
		srv := newServer(t, func(_ int, nc net.Conn) {
			if readRequest(bufio.NewReader(nc)) != nil {
				return
			}
			if _, err := io.WriteString(nc, "HTTP/1.1 200 OK\r\n\r\n"); err != nil {
				return
			}
			burst := []byte(strings.Repeat("x", 64<<10))
			for written := 0; written < 1<<30; written += len(burst) {
				if _, err := nc.Write(burst); err != nil {
					return
				}
			}
		})
		lim := driver.Options{}.H1Limits
		lim.MaxBodyBytes = limit
		p := pool.New(pool.Options{Driver: driver.Options{H1Limits: lim}})
		defer p.Close()
		var r result
		grown, allocated := measure(func() { r = run(t, p, get(srv.origin), nil) })
		wantRemote(t, r, proto.ErrTooLarge)
		if len(r.body) != limit {
			t.Errorf("%d bytes of body before the error, want the %d the limit allows", len(r.body), limit)
		}
		checkMemory(t, grown, allocated)
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	t.Run("h1 duplicate differing Content-Length", func(t *testing.T) {
		srv := newServer(t, answerOnce("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"))
		p := pool.New(pool.Options{})
		defer p.Close()
		r := run(t, p, get(srv.origin), nil)
		wantRemote(t, r, proto.ErrFraming)
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	t.Run("h1 body shorter than declared then close", func(t *testing.T) {
		srv := newServer(t, func(_ int, nc net.Conn) {
			if readRequest(bufio.NewReader(nc)) != nil {
				return
			}
			_, _ = io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
			// Returning closes the connection, 90 bytes short.
		})
		p := pool.New(pool.Options{})
		defer p.Close()
		r := run(t, p, get(srv.origin), nil)
		if r.resp == nil {
			t.Fatalf("the head was complete, yet %s", describe(r))
		}
		wantRemote(t, r, proto.ErrIncomplete)
		if string(r.body) != "only ten b" {
			t.Errorf("body %q, want the 10 bytes that came before the close", r.body)
		}
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})

	// The first connection answers with five bytes of body followed by a second response nobody asked for:
	// in the same write, or while the connection sits idle in the pool after the first exchange. Reading
	// it as the answer to the next request would be response smuggling: the connection must not be reused.
	t.Run("h1 body longer than declared", func(t *testing.T) {
		const extra = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"
		for _, tc := range []struct {
			name string
			late bool
		}{
			{"in the same write", false},
			{"while the connection is idle", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				sendExtra, extraSent := make(chan struct{}), make(chan struct{})
				send, sent := sync.OnceFunc(func() { close(sendExtra) }), sync.OnceFunc(func() { close(extraSent) })
				srv := newServer(t, func(n int, nc net.Conn) {
					br := bufio.NewReader(nc)
					if n == 1 {
						defer sent()
						if readRequest(br) != nil {
							return
						}
						response := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
						if !tc.late {
							response += extra
						}
						if _, err := io.WriteString(nc, response); err != nil {
							return
						}
						if tc.late {
							<-sendExtra
							if _, err := io.WriteString(nc, extra); err != nil {
								return
							}
						}
						sent()
						_, _ = io.Copy(io.Discard, br)
						return
					}
					for readRequest(br) == nil {
						if _, err := io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"); err != nil {
							return
						}
					}
				})
				t.Cleanup(send) // before the server's cleanup, should the test end early
				p := pool.New(pool.Options{})
				defer p.Close()
				first := run(t, p, get(srv.origin), nil)
				if first.err != nil || string(first.body) != "hello" {
					t.Errorf("first request: %s; want its 5 declared bytes, \"hello\"", describe(first))
				}
				send()
				select {
				case <-extraSent: // on loopback the bytes are now in the client's receive buffer
				case <-time.After(reqTimeout):
					t.Fatal("the peer could not write the extra bytes")
				}
				second := run(t, p, get(srv.origin), nil)
				if second.err != nil || string(second.body) != "fresh" {
					t.Errorf("second request: %s; want \"fresh\" from a new connection", describe(second))
				}
				if n, dials := srv.accepts.Load(), p.Stats().Origins[srv.origin.String()].Dials; n != 2 || dials != 2 {
					t.Errorf("the server accepted %d connection(s) and the pool dialed %d; want 2 and 2 (no reuse of "+
						"the connection that carried extra bytes)", n, dials)
				}
				checkHealthy(t, p, healthy)
			})
		}
	})

	t.Run("h1 response that never ends", func(t *testing.T) {
		for _, tc := range []struct {
			name, partial string
			headDone      bool
		}{
			{"head", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", false},
			{"body", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv := newServer(t, answerOnce(tc.partial))
				p := pool.New(pool.Options{Driver: driver.Options{ReadTimeout: 300 * time.Millisecond}})
				defer p.Close()
				r := run(t, p, get(srv.origin), nil)
				checkNoHang(t, r)
				var ne net.Error
				if !errors.Is(r.err, os.ErrDeadlineExceeded) || !errors.As(r.err, &ne) || !ne.Timeout() {
					t.Errorf("got %s; want a read timeout matching os.ErrDeadlineExceeded", describe(r))
				}
				if (r.resp != nil) != tc.headDone {
					t.Errorf("head complete: %v, response returned: %v", tc.headDone, r.resp != nil)
				}
				checkDropped(t, p, srv.origin)
				checkHealthy(t, p, healthy)
			})
		}
	})

	// A plain GET, answered with 101: the client proposed no upgrade (RFC 9110 §15.2.2).
	t.Run("h1 101 without the client asking", func(t *testing.T) {
		srv := newServer(t, answerOnce("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"+
			"Upgrade: websocket\r\n\r\n\x81\x05hello"))
		p := pool.New(pool.Options{})
		defer p.Close()
		r := run(t, p, get(srv.origin), nil)
		wantRemote(t, r, proto.ErrProtocol)
		if r.resp != nil && r.resp.Extensions.NetworkStream != nil {
			r.resp.Extensions.NetworkStream.Close()
			t.Error("the raw connection was handed over after an unsolicited 101")
		}
		checkDropped(t, p, srv.origin)
		checkHealthy(t, p, healthy)
	})
}
