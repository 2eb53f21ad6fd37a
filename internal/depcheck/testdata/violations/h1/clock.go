package h1

import clock "time"

// Stamp reads the clock through a renamed import.
func Stamp() clock.Time { return clock.Now() }
