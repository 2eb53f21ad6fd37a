package h1

import "testing"

// TestJointTransitionsNeedATrigger holds the shortcut in settle: every pair of jointTransitions has a side in
// a state that triggers reports, so pairs of other states may skip the table.
func TestJointTransitionsNeedATrigger(t *testing.T) {
	for _, j := range jointTransitions {
		if !triggers(j.when[Client]) && !triggers(j.when[Server]) {
			t.Errorf("joint transition on %v, %v: neither state triggers", j.when[Client], j.when[Server])
		}
	}
}

// TestParseDecimal covers both paths of parseDecimal: up to 18 digits without overflow checks, and longer
// numbers with them, at the int64 limit.
func TestParseDecimal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"13", 13, true},
		{"007", 7, true},
		{"999999999999999999", 999999999999999999, true},
		{"1000000000000000000", 1000000000000000000, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false},
		{"1a", 0, false},
		{"12345678901234567x", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
	} {
		got, ok := parseDecimal([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseDecimal(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
