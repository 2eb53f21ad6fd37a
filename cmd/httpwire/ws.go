package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// runWebSocket opens a WebSocket (RFC 6455 §4) through the pool over HTTP/1.1, then sends each stdin line
// as a text message and prints each message received. The framing is gobwas/ws's, over the raw stream the
// 101 response hands over.
func runWebSocket(ctx context.Context, cfg *config, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg.http11, cfg.http2 = true, false
	req, cleanup, err := buildRequest(cfg, stdin)
	if err != nil {
		return err
	}
	defer cleanup()
	req.Method, req.Body = "GET", nil
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req.Header.Add("Connection", "Upgrade")
	req.Header.Add("Upgrade", "websocket")
	req.Header.Add("Sec-WebSocket-Version", "13")
	req.Header.Add("Sec-WebSocket-Key", key)
	p, err := newPool(cfg, stderr)
	if err != nil {
		return err
	}
	defer p.Close()
	resp, err := p.Do(ctx, req)
	if err != nil {
		return err
	}
	stream := resp.Extensions.NetworkStream
	if resp.Status != 101 || stream == nil {
		resp.Body.Close()
		return fmt.Errorf("WebSocket handshake answered %d", resp.Status)
	}
	defer stream.Close()
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got, _ := resp.Header.Get("Sec-WebSocket-Accept"); string(got) != base64.StdEncoding.EncodeToString(sum[:]) {
		return fmt.Errorf("WebSocket handshake: Sec-WebSocket-Accept does not match the key (RFC 6455 §4.2.2)")
	}
	if cfg.verbose {
		fmt.Fprintln(stderr, "* WebSocket open")
	}
	stop := context.AfterFunc(ctx, func() { stream.Close() })
	defer stop()
	received := make(chan error, 1)
	go func() {
		for {
			msg, op, err := wsutil.ReadServerData(stream)
			if err != nil {
				received <- err
				return
			}
			if op == ws.OpText || op == ws.OpBinary {
				fmt.Fprintln(stdout, string(msg))
			}
		}
	}()
	lines := bufio.NewScanner(stdin)
	for lines.Scan() {
		if err := wsutil.WriteClientText(stream, lines.Bytes()); err != nil {
			return err
		}
	}
	// stdin ended: say goodbye and wait for the server's close (RFC 6455 §5.5.1).
	_ = wsutil.WriteClientMessage(stream, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	err = <-received
	if _, closed := err.(wsutil.ClosedError); closed || err == io.EOF {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
