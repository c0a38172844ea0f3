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
