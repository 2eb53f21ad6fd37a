//go:build ignore

// A generator program: package main, excluded from the build, so not part of h1.
package main

import "os"

func main() { os.Exit(0) }
