package h1

import "github.com/httpwire/httpwire/pool"

// P imports upward.
var P pool.Pool
