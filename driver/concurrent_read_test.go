package driver_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/httpwire/httpwire/driver"
)

// TestConcurrentBodyReads: two goroutines reading one HTTP/2 response body at once (a tunnel is a net.Conn,
// which allows that) each get bytes the server sent, and between them all of them: none is lost, none is a
// buffer the connection never filled.
func TestConcurrentBodyReads(t *testing.T) {
	const size = 1 << 20
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 3000))
		for sent := 0; sent < size; sent += len(chunk) {
			_, _ = w.Write(chunk[:min(len(chunk), size-sent)])
			w.(http.Flusher).Flush() // many DATA frames, so that both readers wait now and then
		}
	})
	for _, p := range peersWith(t, handler) {
		if p.proto != "h2" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			for range 5 {
				c := dial(t, p)
				resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin, Target: "/"})
				if err != nil {
					t.Fatal(err)
				}
				total, foreign := readWithTwo(t, resp.Body, 7000, 'x')
				resp.Body.Close()
				if total != size || foreign != 0 {
					t.Fatalf("the two readers got %d bytes (want %d), %d of them not the server's", total, size, foreign)
				}
			}
		})
	}
}

// readWithTwo reads body to its end from two goroutines at once, bufSize bytes at a time (each buffer
// cleared before its Read), and returns the bytes read and how many of them were not want. A Read error
// other than io.EOF fails the test.
func readWithTwo(t *testing.T, body io.Reader, bufSize int, want byte) (total, foreign int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, bufSize)
			for {
				clear(buf)
				n, err := body.Read(buf)
				mu.Lock()
				total += n
				foreign += n - bytes.Count(buf[:n], []byte{want})
				mu.Unlock()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return total, foreign
}
