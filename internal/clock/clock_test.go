package clock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/httpwire/httpwire/internal/clock"
)

// TestNowIsOrderedWithTimeNow: clock.Now keeps a monotonic reading, so it orders and subtracts exactly
// against time.Now's.
func TestNowIsOrderedWithTimeNow(t *testing.T) {
	for range 1000 {
		before := time.Now()
		now := clock.Now()
		after := time.Now()
		if now.Before(before) || now.After(after) {
			t.Fatalf("clock.Now %v is outside [%v, %v]", now, before, after)
		}
		if d := after.Sub(now); d < 0 || d > after.Sub(before) {
			t.Fatalf("after.Sub(now) = %v, outside [0, %v]", d, after.Sub(before))
		}
	}
	if s := clock.Now().String(); !strings.Contains(s, "m=+") {
		t.Fatalf("clock.Now() = %s carries no monotonic reading", s)
	}
	// The wall reading (Round(0) drops the monotonic one) is the system's, within the test's runtime.
	wall := clock.Now().Round(0)
	if d := time.Now().Round(0).Sub(wall); d < 0 || d > time.Minute {
		t.Fatalf("the wall reading of clock.Now is %v off the system's", d)
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
