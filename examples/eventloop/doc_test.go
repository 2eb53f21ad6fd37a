package main

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDocQuotesStep keeps docs/event-loop.md in step with step.go: the doc quotes the function whole.
func TestDocQuotesStep(t *testing.T) {
	doc, err := os.ReadFile("../../docs/event-loop.md")
	if err != nil {
		t.Skip("docs/event-loop.md not found:", err)
	}
	src, err := os.ReadFile("step.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i := strings.Index(s, "// step handles one readiness event")
	j := strings.Index(s[i:], "\n}\n")
	if i < 0 || j < 0 {
		t.Fatal("step not found in step.go")
	}
	if !strings.Contains(string(doc), s[i:i+j+2]) {
		t.Error("docs/event-loop.md does not quote step as step.go has it")
	}
}

// TestTimeout: a server that accepts and never answers. Each request times out through the timer heap, the
// connection closes, and the next request gets a new connection.
func TestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	for _, h2c := range []bool{false, true} {
		cfg := targetConfig(t, "http://"+ln.Addr().String())
		cfg.conns, cfg.n, cfg.h2c, cfg.streams, cfg.timeout = 1, 2, h2c, 1, 100*time.Millisecond
		start := time.Now()
		st, err := run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if st.errors != 2 || st.done != 0 || !errors.Is(st.firstErr, errTimeout) || st.opened != 2 {
			t.Errorf("h2c=%v: done %d, errors %d (%v), opened %d; want 0, 2 (timeout), 2",
				h2c, st.done, st.errors, st.firstErr, st.opened)
		}
		if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
			t.Errorf("h2c=%v: took %v, want about 200ms", h2c, d)
		}
	}
}
