package bench

import (
	"slices"
	"time"
)

// quantile returns the q-quantile (0 ≤ q ≤ 1) of xs by linear
// interpolation between the closest ranks; NaN-free for a non-empty xs, 0
// for an empty one.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	frac := pos - float64(lo)
	return s[lo] + frac*(s[lo+1]-s[lo])
}

func median(xs []float64) float64 { return quantile(xs, 0.5) }

// Spread is a ratio measured over several interleaved rounds: the median
// of the rounds' ratios and their interquartile range.
type Spread struct {
	Median, P25, P75 float64
	// Rounds is how many rounds the ratios came from.
	Rounds int
}

// spreadOf summarises per-round ratios.
func spreadOf(ratios []float64) Spread {
	return Spread{Median: median(ratios), P25: quantile(ratios, 0.25), P75: quantile(ratios, 0.75), Rounds: len(ratios)}
}

// ms converts durations to float milliseconds.
func ms(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

// blockRatios splits two equally long, interleaved series of latencies
// into blocks consecutive samples and returns, per block, the median of a
// over the median of b.
func blockRatios(a, b []float64, blocks int) []float64 {
	n := min(len(a), len(b))
	if blocks < 1 {
		blocks = 1
	}
	size := max(n/blocks, 1)
	var out []float64
	for start := 0; start+size <= n; start += size {
		if mb := median(b[start : start+size]); mb > 0 {
			out = append(out, median(a[start:start+size])/mb)
		}
	}
	return out
}
