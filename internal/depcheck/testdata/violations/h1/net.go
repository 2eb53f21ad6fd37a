// Package h1 is a fixture: a core that breaks the dependency rule in every way.
package h1

import "net"

// Dial breaks the rule: cores never touch the network.
func Dial() (net.Conn, error) { return net.Dial("tcp", "example.com:80") }
