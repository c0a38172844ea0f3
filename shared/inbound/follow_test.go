package inbound

import (
	"context"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

// TestReplayedFollowCannotUndoALaterUnfollow: issue 21 item 4. X
// Activity's follow.* events carry no time. A follow.follow re-delivered
// with a new event_uuid after the unfollow is checked with X before it
// changes what is recorded, so "customer follows" stays what X says; a
// real follow again is recorded; an event that agrees with the record
// costs no call to X.
func TestReplayedFollowCannotUndoALaterUnfollow(t *testing.T) {
	e, x := newXEnv(t)
	ctx := context.Background()
	alice := sample.Customers[0] // follows @AcmeSupport on the simulated X
	user := map[string]any{"data": map[string]any{"id": alice.XUser, "username": alice.Handle, "name": "Alice Follower"}}
	brand := map[string]any{"data": map[string]any{"id": brandX, "username": brandName, "name": "Acme Support"}}
	follow := func(uuid, typ string) map[string]any {
		return xaa(uuid, typ, map[string]any{"source": user, "target": brand})
	}
	follows := func(step string, want bool) {
		t.Helper()
		cust, err := e.store.CustomerByXUserID(ctx, alice.XUser)
		if err != nil {
			t.Fatal(err)
		}
		h, err := e.store.HandleByXUserID(ctx, brandX)
		if err != nil {
			t.Fatal(err)
		}
		st, err := e.store.Follow(ctx, cust.ID, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomerFollowsBrand != want {
			t.Errorf("%s: customer follows = %v, want %v (what X says)", step, st.CustomerFollowsBrand, want)
		}
	}
	t0 := at
	if n := e.deliverAt(t0, follow("-101", "follow.follow")); n != 0 {
		t.Fatalf("follow: %d failed", n)
	}
	follows("the follow", true)

	x.ctl("DELETE", "/sim/users/"+alice.Handle+"/following/"+brandName, "")
	if n := e.deliverAt(t0.Add(time.Minute), follow("-102", "follow.unfollow")); n != 0 {
		t.Fatalf("unfollow: %d failed", n)
	}
	follows("the unfollow", false)

	// The old follow again, under a new event_uuid, received last.
	if n := e.deliverAt(t0.Add(2*time.Minute), follow("-103", "follow.follow")); n != 0 {
		t.Fatalf("replayed follow: %d failed", n)
	}
	follows("the replayed follow", false)
	asked := x.userLookups(alice.XUser)[brandName]

	// A replayed unfollow agrees with the record: nothing to ask.
	if n := e.deliverAt(t0.Add(3*time.Minute), follow("-104", "follow.unfollow")); n != 0 {
		t.Fatalf("replayed unfollow: %d failed", n)
	}
	follows("the replayed unfollow", false)
	if got := x.userLookups(alice.XUser)[brandName]; got != asked {
		t.Errorf("an event that agrees with the record asked X (%d calls, was %d)", got, asked)
	}

	// A real follow again.
	x.ctl("PUT", "/sim/users/"+alice.Handle+"/following/"+brandName, "")
	if n := e.deliverAt(t0.Add(4*time.Minute), follow("-105", "follow.follow")); n != 0 {
		t.Fatalf("follow again: %d failed", n)
	}
	follows("the follow again", true)
}
