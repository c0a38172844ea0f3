package bench

import (
	"math"
	"testing"
)

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		q    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{7}, 0.5, 7},
		{[]float64{3, 1, 2}, 0.5, 2},
		{[]float64{4, 1, 3, 2}, 0.5, 2.5},
		{[]float64{1, 2, 3, 4, 5}, 0.25, 2},
		{[]float64{1, 2, 3, 4, 5}, 1, 5},
		{[]float64{1, 2, 3, 4, 5}, 0, 1},
	} {
		if got := quantile(tc.xs, tc.q); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("quantile(%v, %v) = %v, want %v", tc.xs, tc.q, got, tc.want)
		}
	}
}

func TestBlockRatios(t *testing.T) {
	a := []float64{2, 2, 2, 6, 6, 6, 1}
	b := []float64{1, 1, 1, 2, 2, 2, 1}
	got := blockRatios(a, b, 2)
	if len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Errorf("blockRatios = %v, want [2 3] (the last, short block dropped)", got)
	}
}

func TestSummary(t *testing.T) {
	ops := []string{"GetItem", "PutItem", "GetItem", "Query", "PutItem", "GetItem"}
	if got, want := summary(ops), "GetItem×3, PutItem×2, Query"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	if got, want := summaryPer(ops, 2), "GetItem×1.5, PutItem×1.0, Query×0.5"; got != want {
		t.Errorf("summaryPer = %q, want %q", got, want)
	}
	if got := writes(ops); got != 2 {
		t.Errorf("writes = %d, want 2", got)
	}
}
