package proto

import "encoding/binary"

// Character classes of RFC 9110 §5.6.2 (token) and §5.5 (field values), as lookup tables.

var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// fieldValueTable holds the bytes allowed inside a field value: HTAB, SP, VCHAR and obs-text.
var fieldValueTable = func() (t [256]bool) {
	t['\t'] = true
	for c := 0x20; c <= 0xff; c++ {
		t[c] = c != 0x7f
	}
	return t
}()

// IsTokenByte reports whether c may appear in a token (RFC 9110 §5.6.2).
func IsTokenByte(c byte) bool { return tokenTable[c] }

// IsFieldValueByte reports whether c may appear in a field value (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text.
func IsFieldValueByte(c byte) bool { return fieldValueTable[c] }

// ValidToken reports whether b is a non-empty token, the syntax of methods and field names.
func ValidToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenTable[c] {
			return false
		}
	}
	return true
}

// FieldValueLen returns the length of the longest prefix of b made of field-value bytes (HTAB, SP, VCHAR,
// obs-text). It checks eight bytes at a time: a word without a control byte or DEL needs no table look-up.
func FieldValueLen(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		ctl := (x - 0x20*ones) &^ x & highs // some byte < 0x20 (exact for "any", Hacker's Delight §6-1)
		y := x ^ 0x7f*ones
		del := (y - ones) &^ y & highs // some byte == 0x7f
		if ctl|del != 0 {
			break
		}
	}
	for ; i < len(b) && fieldValueTable[b[i]]; i++ {
	}
	return i
}

// ValidFieldValue reports whether b is a valid field value: only allowed bytes, and no leading or trailing
// whitespace (which a recipient would strip, so a sender must not rely on it).
func ValidFieldValue(b []byte) bool {
	if FieldValueLen(b) != len(b) {
		return false
	}
	return len(b) == 0 || (!isOWS(b[0]) && !isOWS(b[len(b)-1]))
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// TrimOWS strips optional whitespace (SP and HTAB, RFC 9110 §5.6.3) from both ends of b.
func TrimOWS(b []byte) []byte {
	for len(b) > 0 && isOWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isOWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// EqualFold reports whether b equals s ignoring ASCII case. It does not allocate.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
