package clock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/internal/clock"
)

// TestAtIsOrderedWithTimeNow: a time from At keeps a monotonic reading, so it orders and subtracts exactly
// against time.Now's.
func TestAtIsOrderedWithTimeNow(t *testing.T) {
	for range 1000 {
		before := time.Now()
		now := clock.At(clock.Mono())
		after := time.Now()
		if now.Before(before) || now.After(after) {
			t.Fatalf("clock.At %v is outside [%v, %v]", now, before, after)
		}
		if d := after.Sub(now); d < 0 || d > after.Sub(before) {
			t.Fatalf("after.Sub(now) = %v, outside [0, %v]", d, after.Sub(before))
		}
	}
	if s := clock.At(clock.Mono()).String(); !strings.Contains(s, "m=+") {
		t.Fatalf("clock.At = %s carries no monotonic reading", s)
	}
	// The wall reading (Round(0) drops the monotonic one) is the system's, within the test's runtime.
	wall := clock.At(clock.Mono()).Round(0)
	if d := time.Now().Round(0).Sub(wall); d < 0 || d > time.Minute {
		t.Fatalf("the wall reading of clock.At is %v off the system's", d)
	}
}

// TestMonoAndAt: Mono never goes back, and At places a reading between the times.Now around it.
func TestMonoAndAt(t *testing.T) {
	last := clock.Mono()
	for range 1000 {
		before := time.Now()
		m := clock.Mono()
		after := time.Now()
		if m < last {
			t.Fatalf("Mono went back from %v to %v", last, m)
		}
		last = m
		if at := clock.At(m); at.Before(before) || at.After(after) {
			t.Fatalf("At(Mono()) = %v is outside [%v, %v]", at, before, after)
		}
	}
}
