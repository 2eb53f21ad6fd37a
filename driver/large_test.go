package driver_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/httpwire/httpwire/driver"
)

// pattern is an endless reader of a repeating byte pattern.
type pattern struct{ off int }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(p.off*7 + p.off>>10)
		p.off++
	}
	return len(b), nil
}

const bigSize = 64 << 20

// transferSize is what TestLargeBodies moves each way: 64 MiB, or 8 MiB under the race detector.
func transferSize() int64 {
	if raceEnabled {
		return 8 << 20
	}
	return bigSize
}

// bigHandler serves /download?n=N as N bytes of the pattern (64 MiB by default) and answers /upload with
// the SHA-256 of the body.
func bigHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/upload" {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		w.Header().Set("X-Length", strconv.FormatInt(n, 10))
		_, _ = w.Write(h.Sum(nil))
		return
	}
	size := int64(bigSize)
	if n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64); err == nil {
		size = n
	}
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	_, _ = io.CopyN(w, &pattern{}, size)
}

func patternSum(n int64) []byte {
	h := sha256.New()
	_, _ = io.CopyN(h, &pattern{}, n)
	return h.Sum(nil)
}

// TestLargeBodies streams 64 MiB each way over every protocol without buffering it whole.
func TestLargeBodies(t *testing.T) {
	size := transferSize()
	want := patternSum(size)
	for _, p := range peersWith(t, http.HandlerFunc(bigHandler)) {
		t.Run(p.name, func(t *testing.T) {
			c := dial(t, p)
			resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin,
				Target: "/download?n=" + strconv.FormatInt(size, 10)})
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			n, err := io.Copy(h, resp.Body)
			resp.Body.Close()
			if err != nil || n != size || string(h.Sum(nil)) != string(want) {
				t.Fatalf("download: %d bytes, %v, digest match %v", n, err, string(h.Sum(nil)) == string(want))
			}
			for _, length := range []int64{size, -1} {
				resp, err = c.RoundTrip(context.Background(), &driver.Request{Method: "POST", Origin: p.origin,
					Target: "/upload", Body: io.LimitReader(&pattern{}, size), ContentLength: length})
				if err != nil {
					t.Fatal(err)
				}
				sum, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if got, _ := resp.Header.Get("x-length"); err != nil || string(sum) != string(want) {
					t.Fatalf("upload (length %d): server read %s bytes, digest match %v, %v", length, got, string(sum) == string(want), err)
				}
			}
		})
	}
}

// BenchmarkDownload64MiB measures the throughput of one 64 MiB response on loopback, per protocol.
func BenchmarkDownload64MiB(b *testing.B) {
	for _, p := range peersWith(b, http.HandlerFunc(bigHandler)) {
		b.Run(p.name, func(b *testing.B) {
			c := dial(b, p)
			buf := make([]byte, 256<<10)
			b.SetBytes(bigSize)
			for b.Loop() {
				resp, err := c.RoundTrip(context.Background(), &driver.Request{Method: "GET", Origin: p.origin, Target: "/download"})
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, resp.Body, buf)
				resp.Body.Close()
				if err != nil || n != bigSize {
					b.Fatal(n, err)
				}
			}
		})
	}
}
