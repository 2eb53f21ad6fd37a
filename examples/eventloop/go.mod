module github.com/httpwire/httpwire/examples/eventloop

go 1.26.0

require github.com/httpwire/httpwire v0.0.0

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.50.0
)

replace github.com/httpwire/httpwire => ../..
