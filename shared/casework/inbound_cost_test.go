package casework_test

import (
	"context"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// TestInboundCostCounted: each delivered event X bills is counted once
// against the brand handle's month (a redelivery adds nothing); the
// brand's own sent DM is not billed.
func TestInboundCostCounted(t *testing.T) {
	e := newEnv(t)
	mention := tweet(tweetOpts{id: "5001", text: "@AcmeSupport my order", at: ts(1)})
	e.mustDeliver(mention, mention,
		follow("follow", aliceX, brandX, ts(2)),
		dm("6001", aliceX, "alice_follows", brandX, "hello", ts(3)),
		dm("6002", brandX, brandName, aliceX, "hi Alice", ts(4)))
	totals, err := e.store.MonthSpend(context.Background(), casework.Month(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[casework.PriceKind]int64{}
	var sum casework.Micros
	for _, tot := range totals {
		if tot.HandleID != e.brand.ID {
			t.Errorf("total of %s: %+v", tot.HandleID, tot)
		}
		got[tot.Kind] = tot.Calls
		sum += tot.Amount
	}
	want := map[casework.PriceKind]int64{casework.PriceEventPost: 1, casework.PriceEventFollow: 1, casework.PriceEventDM: 1}
	if len(got) != len(want) || got[casework.PriceEventPost] != 1 || got[casework.PriceEventFollow] != 1 || got[casework.PriceEventDM] != 1 || sum.USD() != "0.025" {
		t.Errorf("inbound cost = %v ($%s), want %v ($0.025)", got, sum.USD(), want)
	}
}
