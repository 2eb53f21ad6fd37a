package h2_test

import (
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
