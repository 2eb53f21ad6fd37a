package h1

import "sync"

var mu sync.Mutex
