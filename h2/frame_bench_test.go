package h2

import (
	"bytes"
	"testing"
)

// Benchmarks of the frame layer's hot path. Parsed frames borrow the received bytes and Append functions
// write into the caller's buffer, so none of them allocates (DESIGN.md §3).

// BenchmarkParseHeaders splits and parses a HEADERS frame carrying a typical 200-byte request field block.
func BenchmarkParseHeaders(b *testing.B) {
	wire := AppendHeadersPriority(nil, 1, true, true, PriorityParam{StreamDep: 0, Weight: 15},
		bytes.Repeat([]byte{0x82}, 200))
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		h, p, n, err := NextFrame(wire, DefaultMaxFrameSize)
		if err != nil || n != len(wire) {
			b.Fatal(n, err)
		}
		f, err := ParseHeaders(h, p)
		if err != nil || len(f.Fragment) != 200 {
			b.Fatal(f, err)
		}
	}
}

// BenchmarkParseData splits and parses a full-size padded DATA frame.
func BenchmarkParseData(b *testing.B) {
	wire := AppendDataPadded(nil, 1, false, make([]byte, DefaultMaxFrameSize-1-16), 16)
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		h, p, n, err := NextFrame(wire, DefaultMaxFrameSize)
		if err != nil || n != len(wire) {
			b.Fatal(n, err)
		}
		f, err := ParseData(h, p)
		if err != nil || f.FlowLen != DefaultMaxFrameSize {
			b.Fatal(f, err)
		}
	}
}

// BenchmarkParseSettings parses a client's first SETTINGS frame and reads every setting.
func BenchmarkParseSettings(b *testing.B) {
	wire := AppendSettings(nil, Setting{SettingHeaderTableSize, 65536}, Setting{SettingEnablePush, 0},
		Setting{SettingMaxConcurrentStreams, 1000}, Setting{SettingInitialWindowSize, 6 << 20},
		Setting{SettingMaxHeaderListSize, 256 << 10})
	b.ReportAllocs()
	for b.Loop() {
		h, p, _, _ := NextFrame(wire, DefaultMaxFrameSize)
		f, err := ParseSettings(h, p)
		if err != nil {
			b.Fatal(err)
		}
		var sum uint32
		for i := range f.Len() {
			sum += f.At(i).Val
		}
		if sum == 0 {
			b.Fatal(sum)
		}
	}
}

// BenchmarkAppendFrames appends a response's frames (HEADERS, DATA, WINDOW_UPDATE) into a reused buffer.
func BenchmarkAppendFrames(b *testing.B) {
	fragment := bytes.Repeat([]byte{0x88}, 64)
	data := make([]byte, 4096)
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendHeaders(buf[:0], 1, false, true, fragment)
		buf = AppendData(buf, 1, true, data)
		buf = AppendWindowUpdate(buf, 0, 4096)
	}
}
