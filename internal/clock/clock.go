// Package clock reads the time from the monotonic clock alone.
//
// time.Now reads two clocks, the wall clock and the monotonic one; on Linux each is a vDSO call, about half of
// time.Now's cost. The keep-alive and timing figures of a request (how long a connection has been idle, how
// long the first byte took) only ever subtract one time from another, which uses the monotonic readings, so
// one read serves.
package clock

import "time"

// start is when the program first used the clock.
var start = time.Now()

// Now returns the current time with a single clock read. Its monotonic reading is exact; its wall reading is
// start's advanced by the monotonic clock, so it does not follow changes of the system's wall clock made
// since start. Differences between it and other times carrying monotonic readings (time.Now's) are exact.
func Now() time.Time { return At(Mono()) }

// Mono returns the monotonic clock's reading, as the time since start: a single clock read, and no time.Time
// to build. Subtracting two readings gives the time between them.
func Mono() time.Duration { return time.Since(start) }

// At returns the time of the monotonic reading m, as Now would have returned it then.
func At(m time.Duration) time.Time { return start.Add(m) }
