package casework_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/activity"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
)

const (
	brandX    = "1000000000000000001"
	brandName = "AcmeSupport"
	aliceX    = "2000000000000000001"
)

// env is one test's in-memory store with the brand handle @AcmeSupport,
// and the inbound rules applying events to it.
type env struct {
	t     *testing.T
	store *memstore.Store
	in    *casework.Inbound
	brand *casework.BrandHandle
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store := memstore.New()
	brand := &casework.BrandHandle{ID: casework.NewID(time.Now()), ScreenName: brandName, XUserID: brandX,
		CredentialsSecret: "s", Status: casework.HandleConnected}
	if err := store.PutHandle(context.Background(), brand); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: store, in: casework.NewInbound(store, nil, slog.New(slog.DiscardHandler)), brand: brand}
}

// deliver applies the events of payloads (X's webhook bodies) as the
// inbound worker does, and returns how many payloads failed: a body that
// does not parse, an event that does not parse or one not applied.
func (e *env) deliver(payloads ...map[string]any) int {
	e.t.Helper()
	return e.deliverAt(time.Time{}, payloads...)
}

// deliverAt is deliver for payloads the queue received at the given time.
func (e *env) deliverAt(at time.Time, payloads ...map[string]any) int {
	e.t.Helper()
	failed := 0
	for _, p := range payloads {
		b, err := json.Marshal(p)
		if err != nil {
			e.t.Fatal(err)
		}
		parsed, err := activity.ParseMessage(b, at)
		ok := err == nil && len(parsed.Bad) == 0
		if err == nil {
			for _, ev := range parsed.Events {
				if err := e.in.Apply(context.Background(), ev); err != nil {
					ok = false
				}
			}
		}
		if !ok {
			failed++
		}
	}
	return failed
}

func (e *env) mustDeliver(payloads ...map[string]any) {
	e.t.Helper()
	if n := e.deliver(payloads...); n != 0 {
		e.t.Fatalf("%d messages failed", n)
	}
}

// customer returns the customer with the X user id.
func (e *env) customer(xid string) *casework.Customer {
	e.t.Helper()
	c, err := e.store.CustomerByXUserID(context.Background(), xid)
	if err != nil {
		e.t.Fatalf("customer %s: %v", xid, err)
	}
	return c
}

func (e *env) cases(customerID string) []casework.Case {
	e.t.Helper()
	p, err := e.store.CasesOfCustomer(context.Background(), customerID, "", casework.PageRequest{})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Items
}

func (e *env) messages(caseID string) []casework.Message {
	e.t.Helper()
	p, err := e.store.MessagesOfCase(context.Background(), caseID, casework.PageRequest{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Items
}

func ts(minute int) time.Time { return time.Date(2026, 11, 25, 10, minute, 0, 0, time.UTC) }

func ms(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }

type tweetOpts struct {
	id, text, inReplyTo, retweetOf, quoted string
	author, authorName                     string
	at                                     time.Time
	extended                               string
}

func tweet(o tweetOpts) map[string]any {
	if o.author == "" {
		o.author, o.authorName = aliceX, "alice_follows"
	}
	tw := map[string]any{
		"id_str": o.id, "text": o.text, "timestamp_ms": ms(o.at),
		"created_at": o.at.Format("Mon Jan 02 15:04:05 -0700 2006"),
		"user":       map[string]any{"id_str": o.author, "screen_name": o.authorName, "name": strings.ToUpper(o.authorName)},
		"entities":   map[string]any{"user_mentions": []any{}},
	}
	if strings.Contains(o.text, "@"+brandName) {
		tw["entities"] = map[string]any{"user_mentions": []any{map[string]any{"id_str": brandX, "screen_name": brandName}}}
	}
	if o.inReplyTo != "" {
		tw["in_reply_to_status_id_str"] = o.inReplyTo
	}
	if o.retweetOf != "" {
		tw["retweeted_status"] = map[string]any{"id_str": o.retweetOf}
	}
	if o.quoted != "" {
		tw["quoted_status_id_str"] = o.quoted
	}
	if o.extended != "" {
		tw["truncated"] = true
		tw["extended_tweet"] = map[string]any{"full_text": o.extended}
	}
	return map[string]any{"for_user_id": brandX, "tweet_create_events": []any{tw}}
}

func dm(id, from, fromName, to, text string, at time.Time) map[string]any {
	return map[string]any{
		"for_user_id": brandX,
		"direct_message_events": []any{map[string]any{
			"type": "message_create", "id": id, "created_timestamp": ms(at),
			"message_create": map[string]any{"target": map[string]any{"recipient_id": to}, "sender_id": from,
				"message_data": map[string]any{"text": text}},
		}},
		"users": map[string]any{
			from: map[string]any{"id": from, "screen_name": fromName, "name": fromName},
			to:   map[string]any{"id": to, "screen_name": "x", "name": "x"},
		},
	}
}

func follow(kind, source, target string, at time.Time) map[string]any {
	return map[string]any{
		"for_user_id": brandX,
		kind + "_events": []any{map[string]any{"type": kind, "created_timestamp": ms(at),
			"source": map[string]any{"id": source, "screen_name": "alice_follows"},
			"target": map[string]any{"id": target, "screen_name": "t"}}},
	}
}

func TestMentionStartsCaseForNewCustomerOnce(t *testing.T) {
	e := newEnv(t)
	p := tweet(tweetOpts{id: "501", text: "@AcmeSupport my order is late", at: ts(0), extended: "@AcmeSupport my order is late and the tracking page is broken"})
	e.mustDeliver(p, p) // twice in one batch
	e.mustDeliver(p)    // and once more later
	c := e.customer(aliceX)
	if c.Twitter.Handle != "alice_follows" || c.Name != "ALICE_FOLLOWS" {
		t.Errorf("customer = %+v %+v", c, c.Twitter)
	}
	cases := e.cases(c.ID)
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	if cases[0].HandleID != e.brand.ID || cases[0].Channel != casework.ChannelTweet || cases[0].Status != casework.CaseNew {
		t.Errorf("case = %+v", cases[0])
	}
	msgs := e.messages(cases[0].ID)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Text != "@AcmeSupport my order is late and the tracking page is broken" || m.Direction != casework.DirectionIn ||
		m.Status != casework.StatusReceived || m.XID != "501" || m.Author.CustomerID != c.ID {
		t.Errorf("message = %+v", m)
	}
}

func TestReplyJoinsCaseAndReopensIt(t *testing.T) {
	e := newEnv(t)
	e.mustDeliver(tweet(tweetOpts{id: "601", text: "@AcmeSupport help", at: ts(0)}))
	c := e.customer(aliceX)
	cs := e.cases(c.ID)[0]
	cs.Status = casework.CaseResolved
	if err := e.store.PutCase(context.Background(), &cs); err != nil {
		t.Fatal(err)
	}
	e.mustDeliver(tweet(tweetOpts{id: "602", text: "@AcmeSupport still broken", inReplyTo: "601", at: ts(5)}))
	cases := e.cases(c.ID)
	if len(cases) != 1 {
		t.Fatalf("%d cases, want the reply in the first", len(cases))
	}
	if cases[0].Status != casework.CaseOpen || !cases[0].LastActivityAt.Equal(ts(5)) {
		t.Errorf("case = %+v, want open with activity at %s", cases[0], ts(5))
	}
	msgs := e.messages(cases[0].ID)
	if len(msgs) != 2 || msgs[1].InReplyToMessageID != msgs[0].ID || msgs[1].InReplyToXID != "601" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestReplyBeforeParentIsItsOwnCase(t *testing.T) {
	e := newEnv(t)
	e.mustDeliver(tweet(tweetOpts{id: "702", text: "@AcmeSupport and another thing", inReplyTo: "701", at: ts(5)}))
	e.mustDeliver(tweet(tweetOpts{id: "701", text: "@AcmeSupport first thing", at: ts(0)}))
	cases := e.cases(e.customer(aliceX).ID)
	if len(cases) != 2 {
		t.Fatalf("%d cases, want 2 (the early reply keeps its own case)", len(cases))
	}
	for _, c := range cases {
		if n := len(e.messages(c.ID)); n != 1 {
			t.Errorf("case %s has %d messages", c.ID, n)
		}
	}
}

func TestSomeoneElsesReplyStartsTheirOwnCase(t *testing.T) {
	e := newEnv(t)
	e.mustDeliver(tweet(tweetOpts{id: "801", text: "@AcmeSupport help", at: ts(0)}))
	e.mustDeliver(tweet(tweetOpts{id: "802", text: "@AcmeSupport me too", inReplyTo: "801", at: ts(1), author: "3000", authorName: "carol"}))
	if n := len(e.cases(e.customer(aliceX).ID)); n != 1 {
		t.Errorf("alice has %d cases", n)
	}
	if n := len(e.cases(e.customer("3000").ID)); n != 1 {
		t.Errorf("carol has %d cases", n)
	}
}

func TestRetweetIsNotRecordedQuoteIs(t *testing.T) {
	e := newEnv(t)
	e.mustDeliver(tweet(tweetOpts{id: "901", text: "RT @AcmeSupport: sale", retweetOf: "900", at: ts(0)}))
	if _, err := e.store.CustomerByXUserID(context.Background(), aliceX); casework.ErrorCode(err) != casework.ENotFound {
		t.Fatalf("a Retweet made a customer (err %v)", err)
	}
	e.mustDeliver(tweet(tweetOpts{id: "902", text: "this deal is wrong", quoted: "900", at: ts(1)}))
	cases := e.cases(e.customer(aliceX).ID)
	if len(cases) != 1 || e.messages(cases[0].ID)[0].InReplyToXID != "900" {
		t.Errorf("quote Tweet: cases %+v", cases)
	}
}

func TestOwnTweetEchoMarksSentAndStartsNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.mustDeliver(tweet(tweetOpts{id: "1001", text: "@AcmeSupport hi", at: ts(0)}))
	c := e.customer(aliceX)
	cs := e.cases(c.ID)[0]
	out := &casework.Message{ID: casework.NewID(ts(1)), CaseID: cs.ID, Direction: casework.DirectionOut, Kind: casework.KindTweet,
		Text: "@alice_follows hello", Status: casework.StatusSending, XID: "1002", Author: casework.Author{HandleID: e.brand.ID}, CreatedAt: ts(1)}
	if err := e.store.PutMessage(ctx, out); err != nil {
		t.Fatal(err)
	}
	echo := tweet(tweetOpts{id: "1002", text: "@alice_follows hello", inReplyTo: "1001", at: ts(2), author: brandX, authorName: brandName})
	e.mustDeliver(echo, echo)
	got, err := e.store.GetMessage(ctx, cs.ID, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != casework.StatusSent || !got.SentAt.Equal(ts(2)) {
		t.Errorf("outgoing message = %+v, want sent at %s", got, ts(2))
	}
	if n := len(e.messages(cs.ID)); n != 2 {
		t.Errorf("case has %d messages, want 2", n)
	}
	// An own Tweet that matches nothing starts nothing either.
	e.mustDeliver(tweet(tweetOpts{id: "1003", text: "@AcmeSupport note to self", at: ts(3), author: brandX, authorName: brandName}))
	if _, err := e.store.CustomerByXUserID(ctx, brandX); casework.ErrorCode(err) != casework.ENotFound {
		t.Errorf("the brand became a customer (err %v)", err)
	}
}

func TestDirectMessagesThreadIntoDMCase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := dm("2001", aliceX, "alice_follows", brandX, "hello in private", ts(0))
	e.mustDeliver(first, first)
	e.mustDeliver(dm("2002", aliceX, "alice_follows", brandX, "are you there?", ts(1)))
	c := e.customer(aliceX)
	cases := e.cases(c.ID)
	if len(cases) != 1 || cases[0].Channel != casework.ChannelDM {
		t.Fatalf("cases = %+v", cases)
	}
	msgs := e.messages(cases[0].ID)
	if len(msgs) != 2 || msgs[0].Kind != casework.KindDM || msgs[1].Text != "are you there?" {
		t.Fatalf("messages = %+v", msgs)
	}
	// Writing by DM lets the brand handle answer by DM, follow or not.
	if f, err := e.store.Follow(ctx, c.ID, e.brand.ID); err != nil || !f.CustomerDMAt.Equal(ts(1)) || f.DMReason() != casework.DMCustomerWroteByDM {
		t.Errorf("follow state after the DMs %+v, %v", f, err)
	}
	// A closed DM case is not reused: the next DM starts a new one.
	cs := cases[0]
	cs.Status = casework.CaseClosed
	if err := e.store.PutCase(ctx, &cs); err != nil {
		t.Fatal(err)
	}
	e.mustDeliver(dm("2003", aliceX, "alice_follows", brandX, "new problem", ts(10)))
	cases = e.cases(c.ID)
	if len(cases) != 2 || cases[0].Status != casework.CaseNew || cases[1].Status != casework.CaseClosed {
		t.Errorf("after a closed DM case: %+v", cases)
	}
	// The brand's own DM confirms its outgoing message.
	out := &casework.Message{ID: casework.NewID(ts(11)), CaseID: cases[0].ID, Direction: casework.DirectionOut, Kind: casework.KindDM,
		Text: "we're on it", Status: casework.StatusQueued, XID: "2004", CreatedAt: ts(11)}
	if err := e.store.PutMessage(ctx, out); err != nil {
		t.Fatal(err)
	}
	e.mustDeliver(dm("2004", brandX, brandName, aliceX, "we're on it", ts(12)))
	if got, _ := e.store.GetMessage(ctx, out.CaseID, out.ID); got.Status != casework.StatusSent {
		t.Errorf("own DM echo left status %s", got.Status)
	}
	if n := len(e.messages(cases[0].ID)); n != 2 {
		t.Errorf("DM case has %d messages, want 2", n)
	}
}

func TestConcurrentFirstDMsMakeOneCase(t *testing.T) {
	e := newEnv(t)
	done := make(chan int, 4)
	for i := range 4 {
		go func() {
			done <- e.deliver(dm(fmt.Sprint(3000+i), aliceX, "alice_follows", brandX, "race", ts(i)))
		}()
	}
	failed := 0
	for range 4 {
		failed += <-done
	}
	// A loser may have to be delivered again; SQS would do that.
	for i := range 4 {
		e.mustDeliver(dm(fmt.Sprint(3000+i), aliceX, "alice_follows", brandX, "race", ts(i)))
	}
	cases := e.cases(e.customer(aliceX).ID)
	if len(cases) != 1 {
		t.Fatalf("%d DM cases after concurrent first DMs (%d deliveries failed), want 1", len(cases), failed)
	}
	if n := len(e.messages(cases[0].ID)); n != 4 {
		t.Errorf("DM case has %d messages, want 4", n)
	}
}

func TestFollowsInBothDirectionsNewestWins(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.mustDeliver(follow("follow", aliceX, brandX, ts(0)))
	c := e.customer(aliceX)
	f, _ := e.store.Follow(ctx, c.ID, e.brand.ID)
	if !f.CustomerFollowsBrand || !f.AllowsDM() {
		t.Fatalf("after follow: %+v", f)
	}
	e.mustDeliver(follow("unfollow", aliceX, brandX, ts(5)))
	e.mustDeliver(follow("follow", aliceX, brandX, ts(2))) // older, arriving late
	f, _ = e.store.Follow(ctx, c.ID, e.brand.ID)
	if f.CustomerFollowsBrand {
		t.Errorf("an older follow overrode a newer unfollow: %+v", f)
	}
	e.mustDeliver(follow("follow", brandX, aliceX, ts(6)))
	f, _ = e.store.Follow(ctx, c.ID, e.brand.ID)
	if !f.BrandFollowsCustomer || f.CustomerFollowsBrand {
		t.Errorf("brand follows customer: %+v", f)
	}
}

func TestDeletionRemovesTextEvenWhenItComesFirst(t *testing.T) {
	e := newEnv(t)
	del := func(id string, at time.Time) map[string]any {
		return map[string]any{"for_user_id": brandX, "tweet_delete_events": []any{map[string]any{
			"status": map[string]any{"id": id, "user_id": aliceX}, "timestamp_ms": ms(at)}}}
	}
	e.mustDeliver(tweet(tweetOpts{id: "4001", text: "@AcmeSupport my card number is 1234", at: ts(0)}))
	e.mustDeliver(del("4001", ts(1)))
	c := e.customer(aliceX)
	m := e.messages(e.cases(c.ID)[0].ID)[0]
	if m.Text != "" || !m.Deleted {
		t.Errorf("after deletion: %+v", m)
	}
	// The deletion of a Tweet that has not arrived yet keeps it out.
	e.mustDeliver(del("4002", ts(3)))
	e.mustDeliver(tweet(tweetOpts{id: "4002", text: "@AcmeSupport oops", at: ts(2)}))
	if _, err := e.store.MessageByXID(context.Background(), casework.KindTweet, "4002"); casework.ErrorCode(err) != casework.ENotFound {
		t.Errorf("a Tweet deleted before it arrived was recorded (err %v)", err)
	}
}

func TestFavoriteAndRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.mustDeliver(tweet(tweetOpts{id: "5001", text: "@AcmeSupport love it", at: ts(0)}))
	e.mustDeliver(map[string]any{"for_user_id": brandX, "favorite_events": []any{map[string]any{
		"id": "fav1", "timestamp_ms": ts(1).UnixMilli(), "created_at": ts(1).Format("Mon Jan 02 15:04:05 -0700 2006"),
		"favorited_status": map[string]any{"id_str": "5001"}, "user": map[string]any{"id_str": brandX, "screen_name": brandName}}}})
	m, err := e.store.MessageByXID(ctx, casework.KindTweet, "5001")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.FavoritedBy) != 1 || m.FavoritedBy[0] != e.brand.ID {
		t.Errorf("FavoritedBy = %v", m.FavoritedBy)
	}
	e.mustDeliver(map[string]any{"user_event": map[string]any{"revoke": map[string]any{
		"date_time": "2026-11-25T10:00:00+00:00", "target": map[string]any{"app_id": "1"}, "source": map[string]any{"user_id": brandX}}}})
	h, _ := e.store.GetHandle(ctx, e.brand.ID)
	if h.Status != casework.HandleDisconnected {
		t.Errorf("after revoke the handle is %s", h.Status)
	}
}

func TestEventForUnknownBrandHandleFails(t *testing.T) {
	e := newEnv(t)
	unknownBrand := tweet(tweetOpts{id: "6001", text: "@Other hi", at: ts(0)})
	unknownBrand["for_user_id"] = "999"
	if n := e.deliver(unknownBrand); n != 1 {
		t.Errorf("an event for an unknown brand handle: %d failures, want 1", n)
	}
}

func TestRenamedCustomerGetsTheNewHandle(t *testing.T) {
	e := newEnv(t)
	e.mustDeliver(tweet(tweetOpts{id: "7001", text: "@AcmeSupport hello", at: ts(0)}))
	e.mustDeliver(tweet(tweetOpts{id: "7002", text: "@AcmeSupport new name, same me", at: ts(1), author: aliceX, authorName: "alice_renamed"}))
	c := e.customer(aliceX)
	if c.Twitter.Handle != "alice_renamed" {
		t.Errorf("handle = %q, want the new screen name", c.Twitter.Handle)
	}
	if got, err := e.store.CustomerByHandle(context.Background(), "alice_renamed"); err != nil || got.ID != c.ID {
		t.Errorf("by new handle: %v, %v", got, err)
	}
	if n := len(e.cases(c.ID)); n != 2 {
		t.Errorf("%d cases, want both Tweets with the one customer", n)
	}
}

// Issue 14 item 3: when an agent gives Carol another X account, the
// conversation with her old one stays hers: a DM from the old account's X
// id joins her DM case bound to it, and the new account's first DM opens
// its own case instead of landing in a case whose replies go elsewhere.
func TestReplacedAccountStaysWithItsCustomer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const carolX, carolNewX = "3000000000000000001", "3000000000000000002"
	e.mustDeliver(dm("4001", carolX, "carol_x", brandX, "my order is late", ts(0)))
	carol := e.customer(carolX)
	old := e.cases(carol.ID)
	if len(old) != 1 || old[0].Account == nil || old[0].Account.XUserID != carolX {
		t.Fatalf("cases = %+v, want one DM case bound to carol_x", old)
	}
	// The agent sets Carol's handle to another account (PUT /v1/customers/{id}/twitter).
	carol.SetTwitter(&casework.TwitterAccount{Handle: "carol_new", XUserID: carolNewX})
	if err := e.store.PutCustomer(ctx, carol); err != nil {
		t.Fatal(err)
	}
	e.mustDeliver(dm("4002", carolX, "carol_x", brandX, "still waiting", ts(1)))
	if got, err := e.store.CustomerByFormerXUserID(ctx, carolX); err != nil || got.ID != carol.ID {
		t.Fatalf("customer by former X id: %v, %v", got, err)
	}
	cases := e.cases(carol.ID)
	if len(cases) != 1 || len(e.messages(cases[0].ID)) != 2 {
		t.Fatalf("after a DM from the old account: %d cases, want its DM in Carol's one case", len(cases))
	}
	e.mustDeliver(dm("4003", carolNewX, "carol_new", brandX, "hi from my new account", ts(2)))
	cases = e.cases(carol.ID)
	if len(cases) != 2 {
		t.Fatalf("after a DM from the new account: %d cases, want a second one for it", len(cases))
	}
	for _, c := range cases {
		msgs := e.messages(c.ID)
		if c.Account == nil || msgs[0].XID == "4003" != (c.Account.XUserID == carolNewX) {
			t.Errorf("case %s bound to %+v holds %+v", c.ID, c.Account, msgs)
		}
	}
}
