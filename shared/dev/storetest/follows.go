package storetest

import (
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func testFollowEventsInAnyOrder(t *testing.T, f *fixture) {
	t1, t2, t3 := base, base.Add(time.Minute), base.Add(2*time.Minute)
	type event struct {
		brand   bool // the brand handle's direction, else the customer's
		follows bool
		at      time.Time
		changed bool
	}
	tests := []struct {
		name                string
		events              []event
		customerFollows     bool
		brandFollows        bool
		customerAt, brandAt time.Time
	}{
		{"customer follows", []event{{false, true, t1, true}}, true, false, t1, time.Time{}},
		{"unfollow at t2, then a late follow at t1", []event{{false, false, t2, true}, {false, true, t1, false}}, false, false, t2, time.Time{}},
		{"follow at t1, then unfollow at t2", []event{{false, true, t1, true}, {false, false, t2, true}}, false, false, t2, time.Time{}},
		{"the same event twice", []event{{false, true, t1, true}, {false, true, t1, false}}, true, false, t1, time.Time{}},
		{"brand follows, late unfollow ignored", []event{{true, true, t3, true}, {true, false, t2, false}}, false, true, time.Time{}, t3},
		{"directions are independent", []event{{true, true, t2, true}, {false, true, t1, true}, {false, false, t3, true}}, false, true, t3, t2},
	}
	s := f.store
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			customer, handle := idAt(i), "handle-1"
			for j, e := range tt.events {
				var changed bool
				var err error
				if e.brand {
					changed, err = s.SetBrandFollowsCustomer(f.ctx, customer, handle, e.follows, e.at)
				} else {
					changed, err = s.SetCustomerFollowsBrand(f.ctx, customer, handle, e.follows, e.at)
				}
				must(t, err)
				if changed != e.changed {
					t.Fatalf("event %d changed = %v, want %v", j, changed, e.changed)
				}
			}
			got, err := s.Follow(f.ctx, customer, handle)
			must(t, err)
			want := casework.FollowState{
				CustomerID: customer, HandleID: handle,
				CustomerFollowsBrand: tt.customerFollows, BrandFollowsCustomer: tt.brandFollows,
				CustomerFollowsAt: tt.customerAt, BrandFollowsAt: tt.brandAt,
			}
			if !got.CustomerFollowsAt.Equal(want.CustomerFollowsAt) || !got.BrandFollowsAt.Equal(want.BrandFollowsAt) {
				t.Fatalf("times %v %v, want %v %v", got.CustomerFollowsAt, got.BrandFollowsAt, want.CustomerFollowsAt, want.BrandFollowsAt)
			}
			got.CustomerFollowsAt, got.BrandFollowsAt = want.CustomerFollowsAt, want.BrandFollowsAt
			if got != want {
				t.Fatalf("state %+v, want %+v", got, want)
			}
			if got.AllowsDM() != tt.customerFollows {
				t.Fatal("AllowsDM disagrees")
			}
		})
	}
	_, err := s.SetCustomerFollowsBrand(f.ctx, "c", "h", true, time.Time{})
	WantCode(t, err, casework.EValidation)
}

func testFollowPendingAndList(t *testing.T, f *fixture) {
	s := f.store
	customer := idAt(1)

	// No record: the zero state, and clearing creates none.
	got, err := s.Follow(f.ctx, customer, "h1")
	must(t, err)
	if got != (casework.FollowState{CustomerID: customer, HandleID: "h1"}) {
		t.Fatalf("zero state %+v", got)
	}
	must(t, s.SetFollowPending(f.ctx, customer, "h1", "", casework.Agent{}))
	list, err := s.FollowsOf(f.ctx, customer)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("clearing made a record: %+v", list)
	}

	must(t, s.SetFollowPending(f.ctx, customer, "h1", casework.ActionFollow, casework.Agent{}))
	if got, _ := s.Follow(f.ctx, customer, "h1"); got.Pending != casework.ActionFollow {
		t.Fatalf("pending %q", got.Pending)
	}
	// X confirms: the brand now follows, and nothing is pending.
	changed, err := s.SetBrandFollowsCustomer(f.ctx, customer, "h1", true, base)
	must(t, err)
	got, err = s.Follow(f.ctx, customer, "h1")
	must(t, err)
	if !changed || !got.BrandFollowsCustomer || got.Pending != "" {
		t.Fatalf("after confirmation %+v (changed %v)", got, changed)
	}
	// An unfollow asked and then given up.
	must(t, s.SetFollowPending(f.ctx, customer, "h1", casework.ActionUnfollow, casework.Agent{}))
	must(t, s.SetFollowPending(f.ctx, customer, "h1", "", casework.Agent{}))
	got, err = s.Follow(f.ctx, customer, "h1")
	must(t, err)
	if got.Pending != "" || !got.BrandFollowsCustomer {
		t.Fatalf("after clearing %+v", got)
	}
	WantCode(t, s.SetFollowPending(f.ctx, customer, "h1", "block", casework.Agent{}), casework.EValidation)

	// A late (older) brand event changes nothing, not even pending.
	must(t, s.SetFollowPending(f.ctx, customer, "h1", casework.ActionUnfollow, casework.Agent{}))
	changed, err = s.SetBrandFollowsCustomer(f.ctx, customer, "h1", false, base.Add(-time.Hour))
	must(t, err)
	got, _ = s.Follow(f.ctx, customer, "h1")
	if changed || got.Pending != casework.ActionUnfollow {
		t.Fatalf("a late event changed %v, pending %q", changed, got.Pending)
	}

	_, err = s.SetCustomerFollowsBrand(f.ctx, customer, "h2", true, base)
	must(t, err)
	// The customer's own record shares the partition; it is not a follow.
	must(t, s.PutCustomer(f.ctx, newCustomer(1, "Jo Six", nil, nil, "", "")))
	list, err = s.FollowsOf(f.ctx, customer)
	must(t, err)
	if len(list) != 2 || list[0].HandleID != "h1" || list[1].HandleID != "h2" || !list[1].CustomerFollowsBrand {
		t.Fatalf("follows %+v", list)
	}
	list, err = s.FollowsOf(f.ctx, idAt(2))
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("follows of a stranger %+v", list)
	}
}

// TestCustomerWroteByDM: the latest DM time is kept whatever the order the
// DMs are recorded in, beside the follow state, and opens DMs.
func testCustomerWroteByDM(t *testing.T, f *fixture) {
	s := f.store
	customer := idAt(2)
	must(t, s.SetCustomerWroteByDM(f.ctx, customer, "h1", base.Add(time.Minute)))
	must(t, s.SetCustomerWroteByDM(f.ctx, customer, "h1", base)) // a late, older DM
	got, err := s.Follow(f.ctx, customer, "h1")
	must(t, err)
	if !got.CustomerDMAt.Equal(base.Add(time.Minute)) || got.CustomerFollowsBrand || got.DMReason() != casework.DMCustomerWroteByDM {
		t.Fatalf("after two DMs %+v (reason %q)", got, got.DMReason())
	}
	if _, err := s.SetCustomerFollowsBrand(f.ctx, customer, "h1", true, base); err != nil {
		t.Fatal(err)
	}
	list, err := s.FollowsOf(f.ctx, customer)
	must(t, err)
	if len(list) != 1 || !list[0].CustomerDMAt.Equal(base.Add(time.Minute)) || list[0].DMReason() != casework.DMCustomerFollows {
		t.Fatalf("follows %+v", list)
	}
	WantCode(t, s.SetCustomerWroteByDM(f.ctx, customer, "h1", time.Time{}), casework.EValidation)
}

// testCustomerFollows: the customer and its follow states come back
// together, the same as GetCustomer and FollowsOf; a missing customer is
// ENotFound even when follow states were recorded for its id.
func testCustomerFollows(t *testing.T, f *fixture) {
	s := f.store
	customer := idAt(3)
	_, err := s.SetCustomerFollowsBrand(f.ctx, customer, "h2", true, base)
	must(t, err)
	_, _, err = s.CustomerFollows(f.ctx, customer)
	WantCode(t, err, casework.ENotFound)

	c := newCustomer(3, "Jo Seven", []string{"jo@example.com"}, nil, "jo7", "7007")
	must(t, s.PutCustomer(f.ctx, c))
	must(t, s.SetFollowPending(f.ctx, customer, "h1", casework.ActionFollow, casework.Agent{ID: "a1"}))
	got, follows, err := s.CustomerFollows(f.ctx, customer)
	must(t, err)
	want, err := s.GetCustomer(f.ctx, customer)
	must(t, err)
	wantFollows, err := s.FollowsOf(f.ctx, customer)
	must(t, err)
	if got.ID != want.ID || got.Name != want.Name || got.Version != want.Version || got.Twitter == nil || *got.Twitter != *want.Twitter {
		t.Fatalf("customer %+v, want %+v", got, want)
	}
	if len(follows) != 2 || len(wantFollows) != 2 {
		t.Fatalf("follows %+v, want %+v", follows, wantFollows)
	}
	for i := range follows {
		if follows[i] != wantFollows[i] {
			t.Fatalf("follow %d: %+v, want %+v", i, follows[i], wantFollows[i])
		}
	}

	// A customer with no follow states: none, not nil.
	must(t, s.PutCustomer(f.ctx, newCustomer(4, "Jo Eight", nil, nil, "", "")))
	_, follows, err = s.CustomerFollows(f.ctx, idAt(4))
	must(t, err)
	if follows == nil || len(follows) != 0 {
		t.Fatalf("follows of a customer with none: %#v", follows)
	}
}
