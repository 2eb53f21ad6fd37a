package main

import (
	"math"
	"testing"
)

// TestUDistribution: the counts are those of the textbook tables: for 5 and 5 rounds, U = 0..5 has 1, 1, 2,
// 3, 5 and 7 orderings (the partitions of u into at most 5 parts of at most 5), they add up to C(n+m, n), and
// the distribution is symmetric about n·m/2.
func TestUDistribution(t *testing.T) {
	d := uDistribution(5, 5)
	for u, want := range []float64{1, 1, 2, 3, 5, 7} {
		if d[u] != want {
			t.Errorf("5 and 5: count(U = %d) = %v, want %v", u, d[u], want)
		}
	}
	for _, c := range []struct{ n, m, all int }{{5, 5, 252}, {4, 7, 330}, {3, 3, 20}, {1, 6, 7}, {15, 15, 155117520}} {
		d := uDistribution(c.n, c.m)
		if len(d) != c.n*c.m+1 {
			t.Fatalf("%d and %d: %d values of U, want %d", c.n, c.m, len(d), c.n*c.m+1)
		}
		var sum float64
		for u, count := range d {
			sum += count
			if mirror := d[c.n*c.m-u]; count != mirror {
				t.Errorf("%d and %d: count(U = %d) = %v but count(U = %d) = %v", c.n, c.m, u, count, c.n*c.m-u, mirror)
			}
		}
		if sum != float64(c.all) {
			t.Errorf("%d and %d: %v orderings, want C(%d, %d) = %d", c.n, c.m, sum, c.n+c.m, c.n, c.all)
		}
	}
}

// TestPBelow: p-values of the exact test, from orderings whose U is known.
func TestPBelow(t *testing.T) {
	below := []float64{1, 2, 3, 4, 5}
	above := []float64{6, 7, 8, 9, 10}
	for _, c := range []struct {
		name   string
		xs, ys []float64
		want   float64
	}{
		{"every x below every y", below, above, 1.0 / 252},
		{"every x above", above, below, 1},
		// The 10 above four of the ys: U = 4, and count(U ≤ 4) = 1+1+2+3+5 = 12 of 252.
		{"U = 4", []float64{1, 2, 3, 4, 10}, []float64{5, 6, 7, 8, 11}, 12.0 / 252},
		{"U = 5", []float64{1, 2, 3, 4, 10}, []float64{5, 6, 7, 8, 9}, 19.0 / 252},
		// All tied: U = 12.5, taken as 12, and P(U ≤ 12) is half by symmetry.
		{"all tied", []float64{3, 3, 3, 3, 3}, []float64{3, 3, 3, 3, 3}, 0.5},
		// 3 against 3: the best p-value is 1/20, not below alpha, so no test: 0, and the medians decide.
		{"too few rounds", []float64{1, 2, 3}, []float64{4, 5, 6}, 0},
		{"no rounds", nil, above, 0},
		// 3 against 4 can reach 1/35.
		{"3 and 4", []float64{1, 2, 3}, []float64{4, 5, 6, 7}, 1.0 / 35},
	} {
		if got := pBelow(c.xs, c.ys); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: p = %v, want %v", c.name, got, c.want)
		}
	}
	// On the line between U = 4 and U = 5 for 5 and 5 lies alpha: 12/252 is below it, 19/252 is not.
	if !(12.0/252 < alpha && 19.0/252 >= alpha) {
		t.Fatalf("alpha %v is not where the vectors above assume", alpha)
	}
}
