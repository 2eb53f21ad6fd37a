package pairtest

import (
	"github.com/httpwire/httpwire/h1"
	"pgregory.net/rapid"
)

// Splitters for property tests and fuzz targets: how bytes are cut in transit must never change what the
// receiver makes of them (DESIGN.md §6).

// SplitAt cuts b at the given offsets (each clamped to [0, len(b)], out-of-order ones ignored). Empty pieces
// are dropped, so the result is never longer than b.
func SplitAt(b []byte, offsets ...int) [][]byte {
	var out [][]byte
	prev := 0
	for _, o := range offsets {
		o = min(max(o, prev), len(b))
		if o > prev {
			out = append(out, b[prev:o])
			prev = o
		}
	}
	if prev < len(b) {
		out = append(out, b[prev:])
	}
	return out
}

// SplitBefore cuts b right before every occurrence of c: the cut that makes a parser see a line without its
// LF, or a CR without what follows it.
func SplitBefore(c byte) Splitter {
	return func(b []byte) [][]byte {
		var offs []int
		for i, x := range b {
			if x == c {
				offs = append(offs, i)
			}
		}
		return SplitAt(b, offs...)
	}
}

// SplitMode names the shapes RapidSplitter draws from.
const (
	SplitWhole    = iota // one piece
	SplitBytes           // one byte at a time
	SplitRandom          // random cut points
	SplitBeforeLF        // before every LF
	SplitAfterCR         // after every CR
	numSplitModes
)

// RapidSplitter returns a Splitter whose cuts are drawn from t at every call: whole, bytewise, random cut
// points (pieces of 1 to 16 bytes, or anywhere), or around line endings. Each call draws anew, so a shrunk
// failure shows the cuts that matter.
func RapidSplitter(t *rapid.T) Splitter {
	return func(b []byte) [][]byte { return DrawSplit(t, b, "split") }
}

// DrawSplit cuts b into pieces drawn from t; label names the draws in rapid's log.
func DrawSplit(t *rapid.T, b []byte, label string) [][]byte {
	if len(b) == 0 {
		return nil
	}
	switch rapid.IntRange(0, numSplitModes-1).Draw(t, label+" mode") {
	case SplitBytes:
		return Bytewise(b)
	case SplitRandom:
		var offs []int
		for o := 0; o < len(b); {
			o += rapid.IntRange(1, max(1, min(len(b)-o, 16))).Draw(t, label+" piece")
			offs = append(offs, o)
		}
		return SplitAt(b, offs...)
	case SplitBeforeLF:
		return SplitBefore('\n')(b)
	case SplitAfterCR:
		var offs []int
		for i, x := range b {
			if x == '\r' {
				offs = append(offs, i+1)
			}
		}
		return SplitAt(b, offs...)
	}
	return [][]byte{b}
}

// TransferEach is Transfer, but it calls each after every piece reaches the receiver, so that a test can
// read events while the rest of the bytes are still in transit. It stops at the first error of each.
func (p *H1) TransferEach(from h1.Role, each func() error) (int, error) {
	return p.transfer(from, each)
}

// Closed reports whether role has seen the end of input.
func (p *H1) Closed(role h1.Role) bool { return p.closed[role] }
