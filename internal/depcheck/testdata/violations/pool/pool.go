// Package pool is a fixture.
package pool

// Pool holds connections.
type Pool struct{}
