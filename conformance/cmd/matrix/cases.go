package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws/wsutil"
	"github.com/httpwire/httpwire/pool"
)

type recordFunc func(peer, name string, run func() error)

// patternReader produces the content of /big.bin.
type patternReader struct{ off, n int }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.n {
		return 0, io.EOF
	}
	p = p[:min(len(p), r.n-r.off)]
	pattern(p, r.off)
	r.off += len(p)
	return len(p), nil
}

// do runs one request on p's pool and returns the status and body.
func do(pl *pool.Pool, req *pool.Request) (int, []byte, *pool.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := pl.Do(ctx, req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.Status, body, resp, err
}

func expect(status, want int, err error) error {
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("status %d, want %d", status, want)
	}
	return nil
}

// runHTTPCases runs the HTTP cases against one peer, each on a fresh pool.
func runHTTPCases(p httpPeer, record recordFunc) {
	fresh := func() *pool.Pool { return pool.New(p.opts) }
	get := func(pl *pool.Pool, target string) (int, []byte, *pool.Response, error) {
		return do(pl, &pool.Request{Method: "GET", Origin: p.origin, Target: target})
	}
	run := func(name string, f func(pl *pool.Pool) error) {
		record(p.name, name, func() error {
			pl := fresh()
			defer pl.Close()
			return f(pl)
		})
	}
	run("get", func(pl *pool.Pool) error {
		status, body, _, err := get(pl, "/index.html")
		if err == nil && string(body) != "hello from the matrix\n" {
			return fmt.Errorf("body %q", body)
		}
		return expect(status, 200, err)
	})
	run("head", func(pl *pool.Pool) error {
		status, body, _, err := do(pl, &pool.Request{Method: "HEAD", Origin: p.origin, Target: "/index.html"})
		if err == nil && len(body) != 0 {
			return fmt.Errorf("HEAD returned %d body bytes", len(body))
		}
		return expect(status, 200, err)
	})
	run("status-404", func(pl *pool.Pool) error {
		status, _, _, err := get(pl, "/missing-file")
		return expect(status, 404, err)
	})
	run("alpn", func(pl *pool.Pool) error {
		_, _, resp, err := get(pl, "/index.html")
		if err != nil {
			return err
		}
		got := map[string]string{"HTTP/2": "h2", "HTTP/1.1": "http/1.1"}[resp.Extensions.HTTPVersion]
		if got != p.alpn {
			return fmt.Errorf("spoke %s, want %s", resp.Extensions.HTTPVersion, p.alpn)
		}
		return nil
	})
	run("download-8MiB", func(pl *pool.Pool) error {
		status, body, _, err := get(pl, "/big.bin")
		if err == nil && sha256.Sum256(body) != bigSum() {
			return fmt.Errorf("%d bytes, digest differs", len(body))
		}
		return expect(status, 200, err)
	})
	run("post-8MiB", func(pl *pool.Pool) error {
		status, _, _, err := do(pl, &pool.Request{Method: "POST", Origin: p.origin, Target: p.upload,
			Body: &patternReader{n: bigSize}, ContentLength: bigSize})
		return expect(status, 200, err)
	})
	run("chunked-upload", func(pl *pool.Pool) error {
		status, _, _, err := do(pl, &pool.Request{Method: "POST", Origin: p.origin, Target: p.upload,
			Body: &patternReader{n: 1 << 20}, ContentLength: -1})
		return expect(status, 200, err)
	})
	run("concurrent-100", func(pl *pool.Pool) error {
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _, _, err := get(pl, "/index.html")
				if err := expect(status, 200, err); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		if st := pl.Stats().Total; st.Active != 0 {
			return fmt.Errorf("requests still active: %+v", st)
		}
		return nil
	})
	run("keepalive-reuse", func(pl *pool.Pool) error {
		for range 20 {
			if status, _, _, err := get(pl, "/index.html"); expect(status, 200, err) != nil {
				return expect(status, 200, err)
			}
		}
		if st := pl.Stats().Total; st.Dials != 1 || st.Reuses != 19 {
			return fmt.Errorf("20 requests: %d dials, %d reuses", st.Dials, st.Reuses)
		}
		return nil
	})
	if p.sse != "" {
		run("sse", func(pl *pool.Pool) error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := pl.Do(ctx, &pool.Request{Method: "GET", Origin: p.origin, Target: p.sse})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			var events []string
			for sc.Scan() {
				if line, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					events = append(events, line)
				}
			}
			if want := "event 0,event 1,event 2"; strings.Join(events, ",") != want || sc.Err() != nil {
				return fmt.Errorf("events %q (%v), want %s", events, sc.Err(), want)
			}
			return nil
		})
	}
	if p.trailers != "" {
		run("trailers", func(pl *pool.Pool) error {
			status, _, resp, err := get(pl, p.trailers)
			if err == nil {
				if v, _ := resp.Trailers().Get("X-Checksum"); string(v) != "abc" {
					return fmt.Errorf("trailers %q", resp.Trailers())
				}
			}
			return expect(status, 200, err)
		})
	}
}

var bigSumOnce = sync.OnceValue(func() [32]byte {
	h := sha256.New()
	_, _ = io.Copy(h, &patternReader{n: bigSize})
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
})

func bigSum() [32]byte { return bigSumOnce() }

// runWSCases opens a WebSocket through the pool and echoes messages.
func runWSCases(p wsPeer, record recordFunc) {
	echo := func(messages ...string) error {
		pl := pool.New(p.opts)
		defer pl.Close()
		var nonce [16]byte
		_, _ = rand.Read(nonce[:])
		key := base64.StdEncoding.EncodeToString(nonce[:])
		req := &pool.Request{Method: "GET", Origin: p.origin, Target: p.path}
		req.Header.Add("Host", p.origin.Authority())
		req.Header.Add("Connection", "Upgrade")
		req.Header.Add("Upgrade", "websocket")
		req.Header.Add("Sec-WebSocket-Version", "13")
		req.Header.Add("Sec-WebSocket-Key", key)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		resp, err := pl.Do(ctx, req)
		if err != nil {
			return err
		}
		stream := resp.Extensions.NetworkStream
		if resp.Status != 101 || stream == nil {
			resp.Body.Close()
			return fmt.Errorf("handshake answered %d", resp.Status)
		}
		defer stream.Close()
		stop := context.AfterFunc(ctx, func() { stream.Close() })
		defer stop()
		sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		if v, _ := resp.Header.Get("Sec-WebSocket-Accept"); string(v) != base64.StdEncoding.EncodeToString(sum[:]) {
			return fmt.Errorf("Sec-WebSocket-Accept does not answer the key")
		}
		for _, m := range messages {
			if err := wsutil.WriteClientText(stream, []byte(m)); err != nil {
				return err
			}
			got, err := wsutil.ReadServerText(stream)
			if err != nil || string(got) != m {
				return fmt.Errorf("echo of %d bytes: %d bytes, %v", len(m), len(got), err)
			}
		}
		return nil
	}
	record(p.name, "ws-echo", func() error { return echo("one", "two", "three") })
	record(p.name, "ws-64KiB", func() error {
		big := make([]byte, 64<<10)
		for i := range big {
			big[i] = 'a' + byte(i%26)
		}
		return echo(string(big))
	})
}
