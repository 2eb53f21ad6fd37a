package h2

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestValidFieldValue checks the eight-bytes-at-a-time scan against the rule it implements (RFC 9113
// §8.2.1): no NUL, CR or LF anywhere, no SP or HTAB at either end. Each forbidden byte, and each byte next to
// one in value, is tried at every position of values of every length up to 40, among random allowed bytes.
func TestValidFieldValue(t *testing.T) {
	want := func(v []byte) bool {
		return !bytes.ContainsAny(v, "\x00\r\n") && (len(v) == 0 || !isWS(v[0]) && !isWS(v[len(v)-1]))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 40; n++ {
		base := make([]byte, n)
		for i := range base {
			base[i] = byte(0x21 + r.IntN(0x7e-0x21)) // visible ASCII: valid anywhere
		}
		if !validFieldValue(base) {
			t.Fatalf("%q: invalid, want valid", base)
		}
		for pos := 0; pos < n; pos++ {
			for _, b := range []byte{0x00, '\r', '\n', 0x01, 0x09, 0x0b, 0x0c, 0x0e, ' ', '\t', 0x80, 0xff, 0x8d, 0x8a} {
				v := append([]byte(nil), base...)
				v[pos] = b
				if got := validFieldValue(v); got != want(v) {
					t.Fatalf("%q: valid %v, want %v", v, got, want(v))
				}
			}
		}
	}
}
