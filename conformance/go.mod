module github.com/httpwire/httpwire/conformance

go 1.26.0

require (
	github.com/gobwas/ws v1.5.0
	github.com/gorilla/websocket v1.5.3
	github.com/httpwire/httpwire v0.0.0-00010101000000-000000000000
	github.com/mccutchen/go-httpbin/v2 v2.26.0
	go.uber.org/goleak v1.3.0
)

require (
	github.com/gobwas/httphead v0.1.0 // indirect
	golang.org/x/net v0.62.0 // indirect
)

replace github.com/httpwire/httpwire => ../
