package h1

// Spawn starts a goroutine.
func Spawn(f func()) { go f() }
