package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/gobwas/ws/wsutil"
	"github.com/httpwire/httpwire/pool"
	"github.com/httpwire/httpwire/proto"
)

// demoRow is one line of the demo's table.
type demoRow struct {
	protocol string
	opened   int64
	reused   int64
	err      error
	took     time.Duration
}

// runDemo starts the embedded peers and runs the six capabilities through the pool.
func runDemo(ctx context.Context, stdout, stderr io.Writer) int {
	peers, err := startPeers()
	if err != nil {
		fmt.Fprintln(stderr, "httpwire demo: starting the peers:", err)
		return exitFailure
	}
	defer peers.close()
	fmt.Fprintln(stdout, "httpwire demo: local peers on 127.0.0.1")
	fmt.Fprintf(stdout, "  TLS h2+http/1.1 %s\n  TLS http/1.1    %s\n  h2c             %s\n  http/1.1        %s\n\n",
		peers.tlsH2.URL, peers.tlsH1.URL, peers.h2c.URL, peers.plain.URL)

	demos := []struct {
		name string
		run  func(context.Context, *peerSet) demoRow
	}{
		{"HTTP/1.1 streaming + keep-alive", demoHTTP1},
		{"pool limits + FIFO queue", demoPoolLimits},
		{"HTTPS, ALPN h2 and fallback", demoALPN},
		{"HTTP/2: 100 streams, 1 connection", demoMultiplex},
		{"WebSocket over the raw stream", demoWebSocket},
		{"SSE events as they arrive", demoSSE},
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CAPABILITY\tPROTOCOL\tCONNECTIONS\tRESULT\tTIME")
	failed := 0
	for _, d := range demos {
		dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		start := time.Now()
		row := d.run(dctx, peers)
		cancel()
		row.took = time.Since(start)
		result := "ok"
		if row.err != nil {
			result = "FAIL: " + row.err.Error()
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%d opened, %d reused\t%s\t%v\n", d.name, row.protocol, row.opened, row.reused,
			result, row.took.Round(time.Millisecond))
	}
	tw.Flush()
	if failed > 0 {
		fmt.Fprintf(stdout, "\n%d of %d capabilities failed\n", failed, len(demos))
		return exitFailure
	}
	fmt.Fprintf(stdout, "\nall %d capabilities work\n", len(demos))
	return exitOK
}

func demoPool(p *peerSet, opts pool.Options) *pool.Pool {
	opts.Driver.TLSConfig = &tls.Config{RootCAs: p.roots}
	return pool.New(opts)
}

func origin(url string) proto.Origin {
	o, _ := proto.ParseOrigin(url)
	return o
}

// fetch runs a GET and returns the body and the HTTP version.
func fetch(ctx context.Context, pl *pool.Pool, o proto.Origin, target string) (string, string, error) {
	resp, err := pl.Do(ctx, &pool.Request{Method: "GET", Origin: o, Target: target})
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.Status != 200 {
		err = fmt.Errorf("status %d", resp.Status)
	}
	return string(b), resp.Extensions.HTTPVersion, err
}

func finish(pl *pool.Pool, row demoRow) demoRow {
	st := pl.Stats().Total
	row.opened, row.reused = st.Dials, st.Reuses
	pl.Close()
	return row
}

func demoHTTP1(ctx context.Context, p *peerSet) demoRow {
	pl := demoPool(p, pool.Options{HTTP1: true})
	row := demoRow{protocol: "HTTP/1.1"}
	for i := 0; i < 10 && row.err == nil; i++ {
		resp, err := pl.Do(ctx, &pool.Request{Method: "GET", Origin: origin(p.plain.URL), Target: "/stream/5"})
		if err != nil {
			row.err = err
			break
		}
		sc := bufio.NewScanner(resp.Body)
		lines := 0
		for sc.Scan() {
			if sc.Text() != fmt.Sprintf("chunk %d", lines) {
				row.err = fmt.Errorf("unexpected line %q", sc.Text())
			}
			lines++
		}
		resp.Body.Close()
		if row.err == nil && (sc.Err() != nil || lines != 5) {
			row.err = fmt.Errorf("%d lines, %v", lines, sc.Err())
		}
	}
	row = finish(pl, row)
	if row.err == nil && (row.opened != 1 || row.reused != 9) {
		row.err = fmt.Errorf("keep-alive: %d connections opened for 10 requests", row.opened)
	}
	return row
}

func demoPoolLimits(ctx context.Context, p *peerSet) demoRow {
	pl := demoPool(p, pool.Options{HTTP1: true, MaxConnectionsPerOrigin: 4})
	row := demoRow{protocol: "HTTP/1.1"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if body, _, err := fetch(ctx, pl, origin(p.plain.URL), "/slow"); err != nil || body != "slow" {
				mu.Lock()
				row.err = fmt.Errorf("%q, %v", body, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	row = finish(pl, row)
	if row.err == nil && row.opened > 4 {
		row.err = fmt.Errorf("%d connections opened, limit 4", row.opened)
	}
	return row
}

func demoALPN(ctx context.Context, p *peerSet) demoRow {
	pl := demoPool(p, pool.Options{})
	row := demoRow{}
	_, v1, err := fetch(ctx, pl, origin(p.tlsH2.URL), "/")
	if err == nil {
		var v2 string
		_, v2, err = fetch(ctx, pl, origin(p.tlsH1.URL), "/")
		row.protocol = v1 + " / " + v2
		if err == nil && (v1 != "HTTP/2" || v2 != "HTTP/1.1") {
			err = fmt.Errorf("negotiated %s and %s", v1, v2)
		}
	}
	row.err = err
	return finish(pl, row)
}

func demoMultiplex(ctx context.Context, p *peerSet) demoRow {
	pl := demoPool(p, pool.Options{})
	row := demoRow{protocol: "HTTP/2"}
	// One request first: the connection's SETTINGS are known before the burst.
	if _, _, err := fetch(ctx, pl, origin(p.tlsH2.URL), "/"); err != nil {
		row.err = err
		return finish(pl, row)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, v, err := fetch(ctx, pl, origin(p.tlsH2.URL), "/slow"); err != nil || v != "HTTP/2" {
				mu.Lock()
				row.err = fmt.Errorf("%s, %v", v, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	row = finish(pl, row)
	if row.err == nil && row.opened != 1 {
		row.err = fmt.Errorf("%d connections for 100 streams", row.opened)
	}
	return row
}

func demoWebSocket(ctx context.Context, p *peerSet) demoRow {
	pl := demoPool(p, pool.Options{HTTP1: true})
	row := demoRow{protocol: "HTTP/1.1 → WebSocket"}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := &pool.Request{Method: "GET", Origin: origin(p.plain.URL), Target: "/ws"}
	req.Header.Add("Connection", "Upgrade")
	req.Header.Add("Upgrade", "websocket")
	req.Header.Add("Sec-WebSocket-Version", "13")
	req.Header.Add("Sec-WebSocket-Key", key)
	resp, err := pl.Do(ctx, req)
	if err != nil {
		row.err = err
		return finish(pl, row)
	}
	stream := resp.Extensions.NetworkStream
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	accept, _ := resp.Header.Get("Sec-WebSocket-Accept")
	if resp.Status != 101 || stream == nil || string(accept) != base64.StdEncoding.EncodeToString(sum[:]) {
		row.err = fmt.Errorf("handshake answered %d", resp.Status)
		return finish(pl, row)
	}
	defer stream.Close()
	stop := context.AfterFunc(ctx, func() { stream.Close() })
	defer stop()
	for _, msg := range []string{"one", "two", strings.Repeat("three ", 1000)} {
		if err := wsutil.WriteClientText(stream, []byte(msg)); err != nil {
			row.err = err
			break
		}
		got, err := wsutil.ReadServerText(stream)
		if err != nil || string(got) != msg {
			row.err = fmt.Errorf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
			break
		}
	}
	return finish(pl, row)
}

func demoSSE(ctx context.Context, p *peerSet) demoRow {
	pl := demoPool(p, pool.Options{H2C: true})
	row := demoRow{protocol: "HTTP/2 (h2c)"}
	resp, err := pl.Do(ctx, &pool.Request{Method: "GET", Origin: origin(p.h2c.URL), Target: "/events"})
	if err != nil {
		row.err = err
		return finish(pl, row)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	events := 0
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "data: ") {
			if line != fmt.Sprintf("data: %d", events) {
				row.err = fmt.Errorf("event %d: %q", events, line)
				break
			}
			events++
		}
	}
	if row.err == nil && events != 5 {
		row.err = fmt.Errorf("%d events of 5 (%v)", events, sc.Err())
	}
	return finish(pl, row)
}
