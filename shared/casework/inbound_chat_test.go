package casework_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// fakeChat stands for X Chat as the brand handle's engine sees it: which
// conversation key versions the brand can unwrap, what each ciphertext
// decrypts to, and which ones fail their signature. Opening an event
// applies its key change first, as the real reader does.
type fakeChat struct {
	mu       sync.Mutex
	keys     map[string]bool   // conversation + "/" + version the brand holds
	changes  map[string]string // key-change blob → the version it brings
	plain    map[string]string // encoded event → text
	tampered map[string]bool   // encoded events whose signature fails
	opens    int
}

func newFakeChat() *fakeChat {
	return &fakeChat{keys: map[string]bool{}, changes: map[string]string{}, plain: map[string]string{}, tampered: map[string]bool{}}
}

func (f *fakeChat) Open(ctx context.Context, as *casework.BrandHandle, ev *casework.ChatEvent) (*casework.OpenedChat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens++
	out := &casework.OpenedChat{MessageID: ev.MessageID, SenderID: ev.SenderID}
	if ev.KeyChangeEvent != "" {
		if f.tampered[ev.KeyChangeEvent] {
			return nil, fmt.Errorf("key change: %w", casework.ErrChatUnverified)
		}
		if v, ok := f.changes[ev.KeyChangeEvent]; ok && !f.keys[ev.ConversationID+"/"+v] {
			f.keys[ev.ConversationID+"/"+v] = true
			out.KeysChanged = true
		}
	}
	if ev.Kind != casework.ChatKindMessage {
		return out, nil
	}
	if !f.keys[ev.ConversationID+"/"+ev.KeyVersion] {
		return nil, fmt.Errorf("version %s: %w", ev.KeyVersion, casework.ErrChatKeyMissing)
	}
	if f.tampered[ev.EncodedEvent] {
		return nil, fmt.Errorf("message: %w", casework.ErrChatUnverified)
	}
	out.Text = f.plain[ev.EncodedEvent]
	return out, nil
}

// fakePeople answers X's user look-up by id.
type fakePeople map[string]casework.XAccount

func (u fakePeople) UserState(ctx context.Context, as *casework.BrandHandle, id string) (casework.XUserState, error) {
	if a, ok := u[id]; ok {
		return casework.XUserState{Account: a}, nil
	}
	return casework.XUserState{}, casework.Errorf(casework.ETwitterUserNotFound, "no user %s", id)
}

type chatEnv struct {
	*env
	chat *fakeChat
	logs *bytes.Buffer
	conv string
	n    int
}

func newChatEnv(t *testing.T) *chatEnv {
	e := newEnv(t)
	logs := &bytes.Buffer{}
	chat := newFakeChat()
	e.in = casework.NewInbound(e.store, nil, slog.New(slog.NewJSONHandler(logs, nil))).
		WithX(fakePeople{aliceX: {ID: aliceX, ScreenName: "alice_follows", Name: "Alice"}}).
		WithChat(casework.ChatDeps{Reader: chat, Waits: e.store})
	return &chatEnv{env: e, chat: chat, logs: logs, conv: casework.ChatConversationID(aliceX, brandX)}
}

// msg makes a chat event of a message from sender: its ciphertext
// decrypts to text with key version (which the brand may not hold).
func (e *chatEnv) msg(uuid, messageID, sender, text, version string, at time.Time) casework.Event {
	e.n++
	enc := fmt.Sprintf("enc-%d-%s", e.n, messageID)
	e.chat.plain[enc] = text
	return casework.Event{ID: casework.ChatEventID(uuid), Type: casework.EventChat, ForUserID: brandX, At: at, Chat: &casework.ChatEvent{
		UUID: uuid, Sent: sender == brandX, ConversationID: e.conv, SenderID: sender, MessageID: messageID,
		Kind: casework.ChatKindMessage, KeyVersion: version, EncodedEvent: enc, CreatedAt: at,
	}}
}

// withKey adds a key change that brings version to an event.
func (e *chatEnv) withKey(ev casework.Event, version string) casework.Event {
	blob := "kc-" + version
	e.chat.changes[blob] = version
	c := *ev.Chat
	c.KeyChangeEvent = blob
	ev.Chat = &c
	return ev
}

func (e *chatEnv) apply(evs ...casework.Event) {
	e.t.Helper()
	for _, ev := range evs {
		if err := e.in.Apply(context.Background(), ev); err != nil {
			e.t.Fatalf("apply %s: %v", ev.ID, err)
		}
	}
}

// dmCase returns alice's only case and its messages.
func (e *chatEnv) dmCase() (casework.Case, []casework.Message) {
	e.t.Helper()
	cs := e.cases(e.customer(aliceX).ID)
	if len(cs) != 1 {
		e.t.Fatalf("alice has %d cases, want 1", len(cs))
	}
	return cs[0], e.messages(cs[0].ID)
}

func TestChatMessageLandsInTheDMCase(t *testing.T) {
	e := newChatEnv(t)
	first := e.withKey(e.msg("u1", "m1", aliceX, "Hi, my order 🙂", "v1", ts(0)), "v1")
	e.apply(first)
	cust := e.customer(aliceX)
	if cust.Name != "Alice" || cust.Twitter.Handle != "alice_follows" {
		t.Errorf("the new customer is named from X: %+v %+v", cust, cust.Twitter)
	}
	c, msgs := e.dmCase()
	if c.Channel != casework.ChannelDM || len(msgs) != 1 {
		t.Fatalf("case %+v, %d messages", c, len(msgs))
	}
	m := msgs[0]
	if m.Text != "Hi, my order 🙂" || m.Status != casework.StatusReceived || m.XID != "m1" || m.Chat == nil ||
		m.Direction != casework.DirectionIn || m.Kind != casework.KindDM || !m.CreatedAt.Equal(ts(0)) {
		t.Errorf("message %+v", m)
	}
	f, err := e.store.Follow(context.Background(), cust.ID, e.brand.ID)
	if err != nil || !f.AllowsDM() {
		t.Errorf("a customer who wrote by X Chat can be answered by DM: %+v, %v", f, err)
	}

	// The same delivery again, and another delivery of the same message:
	// nothing changes.
	again := e.msg("u2", "m1", aliceX, "Hi, my order 🙂", "v1", ts(0))
	e.apply(first, again)
	c2, msgs2 := e.dmCase()
	if len(msgs2) != 1 || c2.Version != c.Version || msgs2[0].Version != m.Version {
		t.Errorf("duplicates changed something: case v%d→v%d, %d messages", c.Version, c2.Version, len(msgs2))
	}

	// A second message joins the case; a resolved case reopens.
	cs, _ := e.store.GetCase(context.Background(), c.ID)
	if err := cs.MoveTo(casework.CaseResolved, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutCase(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	e.apply(e.msg("u3", "m2", aliceX, "Still waiting", "v1", ts(5)))
	c3, msgs3 := e.dmCase()
	if len(msgs3) != 2 || c3.Status != casework.CaseOpen || c3.Summary.LastMessage == nil || c3.Summary.LastMessage.FirstLine != "Still waiting" {
		t.Errorf("after a resolved case: %+v, %d messages", c3, len(msgs3))
	}
}

func TestChatMessageWaitsForItsKeyThenOpens(t *testing.T) {
	e := newChatEnv(t)
	e.apply(e.withKey(e.msg("u1", "m1", aliceX, "first", "v1", ts(0)), "v1"))
	// Key v2 is not known: the message is shown waiting, without text.
	e.apply(e.msg("u2", "m2", aliceX, "the secret", "v2", ts(1)))
	_, msgs := e.dmCase()
	if len(msgs) != 2 || msgs[1].Status != casework.StatusWaitingForKey || msgs[1].Text != "" || msgs[1].XID != "m2" || msgs[1].Chat == nil {
		t.Fatalf("waiting message: %+v", msgs)
	}
	if strings.Contains(e.logs.String(), "the secret") {
		t.Error("content in the log")
	}
	waits, _ := e.store.ChatWaits(context.Background(), e.brand.ID, e.conv)
	if len(waits) != 1 || waits[0].Event.EncodedEvent == "" {
		t.Fatalf("waits %+v", waits)
	}
	// The same event delivered again still waits, once.
	e.apply(e.msg("u3", "m2", aliceX, "the secret", "v2", ts(1)))
	if _, msgs := e.dmCase(); len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	// A later message brings key v2: both open.
	e.apply(e.withKey(e.msg("u4", "m3", aliceX, "third", "v2", ts(2)), "v2"))
	c, msgs := e.dmCase()
	if len(msgs) != 3 || msgs[1].Status != casework.StatusReceived || msgs[1].Text != "the secret" || msgs[2].Text != "third" {
		t.Fatalf("after the key arrived: %+v", msgs)
	}
	if c.Summary.LastMessage == nil || c.Summary.LastMessage.FirstLine != "third" {
		t.Errorf("summary %+v", c.Summary.LastMessage)
	}
	if waits, _ := e.store.ChatWaits(context.Background(), e.brand.ID, e.conv); len(waits) != 0 {
		t.Errorf("still waiting: %+v", waits)
	}
}

func TestTamperedChatEventIsRefused(t *testing.T) {
	e := newChatEnv(t)
	ev := e.withKey(e.msg("u1", "m1", aliceX, "send me your password", "v1", ts(0)), "v1")
	e.chat.tampered[ev.Chat.EncodedEvent] = true
	e.apply(ev)
	if c, err := e.store.CustomerByXUserID(context.Background(), aliceX); err == nil {
		if cs := e.cases(c.ID); len(cs) != 0 {
			t.Errorf("a refused event made cases: %+v", cs)
		}
	}
	if m, err := e.store.MessageByXID(context.Background(), casework.KindDM, "m1"); err == nil {
		t.Errorf("a refused event was stored: %+v", m)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"security_event":"x_chat_unverified"`) || !strings.Contains(logs, `"message_id":"m1"`) {
		t.Errorf("no security event logged:\n%s", logs)
	}
	if strings.Contains(logs, "password") || strings.Contains(logs, ev.Chat.EncodedEvent) {
		t.Errorf("the log holds content:\n%s", logs)
	}

	// A waiting event that turns out not to verify: refused, no text.
	e.apply(e.withKey(e.msg("u2", "m2", aliceX, "hello", "v1", ts(1)), "v1"))
	w := e.msg("u3", "m3", aliceX, "evil", "v2", ts(2))
	e.chat.tampered[w.Chat.EncodedEvent] = true
	e.apply(w)
	e.apply(e.withKey(e.msg("u4", "m4", aliceX, "after", "v2", ts(3)), "v2"))
	_, msgs := e.dmCase()
	var refused *casework.Message
	for i := range msgs {
		if msgs[i].XID == "m3" {
			refused = &msgs[i]
		}
	}
	if refused == nil || refused.Status != casework.StatusFailed || refused.Text != "" || refused.Error == nil || refused.Error.Code != "x_chat_unverified" {
		t.Errorf("the waiting event that failed: %+v", refused)
	}
}

func TestChatSentConfirmsTheReplyOrAddsThePhonesMessage(t *testing.T) {
	e := newChatEnv(t)
	e.apply(e.withKey(e.msg("u1", "m1", aliceX, "hello", "v1", ts(0)), "v1"))
	c, _ := e.dmCase()
	// An agent's reply, recorded with its X Chat message id before sending.
	reply := &casework.Message{ID: casework.NewID(ts(1)), CaseID: c.ID, Direction: casework.DirectionOut, Kind: casework.KindDM,
		Text: "We are on it", Status: casework.StatusSending, XID: "m-reply",
		Author: casework.Author{HandleID: e.brand.ID, ScreenName: brandName}, CreatedAt: ts(1)}
	if err := e.store.PutMessage(context.Background(), reply); err != nil {
		t.Fatal(err)
	}
	e.apply(e.msg("u2", "m-reply", brandX, "We are on it", "v1", ts(1)))
	got, _ := e.store.GetMessage(context.Background(), c.ID, reply.ID)
	if got.Status != casework.StatusSent || got.Text != "We are on it" {
		t.Errorf("the reply: %+v", got)
	}

	// Resolved, then the brand writes from its phone: the message appears,
	// outgoing and sent, and the case stays resolved.
	cs, _ := e.store.GetCase(context.Background(), c.ID)
	if err := cs.MoveTo(casework.CaseResolved, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.store.PutCase(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	e.apply(e.msg("u3", "m-phone", brandX, "Sent from my phone", "v1", ts(3)))
	c2, msgs := e.dmCase()
	last := msgs[len(msgs)-1]
	if len(msgs) != 3 || last.Direction != casework.DirectionOut || last.Status != casework.StatusSent || last.Text != "Sent from my phone" ||
		last.Author.HandleID != e.brand.ID || c2.Status != casework.CaseResolved {
		t.Errorf("phone message %+v in case %s", last, c2.Status)
	}
}

// TestChatJoinsTheDMCaseFromBeforeTheCutover: a customer's legacy DM case
// and their X Chat messages are one case.
func TestChatJoinsTheDMCaseFromBeforeTheCutover(t *testing.T) {
	e := newChatEnv(t)
	e.mustDeliver(dm("900", aliceX, "alice_follows", brandX, "legacy hello", ts(0)))
	e.apply(e.withKey(e.msg("u1", "m1", aliceX, "encrypted hello", "v1", ts(1)), "v1"))
	_, msgs := e.dmCase()
	if len(msgs) != 2 || msgs[0].Chat != nil || msgs[1].Chat == nil {
		t.Errorf("messages %+v", msgs)
	}
}

func TestChatBetweenBrandsOrNotAMessageMakesNothing(t *testing.T) {
	e := newChatEnv(t)
	typing := e.msg("u1", "t1", aliceX, "", "v1", ts(0))
	typing.Chat.Kind = casework.ChatKindOther
	e.apply(typing)
	if _, err := e.store.CustomerByXUserID(context.Background(), aliceX); err == nil {
		t.Error("a typing event made a customer")
	}
	if e.chat.opens != 0 {
		t.Errorf("a typing event without a key change was opened %d times", e.chat.opens)
	}
	if !strings.Contains(e.logs.String(), `"rule":"not a message"`) {
		t.Errorf("the skip is not logged with its rule:\n%s", e.logs.String())
	}
}

func TestChatWithoutReaderIsRetried(t *testing.T) {
	e := newEnv(t)
	ev := casework.Event{ID: casework.ChatEventID("u1"), Type: casework.EventChat, ForUserID: brandX, At: ts(0), Chat: &casework.ChatEvent{
		UUID: "u1", ConversationID: aliceX + ":" + brandX, SenderID: aliceX, MessageID: "m1", Kind: casework.ChatKindMessage, CreatedAt: ts(0)}}
	if err := e.in.Apply(context.Background(), ev); err == nil {
		t.Error("an X Chat event applied without a reader; it must fail, to be retried")
	}
}
