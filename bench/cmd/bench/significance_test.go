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

// TestPBelowByRun: the stratified test compares rounds within each run only. Five runs, each with httpwire
// below the other in every round, but each run faster as a whole than the one before, are a clear shortfall
// (U = 0 in every run: p = 1/252⁵), where pooling the rounds would mix the runs' levels and see none.
func TestPBelowByRun(t *testing.T) {
	var xs, ys [][]float64
	var flatX, flatY []float64
	for run := range 5 {
		level := float64(100 * run)
		xs = append(xs, []float64{level + 1, level + 2, level + 3, level + 4, level + 5})
		ys = append(ys, []float64{level + 6, level + 7, level + 8, level + 9, level + 10})
		flatX, flatY = append(flatX, xs[run]...), append(flatY, ys[run]...)
	}
	if got, want := pBelowByRun(xs, ys), math.Pow(252, -5); math.Abs(got-want) > want*1e-9 {
		t.Errorf("five runs, each every x below every y: p = %v, want %v", got, want)
	}
	if flat := pBelow(flatX, flatY); flat < alpha {
		t.Fatalf("pooled, the rounds were meant to look alike: p = %v", flat)
	}
	// Two runs of 3 against 3: neither alone can reach alpha (1/20), together they can (1/400).
	if got := pBelowByRun([][]float64{{1, 2, 3}, {1, 2, 3}}, [][]float64{{4, 5, 6}, {4, 5, 6}}); math.Abs(got-1.0/400) > 1e-15 {
		t.Errorf("two runs of 3 and 3, all below: p = %v, want 1/400", got)
	}
	// U sums over the runs: U = 4 in one and 0 in the other; count(U1+U2 ≤ 4) = Σ count5(k)·cum5(4-k), with
	// count5 = 1, 1, 2, 3, 5 and its running sums 1, 2, 4, 7, 12: 1·12 + 1·7 + 2·4 + 3·2 + 5·1 = 38.
	got := pBelowByRun([][]float64{{1, 2, 3, 4, 10}, {1, 2, 3, 4, 5}}, [][]float64{{5, 6, 7, 8, 11}, {6, 7, 8, 9, 10}})
	if want := 38.0 / (252 * 252); math.Abs(got-want) > 1e-15 {
		t.Errorf("U = 4 and 0: p = %v, want %v", got, want)
	}
	// A run missing a side is left out; one run alone is pBelow.
	one := pBelowByRun([][]float64{{1, 2, 3, 4, 10}, nil, {9, 9}}, [][]float64{{5, 6, 7, 8, 11}, {1, 2}, nil})
	if want := pBelow([]float64{1, 2, 3, 4, 10}, []float64{5, 6, 7, 8, 11}); one != want {
		t.Errorf("one complete run among three: p = %v, want pBelow's %v", one, want)
	}
}

// TestPBelowManyRuns: the counts of many runs multiply beyond any float (252^129 overflows); the p-value
// stays a number, and a shortfall in every run stays significant.
func TestPBelowManyRuns(t *testing.T) {
	var xs, ys [][]float64
	for range 200 {
		xs = append(xs, []float64{1, 2, 3, 4, 5})
		ys = append(ys, []float64{6, 7, 8, 9, 10})
	}
	if p := pBelowByRun(xs, ys); math.IsNaN(p) || p >= alpha {
		t.Errorf("200 runs, every x below every y: p = %v", p)
	}
	if p := pBelowByRun(ys, xs); math.IsNaN(p) || p < 0.99 {
		t.Errorf("200 runs, every x above every y: p = %v, want 1 (within rounding)", p)
	}
}
