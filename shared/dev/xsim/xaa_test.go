package xsim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/activity"
	"github.com/acme/twitter-cases/shared/casework"
)

// xaaOnly returns the X Activity deliveries of one event type for one user.
func xaaOnly(ps []map[string]any, forUser, eventType string) []map[string]any {
	var out []map[string]any
	for _, p := range ps {
		if str(p, "data", "filter", "user_id") == forUser && str(p, "data", "event_type") == eventType {
			out = append(out, p)
		}
	}
	return out
}

// parsed runs a delivery through the product's parser.
func parsed(t *testing.T, p map[string]any) []casework.Event {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := activity.ParseMessage(b, time.Now())
	if err != nil || res.Err() != nil || res.Format != activity.FormatXAA {
		t.Fatalf("the product cannot parse %s: %v %v", b, err, res.Err())
	}
	return res.Events
}

// TestXAADeliveriesByDefault: the simulator speaks X Activity unless told
// otherwise, one event per delivery, in envelopes the product parses.
func TestXAADeliveriesByDefault(t *testing.T) {
	f := newFixture(t, Options{LegacyDMs: true})
	mention := f.ctl("POST", "/sim/users/alice_follows/tweets", `{"text":"hey @AcmeSupport my order is late & lost"}`)
	mentionID := str(mention.body, "id")
	reply := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows sorry! Checking now.","reply":{"in_reply_to_tweet_id":"`+mentionID+`"}}`)
	replyID := str(reply.body, "data", "id")
	f.ctl("POST", "/sim/users/alice_follows/tweets", `{"text":"thanks","in_reply_to_tweet_id":"`+replyID+`"}`)
	f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@alice_follows lunch?"}`)
	f.api(acmeDeals, "POST", "/2/users/"+acmeDeals.XUserID+"/retweets", `{"tweet_id":"`+mentionID+`"}`)
	f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"can you help?"}`)
	f.ctl("PUT", "/sim/users/bob_stranger/following/AcmeSupport", "")
	f.ctl("DELETE", "/sim/users/bob_stranger/following/AcmeSupport", "")
	f.ctl("DELETE", "/sim/tweets/"+mentionID, "")
	f.api(acmeSupport, "DELETE", "/2/tweets/"+replyID, "")
	f.flush()
	ps := f.hook.take()
	for _, p := range ps {
		if p["for_user_id"] != nil || str(p, "data", "tag") == "" || str(p, "data", "event_uuid") == "" {
			t.Errorf("not an X Activity envelope: %s", mustJSON(t, p))
		}
	}
	sup := acmeSupport.XUserID
	m := xaaOnly(ps, sup, "post.mention.create")
	if len(m) != 1 {
		t.Fatalf("%d mentions: %s", len(m), mustJSON(t, ps))
	}
	ev := parsed(t, m[0])[0]
	if ev.ID != "tweet:"+mentionID || ev.Tweet.Text != "hey @AcmeSupport my order is late & lost" || ev.Tweet.Author.ScreenName != "alice_follows" || !ev.Tweet.MentionsUser(sup) {
		t.Errorf("mention %+v", ev.Tweet)
	}
	if own := xaaOnly(ps, sup, "post.create"); len(own) != 1 || parsed(t, own[0])[0].Tweet.InReplyToID != mentionID {
		t.Errorf("own Post: %s", mustJSON(t, own))
	}
	if r := xaaOnly(ps, sup, "post.reply.create"); len(r) != 1 || parsed(t, r[0])[0].Tweet.InReplyToID != replyID {
		t.Errorf("reply to the brand: %s", mustJSON(t, r))
	}
	if rt := xaaOnly(ps, acmeDeals.XUserID, "post.create"); len(rt) != 1 || parsed(t, rt[0])[0].Tweet.RetweetOfID != mentionID {
		t.Errorf("@AcmeDeals' Repost: %s", mustJSON(t, rt))
	}
	dms := xaaOnly(ps, sup, "dm.received")
	if len(dms) != 1 {
		t.Fatalf("%d dm.received", len(dms))
	}
	if d := parsed(t, dms[0])[0].DM; d.Text != "can you help?" || d.Sender.ScreenName != "bob_stranger" || d.Recipient.ID != sup {
		t.Errorf("dm %+v", d)
	}
	fol, unf := xaaOnly(ps, sup, "follow.follow"), xaaOnly(ps, sup, "follow.unfollow")
	if len(fol) != 1 || len(unf) != 1 || parsed(t, fol[0])[0].Follow.Source.ScreenName != "bob_stranger" || parsed(t, unf[0])[0].Type != casework.EventUnfollow {
		t.Errorf("follows %s %s", mustJSON(t, fol), mustJSON(t, unf))
	}
	// Deletions: only the brand's own Post, as X Activity tells it.
	del := xaaOnly(ps, sup, "post.delete")
	if len(del) != 1 || parsed(t, del[0])[0].Delete.TweetID != replyID {
		t.Errorf("post.delete %s; a customer's deletion is not delivered", mustJSON(t, del))
	}
	if d := f.sim.Deliveries(); len(d) != len(ps) || d[0].Kind != "post.mention.create" {
		t.Errorf("deliveries record their event type: %+v", d[0])
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatXAA, "xaa": FormatXAA, "AAA": FormatAAA, " aaa ": FormatAAA} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("v1"); err == nil {
		t.Error("an unknown format is accepted")
	}
}
