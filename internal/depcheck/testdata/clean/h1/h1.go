// Package h1 is a fixture: a core that keeps the dependency rule.
package h1

import (
	"time"

	"github.com/httpwire/httpwire/proto"
)

// Conn is a core whose time enters as an argument.
type Conn struct{ deadline time.Time }

// HandleTimeout acts at now.
func (c *Conn) HandleTimeout(now time.Time) error {
	if now.After(c.deadline) {
		return proto.ErrBad
	}
	return nil
}
