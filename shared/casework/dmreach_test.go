package casework_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// fakeReach is X's answer on reaching users by DM, by X user id.
type fakeReach struct {
	answers map[string]casework.DMReach
	err     error
	calls   int
}

func (f *fakeReach) DMReach(ctx context.Context, as *casework.BrandHandle, xUserID string) (casework.DMReach, error) {
	f.calls++
	if f.err != nil {
		return casework.DMReach{}, f.err
	}
	return f.answers[xUserID], nil
}

// TestReplyOptionsAskXWhoAcceptsDMs: the DM mode follows X's
// receives_your_dm, asked as the brand handle once per DMReachTTL, and a
// customer without X Chat keys is offered no DM, with the reason.
func TestReplyOptionsAskXWhoAcceptsDMs(t *testing.T) {
	e := newSvcEnv(t)
	e.now = casework.XChatCutover.Add(time.Hour) // X Chat only
	x := &fakeReach{answers: map[string]casework.DMReach{
		e.alice.Twitter.XUserID: {ReceivesDM: false, ChatKeys: true}, // follows, but X says no
		e.bob.Twitter.XUserID:   {ReceivesDM: true, ChatKeys: true},  // follows nobody, accepts DMs
	}}
	e.svc = casework.NewService(casework.Deps{Store: e.store, Outbox: e.out, Clock: func() time.Time { return e.now },
		XAccess: casework.AccessEnterprise, Reach: x})
	options := func(caseID string) casework.HandleOptions {
		t.Helper()
		opts, err := e.svc.ReplyOptions(e.ctx, caseID)
		must(t, err)
		return opts.Handles[0]
	}
	dm := func(ho casework.HandleOptions) (casework.DMReason, bool) {
		for _, m := range ho.Modes {
			if m.Mode == casework.ModeDM {
				return m.Reason, true
			}
		}
		return "", false
	}
	aliceCase := e.openCase(t, e.alice.ID, casework.ChannelTweet, casework.CaseNew).ID
	bobCase := e.openCase(t, e.bob.ID, casework.ChannelDM, casework.CaseNew).ID

	if r, ok := dm(options(bobCase)); !ok || r != casework.DMCustomerAcceptsDMs {
		t.Errorf("bob: dm %v (%q), want offered: X says he accepts DMs", ok, r)
	}
	if _, ok := dm(options(aliceCase)); ok {
		t.Error("alice: dm offered though X says she does not accept the brand's DMs")
	}
	_, err := e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: aliceCase, Mode: casework.ModeDM, Text: "hi"})
	wantCode(t, err, casework.EDMNotAllowed)
	if x.calls != 2 {
		t.Fatalf("%d look-ups, want one per customer", x.calls)
	}
	// Within the TTL: no look-up, unless X reported a follow since, which
	// asks X again.
	e.now = e.now.Add(casework.DMReachTTL - time.Minute)
	options(bobCase)
	if x.calls != 2 {
		t.Errorf("%d look-ups within the TTL, want 2", x.calls)
	}
	_, err = e.store.SetCustomerFollowsBrand(e.ctx, e.alice.ID, e.acme.ID, true, e.now)
	must(t, err)
	x.answers[e.alice.Twitter.XUserID] = casework.DMReach{ReceivesDM: true, ChatKeys: true}
	if r, ok := dm(options(aliceCase)); !ok || r != casework.DMCustomerFollows || x.calls != 3 {
		t.Errorf("alice after a new follow: dm %v (%q), %d look-ups", ok, r, x.calls)
	}
	// After it: asked again; a customer without X Chat keys gets no DM, and
	// the reason.
	e.now = e.now.Add(2 * time.Minute)
	x.answers[e.bob.Twitter.XUserID] = casework.DMReach{ReceivesDM: true, ChatKeys: false}
	ho := options(bobCase)
	if _, ok := dm(ho); ok || ho.DMUnavailable == nil || ho.DMUnavailable.Code != casework.ECustomerHasNoChatKeys || x.calls != 4 {
		t.Errorf("bob without keys: %+v (unavailable %+v), %d look-ups", ho.Modes, ho.DMUnavailable, x.calls)
	}
	// Before X's cutover too: X would still take a legacy DM, but the
	// product sends every DM through X Chat, which X refuses for a customer
	// without keys (customer_has_no_chat_keys on the message), so it is not
	// offered then either.
	before := e.now
	e.now = casework.XChatCutover.Add(-time.Minute)
	if ho := options(bobCase); ho.DMUnavailable == nil || ho.DMUnavailable.Code != casework.ECustomerHasNoChatKeys {
		t.Errorf("bob without keys before the cutover: %+v (unavailable %+v), want no DM", ho.Modes, ho.DMUnavailable)
	}
	e.now = before
	// X failing leaves what was recorded.
	e.now = e.now.Add(2 * casework.DMReachTTL)
	x.err = errors.New("X is down")
	if ho := options(bobCase); ho.DMUnavailable == nil {
		t.Errorf("with X down: %+v", ho)
	}
	// A customer who wrote by DM can be answered whatever X said.
	x.err = nil
	x.answers[e.bob.Twitter.XUserID] = casework.DMReach{ReceivesDM: false, ChatKeys: true}
	must(t, e.store.SetCustomerWroteByDM(e.ctx, e.bob.ID, e.acme.ID, e.now))
	if r, ok := dm(options(bobCase)); !ok || r != casework.DMCustomerWroteByDM {
		t.Errorf("bob after writing: dm %v (%q)", ok, r)
	}
}
