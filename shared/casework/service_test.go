package casework_test

// The Service's rules on the in-memory store: what a request checks, what
// it writes and what it queues, and what it undoes when queueing fails.
// The console API's tests cover the same paths through HTTP and DynamoDB.

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
)

// outbox records the commands queued, or fails every Enqueue while down.
type outbox struct {
	mu   sync.Mutex
	cmds []casework.Command
	down bool
}

func (o *outbox) Enqueue(_ context.Context, cmd casework.Command) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down {
		return errors.New("queue unreachable")
	}
	o.cmds = append(o.cmds, cmd)
	return nil
}

func (o *outbox) queued() []casework.Command {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]casework.Command(nil), o.cmds...)
}

// svcEnv is a Service on an in-memory store holding @AcmeSupport
// (connected), @AcmeGone (disconnected), alice (follows @AcmeSupport), bob
// (follows nobody) and carol (no Twitter handle).
type svcEnv struct {
	ctx               context.Context
	store             *memstore.Store
	out               *outbox
	svc               *casework.Service
	acme, gone        *casework.BrandHandle
	alice, bob, carol *casework.Customer
	now               time.Time
}

func newSvcEnv(t *testing.T) *svcEnv {
	t.Helper()
	e := &svcEnv{ctx: casework.WithAgent(context.Background(), casework.Agent{ID: "sub-1", Email: "agent@example.com"}),
		store: memstore.New(), out: &outbox{}, now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	// Enterprise access: what X allowed every app before 2026, which most
	// tests of the rules assume; access_test.go covers self-serve.
	e.svc = casework.NewService(casework.Deps{Store: e.store, Outbox: e.out, Clock: func() time.Time { return e.now }, XAccess: casework.AccessEnterprise})
	e.acme = &casework.BrandHandle{ID: casework.NewID(e.now), ScreenName: "AcmeSupport", XUserID: "1000000000000000001", Status: casework.HandleConnected}
	e.gone = &casework.BrandHandle{ID: casework.NewID(e.now), ScreenName: "AcmeGone", XUserID: "1000000000000000002", Status: casework.HandleDisconnected}
	e.alice = &casework.Customer{ID: casework.NewID(e.now), Name: "Alice", Twitter: &casework.TwitterAccount{Handle: "alice_follows", XUserID: "2000000000000000001"}}
	e.bob = &casework.Customer{ID: casework.NewID(e.now), Name: "Bob", Twitter: &casework.TwitterAccount{Handle: "bob_stranger", XUserID: "2000000000000000002"}}
	e.carol = &casework.Customer{ID: casework.NewID(e.now), Name: "Carol"}
	for _, h := range []*casework.BrandHandle{e.acme, e.gone} {
		must(t, e.store.PutHandle(e.ctx, h))
	}
	for _, c := range []*casework.Customer{e.alice, e.bob, e.carol} {
		must(t, e.store.PutCustomer(e.ctx, c))
	}
	_, err := e.store.SetCustomerFollowsBrand(e.ctx, e.alice.ID, e.acme.ID, true, e.now.Add(-time.Hour))
	must(t, err)
	return e
}

// openCase writes a case of the customer with @AcmeSupport, as the inbound
// worker or an earlier request would have.
func (e *svcEnv) openCase(t *testing.T, customerID string, ch casework.Channel, st casework.CaseStatus) *casework.Case {
	t.Helper()
	c := &casework.Case{ID: casework.NewID(e.now), CustomerID: customerID, HandleID: e.acme.ID, Channel: ch,
		Status: st, CreatedAt: e.now, UpdatedAt: e.now, LastActivityAt: e.now}
	must(t, e.store.PutCase(e.ctx, c))
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := casework.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

func TestCreateCaseRules(t *testing.T) {
	tests := []struct {
		name     string
		customer func(e *svcEnv) string
		handle   func(e *svcEnv) string
		text     string
		code     string
	}{
		{"no customer", func(*svcEnv) string { return "" }, nil, "@alice_follows hi", casework.EValidation},
		{"customer without a handle", func(e *svcEnv) string { return e.carol.ID }, nil, "@carol hi", casework.ECustomerHasNoTwitterHandle},
		{"customer not mentioned", func(e *svcEnv) string { return e.alice.ID }, nil, "hello there", casework.ECustomerNotMentioned},
		{"empty text", func(e *svcEnv) string { return e.alice.ID }, nil, "@alice_follows", casework.ETextEmpty},
		{"too long", func(e *svcEnv) string { return e.alice.ID }, nil, "@alice_follows " + strings.Repeat("a", 140), casework.ETextTooLong},
		{"disconnected brand handle", func(e *svcEnv) string { return e.alice.ID }, func(e *svcEnv) string { return e.gone.ID }, "@alice_follows hi", casework.EHandleDisconnected},
		{"unknown brand handle", func(e *svcEnv) string { return e.alice.ID }, func(e *svcEnv) string { return casework.NewID(e.now) }, "@alice_follows hi", casework.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSvcEnv(t)
			in := casework.NewCase{CustomerID: tt.customer(e), HandleID: e.acme.ID, Text: tt.text}
			if tt.handle != nil {
				in.HandleID = tt.handle(e)
			}
			_, _, err := e.svc.CreateCase(e.ctx, in)
			wantCode(t, err, tt.code)
			if n := len(e.out.queued()); n != 0 {
				t.Errorf("%d commands queued for a refused request", n)
			}
			if w, _ := e.store.StaleWork(e.ctx, e.now.Add(time.Hour)); len(w) != 0 {
				t.Errorf("work recorded for a refused request: %+v", w)
			}
		})
	}
}

// A case is created open with its first Tweet queued, the command queued
// in the case's group and its work recorded until the worker resolves it.
func TestCreateCaseQueuesItsTweet(t *testing.T) {
	e := newSvcEnv(t)
	c, m, err := e.svc.CreateCase(e.ctx, casework.NewCase{CustomerID: e.alice.ID, HandleID: e.acme.ID, Text: "@alice_follows Hello from Acme"})
	must(t, err)
	if c.Status != casework.CaseOpen || m.Status != casework.StatusQueued || m.Kind != casework.KindTweet || m.SentBy.ID != "sub-1" {
		t.Fatalf("case %+v, message %+v", c, m)
	}
	cmds := e.out.queued()
	if len(cmds) != 1 || cmds[0].Kind != casework.CmdTweet || cmds[0].MessageID != m.ID || cmds[0].GroupID() != "case-"+c.ID {
		t.Fatalf("queued %+v", cmds)
	}
	w, err := e.store.StaleWork(e.ctx, e.now.Add(time.Minute))
	must(t, err)
	if len(w) != 1 || w[0].Command.ID != cmds[0].ID {
		t.Fatalf("work %+v", w)
	}
	stored, err := e.store.GetCase(e.ctx, c.ID)
	must(t, err)
	if stored.Summary.LastMessage == nil || stored.Summary.LastMessage.ID != m.ID || stored.Summary.CustomerHandle != "alice_follows" {
		t.Errorf("inbox row %+v", stored.Summary)
	}
}

// When the queue cannot take the command, nothing looks queued: the
// request fails with EUnavailable, the message is failed with
// enqueue_failed and the work is forgotten.
func TestCreateCaseWithTheQueueDown(t *testing.T) {
	e := newSvcEnv(t)
	e.out.down = true
	_, _, err := e.svc.CreateCase(e.ctx, casework.NewCase{CustomerID: e.alice.ID, HandleID: e.acme.ID, Text: "@alice_follows Hello"})
	wantCode(t, err, casework.EUnavailable)
	cases, err := e.store.CasesOfCustomer(e.ctx, e.alice.ID, "", casework.PageRequest{})
	must(t, err)
	if len(cases.Items) != 1 {
		t.Fatalf("cases %+v", cases.Items)
	}
	msgs, err := e.store.MessagesOfCase(e.ctx, cases.Items[0].ID, casework.PageRequest{})
	must(t, err)
	if len(msgs.Items) != 1 || msgs.Items[0].Status != casework.StatusFailed || msgs.Items[0].Error == nil ||
		msgs.Items[0].Error.Code != casework.MsgEnqueueFailed {
		t.Fatalf("messages %+v", msgs.Items)
	}
	if w, _ := e.store.StaleWork(e.ctx, e.now.Add(time.Hour)); len(w) != 0 {
		t.Errorf("work left for a command never queued: %+v", w)
	}
}

// A Direct Message is offered, and sent, only where the customer follows
// the brand handle or has written to it by DM.
func TestReplyByDirectMessageRule(t *testing.T) {
	e := newSvcEnv(t)
	dmReason := func(caseID string) (casework.DMReason, bool) {
		t.Helper()
		opts, err := e.svc.ReplyOptions(e.ctx, caseID)
		must(t, err)
		if len(opts.Handles) != 1 || opts.Handles[0].Handle.ID != e.acme.ID {
			t.Fatalf("options for %+v, want the connected handle only", opts.Handles)
		}
		for _, m := range opts.Handles[0].Modes {
			if m.Mode == casework.ModeDM {
				return m.Reason, true
			}
		}
		return "", false
	}
	aliceCase := e.openCase(t, e.alice.ID, casework.ChannelTweet, casework.CaseNew).ID
	bobCase := e.openCase(t, e.bob.ID, casework.ChannelTweet, casework.CaseNew).ID
	if reason, ok := dmReason(aliceCase); !ok || reason != casework.DMCustomerFollows {
		t.Errorf("alice: dm %v (%q), want offered because she follows", ok, reason)
	}
	if _, ok := dmReason(bobCase); ok {
		t.Error("bob: dm offered to a stranger")
	}
	_, err := e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: bobCase, Mode: casework.ModeDM, Text: "hello"})
	wantCode(t, err, casework.EDMNotAllowed)
	if n := len(e.out.queued()); n != 0 {
		t.Fatalf("%d commands queued for a refused DM", n)
	}

	must(t, e.store.SetCustomerWroteByDM(e.ctx, e.bob.ID, e.acme.ID, e.now))
	if reason, ok := dmReason(bobCase); !ok || reason != casework.DMCustomerWroteByDM {
		t.Errorf("bob after his DM: dm %v (%q)", ok, reason)
	}
	m, err := e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: bobCase, Mode: casework.ModeDM, Text: "hello"})
	must(t, err)
	cmds := e.out.queued()
	if m.Kind != casework.KindDM || len(cmds) != 1 || cmds[0].Kind != casework.CmdDM || cmds[0].CustomerID != e.bob.ID {
		t.Fatalf("message %+v, queued %+v", m, cmds)
	}
	c, err := e.store.GetCase(e.ctx, bobCase)
	must(t, err)
	if c.Status != casework.CaseOpen || !c.LastActivityAt.Equal(e.now) {
		t.Errorf("a reply leaves the case %s, activity %s; want open, now", c.Status, c.LastActivityAt)
	}
}

// A mention replies to the customer's latest Tweet in the case.
func TestMentionRepliesToTheLatestCustomerTweet(t *testing.T) {
	e := newSvcEnv(t)
	cs := e.openCase(t, e.alice.ID, casework.ChannelTweet, casework.CaseOpen)
	for i, xid := range []string{"501", "502"} {
		at := e.now.Add(time.Duration(i) * time.Minute)
		must(t, e.store.PutMessage(e.ctx, &casework.Message{ID: casework.NewID(at), CaseID: cs.ID, Direction: casework.DirectionIn,
			Kind: casework.KindTweet, Status: casework.StatusReceived, XID: xid, Text: "@AcmeSupport help", CreatedAt: at}))
	}
	e.now = e.now.Add(time.Hour)
	m, err := e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: cs.ID, Mode: casework.ModeMention, Text: "@alice_follows on it"})
	must(t, err)
	if m.InReplyToXID != "502" || m.Kind != casework.KindTweet {
		t.Errorf("reply %+v, want a Tweet in reply to 502", m)
	}
}

// The Tweet a mention answers by default comes from the case
// (CustomerTweet) as the inbound worker keeps it: the customer's newest
// Tweet, then, once that one is deleted on X, the one before.
func TestMentionRepliesToTheCustomerTweetTheInboundSideKept(t *testing.T) {
	e := newSvcEnv(t)
	in := casework.NewInbound(e.store, func() time.Time { return e.now }, slog.New(slog.DiscardHandler))
	mention := func(xid string, at time.Time) casework.Event {
		return casework.Event{ID: "tweet:" + xid, Type: casework.EventTweet, ForUserID: e.acme.XUserID, At: at,
			Tweet: &casework.Tweet{ID: xid, Text: "@AcmeSupport help", CreatedAt: at,
				Author:   casework.XAccount{ID: e.bob.Twitter.XUserID, ScreenName: "bob_stranger"},
				Mentions: []casework.XAccount{{ID: e.acme.XUserID, ScreenName: "AcmeSupport"}}}}
	}
	must(t, in.Apply(e.ctx, mention("601", e.now)))
	first, err := e.store.MessageByXID(e.ctx, casework.KindTweet, "601")
	must(t, err)
	second := mention("602", e.now.Add(time.Minute))
	second.Tweet.InReplyToID, second.Tweet.InReplyToUserID = "601", e.bob.Twitter.XUserID
	must(t, in.Apply(e.ctx, second))
	c, err := e.store.GetCase(e.ctx, first.CaseID)
	must(t, err)
	if !c.CustomerTweetKnown || c.CustomerTweet == nil || c.CustomerTweet.XID != "602" {
		t.Fatalf("case keeps %+v (known %v), want 602", c.CustomerTweet, c.CustomerTweetKnown)
	}
	e.now = e.now.Add(time.Hour)
	m, err := e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: c.ID, Mode: casework.ModeMention, Text: "@bob_stranger on it"})
	must(t, err)
	if m.InReplyToXID != "602" {
		t.Errorf("reply to %q, want 602", m.InReplyToXID)
	}
	must(t, in.Apply(e.ctx, casework.Event{ID: "delete:602", Type: casework.EventTweetDelete, ForUserID: e.acme.XUserID, At: e.now,
		Delete: &casework.TweetDeletion{TweetID: "602", UserID: e.bob.Twitter.XUserID}}))
	m, err = e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: c.ID, Mode: casework.ModeMention, Text: "@bob_stranger still on it"})
	must(t, err)
	if m.InReplyToXID != "601" || m.InReplyToMessageID != first.ID {
		t.Errorf("after the deletion: reply to %q (%s), want 601 (%s)", m.InReplyToXID, m.InReplyToMessageID, first.ID)
	}
}
