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

// TestBudgetCapsTheSpend: with a $0.05 monthly budget on @AcmeSupport, a
// case's first Tweet and two plain replies ($0.015 each) are sent and
// recorded once each, however often their commands run; the fourth send
// is refused before X is called; a send queued before the budget was
// lowered fails in the worker without calling X.
func TestBudgetCapsTheSpend(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ctx := context.Background()
	setBudget := func(usd string) {
		t.Helper()
		b, err := casework.ParseUSD(usd)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.UpdateHandle(ctx, sample.Brands[0].HandleID, casework.HandlePatch{MonthlyBudget: &b}); err != nil {
			t.Fatal(err)
		}
	}
	spent := func() string {
		t.Helper()
		u, err := e.svc.Usage(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var sum casework.Micros
		for _, tot := range u.Totals {
			if tot.HandleID == sample.Brands[0].HandleID {
				sum += tot.Amount
			}
		}
		return sum.USD()
	}
	setBudget("0.05")
	first := e.createCase("@alice_follows hello from support")
	e.runUntil(10*time.Second, e.final(first))
	for i := range 2 {
		m := e.reply(first.CaseID, casework.ModeMention, "@alice_follows more news "+string(rune('a'+i)))
		e.runUntil(10*time.Second, e.final(m))
		if got := e.message(m); got.Status != casework.StatusSent {
			t.Fatalf("reply %d: %+v", i, got)
		}
	}
	if got := spent(); got != "0.045" {
		t.Errorf("spent %s after three sends, want 0.045", got)
	}
	// The first Tweet's command again (a redelivery): nothing more is spent.
	cmd := casework.Command{ID: first.ID, Kind: casework.CmdTweet, HandleID: first.Author.HandleID, CaseID: first.CaseID, MessageID: first.ID, CreatedAt: first.CreatedAt}
	must(t, e.queue.Enqueue(ctx, cmd))
	e.drain()
	if got := spent(); got != "0.045" {
		t.Errorf("spent %s after a redelivery, want 0.045", got)
	}
	posted := e.tweetsPosted()
	_, err := e.svc.Reply(ctx, casework.ReplyRequest{CaseID: first.CaseID, Mode: casework.ModeMention, Text: "@alice_follows one more"})
	if casework.ErrorCode(err) != casework.EXBudgetExhausted {
		t.Fatalf("fourth send: %v, want %s", err, casework.EXBudgetExhausted)
	}
	// Queued within the budget, then the budget is lowered: the worker
	// checks again and X is not called.
	setBudget("0.06")
	queued := e.reply(first.CaseID, casework.ModeMention, "@alice_follows last one")
	setBudget("0.05")
	e.runUntil(10*time.Second, e.final(queued))
	if got := e.message(queued); got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != casework.EXBudgetExhausted {
		t.Errorf("send over the budget in the worker = %+v", got)
	}
	if n := e.tweetsPosted(); n != posted {
		t.Errorf("%d Tweets posted after the budget was spent", n-posted)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCreditsExhaustedPausesCallsToX: when X answers 402 the message fails
// x_credits_exhausted, and the next sends fail the same way without any
// call to X until the pause has passed.
func TestCreditsExhaustedPausesCallsToX(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	first := e.createCase("@alice_follows hello from support")
	e.runUntil(10*time.Second, e.final(first))
	e.sim.SetCredits(0)
	calls := len(e.sim.Calls())
	refused := e.reply(first.CaseID, casework.ModeMention, "@alice_follows more")
	e.runUntil(10*time.Second, e.final(refused))
	if got := e.message(refused); got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != casework.ECreditsExhausted {
		t.Fatalf("send with the credits spent = %+v", got)
	}
	if n := len(e.sim.Calls()) - calls; n != 1 {
		t.Errorf("%d calls to X for the refused send, want 1 (no retry storm)", n)
	}
	until, err := e.store.XPausedUntil(context.Background())
	if err != nil || time.Until(until) < 10*time.Minute {
		t.Errorf("pause until %v (%v), want about 15 minutes from now", until, err)
	}
	calls = len(e.sim.Calls())
	paused := e.reply(first.CaseID, casework.ModeMention, "@alice_follows and more")
	e.runUntil(10*time.Second, e.final(paused))
	if got := e.message(paused); got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != casework.ECreditsExhausted ||
		!strings.Contains(got.Error.Detail, "paused until") {
		t.Errorf("send during the pause = %+v", got.Error)
	}
	if n := len(e.sim.Calls()) - calls; n != 0 {
		t.Errorf("%d calls to X during the pause, want none", n)
	}
}
