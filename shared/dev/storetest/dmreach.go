package storetest

import (
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// testDMReach: X's answer on reaching a customer by DM is kept beside the
// follow state, an older answer never replaces a newer one, and the follow
// directions are left as they are.
func testDMReach(t *testing.T, f *fixture) {
	s := f.store
	_, err := s.SetCustomerFollowsBrand(f.ctx, "cust-1", "h1", true, base)
	must(t, err)
	must(t, s.SetDMReach(f.ctx, "cust-1", "h1", casework.DMReach{ReceivesDM: true, ChatKeys: false, CheckedAt: base.Add(time.Minute)}))
	must(t, s.SetDMReach(f.ctx, "cust-1", "h1", casework.DMReach{ReceivesDM: false, ChatKeys: true, CheckedAt: base})) // older
	got, err := s.Follow(f.ctx, "cust-1", "h1")
	must(t, err)
	if got.Reach == nil || !got.Reach.ReceivesDM || got.Reach.ChatKeys || !got.Reach.CheckedAt.Equal(base.Add(time.Minute)) || !got.CustomerFollowsBrand {
		t.Fatalf("follow %+v reach %+v", got, got.Reach)
	}
	must(t, s.SetDMReach(f.ctx, "cust-1", "h2", casework.DMReach{ChatKeys: true, CheckedAt: base}))
	list, err := s.FollowsOf(f.ctx, "cust-1")
	must(t, err)
	if len(list) != 2 || list[1].Reach == nil || list[1].Reach.ReceivesDM || !list[1].Reach.ChatKeys {
		t.Errorf("follows %+v", list)
	}
	if g, _ := s.Follow(f.ctx, "cust-1", "h3"); g.Reach != nil {
		t.Errorf("a pair never asked: %+v", g.Reach)
	}
}
