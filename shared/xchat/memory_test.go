package xchat

import (
	"context"
	"testing"
)

// TestLongLivedChatDoesNotGrow: a Chat used for many messages keeps a
// bounded number of JavaScript values and a stable wasm memory. Values the
// engine drops are freed by the sweep; without it every call would leave
// its parameters and results behind.
func TestLongLivedChatDoesNotGrow(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	keys := []SigningKey{brand.signingKey(), customer.signingKey()}
	cv := startConversation(t, brand, customer)
	conv := ConversationKeys{cv.version: cv.key}

	const warmup, rounds = 40, 150
	var pagesAfterWarmup uint32
	maxVals := 0
	for i := range rounds {
		_, ev := cv.send(t, brand, cv.key, "how can we help?")
		if _, err := customer.chat.DecryptEvent(ctx, ev, conv, keys); err != nil {
			t.Fatal(err)
		}
		if _, err := customer.chat.DecryptEvents(ctx, []string{cv.keyChange, ev}, keys); err != nil {
			t.Fatal(err)
		}
		if err := customer.chat.SetSigningKeys(ctx, keys); err != nil {
			t.Fatal(err)
		}
		maxVals = max(maxVals, len(customer.chat.h.vals))
		if i == warmup {
			pagesAfterWarmup = customer.chat.h.mod.Memory().Size() / 65536
		}
	}
	pages := customer.chat.h.mod.Memory().Size() / 65536
	t.Logf("after %d rounds: %d values held (at most %d), wasm memory %d pages (%d after %d rounds), %d handles issued",
		rounds, len(customer.chat.h.vals), maxVals, pages, pagesAfterWarmup, warmup, customer.chat.h.next)
	if pages != pagesAfterWarmup {
		t.Errorf("wasm memory grew from %d to %d pages between round %d and %d", pagesAfterWarmup, pages, warmup, rounds)
	}
	if maxVals > 4*minSweep {
		t.Errorf("the Chat held %d values at once; the sweep keeps them under %d", maxVals, 4*minSweep)
	}
	if customer.chat.h.next < 8*minSweep {
		t.Fatalf("only %d handles issued: the test did not exercise the sweep", customer.chat.h.next)
	}
}
