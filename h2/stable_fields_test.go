package h2_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/httpwire/httpwire/h2"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// TestStableFields: with Config.StableFields the fields of response heads and trailers stay as they arrived
// after hundreds of later sections (many chunks' worth, one section larger than a chunk), and appending to
// one section's fields does not reach into another's.
func TestStableFields(t *testing.T) {
	p := pairtest.NewH2(h2.Config{StableFields: true}, h2.Config{MaxConcurrentStreams: 1000})
	cl, sv := p.Client, p.Server
	type kept struct {
		fields proto.Fields
		want   string
	}
	var keep []kept
	describe := func(f proto.Fields) string {
		var b strings.Builder
		for _, x := range f {
			fmt.Fprintf(&b, "%s=%s;", x.Name, x.Value)
		}
		return b.String()
	}
	req := &proto.RequestHead{Method: []byte("GET"), Scheme: []byte("https"), Authority: []byte("example.com"),
		Target: []byte("/"), Version: proto.HTTP2}
	for i := range 300 {
		id, err := cl.SendRequest(req, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Transfer(h2.Client); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Events(h2.Server); err != nil {
			t.Fatal(err)
		}
		head := proto.NewResponse(200, "x-n", fmt.Sprint(i), "x-pad", strings.Repeat(string(rune('a'+i%26)), i%40))
		if i == 150 {
			head.Fields.Add("x-big", strings.Repeat("z", 12<<10)) // larger than a chunk
		}
		if err := sv.SendResponse(id, head, false); err != nil {
			t.Fatal(err)
		}
		if err := sv.SendTrailers(id, proto.Fields{{Name: []byte("x-sum"), Value: []byte(fmt.Sprint(i * 7))}}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Transfer(h2.Server); err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := cl.NextEvent()
			if err != nil {
				t.Fatal(err)
			}
			if ev == nil {
				break
			}
			e, ok := ev.(*h2.HeadersReceived)
			if !ok {
				continue
			}
			f := e.Response.Fields
			if e.Kind == h2.KindTrailers {
				f = e.Trailers
			}
			keep = append(keep, kept{f, describe(f)})
		}
		// Appending to the first section kept must reallocate, not write into space the Conn hands out.
		keep[0].fields = append(keep[0].fields, proto.Field{Name: []byte("x-appended"), Value: []byte("1")})
		keep[0].want = describe(keep[0].fields)
	}
	if len(keep) != 600 {
		t.Fatalf("%d sections kept, want 600 (a head and trailers per response)", len(keep))
	}
	for i, k := range keep {
		if got := describe(k.fields); got != k.want {
			t.Fatalf("section %d changed after later ones arrived:\n got %.120s\nwant %.120s", i, got, k.want)
		}
	}
}
