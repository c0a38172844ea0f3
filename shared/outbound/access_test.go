package outbound

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

// TestMentionRefusedOnSelfServe: a case's first Tweet X refuses on
// self-serve access (a programmatic @mention of a customer who never
// engaged with the brand) fails with x_access_forbids and a reason that
// proposes a Direct Message; one to a follower is sent.
func TestMentionRefusedOnSelfServe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{access: casework.AccessSelfServe})
	_, stranger, err := e.svc.CreateCase(context.Background(), casework.NewCase{
		CustomerID: sample.Customers[1].ID, HandleID: sample.Brands[0].HandleID, Text: "@bob_stranger hello from support"})
	if err != nil {
		t.Fatal(err)
	}
	follower := e.createCase("@alice_follows hello from support")
	e.runUntil(10*time.Second, func() bool { return e.final(stranger)() && e.final(follower)() })
	got := e.message(stranger)
	if got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != casework.EXAccessForbids ||
		!strings.Contains(got.Error.Detail, "send a Direct Message instead") {
		t.Errorf("stranger's Tweet = %+v (%+v), want failed x_access_forbids proposing a DM", got, got.Error)
	}
	if got := e.message(follower); got.Status != casework.StatusSent {
		t.Errorf("follower's Tweet = %+v, want sent", got)
	}
}
