package casework_test

import (
	"context"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// A compliance result follows the webhook deletion's rules: the message
// stays, its content goes, marked with why; applying it again changes
// nothing.
func TestComplianceApplyPosts(t *testing.T) {
	for _, reason := range []string{"deleted", "bounced", "protected", "suspended"} {
		t.Run(reason, func(t *testing.T) {
			e := newEnv(t)
			e.mustDeliver(tweet(tweetOpts{id: "701", text: "@AcmeSupport my card number is wrong", at: ts(0)}))
			ap := casework.NewComplianceApplier(e.store, func() time.Time { return ts(30) })
			r := casework.ComplianceResult{ID: "701", Action: "delete", Reason: reason, CreatedAt: ts(0), RedactedAt: ts(10)}
			out, err := ap.Apply(context.Background(), casework.ComplianceTweets, r)
			if err != nil || out.Changed != 1 {
				t.Fatalf("apply: %+v %v", out, err)
			}
			cs := e.cases(e.customer(aliceX).ID)
			if len(cs) != 1 {
				t.Fatalf("%d cases", len(cs))
			}
			msgs := e.messages(cs[0].ID)
			m := msgs[0]
			if len(msgs) != 1 || m.Text != "" || !m.Deleted || m.RemovedReason != reason || !m.RedactedAt.Equal(ts(10)) || !m.DeletedAt.Equal(ts(30)) {
				t.Errorf("message after apply: %+v", m)
			}
			if again, err := ap.Apply(context.Background(), casework.ComplianceTweets, r); err != nil || again.Changed != 0 {
				t.Errorf("second apply: %+v %v", again, err)
			}
		})
	}
	e := newEnv(t)
	ap := casework.NewComplianceApplier(e.store, nil)
	for _, r := range []casework.ComplianceResult{{ID: "999", Reason: "deleted"}, {ID: "701", Reason: "scrub_geo"}} {
		if out, err := ap.Apply(context.Background(), casework.ComplianceTweets, r); err != nil || out.Changed != 0 || out.Rule == "" {
			t.Errorf("%+v: %+v %v", r, out, err)
		}
	}
}

// A user result marks the customer and removes their Posts' content; the
// customer record stays.
func TestComplianceApplyUser(t *testing.T) {
	e := newEnv(t)
	e.mustDeliver(tweet(tweetOpts{id: "801", text: "@AcmeSupport hello", at: ts(0)}))
	e.mustDeliver(tweet(tweetOpts{id: "802", text: "@AcmeSupport still there?", inReplyTo: "801", at: ts(1)}))
	ap := casework.NewComplianceApplier(e.store, func() time.Time { return ts(40) })
	r := casework.ComplianceResult{ID: aliceX, Action: "delete", Reason: "suspended", RedactedAt: ts(20)}
	out, err := ap.Apply(context.Background(), casework.ComplianceUsers, r)
	if err != nil || out.Changed != 3 {
		t.Fatalf("apply: %+v %v", out, err)
	}
	c := e.customer(aliceX)
	if c.XStatus != "suspended" || !c.XStatusRedactedAt.Equal(ts(20)) || !c.XStatusAppliedAt.Equal(ts(40)) || c.Name == "" || c.Twitter == nil {
		t.Errorf("customer: %+v", c)
	}
	for _, cs := range e.cases(c.ID) {
		for _, m := range e.messages(cs.ID) {
			if m.Text != "" || m.RemovedReason != "suspended" {
				t.Errorf("message %s: %q %q", m.XID, m.Text, m.RemovedReason)
			}
		}
	}
	if again, err := ap.Apply(context.Background(), casework.ComplianceUsers, r); err != nil || again.Changed != 0 {
		t.Errorf("second apply: %+v %v", again, err)
	}
}

// An edited Post arrives as a new Post naming its history: the message of
// the first version shows the latest text, keeps the earlier one, and no
// second message or case appears; repeats and late versions change nothing.
func TestEditedPostUpdatesItsMessage(t *testing.T) {
	e := newEnv(t)
	users := []map[string]any{v2user("2000000000000000088", "editor", "Ed Itor"), v2user(brandX, brandName, "Acme Support")}
	orig := post("1900000000000000101", "2000000000000000088", "@AcmeSupport my oder is late", ts(0))
	e.mustDeliver(xaa("e-1", "post.mention.create", orig, users...))
	edit := func(id, text string, history ...string) map[string]any {
		p := post(id, "2000000000000000088", text, ts(2))
		p["edit_history_tweet_ids"] = append(history, id)
		return p
	}
	v2 := edit("1900000000000000102", "@AcmeSupport my order is late", "1900000000000000101")
	v3 := edit("1900000000000000103", "@AcmeSupport my order is very late", "1900000000000000101", "1900000000000000102")
	e.mustDeliver(xaa("e-3", "post.mention.create", v3, users...))
	e.mustDeliver(xaa("e-2", "post.mention.create", v2, users...))  // late
	e.mustDeliver(xaa("e-3b", "post.mention.create", v3, users...)) // repeat
	c := e.customer("2000000000000000088")
	cases := e.cases(c.ID)
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	msgs := e.messages(cases[0].ID)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Text != "@AcmeSupport my order is very late" || !m.Edited() || m.LatestXID != "1900000000000000103" ||
		len(m.Edits) != 1 || m.Edits[0].Text != "@AcmeSupport my oder is late" || m.XID != "1900000000000000101" {
		t.Errorf("message = %+v", m)
	}
}
