package xsim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWebhookTweetEvents(t *testing.T) {
	f := newFixture(t, Options{Format: FormatAAA})
	// A customer mentions @AcmeSupport: delivered to @AcmeSupport only.
	mention := f.ctl("POST", "/sim/users/alice_follows/tweets", `{"text":"hey @AcmeSupport my order 🚚 is late"}`)
	mentionID := str(mention.body, "id")
	// @AcmeSupport replies through the API: its own Tweet comes back too.
	reply := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows sorry! Checking now.","reply":{"in_reply_to_tweet_id":"`+mentionID+`"}}`)
	replyID := str(reply.body, "data", "id")
	// The customer replies to the brand's Tweet without mentioning it.
	f.ctl("POST", "/sim/users/alice_follows/tweets", `{"text":"thanks","in_reply_to_tweet_id":"`+replyID+`"}`)
	// A Tweet involving no brand is not delivered.
	f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@alice_follows lunch?"}`)
	// @AcmeDeals Retweets the customer's mention: delivered to @AcmeDeals
	// only (a Retweet is not a new mention of @AcmeSupport).
	f.api(acmeDeals, "POST", "/2/users/"+acmeDeals.XUserID+"/retweets", `{"tweet_id":"`+mentionID+`"}`)
	f.flush()

	ps := f.hook.take()
	sup := only(ps, acmeSupport.XUserID, "tweet_create_events")
	if len(sup) != 3 {
		t.Fatalf("%d tweet_create_events for @AcmeSupport, want 3: %s", len(sup), mustJSON(t, ps))
	}
	// The mention: a v1.1 Tweet object.
	m := dig(sup[0], "tweet_create_events", 0)
	if str(m, "id_str") != mentionID || str(m, "text") != "hey @AcmeSupport my order 🚚 is late" || dig(m, "id") == nil {
		t.Errorf("mention %s", mustJSON(t, m))
	}
	if str(m, "user", "id_str") != alice.XUser || str(m, "user", "screen_name") != "alice_follows" || str(m, "user", "name") != "Alice Follower" {
		t.Errorf("mention author %s", mustJSON(t, dig(m, "user")))
	}
	um := dig(m, "entities", "user_mentions", 0)
	if str(um, "id_str") != acmeSupport.XUserID || str(um, "screen_name") != "AcmeSupport" || dig(um, "indices", 0) != float64(4) || dig(um, "indices", 1) != float64(16) {
		t.Errorf("user_mentions %s", mustJSON(t, dig(m, "entities")))
	}
	if dig(sup[0], "user_has_blocked") != false || dig(m, "in_reply_to_status_id_str") != nil {
		t.Errorf("mention envelope %s", mustJSON(t, sup[0]))
	}
	if _, err := time.Parse(v1TimeLayout, str(m, "created_at")); err != nil || str(m, "timestamp_ms") == "" {
		t.Errorf("created_at %q timestamp_ms %q", str(m, "created_at"), str(m, "timestamp_ms"))
	}
	// The brand's own reply.
	r := dig(sup[1], "tweet_create_events", 0)
	if str(r, "id_str") != replyID || str(r, "user", "id_str") != acmeSupport.XUserID || str(r, "in_reply_to_status_id_str") != mentionID ||
		str(r, "in_reply_to_user_id_str") != alice.XUser || str(r, "in_reply_to_screen_name") != "alice_follows" || !strings.Contains(str(r, "source"), appName) {
		t.Errorf("own reply %s", mustJSON(t, r))
	}
	if _, ok := sup[1]["user_has_blocked"]; ok {
		t.Error("the brand's own Tweet carries user_has_blocked")
	}
	// The customer's reply to the brand, which does not mention it.
	if r := dig(sup[2], "tweet_create_events", 0); str(r, "text") != "thanks" || str(r, "in_reply_to_status_id_str") != replyID {
		t.Errorf("reply to the brand %s", mustJSON(t, r))
	}
	// The Retweet, for @AcmeDeals.
	deals := only(ps, acmeDeals.XUserID, "tweet_create_events")
	if len(deals) != 1 {
		t.Fatalf("%d events for @AcmeDeals: %s", len(deals), mustJSON(t, ps))
	}
	rt := dig(deals[0], "tweet_create_events", 0)
	if str(rt, "retweeted_status", "id_str") != mentionID || !strings.HasPrefix(str(rt, "text"), "RT @alice_follows: ") || str(rt, "user", "screen_name") != "AcmeDeals" {
		t.Errorf("retweet %s", mustJSON(t, rt))
	}

	// Deleting the mention reaches the brands that got it (and removes
	// the Retweet of it, which reaches @AcmeDeals).
	f.ctl("DELETE", "/sim/tweets/"+mentionID, "")
	f.flush()
	ps = f.hook.take()
	del := only(ps, acmeSupport.XUserID, "tweet_delete_events")
	if len(del) != 1 || str(del[0], "tweet_delete_events", 0, "status", "id") != mentionID ||
		str(del[0], "tweet_delete_events", 0, "status", "user_id") != alice.XUser || str(del[0], "tweet_delete_events", 0, "timestamp_ms") == "" {
		t.Errorf("delete for @AcmeSupport: %s", mustJSON(t, ps))
	}
	if del := only(ps, acmeDeals.XUserID, "tweet_delete_events"); len(del) != 1 || str(del[0], "tweet_delete_events", 0, "status", "id") != str(rt, "id_str") {
		t.Errorf("retweet delete for @AcmeDeals: %s", mustJSON(t, ps))
	}
}

func TestWebhookTextIsEscapedAsX(t *testing.T) {
	f := newFixture(t, Options{Format: FormatAAA})
	f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@AcmeDeals fish & chips <3"}`)
	f.flush()
	ps := only(f.hook.take(), acmeDeals.XUserID, "tweet_create_events")
	if len(ps) != 1 {
		t.Fatalf("%d events", len(ps))
	}
	tw := dig(ps[0], "tweet_create_events", 0)
	if str(tw, "text") != "@AcmeDeals fish &amp; chips &lt;3" || dig(tw, "entities", "user_mentions", 0, "indices", 1) != float64(10) {
		t.Errorf("tweet %s", mustJSON(t, tw))
	}
}

func TestWebhookLongTweetIsExtended(t *testing.T) {
	f := newFixture(t, Options{Format: FormatAAA})
	text := "@AcmeSupport " + strings.Repeat("long complaint ", 15) + "@AcmeDeals"
	f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"`+text+`"}`)
	f.flush()
	ps := only(f.hook.take(), acmeDeals.XUserID, "tweet_create_events")
	if len(ps) != 1 {
		t.Fatalf("%d events for the brand mentioned at the end", len(ps))
	}
	tw := dig(ps[0], "tweet_create_events", 0)
	if dig(tw, "truncated") != true || str(tw, "extended_tweet", "full_text") != text || len([]rune(str(tw, "text"))) != 140 {
		t.Errorf("long tweet %s", mustJSON(t, tw))
	}
	if n := len(dig(tw, "extended_tweet", "entities", "user_mentions").([]any)); n != 2 {
		t.Errorf("%d mentions in extended_tweet", n)
	}
}

func TestWebhookDMAndFollowEvents(t *testing.T) {
	f := newFixture(t, Options{Format: FormatAAA, LegacyDMs: true})
	f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"can you help?"}`)
	f.ctl("PUT", "/sim/users/bob_stranger/following/AcmeSupport", "")
	dmOut := f.api(acmeSupport, "POST", "/2/dm_conversations/with/"+bob.XUser+"/messages", `{"text":"Sure, what is your order number?"}`)
	f.ctl("DELETE", "/sim/users/bob_stranger/following/AcmeSupport", "")
	f.api(acmeSupport, "POST", "/2/users/"+acmeSupport.XUserID+"/following", `{"target_user_id":"`+bob.XUser+`"}`)
	f.flush()
	ps := f.hook.take()

	dms := only(ps, acmeSupport.XUserID, "direct_message_events")
	if len(dms) != 2 {
		t.Fatalf("%d direct_message_events: %s", len(dms), mustJSON(t, ps))
	}
	in := dig(dms[0], "direct_message_events", 0)
	if str(in, "type") != "message_create" || !isID(str(in, "id")) || str(in, "created_timestamp") == "" ||
		str(in, "message_create", "sender_id") != bob.XUser || str(in, "message_create", "target", "recipient_id") != acmeSupport.XUserID ||
		str(in, "message_create", "message_data", "text") != "can you help?" || dig(in, "message_create", "source_app_id") != nil {
		t.Errorf("incoming dm %s", mustJSON(t, in))
	}
	if str(dms[0], "users", bob.XUser, "screen_name") != "bob_stranger" || str(dms[0], "users", acmeSupport.XUserID, "screen_name") != "AcmeSupport" {
		t.Errorf("users map %s", mustJSON(t, dig(dms[0], "users")))
	}
	out := dig(dms[1], "direct_message_events", 0)
	if str(out, "id") != str(dmOut.body, "data", "dm_event_id") || str(out, "message_create", "sender_id") != acmeSupport.XUserID ||
		str(out, "message_create", "source_app_id") != appID || str(dms[1], "apps", appID, "name") != appName {
		t.Errorf("outgoing dm %s", mustJSON(t, dms[1]))
	}

	fol := only(ps, acmeSupport.XUserID, "follow_events")
	if len(fol) != 3 {
		t.Fatalf("%d follow_events: %s", len(fol), mustJSON(t, ps))
	}
	for i, want := range []struct{ typ, source, target string }{
		{"follow", bob.XUser, acmeSupport.XUserID},
		{"unfollow", bob.XUser, acmeSupport.XUserID},
		{"follow", acmeSupport.XUserID, bob.XUser},
	} {
		ev := dig(fol[i], "follow_events", 0)
		if str(ev, "type") != want.typ || str(ev, "source", "id") != want.source || str(ev, "target", "id") != want.target || str(ev, "created_timestamp") == "" {
			t.Errorf("follow event %d: %s, want %+v", i, mustJSON(t, ev), want)
		}
	}
	if str(fol[0], "follow_events", 0, "source", "screen_name") != "bob_stranger" {
		t.Errorf("follow source %s", mustJSON(t, fol[0]))
	}
	if len(only(ps, acmeDeals.XUserID, "follow_events"))+len(only(ps, acmeDeals.XUserID, "direct_message_events")) != 0 {
		t.Error("@AcmeDeals got events that do not involve it")
	}
}

func TestWebhookRetriesAndRecordsDeliveries(t *testing.T) {
	f := newFixture(t, Options{Format: FormatAAA, DeliveryAttempts: 3})
	f.hook.failNext = 2
	f.ctl("PUT", "/sim/users/bob_stranger/following/AcmeDeals", "")
	f.flush()
	if ps := f.hook.take(); len(ps) != 1 {
		t.Fatalf("%d payloads after two failures", len(ps))
	}
	ds := f.ctl("GET", "/sim/deliveries", "")
	d := dig(ds.body, "deliveries", 0)
	if dig(d, "attempts") != float64(3) || dig(d, "delivered") != true || str(d, "kind") != "follow_events" || str(d, "for_user_id") != acmeDeals.XUserID || str(d, "body", "follow_events", 0, "type") != "follow" {
		t.Errorf("delivery %s", ds.raw)
	}

	// A webhook that keeps failing: the event is given up and recorded.
	f.hook.failNext = 10
	f.ctl("DELETE", "/sim/users/bob_stranger/following/AcmeDeals", "")
	f.flush()
	all := f.sim.Deliveries()
	last := all[len(all)-1]
	if !last.GaveUp || last.Delivered || last.Attempts != 3 || last.LastStatus != http.StatusInternalServerError || last.LastError == "" {
		t.Errorf("failing delivery %+v", last)
	}
}

func TestWebhookUnreachableAndNoWebhook(t *testing.T) {
	var hits atomic.Int32
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	url := dead.URL
	dead.Close()
	f := newFixture(t, Options{WebhookURL: url, DeliveryAttempts: 2, LegacyDMs: true})
	f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeDeals","text":"anyone?"}`)
	f.flush()
	if d := f.sim.Deliveries(); len(d) != 1 || !d[0].GaveUp || d[0].LastStatus != 0 || d[0].LastError == "" {
		t.Errorf("deliveries %+v", d)
	}

	// Without a webhook (and so without subscriptions) X delivers nothing.
	sim := New(Options{})
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	req, _ := http.NewRequest("PUT", srv.URL+"/sim/users/bob_stranger/following/AcmeDeals", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	if d := sim.Deliveries(); len(d) != 0 {
		t.Errorf("deliveries without a webhook %+v", d)
	}
}

func TestCheckCRC(t *testing.T) {
	f := newFixture(t, Options{Format: FormatAAA})
	if err := f.sim.CheckCRC(context.Background()); err != nil {
		t.Errorf("CRC against a correct webhook: %v", err)
	}
	wrong := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"response_token":"sha256=AAAA"}`))
	}))
	defer wrong.Close()
	sim := New(Options{WebhookURL: wrong.URL})
	defer sim.Close()
	if err := sim.CheckCRC(context.Background()); err == nil {
		t.Error("a wrong response_token passed the CRC")
	}
}

func TestSignature(t *testing.T) {
	// Known answer: HMAC-SHA256("local-consumer-secret", `{"for_user_id":"1"}`).
	got := Signature("local-consumer-secret", []byte(`{"for_user_id":"1"}`))
	if !strings.HasPrefix(got, "sha256=") || len(got) != len("sha256=")+44 {
		t.Errorf("signature %q", got)
	}
	if got == Signature("other", []byte(`{"for_user_id":"1"}`)) {
		t.Error("the signature does not depend on the secret")
	}
}
