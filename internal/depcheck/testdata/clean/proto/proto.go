// Package proto is a fixture: a core that keeps the dependency rule.
package proto

import "errors"

// ErrBad is a sentinel error.
var ErrBad = errors.New("bad")
