// Package driver is a fixture: a driver that imports the pool above it.
package driver

import "github.com/httpwire/httpwire/pool"

// P imports upward.
var P pool.Pool
