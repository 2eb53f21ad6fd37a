package h1

import (
	"net"
	"testing"
)

func TestNet(t *testing.T) { _, _ = net.Pipe() }
