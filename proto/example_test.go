package proto_test

import (
	"errors"
	"fmt"

	"github.com/httpwire/httpwire/proto"
)

func ExampleFields() {
	var f proto.Fields
	f.Add("Content-Type", "text/plain")
	f.Add("Cache-Control", "no-cache")
	f.Add("cache-control", "no-store")

	v, ok := f.Get("content-type") // lookups ignore case
	fmt.Printf("%s %v\n", v, ok)
	for _, v := range f.Values("Cache-Control") {
		fmt.Printf("cache: %s\n", v)
	}

	f.Set("Cache-Control", "max-age=60") // replaces both
	f.Del("Content-Type")
	for _, x := range f {
		fmt.Printf("%s: %s\n", x.Name, x.Value)
	}
	// Output:
	// text/plain true
	// cache: no-cache
	// cache: no-store
	// Cache-Control: max-age=60
}

func ExampleFields_HasToken() {
	var f proto.Fields
	f.Add("Connection", "keep-alive, Upgrade")
	f.Add("Connection", " CLOSE ")

	fmt.Println(f.HasToken("connection", "close"))
	fmt.Println(f.HasToken("Connection", "upgrade"))
	fmt.Println(f.HasToken("Connection", "keep"))
	// Output:
	// true
	// true
	// false
}

func ExampleFields_Clone() {
	buf := []byte("X-Request-Id: 42")
	var f proto.Fields
	f.AddBytes(buf[:12], buf[14:]) // borrows buf, as parsed fields borrow a parser's buffer
	kept := f.Clone()
	copy(buf, "overwritten by the next read")
	fmt.Printf("%s: %s\n", kept[0].Name, kept[0].Value)
	// Output:
	// X-Request-Id: 42
}

// CloneInto copies into memory the caller keeps and reuses: nothing is allocated when the room suffices.
func ExampleFields_CloneInto() {
	var f proto.Fields
	f.Add("Content-Type", "text/plain")
	f.Add("Content-Length", "5")
	room, out := make([]byte, 0, 256), make(proto.Fields, len(f))
	used := f.CloneInto(out, room)
	fmt.Println(len(used) == f.ByteLen(), &used[0] == &room[:1][0])
	fmt.Printf("%s: %s\n", out[1].Name, out[1].Value)
	// Output:
	// true true
	// Content-Length: 5
}

func ExampleParseOrigin() {
	for _, u := range []string{
		"https://Example.com/path?q=1",
		"http://user@[2001:db8::1]:8080/",
		"ftp://example.com",
	} {
		o, err := proto.ParseOrigin(u)
		if err != nil {
			fmt.Println(errors.Is(err, proto.ErrInvalidOrigin), err)
			continue
		}
		fmt.Println(o, o.Authority(), o.Address())
	}
	// Output:
	// https://example.com example.com example.com:443
	// http://[2001:db8::1]:8080 [2001:db8::1]:8080 [2001:db8::1]:8080
	// true invalid origin: scheme must be http or https: ftp
}

func ExampleNewRequest() {
	req := proto.NewRequest("POST", "/api/items", "Content-Type", "application/json", "Content-Length", "2")
	req.Authority = []byte("api.example.com") // an HTTP/1.1 sender makes the Host field from it
	fmt.Printf("%s %s HTTP/%v\n", req.Method, req.Target, req.Version)
	for _, f := range req.Fields {
		fmt.Printf("%s: %s\n", f.Name, f.Value)
	}
	// Output:
	// POST /api/items HTTP/1.1
	// Content-Type: application/json
	// Content-Length: 2
}

func ExampleRemoteError() {
	var err error = &proto.RemoteError{Err: proto.ErrTooLarge, Msg: "head longer than the limit", StatusHint: 431}
	err = fmt.Errorf("reading request: %w", err)

	var re *proto.RemoteError
	if errors.As(err, &re) && errors.Is(err, proto.ErrTooLarge) {
		fmt.Println("answer", re.StatusHint, "then close")
	}
	fmt.Println(err)
	// Output:
	// answer 431 then close
	// reading request: remote: limit exceeded: head longer than the limit (status 431)
}

func ExampleFieldArena() {
	var arena proto.FieldArena // one per connection, or per goroutine
	var parsed proto.Fields
	parsed.Add("Content-Type", "text/plain")
	kept := arena.Clone(parsed) // safe to keep after the parser's buffer is reused
	v, _ := kept.Get("content-type")
	fmt.Println(string(v))
	// Output: text/plain
}
