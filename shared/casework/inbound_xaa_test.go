package casework_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// xaa is an X Activity delivery for the brand handle.
func xaa(uuid, eventType string, payload any, users ...map[string]any) map[string]any {
	data := map[string]any{"event_uuid": uuid, "event_type": eventType, "filter": map[string]any{"user_id": brandX},
		"tag": "twitter-cases-test", "payload": payload}
	if len(users) > 0 {
		data["includes"] = map[string]any{"users": users}
	}
	return map[string]any{"data": data}
}

func v2user(id, username, name string) map[string]any {
	return map[string]any{"id": id, "username": username, "name": name}
}

// post is a v2 Post by author mentioning the brand handle.
func post(id, author, text string, at time.Time, refs ...map[string]any) map[string]any {
	p := map[string]any{"id": id, "author_id": author, "text": text, "created_at": at.Format(time.RFC3339),
		"edit_history_tweet_ids": []string{id}}
	if strings.Contains(text, "@"+brandName) {
		p["entities"] = map[string]any{"mentions": []any{map[string]any{"username": brandName, "id": brandX, "start": 0, "end": 12}}}
	}
	if len(refs) > 0 {
		p["referenced_tweets"] = refs
	}
	return p
}

// TestXAAMentionFromUnknownUser: issue 9's "Show": a signed XAA
// post.mention.create from an unknown user makes a customer and a case;
// the same delivery three times makes one message.
func TestXAAMentionFromUnknownUser(t *testing.T) {
	e := newEnv(t)
	d := xaa("-712", "post.mention.create", post("1900000000000000001", "2000000000000000077", "@AcmeSupport where is my parcel?", ts(0)),
		v2user("2000000000000000077", "new_person", "New Person"), v2user(brandX, brandName, "Acme Support"))
	if n := e.deliverAt(ts(1), d); n != 0 {
		t.Fatalf("%d failed", n)
	}
	if n := e.deliverAt(ts(2), d, d); n != 0 {
		t.Fatalf("%d failed", n)
	}
	c := e.customer("2000000000000000077")
	if c.Name != "New Person" || c.Twitter == nil || c.Twitter.Handle != "new_person" {
		t.Errorf("customer = %+v", c)
	}
	cases := e.cases(c.ID)
	if len(cases) != 1 || cases[0].Channel != casework.ChannelTweet || cases[0].HandleID != e.brand.ID {
		t.Fatalf("cases = %+v", cases)
	}
	msgs := e.messages(cases[0].ID)
	if len(msgs) != 1 || msgs[0].Text != "@AcmeSupport where is my parcel?" || msgs[0].XID != "1900000000000000001" {
		t.Errorf("messages = %+v, want the one Tweet once", msgs)
	}
}

// TestXAADuplicatesAndReorderings: a reply delivered as a mention and as a
// reply, its parent after it, every delivery repeated with new
// event_uuids (a replay): each Post is applied once, as in AAA.
func TestXAADuplicatesAndReorderings(t *testing.T) {
	e := newEnv(t)
	alice := v2user(aliceX, "alice_follows", "Alice")
	first := func(uuid string) map[string]any {
		return xaa(uuid, "post.mention.create", post("601", aliceX, "@AcmeSupport my order is late", ts(0)), alice)
	}
	second := func(uuid, typ string) map[string]any {
		p := post("602", aliceX, "@AcmeSupport still nothing", ts(5), map[string]any{"type": "replied_to", "id": "601"})
		return xaa(uuid, typ, p, alice)
	}
	if n := e.deliverAt(ts(6), first("1"), second("2", "post.mention.create")); n != 0 {
		t.Fatal(n)
	}
	if n := e.deliverAt(ts(7), second("3", "post.reply.create"), first("4"), second("2", "post.mention.create")); n != 0 {
		t.Fatal(n)
	}
	cases := e.cases(e.customer(aliceX).ID)
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	if msgs := e.messages(cases[0].ID); len(msgs) != 2 || msgs[1].InReplyToXID != "601" {
		t.Errorf("messages = %+v", msgs)
	}

	// Follows: the later received wins; a duplicate of the earlier one
	// (same event_uuid) changes nothing.
	src, dst := map[string]any{"data": alice}, map[string]any{"data": v2user(brandX, brandName, "Acme")}
	followed := xaa("10", "follow.follow", map[string]any{"source": src, "target": dst})
	unfollowed := xaa("11", "follow.unfollow", map[string]any{"source": src, "target": dst})
	e.deliverAt(ts(10), followed)
	e.deliverAt(ts(11), unfollowed)
	e.deliverAt(ts(12), followed)
	f, err := e.store.Follow(context.Background(), e.customer(aliceX).ID, e.brand.ID)
	if err != nil || f.CustomerFollowsBrand {
		t.Errorf("follow state %+v (%v), want unfollowed", f, err)
	}
}

// TestXAABrandHandleRename: profile.update.handle renames the brand handle.
func TestXAABrandHandleRename(t *testing.T) {
	e := newEnv(t)
	if n := e.deliverAt(ts(0), xaa("9", "profile.update.handle", map[string]any{"before": brandName, "after": "AcmeHelp"})); n != 0 {
		t.Fatal(n)
	}
	h, err := e.store.GetHandle(context.Background(), e.brand.ID)
	if err != nil || h.ScreenName != "AcmeHelp" {
		t.Errorf("handle %+v (%v)", h, err)
	}
}
