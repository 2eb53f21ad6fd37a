//go:build plan9

package h1

import "sync"

var once sync.Once
