// Package clock reads the time from the monotonic clock alone.
//
// time.Now reads two clocks, the wall clock and the monotonic one; on Linux each is a vDSO call, about half of
// time.Now's cost. The keep-alive and timing figures of a request (how long a connection has been idle, how
// long the first byte took) only ever subtract one time from another, so one read serves, kept as a duration
// and turned into a time.Time only when one is asked for.
package clock

import "time"

// start is when the program first used the clock.
var start = time.Now()

// Mono returns the monotonic clock's reading, as the time since start: a single clock read, and no time.Time
// to build. Subtracting two readings gives the time between them.
func Mono() time.Duration { return time.Since(start) }

// At returns the time of the monotonic reading m. Its monotonic reading is exact; its wall reading is start's
// advanced by m, so it does not follow changes of the system's wall clock made since start. Differences
// between it and other times carrying monotonic readings (time.Now's) are exact.
func At(m time.Duration) time.Time { return start.Add(m) }
