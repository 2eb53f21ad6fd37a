package h2

import (
	"bytes"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Vectors from http2jp/http2-frame-test-case (one JSON file per case: "wire" in hex, the decoded "frame", or
// the list of acceptable "error" codes). The bytes and expectations are theirs; the file name is given with
// each case. Weights there are the effective weight, 1 to 256; PriorityParam.Weight is the wire octet, one less.
func TestHTTP2JPVectors(t *testing.T) {
	tests := []struct {
		file string
		wire string
		want any       // the frame, for a normal case
		errs []ErrCode // acceptable codes, for an error case
		// reencode, for a normal case, is what the Append functions make of the parsed frame when it is not the
		// wire itself: the wire with zero padding octets (AppendDataPadded pads with zeros), or "none" when no
		// Append function sends padding of that frame type.
		reencode string
	}{
		{file: "continuation/header.json", wire: "00000D090000000032746869732069732064756D6D79",
			want: ContinuationFrame{StreamID: 50, Fragment: []byte("this is dummy")}},
		{file: "continuation/normal.json", wire: "000000090000000032",
			want: ContinuationFrame{StreamID: 50}},
		{file: "data/normal.json", wire: "0000140008000000020648656C6C6F2C20776F726C6421486F77647921",
			want:     DataFrame{StreamID: 2, Data: []byte("Hello, world!"), FlowLen: 20},
			reencode: "0000140008000000020648656C6C6F2C20776F726C6421 000000000000"},
		{file: "goaway/normal.json", wire: "0000170700000000000000001E00000009687061636B2069732062726F6B656E",
			want: GoAwayFrame{LastStreamID: 30, Code: ErrCodeCompression, Debug: []byte("hpack is broken")}},
		{file: "headers/normal.json", wire: "00000D010400000001746869732069732064756D6D79",
			want: HeadersFrame{StreamID: 1, EndHeaders: true, Fragment: []byte("this is dummy")}},
		{file: "headers/priority.json",
			wire: "000023012C00000003108000001409746869732069732064756D6D79546869732069732070616464696E672E",
			want: HeadersFrame{StreamID: 3, EndHeaders: true, HasPriority: true,
				Priority: PriorityParam{StreamDep: 20, Exclusive: true, Weight: 9}, Fragment: []byte("this is dummy")},
			reencode: "none"},
		{file: "ping/normal.json", wire: "0000080600000000006465616462656566",
			want: PingFrame{Data: [8]byte([]byte("deadbeef"))}},
		{file: "priority/normal.json", wire: "0000050200000000090000000B07",
			want: PriorityFrame{StreamID: 9, PriorityParam: PriorityParam{StreamDep: 11, Weight: 7}}},
		{file: "push_promise/normal.json", wire: "000018050C0000000A060000000C746869732069732064756D6D79486F77647921",
			want:     PushPromiseFrame{StreamID: 10, PromisedID: 12, EndHeaders: true, Fragment: []byte("this is dummy")},
			reencode: "none"},
		{file: "rst_stream/normal.json", wire: "00000403000000000500000008",
			want: RSTStreamFrame{StreamID: 5, Code: ErrCodeCancel}},
		{file: "settings/normal.json", wire: "00000C040000000000000100002000000300001388",
			want: ftSettings{Settings: []Setting{{SettingHeaderTableSize, 8192}, {SettingMaxConcurrentStreams, 5000}}}},
		{file: "window_update/normal.json", wire: "000004080000000032000003E8",
			want: WindowUpdateFrame{StreamID: 50, Increment: 1000}},

		{file: "error/data-frame-padding.json", wire: "00000400080000000104AAAAAA", errs: []ErrCode{1}},
		{file: "error/data-frame-size.json", wire: "0080000008000000020648656C6C6F2C20776F726C6421686F77647921", errs: []ErrCode{6}},
		{file: "error/data-frame-stream.json", wire: "000001000000000000AA", errs: []ErrCode{1}},
		{file: "error/goaway-frame-size.json", wire: "00000407000000000000000002", errs: []ErrCode{6}},
		{file: "error/goaway-frame-stream.json", wire: "0000080700000000010000000200000003", errs: []ErrCode{1}},
		{file: "error/headers-frame-padding.json", wire: "00000401080000000104AAAAAA", errs: []ErrCode{1}},
		{file: "error/headers-frame-stream.json", wire: "000001010000000000AA", errs: []ErrCode{1}},
		{file: "error/ping-frame-size.json", wire: "000004060000000000AAAAAAAA", errs: []ErrCode{6}},
		{file: "error/ping-frame-stream.json", wire: "000008060100000001AAAAAAAAAAAAAAAA", errs: []ErrCode{1}},
		{file: "error/priority-frame-size.json", wire: "00000802000000000280000001FFAAAAAA", errs: []ErrCode{6}},
		{file: "error/priority-frame-stream.json", wire: "000005020000000000AAAAAAAABB", errs: []ErrCode{1}},
		{file: "error/push_promise-frame-padding.json", wire: "00000405080000000104AAAAAA", errs: []ErrCode{1, 6}},
		{file: "error/push_promise-frame-promised_stream-odd.json", wire: "00000405000000000100000001", errs: []ErrCode{1}},
		{file: "error/push_promise-frame-promised_stream-zero.json", wire: "00000405000000000100000000", errs: []ErrCode{1}},
		{file: "error/push_promise-frame-stream.json", wire: "00000405000000000077777777", errs: []ErrCode{1}},
		{file: "error/rst_stream-frame-size.json", wire: "000008030000000002AAAAAAAABBBBBBBB", errs: []ErrCode{6}},
		{file: "error/rst_stream-frame-stream.json", wire: "000004030000000000AAAAAAAA", errs: []ErrCode{1}},
		{file: "error/settings-frame-ack-size.json", wire: "000006040100000000AAAABBBBBBBB", errs: []ErrCode{6}},
		{file: "error/settings-frame-size.json", wire: "000008040000000000AAAABBBBBBBBCCCC", errs: []ErrCode{6}},
		{file: "error/settings-frame-stream.json", wire: "000006040000000001AAAABBBBBBBB", errs: []ErrCode{1}},
		{file: "error/window_update-frame-increment.json", wire: "00000408000000000100000000", errs: []ErrCode{1}},
		{file: "error/window_update-frame-size.json", wire: "0000020800000000015566", errs: []ErrCode{6}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			wire := ftHex(tt.wire)
			got, err := ftParseWire(t, wire)
			if tt.errs != nil {
				if err == nil {
					t.Fatalf("parse = %+v, no error; want one of %v", got, tt.errs)
				}
				if re := ftRemote(t, err); !slices.Contains(tt.errs, ErrCode(re.Code)) {
					t.Errorf("error %q has code %v; want one of %v", err, ErrCode(re.Code), tt.errs)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, ftCmpOpts); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
			switch tt.reencode {
			case "none":
			case "":
				if re := ftAppend(got); !bytes.Equal(re, wire) {
					t.Errorf("re-encoded\n%x, want the wire\n%x", re, wire)
				}
			default:
				if re, want := ftAppend(got), ftHex(tt.reencode); !bytes.Equal(re, want) {
					t.Errorf("re-encoded\n%x, want\n%x", re, want)
				}
			}
		})
	}
}
