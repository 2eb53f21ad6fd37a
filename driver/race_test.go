//go:build race

package driver_test

// raceEnabled shrinks the largest transfers, which the race detector slows tenfold.
const raceEnabled = true
