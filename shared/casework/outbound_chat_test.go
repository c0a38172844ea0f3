package casework_test

// The outbound rules of an X Chat DM with a scripted chat (no cryptography:
// payloads are made up and tell themselves apart): exactly one message on
// X across retries and crashes, one conversation key per conversation
// reused while it reaches both identities, X's refusals as agent-readable
// failures. shared/outbound's tests run the same rules against the X
// simulator with X's engine.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// scriptedChat implements casework.XChat: its failures are scripted on the
// shared scriptedX by op ("chat.keys", "chat.prepare", "chat.post",
// "chat.encrypt", "chat.send"); what X holds is kept to check against.
type scriptedChat struct {
	x *scriptedX

	mu           sync.Mutex
	keys         map[string][]casework.ChatPublicKey // by user id, newest first
	brandVersion string
	seq          int
	posted       map[string]int                  // key version → posts
	onX          map[string]casework.ChatPayload // message id → the payload X took
	sends        []casework.ChatPayload
	// crashAfterSend makes Send fail after X took the payload, as a worker
	// dying before it hears X's answer.
	crashAfterSend bool
}

// give registers public keys for the user (a new, newer version each call).
func (c *scriptedChat) give(userID string) casework.ChatPublicKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	k := casework.ChatPublicKey{UserID: userID, Version: fmt.Sprint(1765000000000 + c.seq), PublicKey: "pk-" + userID, SigningPublicKey: "spk", IdentityPublicKeySignature: "bind"}
	c.keys[userID] = append([]casework.ChatPublicKey{k}, c.keys[userID]...)
	return k
}

func (c *scriptedChat) RecipientKeys(ctx context.Context, as *casework.BrandHandle, userXID string) ([]casework.ChatPublicKey, error) {
	if err := c.x.answer("chat.keys"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]casework.ChatPublicKey(nil), c.keys[userXID]...), nil
}

func (c *scriptedChat) BrandKeyVersion(ctx context.Context, as *casework.BrandHandle) (string, error) {
	if err := c.x.answer("chat.brand"); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.brandVersion == "" {
		c.brandVersion = "1764000000000"
	}
	return c.brandVersion, nil
}

func (c *scriptedChat) PrepareKeyChange(ctx context.Context, as *casework.BrandHandle, r casework.ChatPublicKey) (*casework.ChatKey, error) {
	if err := c.x.answer("chat.prepare"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	v := fmt.Sprint(1766000000000 + c.seq)
	return &casework.ChatKey{BrandXUserID: as.XUserID, ConversationID: casework.ChatConversationID(as.XUserID, r.UserID), KeyVersion: v,
		BrandKeyVersion: c.brandVersion, Change: &casework.ChatKeyChange{
			ParticipantKeys: []casework.ChatParticipantKey{{UserID: as.XUserID, EncryptedKey: "wrapped-" + v, PublicKeyVersion: c.brandVersion},
				{UserID: r.UserID, EncryptedKey: "wrapped-" + v, PublicKeyVersion: r.Version}},
			ActionSignatures: []casework.ChatActionSignature{{MessageID: "sig-" + v, EncodedMessageEventDetail: "d", Signature: "s", SignatureVersion: "1", PublicKeyVersion: c.brandVersion}},
		}}, nil
}

func (c *scriptedChat) PostKeyChange(ctx context.Context, as *casework.BrandHandle, k *casework.ChatKey) (string, error) {
	if err := c.x.answer("chat.post"); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.posted == nil {
		c.posted = map[string]int{}
	}
	c.posted[k.KeyVersion]++
	return "seq-" + k.KeyVersion, nil
}

func (c *scriptedChat) Encrypt(ctx context.Context, as *casework.BrandHandle, k *casework.ChatKey, text string) (*casework.ChatPayload, error) {
	if err := c.x.answer("chat.encrypt"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", c.seq)
	return &casework.ChatPayload{ConversationID: k.ConversationID, MessageID: id, ConversationKeyVersion: k.KeyVersion,
		EncodedMessageCreateEvent: "ciphertext-" + id, EncodedMessageEventSignature: "signature-" + id}, nil
}

func (c *scriptedChat) Send(ctx context.Context, as *casework.BrandHandle, p *casework.ChatPayload) error {
	if err := c.x.answer("chat.send"); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sends = append(c.sends, *p)
	if c.onX == nil {
		c.onX = map[string]casework.ChatPayload{}
	}
	if prev, ok := c.onX[p.MessageID]; ok && prev != *p {
		return xFailure(casework.XConflict, "A different event with message_id exists")
	}
	c.onX[p.MessageID] = *p
	if c.crashAfterSend {
		c.crashAfterSend = false
		return errCrash
	}
	return nil
}

func (c *scriptedChat) messagesOnX() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.onX)
}

// dmEnv is an outEnv with an open DM case of alice, who has X Chat keys.
func dmEnv(t *testing.T) (*outEnv, *casework.Case) {
	e := newOutEnv(t)
	e.chat.give(e.alice.Twitter.XUserID)
	return e, e.openCase(t, e.alice.ID, casework.ChannelDM, casework.CaseOpen)
}

func (e *outEnv) dm(t *testing.T, c *casework.Case, text string) *casework.Message {
	t.Helper()
	m, err := e.svc.Reply(e.ctx, casework.ReplyRequest{CaseID: c.ID, Mode: casework.ModeDM, Text: text})
	must(t, err)
	return m
}

// A DM is encrypted once, its payload recorded with its message_id (the
// message's X id) before X is called, and sent; the next DM reuses the
// conversation key.
func TestChatDMIsSentUnderOneConversationKey(t *testing.T) {
	e, c := dmEnv(t)
	m := e.dm(t, c, "a private word")
	if errs := e.run(t, first); errs[casework.CmdDM] != nil {
		t.Fatal(errs)
	}
	got := e.message(t, m)
	if got.Status != casework.StatusSent || got.Chat == nil || got.XID != got.Chat.MessageID || got.XID == "" {
		t.Fatalf("message %s xid %q chat %+v", got.Status, got.XID, got.Chat)
	}
	if got.Chat.EncodedMessageCreateEvent != "" {
		t.Error("the encrypted payload is kept after X has the message")
	}
	if got.Chat.ConversationID != casework.ChatConversationID(e.acme.XUserID, e.alice.Twitter.XUserID) {
		t.Errorf("conversation %q", got.Chat.ConversationID)
	}
	byX, err := e.store.MessageByXID(e.ctx, casework.KindDM, got.XID)
	if err != nil || byX.ID != m.ID {
		t.Fatalf("message_id finds %v, %v", byX, err)
	}
	keys, err := e.store.ChatKeys(e.ctx, e.acme.XUserID, got.Chat.ConversationID)
	must(t, err)
	if len(keys) != 1 || !keys[0].Accepted() || keys[0].KeyVersion != got.Chat.ConversationKeyVersion {
		t.Fatalf("keys %+v", keys)
	}

	m2 := e.dm(t, c, "and another")
	e.run(t, first)
	got2 := e.message(t, m2)
	if got2.Status != casework.StatusSent || got2.Chat.ConversationKeyVersion != keys[0].KeyVersion {
		t.Fatalf("second DM %s under key %+v", got2.Status, got2.Chat)
	}
	if n := e.x.count("chat.prepare"); n != 1 {
		t.Errorf("%d key changes prepared for one conversation, want 1", n)
	}
	if e.chat.messagesOnX() != 2 {
		t.Errorf("X holds %d messages, want 2", e.chat.messagesOnX())
	}
}

// X failing after it may have taken the message, and a crash right after
// X took it: every retry posts the same payload, so X holds one message.
func TestChatDMRetriesPostTheRecordedPayload(t *testing.T) {
	e, c := dmEnv(t)
	m := e.dm(t, c, "exactly once")
	cmd := e.out.queued()[0]
	e.x.script("chat.send", xFailure(casework.XUnavailable, "503"))
	err := e.rules.Execute(e.ctx, cmd, first)
	var retry *casework.RetryLater
	if !errors.As(err, &retry) {
		t.Fatalf("first delivery: %v, want a retry", err)
	}
	sending := e.message(t, m)
	if sending.Status != casework.StatusSending || sending.Chat == nil || sending.Chat.EncodedMessageCreateEvent == "" {
		t.Fatalf("after a failed send: %s %+v", sending.Status, sending.Chat)
	}
	e.chat.crashAfterSend = true
	if err := e.rules.Execute(e.ctx, cmd, casework.Delivery{Attempt: 2}); err == nil {
		t.Fatal("the crash went unnoticed")
	}
	if err := e.rules.Execute(e.ctx, cmd, casework.Delivery{Attempt: 3}); err != nil {
		t.Fatal(err)
	}
	got := e.message(t, m)
	if got.Status != casework.StatusSent || got.XID != sending.Chat.MessageID {
		t.Fatalf("message %s %q, want sent with %q", got.Status, got.XID, sending.Chat.MessageID)
	}
	if e.chat.messagesOnX() != 1 || e.x.count("chat.encrypt") != 1 {
		t.Errorf("X holds %d messages after %d encryptions, want 1 and 1", e.chat.messagesOnX(), e.x.count("chat.encrypt"))
	}
	for _, s := range e.chat.sends {
		if s != *sending.Chat {
			t.Errorf("a retry posted %+v, not the recorded %+v", s, *sending.Chat)
		}
	}
}

// A crash between preparing a conversation key and posting it, or between
// posting it and recording X's answer, makes no second key: the recorded
// change is posted again.
func TestChatKeyChangeIsRecordedBeforeItIsPosted(t *testing.T) {
	e, c := dmEnv(t)
	m := e.dm(t, c, "first words")
	cmd := e.out.queued()[0]
	e.x.script("chat.post", xFailure(casework.XUnavailable, "timeout"))
	if err := e.rules.Execute(e.ctx, cmd, first); err == nil {
		t.Fatal("want a retry")
	}
	if got := e.message(t, m); got.Chat != nil || got.Status == casework.StatusSent {
		t.Fatalf("a message was recorded before its key was on X: %+v", got.Chat)
	}
	must(t, e.rules.Execute(e.ctx, cmd, casework.Delivery{Attempt: 2}))
	if n := e.x.count("chat.prepare"); n != 1 {
		t.Errorf("%d key changes prepared, want 1", n)
	}
	if len(e.chat.posted) != 1 {
		t.Errorf("key versions posted: %v, want one", e.chat.posted)
	}
	if got := e.message(t, m); got.Status != casework.StatusSent {
		t.Fatalf("message %s", got.Status)
	}
}

// A new conversation key is made when the customer registered newer keys,
// or the brand's identity changed; never an older key.
func TestChatNewKeyForNewIdentities(t *testing.T) {
	e, c := dmEnv(t)
	e.dm(t, c, "one")
	e.run(t, first)
	e.chat.give(e.alice.Twitter.XUserID) // the customer's new device
	m := e.dm(t, c, "two")
	e.run(t, first)
	e.chat.mu.Lock()
	e.chat.brandVersion = "1764999999999" // the brand's keys rotated
	e.chat.mu.Unlock()
	m3 := e.dm(t, c, "three")
	e.run(t, first)
	if n := e.x.count("chat.prepare"); n != 3 {
		t.Errorf("%d key changes, want 3", n)
	}
	if a, b := e.message(t, m).Chat.ConversationKeyVersion, e.message(t, m3).Chat.ConversationKeyVersion; a == b || casework.CompareDecimal(b, a) <= 0 {
		t.Errorf("key versions %s then %s", a, b)
	}
}

// X's refusals and what is missing are failures an agent can read.
func TestChatRefusals(t *testing.T) {
	for _, tt := range []struct {
		name   string
		setup  func(e *outEnv)
		code   string
		noKeys bool
	}{
		{"customer without keys", func(e *outEnv) {}, casework.ECustomerHasNoChatKeys, true},
		{"X: no keys", func(e *outEnv) { e.x.script("chat.send", xFailure(casework.XNoChatKeys, "no X Chat public keys")) }, casework.ECustomerHasNoChatKeys, false},
		{"X: brand key version gone", func(e *outEnv) {
			e.x.script("chat.post", xFailure(casework.XChatKeysRejected, "The signer has no registered public key version [1]."))
		}, casework.EHandleChatKeysRevoked, false},
		{"brand without keys", func(e *outEnv) {
			e.x.script("chat.brand", casework.Errorf(casework.EHandleChatKeysMissing, "The brand handle has no X Chat keys."))
		}, casework.EHandleChatKeysMissing, false},
		{"unverified binding", func(e *outEnv) {
			e.x.script("chat.keys", casework.Errorf(casework.EChatKeysUnverified, "The customer's X Chat keys failed their binding check."))
		}, casework.EChatKeysUnverified, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newOutEnv(t)
			if !tt.noKeys {
				e.chat.give(e.alice.Twitter.XUserID)
			}
			c := e.openCase(t, e.alice.ID, casework.ChannelDM, casework.CaseOpen)
			m := e.dm(t, c, "hello")
			tt.setup(e)
			e.run(t, first)
			got := e.message(t, m)
			wantFailed(t, got, tt.code)
			if got.Error.Detail == "" {
				t.Error("no reason for the agent")
			}
			if w, _ := e.store.StaleWork(e.ctx, e.now.Add(time.Hour)); len(w) != 0 {
				t.Errorf("work left after the failure: %+v", w)
			}
		})
	}
}

func (s *crashingStore) PutChatKey(ctx context.Context, k *casework.ChatKey) error {
	if err := s.write("PutChatKey"); err != nil {
		return err
	}
	return s.Store.PutChatKey(ctx, k)
}

// TestChatDMCrashAtEveryWrite: the outbound worker stops before any one of
// a DM's writes (the conversation key's, the recorded payload's, the sent
// mark's), then the command is delivered again (the queue's redelivery or
// the reconciler's re-queue): X holds exactly one message, made under one
// key change, and the message is sent with that message's id. Every write
// is tried as the crash point.
func TestChatDMCrashAtEveryWrite(t *testing.T) {
	for n := 1; ; n++ {
		e, c := dmEnv(t)
		m := e.dm(t, c, "exactly once, whatever happens")
		cmd := e.out.queued()[0]
		cs := &crashingStore{Store: e.store, n: n}
		rules := casework.NewOutbound(casework.OutboundDeps{Store: cs, X: e.x, Chat: e.chat, Clock: func() time.Time { return e.now },
			Logger: slog.New(slog.DiscardHandler), Backoff: func(int) time.Duration { return time.Second }})
		err := rules.Execute(e.ctx, cmd, first)
		if !errors.Is(err, errCrash) {
			if n == 1 {
				t.Fatalf("the DM made no write: %v", err)
			}
			t.Logf("%d writes, each tried as the crash point", n-1)
			return
		}
		cs.mu.Lock()
		cs.n = 0
		cs.mu.Unlock()
		for attempt := 2; attempt <= 3; attempt++ {
			if err := rules.Execute(e.ctx, cmd, casework.Delivery{Attempt: attempt}); err != nil {
				var retry *casework.RetryLater
				if !errors.As(err, &retry) {
					t.Fatalf("crash before write %d: delivery %d: %v", n, attempt, err)
				}
			}
		}
		got := e.message(t, m)
		if got.Status != casework.StatusSent || got.Chat == nil || got.XID != got.Chat.MessageID {
			t.Fatalf("crash before write %d: message %s %+v %+v", n, got.Status, got.Chat, got.Error)
		}
		if k := e.chat.messagesOnX(); k != 1 {
			t.Errorf("crash before write %d: X holds %d messages, want 1", n, k)
		}
		if _, ok := e.chat.onX[got.XID]; !ok {
			t.Errorf("crash before write %d: the message's id %s is not the message X holds", n, got.XID)
		}
		if len(e.chat.posted) != 1 {
			t.Errorf("crash before write %d: key versions posted %v, want one", n, e.chat.posted)
		}
	}
}
