package h2_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// Timers (DESIGN.md §3): the core reads no clock. Deadline says when it needs HandleTimeout, the zero time
// meaning "now, to arm a timer"; HandleTimeout arms timers from the time it is given and fires the expired.

// wantDeadline checks Deadline.
func wantDeadline(t testing.TB, c *h2.Conn, want time.Time, wantOK bool) {
	t.Helper()
	at, ok := c.Deadline()
	if ok != wantOK || !at.Equal(want) {
		t.Errorf("Deadline = %v, %v; want %v, %v", at, ok, want, wantOK)
	}
}

// TestSettingsTimeout: our SETTINGS must be acknowledged within SettingsTimeout, or the connection ends with
// SETTINGS_TIMEOUT (RFC 9113 §6.5.3).
func TestSettingsTimeout(t *testing.T) {
	for _, tc := range []struct {
		role    h2.Role
		timeout time.Duration // Config.SettingsTimeout; 0 for the default
		want    time.Duration
	}{
		{h2.Server, 0, 10 * time.Second},
		{h2.Client, 0, 10 * time.Second},
		{h2.Server, 2 * time.Second, 2 * time.Second},
		{h2.Client, time.Minute, time.Minute},
	} {
		t.Run(tc.role.String()+" "+tc.want.String(), func(t *testing.T) {
			p := pairtest.NewH2Peer(h2.NewConn(tc.role, h2.Config{SettingsTimeout: tc.timeout}))
			wantDeadline(t, p.Conn, time.Time{}, true) // arm now
			// The first HandleTimeout arms the timer from the time it is given, however late.
			p.Clock.Advance(time.Hour)
			start := p.Clock.Now()
			if err := p.Conn.HandleTimeout(start); err != nil {
				t.Fatal(err)
			}
			wantDeadline(t, p.Conn, start.Add(tc.want), true)
			// The peer's own SETTINGS are no acknowledgement.
			var first []byte
			if tc.role == h2.Server {
				first = []byte(h2.ClientPreface)
			}
			send(t, p, append(first, h2.AppendSettings(nil)...))
			wantDeadline(t, p.Conn, start.Add(tc.want), true)
			if err := p.Conn.HandleTimeout(start.Add(tc.want - time.Nanosecond)); err != nil {
				t.Fatalf("HandleTimeout before the deadline: %v", err)
			}
			read(t, p)
			wantConnError(t, p, p.Conn.HandleTimeout(start.Add(tc.want)), h2.ErrCodeSettingsTimeout)
			if err := p.Conn.HandleTimeout(start.Add(2 * tc.want)); err == nil {
				t.Error("HandleTimeout after the error: no error; errors are sticky")
			}
		})
	}

	t.Run("acknowledged in time", func(t *testing.T) {
		p := pairtest.NewH2Server(h2.Config{})
		start := p.Clock.Now()
		if err := p.Conn.HandleTimeout(start); err != nil {
			t.Fatal(err)
		}
		send(t, p, []byte(h2.ClientPreface), h2.AppendSettings(nil))
		diff(t, "events", []string{"settings ack"}, send(t, p, h2.AppendSettingsAck(nil)))
		wantDeadline(t, p.Conn, time.Time{}, false)
		if err := p.Conn.HandleTimeout(start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("acknowledged before the timer was armed", func(t *testing.T) {
		p := newServer(t, h2.Config{})
		wantDeadline(t, p.Conn, time.Time{}, false)
		if err := p.Conn.HandleTimeout(p.Clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestDeadlineSeveralTimers: Deadline is the earliest armed timer, or the zero time while one waits to be
// armed; a negative StallTimeout turns the stall timer off.
func TestDeadlineSeveralTimers(t *testing.T) {
	p := pairtest.NewH2Server(h2.Config{SettingsTimeout: 10 * time.Second, StallTimeout: 30 * time.Second})
	t0 := p.Clock.Now()
	if err := p.Conn.HandleTimeout(t0); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, p.Conn, t0.Add(10*time.Second), true)
	// The peer asks for a zero window and a response: data waits.
	send(t, p, []byte(h2.ClientPreface), h2.AppendSettings(nil, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 0}))
	send(t, p, get(p, 1, true))
	if err := p.Conn.SendResponse(1, proto.NewResponse(200), false); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Conn.SendData(1, []byte("x"), true); n != 0 || err != nil {
		t.Fatalf("SendData = %d, %v", n, err)
	}
	wantDeadline(t, p.Conn, time.Time{}, true)
	t1 := t0.Add(time.Second)
	if err := p.Conn.HandleTimeout(t1); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, p.Conn, t0.Add(10*time.Second), true)
	send(t, p, h2.AppendSettingsAck(nil))
	wantDeadline(t, p.Conn, t1.Add(30*time.Second), true)
	// Blocked again while armed: the timer keeps its deadline.
	if n, _ := p.Conn.SendData(1, []byte("x"), true); n != 0 {
		t.Fatalf("SendData sent %d", n)
	}
	wantDeadline(t, p.Conn, t1.Add(30*time.Second), true)

	t.Run("stall timer off", func(t *testing.T) {
		p := newServer(t, h2.Config{StallTimeout: -1}, h2.Setting{ID: h2.SettingInitialWindowSize, Val: 0})
		send(t, p, get(p, 1, true))
		if err := p.Conn.SendResponse(1, proto.NewResponse(200), false); err != nil {
			t.Fatal(err)
		}
		if n, err := p.Conn.SendData(1, []byte("x"), true); n != 0 || err != nil {
			t.Fatalf("SendData = %d, %v", n, err)
		}
		wantDeadline(t, p.Conn, time.Time{}, false)
	})
}

// TestKeepalive: with KeepaliveInterval, a quiet connection is sent a PING once an interval passed without a
// frame; any frame after it (here its acknowledgement, which is not reported) keeps the connection, and
// silence for PingTimeout ends it with ErrPingTimeout.
func TestKeepalive(t *testing.T) {
	p := pairtest.NewH2Peer(h2.NewConn(h2.Client, h2.Config{KeepaliveInterval: 10 * time.Second,
		PingTimeout: 5 * time.Second, SettingsTimeout: time.Hour}))
	start := p.Clock.Now()
	if err := p.Conn.HandleTimeout(start); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, p.Conn, start.Add(10*time.Second), true)
	send(t, p, h2.AppendSettings(nil), h2.AppendSettingsAck(nil)) // heard from
	read(t, p)
	at := func(d time.Duration) error { return p.Conn.HandleTimeout(start.Add(d)) }
	pings := func() int {
		n := 0
		for _, f := range read(t, p) {
			if strings.HasPrefix(f, "PING ") && !strings.HasPrefix(f, "PING ACK") {
				n++
			}
		}
		return n
	}
	// The peer was heard in the first interval: no PING, the next look is an interval later.
	if err := at(10 * time.Second); err != nil || pings() != 0 {
		t.Fatalf("after an interval with frames: %v, a PING sent", err)
	}
	wantDeadline(t, p.Conn, start.Add(20*time.Second), true)
	// A quiet interval: a PING, and PingTimeout to hear anything.
	if err := at(20 * time.Second); err != nil || pings() != 1 {
		t.Fatalf("after a quiet interval: %v, want one PING", err)
	}
	wantDeadline(t, p.Conn, start.Add(25*time.Second), true)
	ack := h2.AppendPing(nil, true, [8]byte{'k', 'e', 'e', 'p', 'a', 'l', 'i', 'v'})
	if evs := send(t, p, ack); len(evs) != 0 {
		t.Fatalf("the keepalive PING's acknowledgement was reported: %q", evs)
	}
	if err := at(25 * time.Second); err != nil {
		t.Fatalf("the peer answered the PING: %v", err)
	}
	wantDeadline(t, p.Conn, start.Add(35*time.Second), true)
	// Silence after the next PING ends the connection.
	if err := at(35 * time.Second); err != nil || pings() != 1 {
		t.Fatalf("after the second quiet interval: %v, want one PING", err)
	}
	if err := at(40*time.Second - time.Nanosecond); err != nil {
		t.Fatalf("before PingTimeout: %v", err)
	}
	err := at(40 * time.Second)
	if !errors.Is(err, h2.ErrPingTimeout) {
		t.Fatalf("silent for PingTimeout after a PING: %v, want ErrPingTimeout", err)
	}
	if got := read(t, p); len(got) != 1 || !strings.HasPrefix(got[0], "GOAWAY") {
		t.Fatalf("after the PING timeout the connection sent %q, want a GOAWAY", got)
	}
}

// TestKeepaliveOff: without KeepaliveInterval no timer runs once SETTINGS are acknowledged.
func TestKeepaliveOff(t *testing.T) {
	p := pairtest.NewH2Peer(h2.NewConn(h2.Client, h2.Config{}))
	if err := p.Conn.HandleTimeout(p.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	send(t, p, h2.AppendSettings(nil), h2.AppendSettingsAck(nil))
	wantDeadline(t, p.Conn, time.Time{}, false)
}

// TestKeepaliveHearsPartialFrames: the first bytes of a frame that is still arriving (a large frame on a
// slow link) count as hearing from the peer: no PING goes out, and the connection lives.
func TestKeepaliveHearsPartialFrames(t *testing.T) {
	p := pairtest.NewH2Peer(h2.NewConn(h2.Client, h2.Config{KeepaliveInterval: 10 * time.Second,
		PingTimeout: 5 * time.Second, SettingsTimeout: time.Hour}))
	start := p.Clock.Now()
	if err := p.Conn.HandleTimeout(start); err != nil {
		t.Fatal(err)
	}
	send(t, p, h2.AppendSettings(nil), h2.AppendSettingsAck(nil))
	read(t, p)
	if err := p.Conn.HandleTimeout(start.Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	frame := h2.AppendPing(nil, false, [8]byte{1})
	send(t, p, frame[:5]) // half a frame header
	if err := p.Conn.HandleTimeout(start.Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, f := range read(t, p) {
		if strings.HasPrefix(f, "PING ") {
			t.Fatalf("a PING went out although the peer's bytes were arriving: %q", f)
		}
	}
}
