package xsim

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// persistedFixture is a simulator keeping its state in path, as a local
// run started on the same data does.
func persistedFixture(t *testing.T, path string) *fixture {
	t.Helper()
	f := &fixture{t: t, hook: newReceiver(t)}
	f.sim = New(Options{WebhookURL: f.hook.srv.URL, LegacyDMs: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := f.sim.Persist(path); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.sim.Handler())
	t.Cleanup(func() {
		f.srv.Close()
		f.sim.Close()
	})
	return f
}

// TestStateSurvivesARestart: Tweets, DMs, users and follows made before a
// restart are there after it (a reply to an old Tweet works, an old DM
// conversation still lets the brand answer), ids keep increasing, and a
// reset is kept too.
func TestStateSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xsim.json")
	f := persistedFixture(t, path)
	created := f.ctl("POST", "/sim/users", `{"username":"dana_d","name":"Dana D"}`)
	tw := f.ctl("POST", "/sim/users/dana_d/tweets", `{"text":"@AcmeSupport my parcel is lost"}`)
	if created.status != 201 || tw.status != 201 {
		t.Fatalf("setup: %d %s / %d %s", created.status, created.raw, tw.status, tw.raw)
	}
	tweetID := str(tw.body, "id")
	if a := f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"hello"}`); a.status != 201 {
		t.Fatalf("dm: %d %s", a.status, a.raw)
	}
	if a := f.ctl("PUT", "/sim/users/dana_d/following/AcmeDeals", ""); a.status != 200 {
		t.Fatalf("follow: %d %s", a.status, a.raw)
	}
	gone := f.ctl("POST", "/sim/users/dana_d/tweets", `{"text":"@AcmeSupport never mind"}`)
	if a := f.ctl("DELETE", "/sim/tweets/"+str(gone.body, "id"), ""); a.status != 200 {
		t.Fatalf("delete: %d", a.status)
	}
	f.srv.Close()
	f.sim.Close()

	g := persistedFixture(t, path)
	tl := g.ctl("GET", "/sim/timeline/dana_d", "")
	if tl.status != 200 || !strings.Contains(tl.raw, tweetID) || strings.Contains(tl.raw, "never mind") ||
		str(tl.body, "following", 0, "username") != "AcmeDeals" {
		t.Fatalf("after the restart: %d %s", tl.status, tl.raw)
	}
	reply := g.api(acmeSupport, "POST", "/2/tweets", `{"text":"@dana_d we found it","reply":{"in_reply_to_tweet_id":"`+tweetID+`"}}`)
	if reply.status != 201 || str(reply.body, "data", "id") <= tweetID {
		t.Errorf("reply to a Tweet from before the restart: %d %s", reply.status, reply.raw)
	}
	if a := g.api(acmeSupport, "POST", "/2/dm_conversations/with/"+bob.XUser+"/messages", `{"text":"How can we help?"}`); a.status != 201 {
		t.Errorf("answer to a DM from before the restart: %d %s", a.status, a.raw)
	}
	if a := g.api(acmeDeals, "POST", "/2/dm_conversations/with/"+str(created.body, "id")+"/messages", `{"text":"Thanks for following"}`); a.status != 201 {
		t.Errorf("DM to a follower from before the restart: %d %s", a.status, a.raw)
	}

	// A reset is kept as well; a file that is not a state is an error.
	g.ctl("POST", "/sim/reset", "")
	g.srv.Close()
	g.sim.Close()
	h := persistedFixture(t, path)
	if a := h.ctl("GET", "/sim/timeline/dana_d", ""); a.status != 404 {
		t.Errorf("dana_d survived a reset and a restart: %d", a.status)
	}
	if a := h.ctl("GET", "/sim/timeline/alice_follows", ""); a.status != 200 {
		t.Errorf("the sample users after a reset and a restart: %d", a.status)
	}
	bad := filepath.Join(t.TempDir(), "xsim.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := New(Options{}).Persist(bad); err == nil {
		t.Error("Persist took a file that is not a state")
	}
}

// TestAppConfigSurvivesARestart: the app's webhooks and X Activity
// subscriptions made through X's API are there after a restart, as X keeps
// them whatever happens to the product, and events still reach the webhook
// through them.
func TestAppConfigSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xsim.json")
	f := &fixture{t: t, hook: newReceiver(t)}
	f.sim = New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := f.sim.Persist(path); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(f.sim.Handler())
	bearer := f.bearer()
	hook := f.app(bearer, "POST", "/2/webhooks", `{"url":"`+f.hook.srv.URL+`"}`)
	hookID := str(hook.body, "data", "id")
	sub := f.api(acmeSupport, "POST", "/2/activity/subscriptions",
		`{"event_type":"post.mention.create","filter":{"user_id":"`+acmeSupport.XUserID+`"},"webhook_id":"`+hookID+`","tag":"t"}`)
	if hook.status != 200 || sub.status != 200 && sub.status != 201 {
		t.Fatalf("setup: %d %s / %d %s", hook.status, hook.raw, sub.status, sub.raw)
	}
	f.srv.Close()
	f.sim.Close()

	g := &fixture{t: t, hook: f.hook}
	g.sim = New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := g.sim.Persist(path); err != nil {
		t.Fatal(err)
	}
	g.srv = httptest.NewServer(g.sim.Handler())
	t.Cleanup(func() {
		g.srv.Close()
		g.sim.Close()
	})
	if a := g.app(g.bearer(), "GET", "/2/webhooks", ""); a.status != 200 || str(a.body, "data", 0, "id") != hookID || dig(a.body, "data", 0, "valid") != true {
		t.Errorf("webhooks after the restart: %d %s", a.status, a.raw)
	}
	if got := g.sim.Subscriptions(acmeSupport.XUserID); len(got) != 1 || got[0] != "post.mention.create" {
		t.Errorf("subscriptions after the restart: %v", got)
	}
	if a := g.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@AcmeSupport still there?"}`); a.status != 201 {
		t.Fatalf("tweet: %d %s", a.status, a.raw)
	}
	g.flush()
	if got := g.hook.take(); len(got) != 1 || str(got[0], "data", "event_type") != "post.mention.create" {
		t.Errorf("after the restart the webhook got %v, want the one mention", got)
	}
}
