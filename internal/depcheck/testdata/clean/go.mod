module github.com/httpwire/httpwire

go 1.26
