module github.com/httpwire/httpwire

go 1.26.0

require (
	github.com/gobwas/ws v1.5.0
	github.com/google/go-cmp v0.7.0
	go.uber.org/goleak v1.3.0
	golang.org/x/net v0.62.0
	pgregory.net/rapid v1.3.0
)

require github.com/gobwas/httphead v0.1.0 // indirect
