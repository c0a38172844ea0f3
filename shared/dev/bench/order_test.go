package bench_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/bench"
)

// Issue 21 item 13: the cold starts come in an order where the anchor is
// measured as often and in the same positions as each function, after
// changing predecessors (the rotation it replaces kept hello-world always
// right after the reconciler).
func TestColdOrderIsBalancedAndMixed(t *testing.T) {
	const n, blocks = 14, 3
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := bench.ColdOrder(n, n*blocks, rng)
	if len(rounds) != n*blocks {
		t.Fatalf("%d rounds, want %d", len(rounds), n*blocks)
	}
	positions := make([][]int, n) // positions[binary][position] = times
	preds := make([]map[int]bool, n)
	for b := range n {
		positions[b] = make([]int, n)
		preds[b] = map[int]bool{}
	}
	for r, order := range rounds {
		if got := slices.Sorted(slices.Values(order)); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}) {
			t.Fatalf("round %d starts %v, not each binary once", r, order)
		}
		for j, b := range order {
			positions[b][j]++
			if j > 0 {
				preds[b][order[j-1]] = true
			}
		}
	}
	for b := range n {
		for j, times := range positions[b] {
			if times != blocks {
				t.Errorf("binary %d starts %d times in position %d, want %d (once a block)", b, times, j, blocks)
			}
		}
		if len(preds[b]) < n/2 {
			t.Errorf("binary %d follows only %d different binaries over %d rounds", b, len(preds[b]), len(rounds))
		}
	}
	// A partial block: every round still starts each binary once.
	for _, order := range bench.ColdOrder(5, 3, rng) {
		if got := slices.Sorted(slices.Values(order)); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			t.Errorf("partial block round %v", order)
		}
	}
}
