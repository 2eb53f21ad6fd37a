package main

// A figure that misses its target (a rate below it in the medians, a CPU cost above it in the totals) is only
// a miss when the rounds say the shortfall is real: the machines here move 10–20% between runs, and two
// clients held back by the same server can trade places from one run to the next. The test is benchstat's,
// the Mann–Whitney U test, made one-sided (the question is only whether httpwire is on the wrong side), at
// benchstat's level.

// alpha is the significance level below which a shortfall counts as real: benchstat's default.
const alpha = 0.05

// pBelow is the one-sided p-value of "xs tends to be smaller than ys", by the exact distribution of the
// Mann–Whitney U statistic: the chance that, were every round drawn from one distribution, U would be at most
// the one observed. U counts the pairs in which the x is the larger, ties as half, and a half is rounded down;
// the distribution is that of rounds without ties, so with ties (which measured rates seldom have) the
// p-value is an approximation. When so few rounds that no outcome could fall below alpha (3 against 3 or
// fewer), a shortfall would never count: pBelow reports 0 then, and the medians alone decide.
func pBelow(xs, ys []float64) float64 { return pBelowByRun([][]float64{xs}, [][]float64{ys}) }

// pBelowByRun is pBelow over several runs, the rounds of run i being xs[i] and ys[i]: U is summed over the
// runs, each comparing only rounds of its own run (a stratified test), so that a run in which the whole
// machine was slower or faster does not blur the difference within each. The sum's distribution is the
// convolution of the runs' distributions. A run missing either side's rounds is left out.
func pBelowByRun(xs, ys [][]float64) float64 {
	// dist holds probabilities rather than counts, so that many runs (whose counts multiply) cannot
	// overflow; least is the smallest p-value there is: every x below every y in every run.
	dist, least := []float64{1}, 1.0
	twice := 0 // 2U, in whole numbers
	for i := range min(len(xs), len(ys)) {
		if len(xs[i]) == 0 || len(ys[i]) == 0 {
			continue
		}
		for _, x := range xs[i] {
			for _, y := range ys[i] {
				switch {
				case x > y:
					twice += 2
				case x == y:
					twice++
				}
			}
		}
		run := uDistribution(len(xs[i]), len(ys[i]))
		var all float64
		for _, count := range run {
			all += count
		}
		for u := range run {
			run[u] /= all
		}
		dist, least = convolve(dist, run), least/all
	}
	if least >= alpha {
		return 0
	}
	var atMost float64
	for _, p := range dist[:twice/2+1] {
		atMost += p
	}
	return min(atMost, 1)
}

// convolve returns the distribution of a sum of two independent statistics distributed as a and b.
func convolve(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, ca := range a {
		for j, cb := range b {
			out[i+j] += ca * cb
		}
	}
	return out
}

// uDistribution counts, for every u from 0 to n·m, the orderings of n xs and m ys (all distinct) in which
// exactly u pairs have the x larger. Taking away the largest of all: if it is an x, it was larger than all m
// ys; if a y, it was larger than no x. So count(n, m, u) = count(n-1, m, u-m) + count(n, m-1, u).
func uDistribution(n, m int) []float64 {
	// row[j] is the distribution for (i, j) as i goes from 0 to n.
	row := make([][]float64, m+1)
	for j := range row {
		row[j] = []float64{1} // no xs: one ordering, with U = 0
	}
	for i := 1; i <= n; i++ {
		next := make([][]float64, m+1)
		next[0] = []float64{1} // no ys: likewise
		for j := 1; j <= m; j++ {
			d := make([]float64, i*j+1)
			for u, c := range row[j] { // the largest is an x: u grows by j
				d[u+j] += c
			}
			for u, c := range next[j-1] { // the largest is a y
				d[u] += c
			}
			next[j] = d
		}
		row = next
	}
	return row[m]
}
