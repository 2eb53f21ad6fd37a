package proto_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/httpwire/httpwire/proto"
)

// Tests of Fields, the character classes of RFC 9110 §5, and the heads and limits built from them.

// pairs renders fields as "Name: value" strings.
func pairs(f proto.Fields) []string {
	var out []string
	for _, x := range f {
		out = append(out, string(x.Name)+": "+string(x.Value))
	}
	return out
}

func strs(bs [][]byte) []string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

func sample() proto.Fields {
	var f proto.Fields
	f.Add("Host", "example.com")
	f.Add("Accept", "text/html")
	f.Add("x-trace", "1")
	f.Add("ACCEPT", "application/json")
	f.Add("Cookie", "")
	return f
}

func TestFieldsEdits(t *testing.T) {
	cases := []struct {
		name string
		edit func(f *proto.Fields)
		want []string
	}{
		{"Add appends, keeping case and repeats", func(f *proto.Fields) { f.Add("accept", "*/*") },
			[]string{"Host: example.com", "Accept: text/html", "x-trace: 1", "ACCEPT: application/json", "Cookie: ", "accept: */*"}},
		{"AddBytes appends", func(f *proto.Fields) { f.AddBytes([]byte("X-B"), []byte("b")) },
			[]string{"Host: example.com", "Accept: text/html", "x-trace: 1", "ACCEPT: application/json", "Cookie: ", "X-B: b"}},
		{"Set replaces every match, at the end", func(f *proto.Fields) { f.Set("accept", "*/*") },
			[]string{"Host: example.com", "x-trace: 1", "Cookie: ", "accept: */*"}},
		{"Set of a new name appends", func(f *proto.Fields) { f.Set("X-New", "v") },
			[]string{"Host: example.com", "Accept: text/html", "x-trace: 1", "ACCEPT: application/json", "Cookie: ", "X-New: v"}},
		{"Del removes every match, keeping order", func(f *proto.Fields) { f.Del("aCCEPT") },
			[]string{"Host: example.com", "x-trace: 1", "Cookie: "}},
		{"Del of the first and last", func(f *proto.Fields) { f.Del("host"); f.Del("cookie") },
			[]string{"Accept: text/html", "x-trace: 1", "ACCEPT: application/json"}},
		{"Del of an absent name", func(f *proto.Fields) { f.Del("X-Absent") },
			[]string{"Host: example.com", "Accept: text/html", "x-trace: 1", "ACCEPT: application/json", "Cookie: "}},
		{"Del is not a prefix match", func(f *proto.Fields) { f.Del("Accep"); f.Del("x-trace-id") },
			[]string{"Host: example.com", "Accept: text/html", "x-trace: 1", "ACCEPT: application/json", "Cookie: "}},
		{"Del of everything", func(f *proto.Fields) {
			for _, n := range []string{"host", "accept", "X-TRACE", "cookie"} {
				f.Del(n)
			}
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := sample()
			tc.edit(&f)
			if diff := cmp.Diff(tc.want, pairs(f)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFieldsDelDoesNotKeepRemovedBytes(t *testing.T) {
	f := sample()
	full := f[:cap(f)]
	f.Del("accept")
	// The tail beyond the new length is cleared, so the removed fields' bytes are not kept alive.
	for i := len(f); i < len(sample()); i++ {
		if full[i].Name != nil || full[i].Value != nil {
			t.Errorf("slot %d after Del holds %q: %q, want zero", i, full[i].Name, full[i].Value)
		}
	}
}

func TestFieldsLookups(t *testing.T) {
	f := sample()
	get := []struct {
		name   string
		want   string
		wantOK bool
	}{
		{"accept", "text/html", true}, // the first one
		{"HOST", "example.com", true},
		{"cookie", "", true}, // present but empty
		{"X-Absent", "", false},
		{"Accep", "", false},
		{"", "", false},
	}
	for _, tc := range get {
		v, ok := f.Get(tc.name)
		if string(v) != tc.want || ok != tc.wantOK {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tc.name, v, ok, tc.want, tc.wantOK)
		}
		if has := f.Has(tc.name); has != tc.wantOK {
			t.Errorf("Has(%q) = %v, want %v", tc.name, has, tc.wantOK)
		}
	}
	if diff := cmp.Diff([]string{"text/html", "application/json"}, strs(f.Values("Accept"))); diff != "" {
		t.Errorf("Values(Accept) (-want +got):\n%s", diff)
	}
	if got := f.Values("X-Absent"); got != nil {
		t.Errorf("Values(X-Absent) = %q, want nil", got)
	}
	var empty proto.Fields
	if v, ok := empty.Get("Host"); v != nil || ok {
		t.Errorf("nil Fields: Get = %q, %v", v, ok)
	}
}

func TestFieldsHasToken(t *testing.T) {
	var f proto.Fields
	f.Add("Connection", "keep-alive, Close")
	f.Add("connection", "Upgrade")
	f.Add("Upgrade", "websocket")
	f.Add("Accept-Encoding", " gzip ,\tbr ,, ")
	f.Add("Transfer-Encoding", "chunked;q=1")
	f.Add("X-Empty", "")
	cases := []struct {
		name, token string
		want        bool
	}{
		{"Connection", "close", true},
		{"connection", "KEEP-ALIVE", true},
		{"Connection", "upgrade", true}, // in the second field
		{"Connection", "clo", false},
		{"Connection", "closed", false},
		{"Connection", "keep-alive, Close", false}, // items, not the whole value
		{"Upgrade", "close", false},                // another field's token
		{"Accept-Encoding", "gzip", true},
		{"Accept-Encoding", "br", true},
		{"Accept-Encoding", "", false},
		{"Transfer-Encoding", "chunked", false},
		{"X-Empty", "", false},
		{"X-Absent", "close", false},
	}
	for _, tc := range cases {
		if got := f.HasToken(tc.name, tc.token); got != tc.want {
			t.Errorf("HasToken(%q, %q) = %v, want %v", tc.name, tc.token, got, tc.want)
		}
	}
}

func TestFieldsClone(t *testing.T) {
	name, value := []byte("X-Name"), []byte("value")
	var f proto.Fields
	f.AddBytes(name, value)
	f.Add("Host", "a")
	f.Add("Empty", "")
	c := f.Clone()
	want := []string{"X-Name: value", "Host: a", "Empty: "}
	if diff := cmp.Diff(want, pairs(c)); diff != "" {
		t.Fatalf("clone (-want +got):\n%s", diff)
	}

	// Mutate everything the original can reach: the clone must not change.
	copy(name, "Y-NAME")
	copy(value, "VALUE")
	f[1].Value[0] = 'z'
	f[0] = proto.Field{Name: []byte("Other"), Value: []byte("o")}
	f.Set("Host", "changed")
	if diff := cmp.Diff(want, pairs(c)); diff != "" {
		t.Errorf("clone after mutating the original (-want +got):\n%s", diff)
	}

	// Appending to a cloned name or value must not overwrite its neighbours in the shared backing array.
	c[0].Name = append(c[0].Name, "-Longer"...)
	c[1].Name = append(c[1].Name, 'X')
	c[1].Value = append(c[1].Value, "bc"...)
	want = []string{"X-Name-Longer: value", "HostX: abc", "Empty: "}
	if diff := cmp.Diff(want, pairs(c)); diff != "" {
		t.Errorf("clone after appending to its slices (-want +got):\n%s", diff)
	}

	// And the clone's edits do not reach the original.
	c2 := sample()
	c3 := c2.Clone()
	c3[0].Value[0] = 'X'
	c3.Del("accept")
	if got, _ := c2.Get("Host"); string(got) != "example.com" {
		t.Errorf("original Host after editing the clone = %q", got)
	}
	if got := len(c2); got != 5 {
		t.Errorf("original has %d fields after Del on the clone, want 5", got)
	}

	if got := proto.Fields(nil).Clone(); got != nil {
		t.Errorf("nil.Clone() = %#v, want nil", got)
	}
	if got := (proto.Fields{}).Clone(); got == nil || len(got) != 0 {
		t.Errorf("empty.Clone() = %#v, want empty and non-nil", got)
	}
}

func TestEqualFold(t *testing.T) {
	cases := []struct {
		b, s string
		want bool
	}{
		{"Content-Length", "content-length", true},
		{"HOST", "host", true},
		{"host", "HOST", true},
		{"", "", true},
		{"host", "hos", false},
		{"hos", "host", false},
		{"a", "b", false},
		{"[", "{", false}, // 0x5B and 0x7B differ by 0x20 but are no letters
		{"@", "`", false},
		{"^", "~", false},
		{"Z", "z", true},
		{"\xc3\x89", "\xc3\xa9", false}, // É and é: only ASCII folds
		{"k", "\u212a", false},          // KELVIN SIGN is no K
	}
	for _, tc := range cases {
		if got := proto.EqualFold([]byte(tc.b), tc.s); got != tc.want {
			t.Errorf("EqualFold(%q, %q) = %v, want %v", tc.b, tc.s, got, tc.want)
		}
	}
}

func TestTrimOWS(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"a", "a"},
		{"  a", "a"},
		{"a\t\t", "a"},
		{" \t a b \t ", "a b"},
		{" \t ", ""},
		{"\r\na\r\n", "\r\na\r\n"}, // CR and LF are not whitespace here
		{"\xa0a\xa0", "\xa0a\xa0"},
		{"\va\f", "\va\f"},
	}
	for _, tc := range cases {
		if got := string(proto.TrimOWS([]byte(tc.in))); got != tc.want {
			t.Errorf("TrimOWS(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestValidToken(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"GET", true},
		{"Content-Type", true},
		{"!#$%&'*+-.^_`|~09AZaz", true},
		{"", false},
		{"a b", false},
		{"a:b", false},
		{"a\tb", false},
		{"(comment)", false},
		{`"q"`, false},
		{"a/b", false},
		{"a,b", false},
		{"a;b", false},
		{"a=b", false},
		{"a@b", false},
		{"[v]", false},
		{"{v}", false},
		{"a\\b", false},
		{"caf\xc3\xa9", false},
		{"a\x00", false},
		{"a\x7f", false},
	}
	for _, tc := range cases {
		if got := proto.ValidToken([]byte(tc.in)); got != tc.want {
			t.Errorf("ValidToken(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestCharacterClasses checks every byte against the grammar of RFC 9110 §5.6.2 (tchar) and §5.5
// (field-vchar, SP, HTAB), written out independently of the tables.
func TestCharacterClasses(t *testing.T) {
	for i := 0; i < 256; i++ {
		c := byte(i)
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		tchar := alnum || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if got := proto.IsTokenByte(c); got != tchar {
			t.Errorf("IsTokenByte(%#02x) = %v, want %v", c, got, tchar)
		}
		vchar := 0x21 <= c && c <= 0x7e
		obsText := c >= 0x80
		fieldByte := vchar || obsText || c == ' ' || c == '\t'
		if got := proto.IsFieldValueByte(c); got != fieldByte {
			t.Errorf("IsFieldValueByte(%#02x) = %v, want %v", c, got, fieldByte)
		}
		// A one-byte value is valid when it is a field byte and not whitespace.
		if got, want := proto.ValidFieldValue([]byte{c}), fieldByte && c != ' ' && c != '\t'; got != want {
			t.Errorf("ValidFieldValue(%q) = %v, want %v", []byte{c}, got, want)
		}
		// In the middle of a long value, where word-at-a-time checks apply.
		long := []byte("abcdefghijklmnop_qrstuvwxyz012345")
		long[17] = c
		if got, want := proto.ValidFieldValue(long), fieldByte; got != want {
			t.Errorf("ValidFieldValue with %#02x at 17 of 33 = %v, want %v", c, got, want)
		}
	}
}

func TestValidFieldValue(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"", true},
		{"a", true},
		{"a b", true},
		{"a\tb", true},
		{"caf\xc3\xa9", true},
		{"\xff", true},
		{`"quoted, with \"escapes\""`, true},
		{" a", false},
		{"a ", false},
		{"\ta", false},
		{"a\t", false},
		{" ", false},
		{"a\x00b", false},
		{"a\rb", false},
		{"a\nb", false},
		{"a\r\nX-Injected: 1", false},
		{"a\x7fb", false},
		{"a\x1fb", false},
		{strings.Repeat("abcdefgh", 8) + "\n", false},
		{"\x00" + strings.Repeat("abcdefgh", 8), false},
		{strings.Repeat("abcdefgh", 8), true},
	}
	for _, tc := range cases {
		if got := proto.ValidFieldValue([]byte(tc.in)); got != tc.want {
			t.Errorf("ValidFieldValue(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestEachListItem(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a,b", []string{"a", "b"}},
		{" a , b\t,\tc ", []string{"a", "b", "c"}},
		{",,a,, ,b,", []string{"a", "b"}},
		{" , ", nil},
		{"a b, c", []string{"a b", "c"}},
		{`"x,y"`, []string{`"x`, `y"`}}, // no quoted-string awareness
	}
	for _, tc := range cases {
		var got []string
		proto.EachListItem([]byte(tc.in), func(item []byte) bool {
			got = append(got, string(item))
			return true
		})
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("EachListItem(%q) (-want +got):\n%s", tc.in, diff)
		}
	}

	var got []string
	proto.EachListItem([]byte("a, b, c"), func(item []byte) bool {
		got = append(got, string(item))
		return string(item) != "b"
	})
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("EachListItem stopping at b (-want +got):\n%s", diff)
	}
}

func TestNewRequestAndResponse(t *testing.T) {
	req := proto.NewRequest("POST", "/x", "Host", "a", "X", "1")
	if string(req.Method) != "POST" || string(req.Target) != "/x" || req.Version != proto.HTTP11 {
		t.Errorf("NewRequest: %q %q %v", req.Method, req.Target, req.Version)
	}
	if diff := cmp.Diff([]string{"Host: a", "X: 1"}, pairs(req.Fields)); diff != "" {
		t.Errorf("NewRequest fields (-want +got):\n%s", diff)
	}
	resp := proto.NewResponse(404, "Content-Length", "0")
	if resp.Status != 404 || resp.Version != proto.HTTP11 || len(resp.Reason) != 0 {
		t.Errorf("NewResponse: %d %v %q", resp.Status, resp.Version, resp.Reason)
	}
	if diff := cmp.Diff([]string{"Content-Length: 0"}, pairs(resp.Fields)); diff != "" {
		t.Errorf("NewResponse fields (-want +got):\n%s", diff)
	}
	odd := strings.Fields("A 1 B") // an odd number of strings
	for name, f := range map[string]func(){
		"NewRequest":  func() { proto.NewRequest("GET", "/", odd...) },
		"NewResponse": func() { proto.NewResponse(200, odd...) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with an odd number of strings did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestHeadClone(t *testing.T) {
	req := proto.NewRequest("GET", "/path", "Host", "a")
	req.Scheme, req.Authority, req.Protocol = []byte("https"), []byte("a:443"), []byte("websocket")
	rc := req.Clone()
	for _, b := range [][]byte{req.Method, req.Scheme, req.Authority, req.Target, req.Protocol, req.Fields[0].Value} {
		for i := range b {
			b[i] = '#'
		}
	}
	if diff := cmp.Diff(proto.RequestHead{
		Method: []byte("GET"), Scheme: []byte("https"), Authority: []byte("a:443"), Target: []byte("/path"),
		Protocol: []byte("websocket"), Version: proto.HTTP11,
		Fields: proto.Fields{{Name: []byte("Host"), Value: []byte("a")}},
	}, *rc); diff != "" {
		t.Errorf("RequestHead clone after mutating the original (-want +got):\n%s", diff)
	}
	if rc2 := proto.NewRequest("GET", "/").Clone(); rc2.Scheme != nil || rc2.Fields != nil {
		t.Errorf("clone of empty parts: Scheme %#v, Fields %#v; want nil", rc2.Scheme, rc2.Fields)
	}

	resp := proto.NewResponse(200, "X", "1")
	resp.Reason = []byte("OK")
	cc := resp.Clone()
	resp.Reason[0] = '#'
	resp.Fields[0].Value[0] = '#'
	if string(cc.Reason) != "OK" || string(cc.Fields[0].Value) != "1" || cc.Status != 200 {
		t.Errorf("ResponseHead clone after mutating the original: %d %q %q", cc.Status, cc.Reason, cc.Fields[0].Value)
	}
}

func TestVersionString(t *testing.T) {
	for v, want := range map[proto.Version]string{proto.HTTP10: "1.0", proto.HTTP11: "1.1", proto.HTTP2: "2", 0: "unknown", 12: "unknown"} {
		if got := v.String(); got != want {
			t.Errorf("Version(%d).String() = %q, want %q", uint8(v), got, want)
		}
	}
}

func TestLimitsWithDefaults(t *testing.T) {
	if got := (proto.Limits{}).WithDefaults(); got != proto.DefaultLimits {
		t.Errorf("zero Limits WithDefaults = %+v, want %+v", got, proto.DefaultLimits)
	}
	l := proto.Limits{MaxStartLineBytes: 1, MaxHeaderBytes: -5, MaxHeaderCount: 7}
	want := proto.Limits{MaxStartLineBytes: 1, MaxHeaderBytes: proto.DefaultLimits.MaxHeaderBytes, MaxHeaderCount: 7,
		MaxInformational: proto.DefaultLimits.MaxInformational}
	if got := l.WithDefaults(); got != want {
		t.Errorf("WithDefaults = %+v, want %+v", got, want)
	}
	if d := proto.DefaultLimits; d.MaxStartLineBytes != 8<<10 || d.MaxHeaderBytes != 64<<10 || d.MaxHeaderCount != 100 {
		t.Errorf("DefaultLimits = %+v, want 8 KiB, 64 KiB, 100 as docs/h1-rules.md says", d)
	}
}

// TestFieldValueLen checks every byte at every position of values longer than a machine word, against the
// byte table: the length is that of the longest prefix of field-value bytes.
func TestFieldValueLen(t *testing.T) {
	for n := 0; n <= 40; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				want := n
				if !proto.IsFieldValueByte(byte(c)) {
					want = pos
				}
				if got := proto.FieldValueLen(b); got != want {
					t.Fatalf("FieldValueLen(%q) = %d, want %d", b, got, want)
				}
			}
		}
	}
	if got := proto.FieldValueLen(nil); got != 0 {
		t.Errorf("FieldValueLen(nil) = %d", got)
	}
	// Two bad bytes: the first one counts.
	if got := proto.FieldValueLen([]byte("abcdefghij\x7fkl\x00mnop")); got != 10 {
		t.Errorf("FieldValueLen with DEL at 10 and NUL at 13 = %d, want 10", got)
	}
}

func TestAppendInput(t *testing.T) {
	in := make([]byte, 0, 8)
	in, r := proto.AppendInput(in, 0, []byte("abcdef"))
	if string(in[r:]) != "abcdef" || r != 0 {
		t.Fatalf("first: %q at %d", in, r)
	}
	r = 4 // "abcd" read
	in, r = proto.AppendInput(in, r, []byte("gh"))
	if string(in[r:]) != "efgh" || r != 4 {
		t.Fatalf("room left: unread %q at %d, want efgh at 4 (nothing moved)", in[r:], r)
	}
	in, r = proto.AppendInput(in, r, []byte("ijklm"))
	if string(in[r:]) != "efghijklm" || r != 0 {
		t.Fatalf("no room: unread %q at %d, want efghijklm at 0 (read part dropped)", in[r:], r)
	}
	in, r = proto.AppendInput(in, len(in), []byte("z"))
	if string(in) != "z" || r != 0 {
		t.Fatalf("all read: %q at %d, want z at 0", in, r)
	}
}

// TestCloneInto: the copies are equal to the originals, independent of them, capped at their lengths, and
// laid out one after another in buf's array after what buf held; ByteLen counts what they take.
func TestCloneInto(t *testing.T) {
	var f proto.Fields
	f.Add("a", "1")
	f.Add("bb", "")
	f.Add("ccc", "333")
	if n := f.ByteLen(); n != 1+1+2+3+3 {
		t.Fatalf("ByteLen %d, want 10", n)
	}
	buf := append(make([]byte, 0, 64), "held"...)
	out := make(proto.Fields, len(f))
	got := f.CloneInto(out, buf)
	if string(got) != "helda1bbccc333" {
		t.Errorf("buf after: %q", got)
	}
	if diff := cmp.Diff(f, out); diff != "" {
		t.Errorf("copies differ (-want +got):\n%s", diff)
	}
	for i := range out {
		if cap(out[i].Name) != len(out[i].Name) || cap(out[i].Value) != len(out[i].Value) {
			t.Errorf("field %d has room beyond its end", i)
		}
	}
	f[2].Value[0] = 'X'
	if string(out[2].Value) != "333" {
		t.Errorf("the copy follows the original: %q", out[2].Value)
	}
	if &got[4] != &buf[:5][4] {
		t.Error("the bytes were not appended to buf's array")
	}
}
