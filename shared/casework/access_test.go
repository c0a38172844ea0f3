package casework_test

import (
	"errors"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
)

// selfServe rebuilds the environment's service with self-serve X access.
func (e *svcEnv) selfServe() {
	e.svc = casework.NewService(casework.Deps{Store: e.store, Outbox: e.out, Clock: func() time.Time { return e.now }, XAccess: casework.AccessSelfServe})
}

func TestParseXAccess(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want casework.XAccess
		ok   bool
	}{
		{"", casework.AccessSelfServe, true},
		{"self-serve", casework.AccessSelfServe, true},
		{"enterprise", casework.AccessEnterprise, true},
		{"pro", "", false},
	} {
		got, err := casework.ParseXAccess(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseXAccess(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if casework.NewService(casework.Deps{Store: memstore.New(), Outbox: &outbox{}}).XAccess() != casework.AccessSelfServe {
		t.Error("a service without an X access setting is not self-serve")
	}
}

// TestFollowOnSelfServe: following and unfollowing through the API are
// refused on self-serve access before anything is queued, with a link that
// does it on x.com; a follow that changes nothing still answers the state.
func TestFollowOnSelfServe(t *testing.T) {
	e := newSvcEnv(t)
	e.selfServe()
	for _, tc := range []struct {
		name     string
		do       func() error
		wantLink string
	}{
		{"follow", func() error { _, _, err := e.svc.Follow(e.ctx, e.bob.ID, e.acme.ID); return err },
			"https://x.com/intent/follow?screen_name=bob_stranger&user_id=2000000000000000002"},
		{"unfollow", func() error {
			_, err := e.store.SetBrandFollowsCustomer(e.ctx, e.bob.ID, e.acme.ID, true, e.now)
			must(t, err)
			_, _, err = e.svc.Unfollow(e.ctx, e.bob.ID, e.acme.ID)
			return err
		}, "https://x.com/bob_stranger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if casework.ErrorCode(err) != casework.EXAccessForbids {
				t.Fatalf("err = %v, want %s", err, casework.EXAccessForbids)
			}
			var ae *casework.Error
			if !errors.As(err, &ae) || ae.Extra["intent_url"] != tc.wantLink || ae.Extra["x_access"] != "self-serve" {
				t.Errorf("extra = %v, want intent_url %s and x_access self-serve", ae.Extra, tc.wantLink)
			}
			if n := len(e.out.queued()); n != 0 {
				t.Errorf("%d commands queued, want none", n)
			}
		})
	}
	// bob is followed now (set above): following again changes nothing and
	// answers the state, as on Enterprise.
	f, queued, err := e.svc.Follow(e.ctx, e.bob.ID, e.acme.ID)
	if err != nil || queued || !f.State.BrandFollowsCustomer {
		t.Errorf("Follow of a followed customer = %+v, %v, %v; want the state, nothing queued", f, queued, err)
	}
}

// TestSummonedReplies: on self-serve access a mention reply is allowed only
// to a Post whose author @mentioned the brand handle, quoted one of its
// Posts, or that is the brand handle's own; the reply options say so per
// brand handle, and a reply X would refuse is refused before anything is
// queued. Enterprise allows every reply.
func TestSummonedReplies(t *testing.T) {
	e := newSvcEnv(t)
	deals := &casework.BrandHandle{ID: casework.NewID(e.now), ScreenName: "AcmeDeals", XUserID: "1000000000000000003", Status: casework.HandleConnected}
	must(t, e.store.PutHandle(e.ctx, deals))
	brandTweet := casework.Message{ID: casework.NewID(e.now), CaseID: e.openCase(t, e.bob.ID, casework.ChannelTweet, casework.CaseOpen).ID,
		Direction: casework.DirectionOut, Kind: casework.KindTweet, Text: "@bob_stranger new prices", Status: casework.StatusSent,
		XID: "3000000000000000009", Author: casework.Author{HandleID: deals.ID, ScreenName: "AcmeDeals"}, CreatedAt: e.now}
	must(t, e.store.PutMessage(e.ctx, &brandTweet))
	caseWith := func(text, quoted string) string {
		c := e.openCase(t, e.bob.ID, casework.ChannelTweet, casework.CaseOpen)
		m := casework.Message{ID: casework.NewID(e.now), CaseID: c.ID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
			Text: text, Status: casework.StatusReceived, XID: "30000000000000" + c.ID[len(c.ID)-5:], QuotedXID: quoted,
			Author: casework.Author{CustomerID: e.bob.ID, ScreenName: "bob_stranger"}, CreatedAt: e.now}
		must(t, e.store.PutMessage(e.ctx, &m))
		return c.ID
	}
	mentionsSupport := caseWith("@AcmeSupport my order is late", "")
	quotesDeals := caseWith("is this true?", brandTweet.XID)
	plain := caseWith("acme is late again", "")
	permits := func(caseID string) map[string]casework.MentionPermit {
		t.Helper()
		opts, err := e.svc.ReplyOptions(e.ctx, caseID)
		must(t, err)
		out := map[string]casework.MentionPermit{}
		for _, h := range opts.Handles {
			out[h.Handle.ScreenName] = h.Modes[0].Permit
		}
		return out
	}
	for _, tc := range []struct {
		name, caseID       string
		supportOK, dealsOK bool
		access             casework.XAccess
	}{
		{"mention of AcmeSupport", mentionsSupport, true, false, casework.AccessSelfServe},
		{"quote of an AcmeDeals Post", quotesDeals, false, true, casework.AccessSelfServe},
		{"neither", plain, false, false, casework.AccessSelfServe},
		{"neither on Enterprise", plain, true, true, casework.AccessEnterprise},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.svc = casework.NewService(casework.Deps{Store: e.store, Outbox: e.out, Clock: func() time.Time { return e.now }, XAccess: tc.access})
			p := permits(tc.caseID)
			for handle, ok := range map[string]bool{"AcmeSupport": tc.supportOK, "AcmeDeals": tc.dealsOK} {
				if p[handle].Allowed != ok || !ok && (p[handle].Code != casework.EReplyNotSummoned || p[handle].Reason == "") {
					t.Errorf("@%s: permit %+v, want allowed %v", handle, p[handle], ok)
				}
				id := e.acme.ID
				if handle == "AcmeDeals" {
					id = deals.ID
				}
				before := len(e.out.queued())
				_, err := e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: tc.caseID, Mode: casework.ModeMention, HandleID: id, Text: "@bob_stranger on it " + handle + tc.name})
				if ok && err != nil || !ok && casework.ErrorCode(err) != casework.EReplyNotSummoned {
					t.Errorf("@%s: reply err = %v, want allowed %v", handle, err, ok)
				}
				if queued := len(e.out.queued()) - before; queued != map[bool]int{true: 1, false: 0}[ok] {
					t.Errorf("@%s: %d commands queued", handle, queued)
				}
			}
		})
	}
}
