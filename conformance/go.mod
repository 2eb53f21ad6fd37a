module github.com/httpwire/httpwire/conformance

go 1.26

require github.com/httpwire/httpwire v0.0.0-00010101000000-000000000000

replace github.com/httpwire/httpwire => ../
