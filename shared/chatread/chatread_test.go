package chatread_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/acme/twitter-cases/shared/activity"
	"github.com/acme/twitter-cases/shared/brandchat"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/chatread"
	"github.com/acme/twitter-cases/shared/dev/memstore"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

const (
	brandX    = "1000000000000000001"
	customerX = "2000000000000000001"
)

// party is a user with X Chat keys in X's engine.
type party struct {
	id   string
	chat *xchat.Chat
	reg  xchat.Registration
}

var (
	engineOnce sync.Once
	engine     *xchat.Engine
	engineErr  error
)

func newParty(t *testing.T, id string) party {
	t.Helper()
	ctx := context.Background()
	engineOnce.Do(func() { engine, engineErr = xchat.Load(ctx) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	c, err := engine.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	reg, err := c.GenerateKeypairs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetIdentity(ctx, id, reg.Version); err != nil {
		t.Fatal(err)
	}
	return party{id: id, chat: c, reg: reg}
}

func (p party) record() xapi.ChatPublicKey {
	return xapi.ChatPublicKey{UserID: p.id, Version: p.reg.Version, PublicKey: p.reg.PublicKey.PublicKey,
		SigningPublicKey: p.reg.PublicKey.SigningPublicKey, IdentityPublicKeySignature: p.reg.PublicKey.IdentityPublicKeySignature}
}

// fakeX is X's public-key and conversation-events endpoints.
type fakeX struct {
	mu        sync.Mutex
	keys      map[string][]xapi.ChatPublicKey
	keyEvents []string
	calls     map[string]int
}

func (x *fakeX) ChatPublicKeys(ctx context.Context, auth xapi.BrandAuth, userID string) ([]xapi.ChatPublicKey, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.calls["keys"]++
	if auth.XUserID != brandX {
		return nil, errors.New("not signed as the brand")
	}
	return x.keys[userID], nil
}

func (x *fakeX) ChatConversationEvents(ctx context.Context, auth xapi.BrandAuth, conv string, n int, token string) (xapi.ChatEventsPage, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.calls["events"]++
	return xapi.ChatEventsPage{KeyEvents: x.keyEvents}, nil
}

// ids holds the brand's identity.
type ids struct{ brand party }

func (i ids) Use(ctx context.Context, xUserID string, fn func(ctx context.Context, id *brandchat.Identity[*xchat.Chat]) error) error {
	if xUserID != i.brand.id {
		return casework.Errorf(casework.EHandleChatKeysMissing, "no keys")
	}
	return fn(ctx, &brandchat.Identity[*xchat.Chat]{XUserID: i.brand.id, KeyVersion: i.brand.reg.Version, Chat: i.brand.chat})
}

// Envelopes as X's backend builds them (XCHAT.md, last section).
type tw struct{ b []byte }

func (w *tw) str(id int16, s string) {
	w.b = append(w.b, 11)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(id))
	w.b = binary.BigEndian.AppendUint32(w.b, uint32(len(s)))
	w.b = append(w.b, s...)
}

func (w *tw) raw(id int16, serialized []byte) {
	w.b = append(w.b, 12)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(id))
	w.b = append(w.b, serialized...)
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b
		}
	}
	t.Fatalf("not base64")
	return nil
}

type conv struct {
	id      string // canonical min:max
	version string
	key     []byte
	change  string // the key change as X delivers it
	seq     int
}

func envelope(c *conv, messageID, sender string, detail, sig []byte) string {
	c.seq++
	var w tw
	w.str(1, strconv.Itoa(c.seq))
	w.str(2, messageID)
	w.str(3, sender)
	w.str(4, c.id)
	w.str(6, strconv.FormatInt(1765000000000+int64(c.seq), 10))
	w.raw(7, detail)
	w.raw(9, sig)
	w.b = append(w.b, 0)
	return base64.StdEncoding.EncodeToString(w.b)
}

// newConv makes from's key change for a 1:1 with to.
func newConv(t *testing.T, from, to party) *conv {
	t.Helper()
	ch, err := from.chat.PrepareConversationKeyChange(context.Background(), xchat.KeyChangeParams{PublicKeys: []xchat.PublicKeyInput{
		{UserID: from.id, PublicKey: from.reg.PublicKey.PublicKey, KeyVersion: from.reg.Version},
		{UserID: to.id, PublicKey: to.reg.PublicKey.PublicKey, KeyVersion: to.reg.Version}}})
	if err != nil {
		t.Fatal(err)
	}
	c := &conv{id: ch.ConversationID, version: ch.ConversationKeyVersion, key: ch.ConversationKey}
	s := ch.ActionSignatures[0]
	var sig tw
	sig.str(1, s.Signature)
	sig.str(2, s.PublicKeyVersion)
	sig.str(3, s.SignatureVersion)
	sig.b = append(sig.b, 0)
	c.change = envelope(c, s.MessageID, from.id, unb64(t, s.EncodedMessageEventDetail), sig.b)
	return c
}

// send is from's message as X delivers it, and its message id.
func (c *conv) send(t *testing.T, from party, text string) (string, string) {
	t.Helper()
	p, err := from.chat.EncryptMessage(context.Background(), xchat.EncryptParams{ConversationID: c.id, Text: text,
		ConversationKey: c.key, ConversationKeyVersion: c.version})
	if err != nil {
		t.Fatal(err)
	}
	var d tw
	d.raw(1, unb64(t, p.EncryptedContent))
	d.b = append(d.b, 0)
	return envelope(c, p.MessageID, from.id, d.b, unb64(t, p.EncodedEventSignature)), p.MessageID
}

// delivery is a chat.received or chat.sent delivery to the brand, read by
// the product's parser.
func delivery(t *testing.T, typ, uuid string, c *conv, sender, encoded, keyChange string) casework.Event {
	t.Helper()
	payload := map[string]any{"conversation_id": strings.ReplaceAll(c.id, ":", "-"), "sender_id": sender,
		"encoded_event": encoded, "conversation_key_version": c.version}
	if keyChange != "" {
		payload["conversation_key_change_event"] = keyChange
	}
	b, _ := json.Marshal(map[string]any{"data": map[string]any{"event_uuid": uuid, "event_type": typ,
		"filter": map[string]string{"user_id": brandX}, "payload": payload}})
	evs, err := activity.Parse(b)
	if err != nil || len(evs) != 1 {
		t.Fatalf("parse: %v, %v", evs, err)
	}
	return evs[0]
}

type env struct {
	brand, customer party
	x               *fakeX
	store           *memstore.Store
	reader          *chatread.Reader
	handle          *casework.BrandHandle
	logs            *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	e := &env{brand: newParty(t, brandX), customer: newParty(t, customerX), store: memstore.New(), logs: &bytes.Buffer{}}
	e.x = &fakeX{keys: map[string][]xapi.ChatPublicKey{brandX: {e.brand.record()}, customerX: {e.customer.record()}}, calls: map[string]int{}}
	e.reader = chatread.New(ids{e.brand}, e.store, e.x, nil, slog.New(slog.NewJSONHandler(e.logs, nil)))
	e.handle = &casework.BrandHandle{ID: "h1", XUserID: brandX, ScreenName: "AcmeSupport", CredentialsSecret: "s", Status: casework.HandleConnected}
	return e
}

func TestOpenVerifiesAndKeepsTheKeyChange(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := newConv(t, e.customer, e.brand)
	enc, id := c.send(t, e.customer, "Hello 🙂 مرحبا")
	ev := delivery(t, "chat.received", "1", c, customerX, enc, c.change)
	got, err := e.reader.Open(ctx, e.handle, ev.Chat)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text != "Hello 🙂 مرحبا" || got.MessageID != id || got.MessageID != ev.Chat.MessageID || got.SenderID != customerX || !got.KeysChanged {
		t.Errorf("opened %+v", got)
	}
	kept, _ := e.store.ChatKeys(ctx, brandX, casework.CanonicalChatConversationID(c.id))
	if len(kept) != 1 || kept[0].KeyVersion != c.version || kept[0].KeyChangeEvent != c.change {
		t.Fatalf("kept %+v", kept)
	}
	// The next message needs no key change: the kept one opens it; the
	// signing keys are not read again.
	enc2, _ := c.send(t, e.customer, "second")
	got, err = e.reader.Open(ctx, e.handle, delivery(t, "chat.received", "2", c, customerX, enc2, c.change).Chat)
	if err != nil || got.Text != "second" || got.KeysChanged {
		t.Errorf("second: %+v, %v", got, err)
	}
	if e.x.calls["keys"] != 2 {
		t.Errorf("%d public-key reads, want 2 (one per participant)", e.x.calls["keys"])
	}
}

func TestOpenAsksXForAMissingKey(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := newConv(t, e.customer, e.brand)
	enc, _ := c.send(t, e.customer, "where is my key")
	ev := delivery(t, "chat.received", "1", c, customerX, enc, "")
	if _, err := e.reader.Open(ctx, e.handle, ev.Chat); !errors.Is(err, casework.ErrChatKeyMissing) {
		t.Fatalf("err = %v, want ErrChatKeyMissing", err)
	}
	if e.x.calls["events"] != 1 {
		t.Errorf("X's events were read %d times, want once", e.x.calls["events"])
	}
	e.x.keyEvents = []string{c.change}
	got, err := e.reader.Open(ctx, e.handle, ev.Chat)
	if err != nil || got.Text != "where is my key" || !got.KeysChanged {
		t.Fatalf("after X lists the key: %+v, %v", got, err)
	}
}

func TestOpenRefusesWhatDoesNotVerify(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := newConv(t, e.customer, e.brand)
	// A message whose content is another's: the signature does not match.
	p2, err := e.customer.chat.EncryptMessage(ctx, xchat.EncryptParams{ConversationID: c.id, Text: "forged", ConversationKey: c.key, ConversationKeyVersion: c.version})
	if err != nil {
		t.Fatal(err)
	}
	var d tw
	d.raw(1, unb64(t, p2.EncryptedContent))
	d.b = append(d.b, 0)
	realSig := func() []byte {
		p, _ := e.customer.chat.EncryptMessage(ctx, xchat.EncryptParams{ConversationID: c.id, Text: "other", ConversationKey: c.key, ConversationKeyVersion: c.version})
		return unb64(t, p.EncodedEventSignature)
	}()
	tampered := envelope(c, p2.MessageID, customerX, d.b, realSig)
	ev := delivery(t, "chat.received", "1", c, customerX, tampered, c.change)
	if _, err := e.reader.Open(ctx, e.handle, ev.Chat); !errors.Is(err, casework.ErrChatUnverified) {
		t.Fatalf("tampered: err = %v, want ErrChatUnverified", err)
	}
	// The keys were read again once before refusing (a rotation would heal).
	if e.x.calls["keys"] != 4 {
		t.Errorf("%d public-key reads, want 4 (both participants, twice)", e.x.calls["keys"])
	}

	// A record whose key binding fails is not used: nothing verifies.
	e2 := newEnv(t)
	bad := e2.customer.record()
	bad.IdentityPublicKeySignature = e2.brand.record().IdentityPublicKeySignature
	e2.x.keys[customerX] = []xapi.ChatPublicKey{bad}
	c2 := newConv(t, e2.brand, e2.customer)
	enc, _ := c2.send(t, e2.customer, "hi")
	if _, err := e2.reader.Open(ctx, e2.handle, delivery(t, "chat.received", "1", c2, customerX, enc, c2.change).Chat); !errors.Is(err, casework.ErrChatUnverified) {
		t.Errorf("with a record that fails its binding: err = %v", err)
	}
	if !strings.Contains(e2.logs.String(), `"security_event":"x_chat_key_binding"`) {
		t.Errorf("no security event for the binding:\n%s", e2.logs.String())
	}
}

// TestWaitingThenOpenedEndToEnd: the inbound rules with X's engine: a
// message whose key arrives later is shown waiting, then decrypted; a
// tampered one is refused; duplicates change nothing.
func TestWaitingThenOpenedEndToEnd(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.store.PutHandle(ctx, e.handle))
	in := casework.NewInbound(e.store, nil, slog.New(slog.NewJSONHandler(e.logs, nil))).WithChat(casework.ChatDeps{Reader: e.reader, Waits: e.store})

	c := newConv(t, e.customer, e.brand)
	enc1, id1 := c.send(t, e.customer, "my order is late")
	first := delivery(t, "chat.received", "u1", c, customerX, enc1, "") // its key change is not delivered
	must(in.Apply(ctx, first))
	cust, err := e.store.CustomerByXUserID(ctx, customerX)
	must(err)
	m, err := e.store.MessageByXID(ctx, casework.KindDM, id1)
	must(err)
	if m.Status != casework.StatusWaitingForKey || m.Text != "" {
		t.Fatalf("first: %+v", m)
	}
	enc2, id2 := c.send(t, e.customer, "hello?")
	second := delivery(t, "chat.received", "u2", c, customerX, enc2, c.change)
	must(in.Apply(ctx, second))
	must(in.Apply(ctx, second))                                                           // the same delivery again
	must(in.Apply(ctx, delivery(t, "chat.received", "u3", c, customerX, enc2, c.change))) // the same message again
	m1, _ := e.store.MessageByXID(ctx, casework.KindDM, id1)
	m2, _ := e.store.MessageByXID(ctx, casework.KindDM, id2)
	if m1.Status != casework.StatusReceived || m1.Text != "my order is late" || m2.Text != "hello?" || m1.CaseID != m2.CaseID {
		t.Fatalf("after the key: %+v / %+v", m1, m2)
	}
	page, _ := e.store.MessagesOfCase(ctx, m1.CaseID, casework.PageRequest{})
	cases, _ := e.store.CasesOfCustomer(ctx, cust.ID, "", casework.PageRequest{})
	if len(page.Items) != 2 || len(cases.Items) != 1 {
		t.Errorf("%d messages in %d cases, want 2 in 1", len(page.Items), len(cases.Items))
	}
	if strings.Contains(e.logs.String(), "my order") || strings.Contains(e.logs.String(), "hello?") {
		t.Error("plain text in the log")
	}
}
