//go:build race

package pool_test

// raceEnabled: sync.Pool drops a share of what is put back under the race detector, so that allocation
// counts vary.
const raceEnabled = true
