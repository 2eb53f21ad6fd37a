package h2

import (
	"fmt"
	"time"

	"github.com/httpwire/httpwire/proto"
)

// Timers. The core reads no clock (DESIGN.md §3): a timer that must start is "wanted", Deadline then returns
// the zero time so that the driver calls HandleTimeout at once, and HandleTimeout arms it from the time it is
// given. An armed timer fires when HandleTimeout is called at or after its deadline.

type timer struct {
	wanted bool // start it at the next HandleTimeout
	armed  bool
	at     time.Time
}

func (t *timer) want() {
	if !t.armed {
		t.wanted = true
	}
}

func (t *timer) stop() { *t = timer{} }

// Deadline returns when the connection next needs HandleTimeout, and false when no timer runs. The zero
// time means "now".
func (c *Conn) Deadline() (time.Time, bool) {
	var at time.Time
	ok := false
	for _, t := range []*timer{&c.settingsTimer, &c.stallTimer, &c.keepTimer, &c.pingTimer} {
		switch {
		case t.wanted:
			return time.Time{}, true
		case t.armed && (!ok || t.at.Before(at)):
			at, ok = t.at, true
		}
	}
	return at, ok
}

// HandleTimeout lets the connection act on its timers at time now: it arms the timers that were wanted and
// fires the ones that expired. An expired SETTINGS acknowledgement (RFC 9113 §6.5.3) is a connection error
// SETTINGS_TIMEOUT; a send window that stayed closed for StallTimeout while we had data to send (the
// zero-window stall of CVE-2019-9517) is a connection error ENHANCE_YOUR_CALM. Both queue GOAWAY and return
// the sticky error.
func (c *Conn) HandleTimeout(now time.Time) error {
	if c.err != nil {
		return c.err
	}
	if c.settingsTimer.wanted {
		c.settingsTimer = timer{armed: true, at: now.Add(c.cfg.SettingsTimeout)}
	}
	if c.stallTimer.wanted {
		c.stallTimer = timer{armed: true, at: now.Add(c.cfg.StallTimeout)}
	}
	if c.settingsTimer.armed && !now.Before(c.settingsTimer.at) {
		return c.connError(connError(ErrCodeSettingsTimeout, "SETTINGS not acknowledged in time"))
	}
	if c.stallTimer.armed && !now.Before(c.stallTimer.at) {
		return c.connError(connError(ErrCodeEnhanceYourCalm, "send window closed for too long"))
	}
	return c.keepalive(now)
}

// ErrPingTimeout: after a keepalive PING (Config.KeepaliveInterval) the peer sent nothing for PingTimeout.
// The connection ends with it, wrapped in a *proto.RemoteError.
var ErrPingTimeout = fmt.Errorf("%w: the peer sent nothing after a keepalive PING", proto.ErrIncomplete)

// keepaliveData is the payload of our keepalive PINGs; their acknowledgements are not reported.
var keepaliveData = [8]byte{'k', 'e', 'e', 'p', 'a', 'l', 'i', 'v'}

// keepalive runs the health check of Config.KeepaliveInterval at time now. Once an interval it looks at
// whether a frame arrived since the last look; if none did, it sends a PING, and a peer that then stays
// silent for PingTimeout ends the connection. Any frame proves the peer alive, not only the PING's answer.
func (c *Conn) keepalive(now time.Time) error {
	if c.keepTimer.wanted {
		c.listen(now)
	}
	if c.pingTimer.armed && !now.Before(c.pingTimer.at) {
		if !c.heard {
			return c.connError(&proto.RemoteError{Err: ErrPingTimeout, Code: uint32(ErrCodeNo),
				Msg: "no frame after a keepalive PING"})
		}
		c.pingTimer.stop()
		c.listen(now)
	}
	if c.keepTimer.armed && !now.Before(c.keepTimer.at) {
		if c.heard {
			c.listen(now)
		} else {
			c.out = AppendPing(c.out, false, keepaliveData)
			c.keepTimer.stop()
			c.pingTimer = timer{armed: true, at: now.Add(c.cfg.PingTimeout)}
			c.heard = false
		}
	}
	return nil
}

// listen starts a keepalive interval at now: the next look at whether the peer was heard from.
func (c *Conn) listen(now time.Time) {
	c.keepTimer = timer{armed: true, at: now.Add(c.cfg.KeepaliveInterval)}
	c.heard = false
}
