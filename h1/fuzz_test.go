package h1_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/httpwire/httpwire/h1"
	"github.com/httpwire/httpwire/internal/pairtest"
	"github.com/httpwire/httpwire/proto"
)

// Fuzz targets of the HTTP/1.1 core (DESIGN.md §6). Each feeds the fuzzer's bytes to a Conn whole, cut at a
// fuzzer-chosen offset and, for short inputs, one byte at a time, and requires the same events, error and
// final state (propRun in prop_test.go plays the test's side of the conversation). Beyond not panicking:
//   - FuzzH1Request re-validates every request head the server accepts with fzCheckRequest, a small strict
//     checker written from docs/h1-rules.md, and requires the same method, target, version and fields; and
//     when the core rejects a head that the checker finds complete and valid, that is a failure too.
//   - FuzzH1Response reads responses to GET, HEAD, CONNECT or an Upgrade proposal, and checks what the method
//     implies (no body after HEAD, nothing read after a 2xx to CONNECT or a 101).
//   - FuzzH1Chunked decodes a chunked request body and compares it with fzDecodeChunked, a simple reference
//     decoder of RFC 9112 §7.1: the core reports EndOfMessage exactly when the reference accepts, with the same
//     data, trailers and length.
// Seed corpora live in testdata/fuzz/<FuzzName>/.

// fzSplits runs input whole, cut at cut, and byte by byte when short, and fails on any difference.
func fzSplits(t *testing.T, role h1.Role, method string, input []byte, cut uint16, eof bool) propSplitResult {
	t.Helper()
	at := 0
	if len(input) > 0 {
		at = int(cut) % (len(input) + 1)
	}
	whole, diff := propCompareSplits(role, h1.DefaultLimits, method, input, pairtest.SplitAt(input, at), eof)
	if diff != "" {
		t.Fatalf("input %q cut at %d (eof %v): whole and split differ (-whole +split):\n%s", input, at, eof, diff)
	}
	if len(input) <= 512 {
		if _, diff := propCompareSplits(role, h1.DefaultLimits, method, input, pairtest.Bytewise(input), eof); diff != "" {
			t.Fatalf("input %q (eof %v): whole and byte by byte differ (-whole +bytewise):\n%s", input, eof, diff)
		}
	}
	fzCheckSequence(t, role, whole.Events)
	return whole
}

// fzCheckSequence checks the order of events: body data and ends only inside a message whose head came
// first, informational responses only between messages, and nothing after the connection closed.
func fzCheckSequence(t *testing.T, role h1.Role, events []string) {
	t.Helper()
	open := false
	for i, e := range events {
		kind, _, _ := strings.Cut(e, " ")
		switch {
		case strings.HasSuffix(e, "empty Data events"):
			t.Fatalf("Data events without bytes: %q", events)
		case i > 0 && events[i-1] == "closed":
			t.Fatalf("event %s after ConnectionClosed: %q", e, events)
		case kind == "request" && role == h1.Client, kind == "response" && role == h1.Server,
			kind == "informational" && role == h1.Server:
			t.Fatalf("%v read %s", role, e)
		case kind == "request" || kind == "response":
			if open {
				t.Fatalf("head %s inside a message: %q", e, events)
			}
			open = true
		case kind == "informational":
			if open {
				t.Fatalf("informational response inside a message: %q", events)
			}
		case kind == "data" || kind == "end":
			if !open {
				t.Fatalf("%s without a head: %q", kind, events)
			}
			open = kind == "data"
		}
	}
}

// ---- FuzzH1Request ----------------------------------------------------------------------------------------------

func FuzzH1Request(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), uint16(5), true)
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"), uint16(30), false)
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
		uint16(60), true)
	f.Fuzz(func(t *testing.T, data []byte, cut uint16, eof bool) {
		res := fzSplits(t, h1.Server, "GET", data, cut, eof)
		heads := fzHeadEvents(res.Events)
		if len(heads) != len(res.Heads) {
			t.Fatalf("%d head events but %d head ranges", len(heads), len(res.Heads))
		}
		for i, hr := range res.Heads {
			raw := data[hr[0]:hr[1]]
			req, n, verdict := fzCheckRequest(raw)
			if verdict != fzValid {
				t.Fatalf("the core accepted a request head that breaks the rules (%s):\nhead %q\nevent %s",
					verdict, raw, heads[i])
			}
			if n != len(raw) {
				t.Fatalf("the core took %d bytes for the head %q, the checker %d", len(raw), raw, n)
			}
			if req != heads[i] {
				t.Fatalf("head %q\nthe core parsed %s\nthe checker     %s", raw, heads[i], req)
			}
		}
		// A head the core rejected must break a rule.
		if res.Err != "ok" && res.ErrWhileIdle && res.ErrAt <= len(data) {
			rest := data[res.ErrAt:]
			if _, n, verdict := fzCheckRequest(rest); verdict == fzValid && n <= 4096 {
				t.Fatalf("the core rejected a valid request head with %s:\nhead %q", res.Err, rest[:n])
			}
		}
	})
}

// fzHeadEvents picks the rendered head events out of events.
func fzHeadEvents(events []string) []string {
	var heads []string
	for _, e := range events {
		if strings.HasPrefix(e, "request ") || strings.HasPrefix(e, "response ") ||
			strings.HasPrefix(e, "informational ") {
			heads = append(heads, e)
		}
	}
	return heads
}

// Verdicts of the checkers.
const (
	fzValid      = "valid"
	fzIncomplete = "incomplete"
)

// fzCheckRequest checks a request head at the start of b (after optional empty lines) against the rules of
// docs/h1-rules.md for the server role, independently of the core: it returns the request rendered as
// propRequestString does, the bytes the head takes with the empty lines before it, and fzValid, fzIncomplete or
// the rule that is broken.
func fzCheckRequest(b []byte) (rendered string, n int, verdict string) {
	i := 0
	for bytes.HasPrefix(b[i:], []byte("\r\n")) { // RFC 9112 §2.2: empty lines before the request line
		i += 2
	}
	start := i
	var lines [][]byte
	for {
		lf := bytes.IndexByte(b[i:], '\n')
		if lf < 0 {
			// Before the end of the head, any bare LF or bad byte already seen is reported first.
			for _, l := range lines {
				if bytes.IndexByte(l, '\r') >= 0 {
					return "", 0, "bare CR"
				}
			}
			return "", 0, fzIncomplete
		}
		line := b[i : i+lf]
		i += lf + 1
		if len(line) == 0 || line[len(line)-1] != '\r' {
			return "", 0, "line ended by a bare LF"
		}
		line = line[:len(line)-1]
		if bytes.IndexByte(line, '\r') >= 0 {
			return "", 0, "bare CR"
		}
		if len(line) == 0 {
			break
		}
		lines = append(lines, line)
	}
	n = i
	if len(lines) == 0 {
		return "", 0, "no request line" // cannot happen: empty lines before it were skipped
	}
	if len(lines[0]) > proto.DefaultLimits.MaxStartLineBytes {
		return "", 0, "request line over the limit"
	}
	if n-start > proto.DefaultLimits.MaxHeaderBytes {
		return "", 0, "head over the limit"
	}
	if len(lines)-1 > proto.DefaultLimits.MaxHeaderCount {
		return "", 0, "too many fields"
	}

	// Request line (RFC 9112 §3): method SP request-target SP HTTP-version, one SP each.
	parts := bytes.Split(lines[0], []byte(" "))
	if len(parts) != 3 {
		return "", 0, "request line without exactly two SP"
	}
	method, target, version := parts[0], parts[1], string(parts[2])
	if !fzIsToken(method) {
		return "", 0, "method not a token"
	}
	if len(target) == 0 {
		return "", 0, "empty target"
	}
	for _, c := range target {
		if c <= 0x20 || c == 0x7f {
			return "", 0, "bad byte in target"
		}
	}
	var v proto.Version
	switch version {
	case "HTTP/1.1":
		v = proto.HTTP11
	case "HTTP/1.0":
		v = proto.HTTP10
	default:
		return "", 0, "version not HTTP/1.0 or HTTP/1.1"
	}
	if why := fzTargetForm(string(method), string(target)); why != "" {
		return "", 0, why
	}

	// Fields (RFC 9112 §5, RFC 9110 §5).
	var fields proto.Fields
	hosts, hasTE, hasCL := 0, false, false
	var codings []string
	cl := int64(-1)
	for _, line := range lines[1:] {
		if line[0] == ' ' || line[0] == '\t' {
			return "", 0, "obs-fold"
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return "", 0, "field line without a colon"
		}
		name := line[:colon]
		if !fzIsToken(name) {
			return "", 0, "field name not a token"
		}
		value := fzTrimOWS(line[colon+1:])
		for _, c := range value {
			if !(c == '\t' || c == ' ' || c >= 0x21 && c != 0x7f) {
				return "", 0, "bad byte in a field value"
			}
		}
		fields = append(fields, proto.Field{Name: name, Value: value})
		switch strings.ToLower(string(name)) {
		case "host":
			hosts++
		case "transfer-encoding":
			hasTE = true
			for _, item := range strings.Split(string(value), ",") {
				if item = string(fzTrimOWS([]byte(item))); item != "" {
					codings = append(codings, strings.ToLower(item))
				}
			}
		case "content-length":
			hasCL = true
			for _, item := range strings.Split(string(value), ",") {
				x, ok := fzDecimal(fzTrimOWS([]byte(item)))
				if !ok || cl >= 0 && x != cl {
					return "", 0, "invalid Content-Length"
				}
				cl = x
			}
		}
	}
	if v == proto.HTTP11 && hosts != 1 {
		return "", 0, "HTTP/1.1 without exactly one Host"
	}
	if hasTE {
		switch {
		case hasCL:
			return "", 0, "Transfer-Encoding with Content-Length"
		case v == proto.HTTP10:
			return "", 0, "Transfer-Encoding in HTTP/1.0"
		case len(codings) != 1 || codings[0] != "chunked":
			return "", 0, "Transfer-Encoding other than chunked"
		}
	}
	return propRequestString(method, target, v, fields), n, fzValid
}

// fzTargetForm checks the request-target forms of RFC 9112 §3.2 as docs/h1-rules.md states them.
func fzTargetForm(method, target string) string {
	switch {
	case method == "CONNECT":
		colon := strings.LastIndexByte(target, ':')
		if strings.HasPrefix(target, "/") || strings.Contains(target, "://") || colon <= 0 || colon == len(target)-1 {
			return "CONNECT without an authority-form target"
		}
		for _, c := range target[colon+1:] {
			if c < '0' || c > '9' {
				return "CONNECT target with a bad port"
			}
		}
	case target == "*":
		if method != "OPTIONS" {
			return "asterisk-form for a method other than OPTIONS"
		}
	case strings.HasPrefix(target, "/"), strings.Contains(target, "://"):
	default:
		return "target in no form"
	}
	return ""
}

func fzIsToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !strings.ContainsRune(propTokenChars, rune(c)) || c >= 0x80 {
			return false
		}
	}
	return true
}

func fzTrimOWS(b []byte) []byte {
	return bytes.TrimFunc(b, func(r rune) bool { return r == ' ' || r == '\t' })
}

// fzDecimal parses 1*DIGIT that fits in an int64.
func fzDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var x int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if x > (1<<63-1-d)/10 {
			return 0, false
		}
		x = x*10 + d
	}
	return x, true
}

// ---- FuzzH1Response ---------------------------------------------------------------------------------------------

var fzMethods = []string{"GET", "HEAD", "CONNECT", "UPGRADE"}

func FuzzH1Response(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), uint8(0), uint16(10), true)
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"), uint8(1), uint16(3), false)
	f.Add([]byte("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01"), uint8(2), uint16(20), true)
	f.Fuzz(func(t *testing.T, data []byte, method uint8, cut uint16, eof bool) {
		m := fzMethods[int(method)%len(fzMethods)]
		res := fzSplits(t, h1.Client, m, data, cut, eof)
		switched := false
		for _, e := range res.Events {
			if switched {
				t.Fatalf("event %s after the connection switched protocols; events %q", e, res.Events)
			}
			switch {
			case strings.HasPrefix(e, "data ") && m == "HEAD":
				t.Fatalf("a body in a response to HEAD: %q", res.Events)
			case strings.HasPrefix(e, "response 2") && m == "CONNECT",
				strings.HasPrefix(e, "informational 101 ") && m == "UPGRADE":
				switched = true
			case strings.HasPrefix(e, "informational 101 "):
				t.Fatalf("a 101 accepted without an Upgrade proposal: %q", res.Events)
			}
		}
		for _, r := range res.Responses {
			if why := fzCheckResponseFraming(m, r); why != "" {
				t.Fatalf("the client accepted a response that breaks the rules (%s): %d %s", why, r.Status,
					propFields(r.Fields))
			}
		}
		if switched && res.Err == "ok" {
			if res.States != "SwitchedProtocol/SwitchedProtocol" {
				t.Fatalf("after a switch the states are %s", res.States)
			}
			// Everything after the head is the new protocol's, handed back whole.
			last := res.Heads[len(res.Heads)-1][1]
			if want := propQuoteTrailing(data[last:], eof); res.Trailing != want {
				t.Fatalf("TrailingData after the switch: %s, want %s", res.Trailing, want)
			}
		}
	})
}

// fzCheckResponseFraming checks the framing rules of docs/h1-rules.md (client role) on a final response the
// client accepted: a response that has a body (not to HEAD, not 204 or 304, not a 2xx to CONNECT) has
// Transfer-Encoding exactly chunked, and only in HTTP/1.1; without it, valid Content-Length values that agree.
func fzCheckResponseFraming(method string, r *h1.Response) string {
	if r.Status < 200 || r.Status > 599 {
		return "final status out of range"
	}
	if method == "HEAD" || r.Status == 204 || r.Status == 304 || method == "CONNECT" && r.Status < 300 {
		return ""
	}
	var codings []string
	hasTE, clBad := false, false
	cl := int64(-1)
	for _, f := range r.Fields {
		switch strings.ToLower(string(f.Name)) {
		case "transfer-encoding":
			hasTE = true
			for _, item := range strings.Split(string(f.Value), ",") {
				if item = string(fzTrimOWS([]byte(item))); item != "" {
					codings = append(codings, strings.ToLower(item))
				}
			}
		case "content-length":
			for _, item := range strings.Split(string(f.Value), ",") {
				x, ok := fzDecimal(fzTrimOWS([]byte(item)))
				clBad = clBad || !ok || cl >= 0 && x != cl
				cl = x
			}
		}
	}
	switch {
	case hasTE && r.Version != proto.HTTP11:
		return "Transfer-Encoding in HTTP/1.0"
	case hasTE && (len(codings) != 1 || codings[0] != "chunked"):
		return "Transfer-Encoding other than chunked"
	case !hasTE && clBad:
		return "invalid Content-Length"
	}
	return ""
}

// ---- FuzzH1Chunked ----------------------------------------------------------------------------------------------

const fzChunkedHead = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

func FuzzH1Chunked(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), uint16(3), true)
	f.Add([]byte("5;a=b\r\nhello\r\n0\r\nX: 1\r\n\r\n"), uint16(9), true)
	f.Fuzz(func(t *testing.T, body []byte, cut uint16, eof bool) {
		input := append([]byte(fzChunkedHead), body...)
		res := fzSplits(t, h1.Server, "GET", input, cut, eof)
		ref := fzDecodeChunked(body)

		// What the core made of the first message: its data, and its end if any.
		var gotData []byte
		gotEnd, ended := "", false
		for _, e := range res.Events[min(1, len(res.Events)):] {
			if strings.HasPrefix(e, "data ") {
				gotData = append(gotData, fzUnquoteData(t, e)...)
				continue
			}
			if strings.HasPrefix(e, "end ") {
				gotEnd, ended = e, true
			}
			break
		}
		if !bytes.HasPrefix(ref.data, gotData) {
			t.Fatalf("body %q: the core handed out data %q, the reference decodes %q", body, gotData, ref.data)
		}
		switch {
		case ended && ref.verdict != fzValid:
			t.Fatalf("body %q: the core reported %s, the reference decoder says %s", body, gotEnd, ref.verdict)
		case ended:
			if !bytes.Equal(gotData, ref.data) || gotEnd != propEndString(ref.trailers) {
				t.Fatalf("body %q:\ncore      data %q, %s\nreference data %q, %s", body, gotData, gotEnd, ref.data,
					propEndString(ref.trailers))
			}
			if got := res.Ends[0] - len(fzChunkedHead); got != ref.n {
				t.Fatalf("body %q: the core took %d bytes of body, the reference %d", body, got, ref.n)
			}
		case ref.verdict == fzValid && ref.maxLine <= 4000:
			t.Fatalf("body %q: the reference decodes it (data %q, %s) but the core did not end the message: "+
				"events %q, error %s", body, ref.data, propEndString(ref.trailers), res.Events, res.Err)
		}
	})
}

func fzUnquoteData(t *testing.T, e string) []byte {
	s, err := strconv.Unquote(strings.TrimPrefix(e, "data "))
	if err != nil {
		t.Fatalf("cannot unquote %s: %v", e, err)
	}
	return []byte(s)
}

// fzChunkedResult is what the reference decoder makes of a chunked body.
type fzChunkedResult struct {
	verdict  string       // fzValid, fzIncomplete or what is wrong
	data     []byte       // the data, up to where decoding stopped (a partial chunk included)
	trailers proto.Fields // the trailer fields
	n        int          // bytes the body takes, when valid
	maxLine  int          // the longest chunk-size line or trailer line seen
}

// fzDecodeChunked decodes the chunked transfer coding (RFC 9112 §7.1) strictly, as docs/h1-rules.md states it
// for the server role: chunk-size is 1*HEXDIG fitting in 63 bits; extensions are
// *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ) with nothing after them; lines end in CRLF;
// chunk data is followed by CRLF; trailer lines follow the field rules (no obs-fold, no bare LF or CR).
func fzDecodeChunked(b []byte) (r fzChunkedResult) {
	i := 0
	line := func() ([]byte, string) {
		lf := bytes.IndexByte(b[i:], '\n')
		if lf < 0 {
			return nil, fzIncomplete
		}
		l := b[i : i+lf]
		r.maxLine = max(r.maxLine, len(l))
		i += lf + 1
		if len(l) == 0 || l[len(l)-1] != '\r' {
			return nil, "line not ended by CRLF"
		}
		return l[:len(l)-1], ""
	}
	for {
		// Before the line is complete, the core cannot judge it: the verdict is incomplete, whatever it holds.
		l, why := line()
		if why != "" {
			r.verdict = why
			return r
		}
		if len(l) > h1.DefaultLimits.MaxChunkLineBytes {
			r.verdict = "chunk-size line over the limit"
			return r
		}
		size, why := fzChunkLine(l)
		if why != "" {
			r.verdict = why
			return r
		}
		if size == 0 {
			break
		}
		avail := int64(len(b) - i)
		if avail < size {
			r.data = append(r.data, b[i:]...)
			r.verdict = fzIncomplete
			return r
		}
		r.data = append(r.data, b[i:i+int(size)]...)
		i += int(size)
		switch {
		case len(b)-i >= 2 && b[i] == '\r' && b[i+1] == '\n':
			i += 2
		case len(b)-i >= 1 && b[i] != '\r', len(b)-i >= 2:
			r.verdict = "chunk data not followed by CRLF"
			return r
		default:
			r.verdict = fzIncomplete
			return r
		}
	}
	// The trailer section.
	start := i
	for {
		l, why := line()
		if why != "" {
			r.verdict = why
			return r
		}
		if len(l) == 0 {
			break
		}
		if i-start > proto.DefaultLimits.MaxHeaderBytes {
			r.verdict = "trailers over the limit"
			return r
		}
		if bytes.IndexByte(l, '\r') >= 0 {
			r.verdict = "bare CR in a trailer"
			return r
		}
		if l[0] == ' ' || l[0] == '\t' {
			r.verdict = "obs-fold in a trailer"
			return r
		}
		colon := bytes.IndexByte(l, ':')
		if colon < 0 || !fzIsToken(l[:colon]) {
			r.verdict = "bad trailer name"
			return r
		}
		value := fzTrimOWS(l[colon+1:])
		for _, c := range value {
			if !(c == '\t' || c == ' ' || c >= 0x21 && c != 0x7f) {
				r.verdict = "bad byte in a trailer value"
				return r
			}
		}
		if len(r.trailers) == proto.DefaultLimits.MaxHeaderCount {
			r.verdict = "too many trailers"
			return r
		}
		r.trailers = append(r.trailers, proto.Field{Name: l[:colon], Value: value})
	}
	if i-start > proto.DefaultLimits.MaxHeaderBytes {
		r.verdict = "trailers over the limit"
		return r
	}
	r.verdict, r.n = fzValid, i
	return r
}

// fzChunkLine parses chunk-size and chunk extensions strictly.
func fzChunkLine(l []byte) (int64, string) {
	i := 0
	var size int64
	for ; i < len(l) && fzHex(l[i]) >= 0; i++ {
		if size > (1<<63-1-int64(fzHex(l[i])))/16 {
			return 0, "chunk size overflows"
		}
		size = size*16 + int64(fzHex(l[i]))
	}
	if i == 0 {
		return 0, "no chunk size"
	}
	bws := func() int {
		j := i
		for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
			i++
		}
		return i - j
	}
	for i < len(l) {
		if bws(); i == len(l) {
			return 0, "whitespace not followed by ;"
		}
		if l[i] != ';' {
			return 0, "junk after the chunk size"
		}
		i++
		bws()
		if n := fzTokenLen(l[i:]); n == 0 {
			return 0, "chunk extension without a name"
		} else {
			i += n
		}
		after := i
		bws()
		if i < len(l) && l[i] == '=' {
			i++
			bws()
			if i < len(l) && l[i] == '"' {
				n := fzQuotedLen(l[i:])
				if n == 0 {
					return 0, "bad quoted-string"
				}
				i += n
			} else if n := fzTokenLen(l[i:]); n == 0 {
				return 0, "chunk extension without a value"
			} else {
				i += n
			}
		} else {
			i = after
		}
	}
	return size, ""
}

func fzHex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func fzTokenLen(b []byte) int {
	n := 0
	for n < len(b) && b[n] < 0x80 && strings.IndexByte(propTokenChars, b[n]) >= 0 {
		n++
	}
	return n
}

// fzQuotedLen returns the length of the quoted-string (RFC 9110 §5.6.4) at the start of b, or 0.
func fzQuotedLen(b []byte) int {
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			return i + 1
		case c == '\\':
			if i+1 == len(b) {
				return 0
			}
			i++
			if d := b[i]; !(d == '\t' || d == ' ' || d >= 0x21 && d != 0x7f) {
				return 0
			}
		case c == '\t' || c == ' ' || c == 0x21 || 0x23 <= c && c <= 0x7e || c >= 0x80:
		default:
			return 0
		}
	}
	return 0
}
