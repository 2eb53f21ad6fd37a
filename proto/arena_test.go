package proto_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/proto"
)

// TestFieldArenaClone: copies are equal to the original, independent of it and of each other, appends do
// not write into a neighbour, and chunks are shared (few allocations for many heads).
func TestFieldArenaClone(t *testing.T) {
	var a proto.FieldArena
	f := sample()
	want := pairs(f)
	var copies []proto.Fields
	for range 200 { // spans several chunks
		c := a.Clone(f)
		if diff := cmp.Diff(want, pairs(c)); diff != "" {
			t.Fatalf("clone (-want +got):\n%s", diff)
		}
		copies = append(copies, c)
	}
	// Editing the original, or one copy, changes no other copy.
	f[0].Value[0] = 'Z'
	copies[0][0].Value[0] = 'Y'
	copies[1][0].Name = append(copies[1][0].Name, "-Longer"...)
	copies[1][1].Value = append(copies[1][1].Value, "xyz"...)
	copies[2] = append(copies[2], proto.Field{Name: []byte("Added"), Value: []byte("1")})
	copies[2].Del("Host")
	for i, c := range copies {
		if i < 3 {
			continue
		}
		if diff := cmp.Diff(want, pairs(c)); diff != "" {
			t.Fatalf("copy %d after editing others (-want +got):\n%s", i, diff)
		}
	}
	if got := pairs(copies[1])[0]; got != "Host-Longer: example.com" {
		t.Errorf("appended name = %q", got)
	}
	if got := a.Clone(nil); got != nil {
		t.Errorf("Clone(nil) = %#v, want nil", got)
	}
	if got := a.Clone(proto.Fields{}); got == nil || len(got) != 0 {
		t.Errorf("Clone(empty) = %#v, want empty and non-nil", got)
	}

	allocs := testing.AllocsPerRun(1000, func() { _ = a.Clone(f) })
	if allocs > 0.1 {
		t.Errorf("%.2f allocations per clone of a small head, want chunks shared across many", allocs)
	}
}

// TestFieldArenaLargeHead: a head too large for a chunk is copied on its own, correctly.
func TestFieldArenaLargeHead(t *testing.T) {
	var a proto.FieldArena
	var f proto.Fields
	for i := range 100 {
		f.Add(fmt.Sprintf("X-Field-%d", i), fmt.Sprintf("value %d", i))
	}
	big := proto.Fields{{Name: []byte("X-Big"), Value: make([]byte, 10<<10)}}
	for _, in := range []proto.Fields{f, big} {
		c := a.Clone(in)
		if diff := cmp.Diff(pairs(in), pairs(c)); diff != "" {
			t.Fatalf("clone (-want +got):\n%s", diff)
		}
		in[0].Name[0] = '!'
		if c[0].Name[0] == '!' {
			t.Error("the copy shares memory with the original")
		}
	}
}
