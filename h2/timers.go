package h2

import "time"

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
	for _, t := range []*timer{&c.settingsTimer, &c.stallTimer} {
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
	return nil
}
