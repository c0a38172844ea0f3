package casework_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// The inbound faults of issue 10, items 6 to 9: each example as X would deliver it.

const (
	dealsX    = "1000000000000000002"
	dealsName = "AcmeDeals"
)

// xUser is an X account as a payload names it.
type xUser struct{ id, name string }

var (
	acmeSupport = xUser{brandX, brandName}
	acmeDeals   = xUser{dealsX, dealsName}
	alice       = xUser{aliceX, "alice_follows"}
)

// addDeals registers @AcmeDeals as a second brand handle.
func (e *env) addDeals() *casework.BrandHandle {
	e.t.Helper()
	h := &casework.BrandHandle{ID: casework.NewID(time.Now()), ScreenName: dealsName, XUserID: dealsX,
		CredentialsSecret: "s2", Status: casework.HandleConnected}
	if err := e.store.PutHandle(context.Background(), h); err != nil {
		e.t.Fatal(err)
	}
	return h
}

// xTweet is a Tweet as tweet_create_events carries it.
type xTweet struct {
	id, text      string
	author        xUser
	mentions      []xUser
	inReplyTo     string
	inReplyToUser string
	at            time.Time
}

func (tw xTweet) payload(forUser string) map[string]any {
	mentions := []any{}
	for _, m := range tw.mentions {
		mentions = append(mentions, map[string]any{"id_str": m.id, "screen_name": m.name})
	}
	t := map[string]any{
		"id_str": tw.id, "text": tw.text, "timestamp_ms": ms(tw.at),
		"user":     map[string]any{"id_str": tw.author.id, "screen_name": tw.author.name, "name": tw.author.name},
		"entities": map[string]any{"user_mentions": mentions},
	}
	if tw.inReplyTo != "" {
		t["in_reply_to_status_id_str"] = tw.inReplyTo
	}
	if tw.inReplyToUser != "" {
		t["in_reply_to_user_id_str"] = tw.inReplyToUser
	}
	return map[string]any{"for_user_id": forUser, "tweet_create_events": []any{t}}
}

func directMessage(forUser, id string, from, to xUser, text string, at time.Time) map[string]any {
	return map[string]any{
		"for_user_id": forUser,
		"direct_message_events": []any{map[string]any{
			"type": "message_create", "id": id, "created_timestamp": ms(at),
			"message_create": map[string]any{"target": map[string]any{"recipient_id": to.id}, "sender_id": from.id,
				"message_data": map[string]any{"text": text}},
		}},
		"users": map[string]any{
			from.id: map[string]any{"id": from.id, "screen_name": from.name, "name": from.name},
			to.id:   map[string]any{"id": to.id, "screen_name": to.name, "name": to.name},
		},
	}
}

func followEvent(forUser string, source, target xUser, at time.Time) map[string]any {
	return map[string]any{
		"for_user_id": forUser,
		"follow_events": []any{map[string]any{"type": "follow", "created_timestamp": ms(at),
			"source": map[string]any{"id": source.id, "screen_name": source.name},
			"target": map[string]any{"id": target.id, "screen_name": target.name}}},
	}
}

func tweetDeletion(id, author string, at time.Time) map[string]any {
	return map[string]any{"for_user_id": brandX, "tweet_delete_events": []any{map[string]any{
		"status": map[string]any{"id": id, "user_id": author}, "timestamp_ms": ms(at)}}}
}

// bothOrders runs f once with @AcmeSupport's copy first and once with
// @AcmeDeals's copy first, each time in a fresh table with both brand handles.
func bothOrders(t *testing.T, f func(t *testing.T, e *env, order [2]string)) {
	for _, order := range [][2]string{{brandX, dealsX}, {dealsX, brandX}} {
		name := "AcmeSupport first"
		if order[0] == dealsX {
			name = "AcmeDeals first"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.addDeals()
			f(t, e, order)
		})
	}
}

// noCustomer fails unless no customer has the X user id.
func (e *env) noCustomer(xid string) {
	e.t.Helper()
	if c, err := e.store.CustomerByXUserID(context.Background(), xid); casework.ErrorCode(err) != casework.ENotFound {
		e.t.Errorf("X user %s is a customer: %+v (err %v)", xid, c, err)
	}
}

// newCases returns every case in status new.
func (e *env) newCases() []casework.Case {
	e.t.Helper()
	p, err := e.store.CasesByStatus(context.Background(), casework.CaseNew, casework.PageRequest{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Items
}

// Item 6: @AcmeSupport's reply mentioning @AcmeDeals comes for both brand
// handles; in either order it only confirms the outgoing message.
func TestBrandTweetNeverBecomesACustomer(t *testing.T) {
	bothOrders(t, func(t *testing.T, e *env, order [2]string) {
		ctx := context.Background()
		e.mustDeliver(xTweet{id: "8001", text: "@AcmeSupport my order is late", author: alice,
			mentions: []xUser{acmeSupport}, at: ts(0)}.payload(brandX))
		cs := e.cases(e.customer(aliceX).ID)[0]
		out := &casework.Message{ID: casework.NewID(ts(1)), CaseID: cs.ID, Direction: casework.DirectionOut, Kind: casework.KindTweet,
			Text: "@alice_follows @AcmeDeals can you check this order?", Status: casework.StatusSending, XID: "8002",
			Author: casework.Author{HandleID: e.brand.ID}, CreatedAt: ts(1)}
		if err := e.store.PutMessage(ctx, out); err != nil {
			t.Fatal(err)
		}
		reply := xTweet{id: "8002", text: out.Text, author: acmeSupport, mentions: []xUser{alice, acmeDeals},
			inReplyTo: "8001", inReplyToUser: aliceX, at: ts(2)}
		// A brand Tweet that matches no outgoing message, and a brand's DM
		// and follow to the other brand handle, each delivered for both.
		note := xTweet{id: "8003", text: "@AcmeDeals lunch?", author: acmeSupport, mentions: []xUser{acmeDeals}, at: ts(3)}
		for _, forUser := range order {
			e.mustDeliver(reply.payload(forUser))
			e.mustDeliver(note.payload(forUser))
			e.mustDeliver(directMessage(forUser, "8004", acmeDeals, acmeSupport, "hi colleague", ts(4)))
			e.mustDeliver(followEvent(forUser, acmeSupport, acmeDeals, ts(5)))
		}
		e.noCustomer(brandX)
		e.noCustomer(dealsX)
		if got, _ := e.store.GetMessage(ctx, cs.ID, out.ID); got.Status != casework.StatusSent {
			t.Errorf("the outgoing message is %s, want sent", got.Status)
		}
		if n := len(e.messages(cs.ID)); n != 2 {
			t.Errorf("alice's case has %d messages, want her Tweet and the reply", n)
		}
		if cases := e.newCases(); len(cases) != 1 || cases[0].ID != cs.ID {
			t.Errorf("cases = %+v, want only alice's", cases)
		}
	})
}

// Item 6's rule: a customer's Tweet addressing both brand handles makes one
// case, with the brand handle it replies to, else the first it mentions.
func TestTweetToTwoBrandHandlesMakesOneCase(t *testing.T) {
	tests := []struct {
		name string
		tw   xTweet
		want string // the case's brand handle's X user id
	}{
		{"first mentioned", xTweet{text: "@AcmeSupport @AcmeDeals my coupon fails", mentions: []xUser{acmeSupport, acmeDeals}}, brandX},
		{"first mentioned, other order", xTweet{text: "@AcmeDeals @AcmeSupport my coupon fails", mentions: []xUser{acmeDeals, acmeSupport}}, dealsX},
		{"replied to", xTweet{text: "@AcmeDeals @AcmeSupport is this deal real?", mentions: []xUser{acmeDeals, acmeSupport},
			inReplyTo: "7999", inReplyToUser: dealsX}, dealsX},
		{"replied to, mentioned later", xTweet{text: "@AcmeSupport is this deal real?", mentions: []xUser{acmeSupport},
			inReplyTo: "7998", inReplyToUser: dealsX}, dealsX},
	}
	bothOrders(t, func(t *testing.T, e *env, order [2]string) {
		for i, tt := range tests {
			tw := tt.tw
			tw.id, tw.at = fmt.Sprint(8100+i), ts(i)
			tw.author = xUser{fmt.Sprint(3000000000000000000 + i), fmt.Sprintf("customer_%d", i)}
			for _, forUser := range order {
				e.mustDeliver(tw.payload(forUser))
			}
			cases := e.cases(e.customer(tw.author.id).ID)
			if len(cases) != 1 {
				t.Errorf("%s: %d cases, want 1", tt.name, len(cases))
				continue
			}
			h, err := e.store.GetHandle(context.Background(), cases[0].HandleID)
			if err != nil {
				t.Fatal(err)
			}
			if h.XUserID != tt.want {
				t.Errorf("%s: case with @%s, want X user %s", tt.name, h.ScreenName, tt.want)
			}
			if n := len(e.messages(cases[0].ID)); n != 1 {
				t.Errorf("%s: %d messages, want 1", tt.name, n)
			}
		}
	})
}

// Item 7: screen names of 16 to 20 characters from X are taken as they come.
func TestLongScreenNamesFromXAreAccepted(t *testing.T) {
	e := newEnv(t)
	long := xUser{"2000000000000000020", "abcdefghij_klmnopqrs"} // 20 characters
	e.mustDeliver(xTweet{id: "8201", text: "@AcmeSupport from an old account", author: long,
		mentions: []xUser{acmeSupport}, at: ts(0)}.payload(brandX))
	c := e.customer(long.id)
	if c.Twitter.Handle != long.name {
		t.Errorf("handle = %q, want %q", c.Twitter.Handle, long.name)
	}
	cases := e.cases(c.ID)
	if len(cases) != 1 || len(e.messages(cases[0].ID)) != 1 {
		t.Fatalf("cases = %+v, want one with the Tweet", cases)
	}
	if got, err := e.store.CustomerByHandle(context.Background(), long.name); err != nil || got.ID != c.ID {
		t.Errorf("by handle: %v, %v", got, err)
	}

	// A DM from another one, and a rename to a long name.
	dmer := xUser{"2000000000000000021", "sixteen_chars_ab"}
	e.mustDeliver(directMessage(brandX, "8202", dmer, acmeSupport, "hello", ts(1)))
	if cases := e.cases(e.customer(dmer.id).ID); len(cases) != 1 || cases[0].Channel != casework.ChannelDM {
		t.Errorf("DM cases = %+v", cases)
	}
	e.mustDeliver(xTweet{id: "8203", text: "@AcmeSupport renamed", author: xUser{aliceX, "alice_has_a_long_nm"},
		mentions: []xUser{acmeSupport}, at: ts(2)}.payload(brandX))
	if got := e.customer(aliceX); got.Twitter.Handle != "alice_has_a_long_nm" {
		t.Errorf("renamed handle = %q", got.Twitter.Handle)
	}
}

// Item 8: X user …011 Tweets as sunny_baker and renames; X user …012 takes
// sunny_baker and Tweets. Each is its own customer.
func TestRecycledScreenNameMakesItsOwnCustomer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := xUser{"2000000000000000011", "sunny_baker"}
	e.mustDeliver(xTweet{id: "8301", text: "@AcmeSupport my cake is flat", author: old, mentions: []xUser{acmeSupport}, at: ts(0)}.payload(brandX))
	oldCust := e.customer(old.id)

	newer := xUser{"2000000000000000012", "sunny_baker"}
	e.mustDeliver(xTweet{id: "8302", text: "@AcmeSupport where is my bread?", author: newer, mentions: []xUser{acmeSupport}, at: ts(5)}.payload(brandX))
	newCust := e.customer(newer.id)
	if newCust.ID == oldCust.ID || newCust.Twitter.Handle != "sunny_baker" {
		t.Fatalf("new account's customer = %+v %+v", newCust, newCust.Twitter)
	}
	if cases := e.cases(newCust.ID); len(cases) != 1 || e.messages(cases[0].ID)[0].XID != "8302" {
		t.Errorf("new account's cases = %+v", cases)
	}
	got := e.customer(old.id)
	if got.ID != oldCust.ID || got.Twitter.Handle != "" || got.HasTwitter() {
		t.Errorf("old customer kept the stale handle: %+v", got.Twitter)
	}
	if len(got.PreviousHandles) != 1 || got.PreviousHandles[0] != "sunny_baker" {
		t.Errorf("previous handles = %v", got.PreviousHandles)
	}
	if cases := e.cases(oldCust.ID); len(cases) != 1 || e.messages(cases[0].ID)[0].Text != "@AcmeSupport my cake is flat" {
		t.Errorf("old customer's history = %+v", cases)
	}
	if byHandle, err := e.store.CustomerByHandle(ctx, "sunny_baker"); err != nil || byHandle.ID != newCust.ID {
		t.Errorf("@sunny_baker finds %+v (err %v), want the new account's customer", byHandle, err)
	}

	// The old account Tweets under its new name: it gets it back, history kept.
	e.mustDeliver(xTweet{id: "8303", text: "@AcmeSupport it's me, renamed", author: xUser{old.id, "sunny_bakes_again"},
		mentions: []xUser{acmeSupport}, at: ts(6)}.payload(brandX))
	got = e.customer(old.id)
	if got.Twitter.Handle != "sunny_bakes_again" || len(got.PreviousHandles) != 1 || got.PreviousHandles[0] != "sunny_baker" {
		t.Errorf("after the old account's rename: %+v, previous %v", got.Twitter, got.PreviousHandles)
	}
	if n := len(e.cases(got.ID)); n != 2 {
		t.Errorf("old customer has %d cases, want 2", n)
	}
}

// Item 9: a Tweet and its deletion applied at the same moment, many times:
// the text is gone every time.
func TestDeletionRacingItsTweetRemovesTheText(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.mustDeliver(xTweet{id: "8400", text: "@AcmeSupport hello", author: alice, mentions: []xUser{acmeSupport}, at: ts(0)}.payload(brandX))
	const runs = 40
	kept := 0
	for i := range runs {
		id := fmt.Sprint(8401 + i)
		payloads := []map[string]any{
			xTweet{id: id, text: "@AcmeSupport my card is 4111 1111 1111 1111", author: alice, mentions: []xUser{acmeSupport}, at: ts(1)}.payload(brandX),
			tweetDeletion(id, aliceX, ts(2)),
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var pending atomic.Int32 // payloads not yet handled
		pending.Store(int32(len(payloads)))
		for _, p := range payloads {
			wg.Go(func() {
				defer pending.Add(-1)
				<-start
				// SQS delivers a failed message again; so do we. A payload
				// may fail while the other is half done (a deletion that
				// finds its Tweet claimed but not yet written), however many
				// times the scheduler lets it retry meanwhile; once the other
				// is handled, a second failure in a row is a bug.
				alone, waiting := 0, 0
				for e.deliver(p) != 0 {
					if pending.Load() > 1 {
						if waiting++; waiting == 100_000 {
							t.Errorf("run %d: both payloads keep failing", i)
							return
						}
						runtime.Gosched()
						continue
					}
					if alone++; alone == 2 {
						t.Errorf("run %d: a payload still fails after the other was handled", i)
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		m, err := e.store.MessageByXID(ctx, casework.KindTweet, id)
		switch {
		case casework.ErrorCode(err) == casework.ENotFound:
			// The deletion came first: the Tweet was never recorded.
		case err != nil:
			t.Fatal(err)
		default:
			kept++
			if m.Text != "" || !m.Deleted {
				t.Errorf("run %d: the deleted Tweet's message is %+v", i, m)
			}
		}
	}
	for _, c := range e.cases(e.customer(aliceX).ID) {
		for _, m := range e.messages(c.ID) {
			if strings.Contains(m.Text, "4111") {
				t.Errorf("a deleted Tweet's text is kept: %+v", m)
			}
		}
	}
	t.Logf("%d of %d Tweets were recorded before their deletion", kept, runs)
}
