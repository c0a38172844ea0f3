package outbound

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xchat"
)

// chatKeyPrefix names the tests' X Chat key secrets.
const chatKeyPrefix = "test/xchat-keys/"

var (
	engineOnce sync.Once
	engine     *xchat.Engine
	engineErr  error
)

// testEngine is X's engine, loaded once per test binary.
func testEngine(t *testing.T) *xchat.Engine {
	t.Helper()
	engineOnce.Do(func() { engine, engineErr = xchat.Load(context.Background()) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// chatUser is a user with X Chat keys made by X's engine and registered on
// the simulator: the customer's phone, in these tests.
type chatUser struct {
	id, username, bearer, version string
	chat                          *xchat.Chat
	reg                           xchat.Registration
}

// registerKeys registers the public half of reg as the user (OAuth 2.0
// bearer, as X's own clients do) and returns X's version.
func (e *env) registerKeys(bearer, userID string, reg xchat.Registration) string {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"public_key": map[string]string{
		"public_key": reg.PublicKey.PublicKey, "signing_public_key": reg.PublicKey.SigningPublicKey,
		"identity_public_key_signature": reg.PublicKey.IdentityPublicKeySignature,
		"public_key_fingerprint":        reg.PublicKey.PublicKeyFingerprint, "registration_method": reg.PublicKey.RegistrationMethod,
		"signing_public_key_signature": reg.PublicKey.SigningPublicKeySignature,
	}, "version": reg.Version, "generate_version": reg.GenerateVersion})
	var out struct {
		Data struct {
			PublicKeyVersion string `json:"public_key_version"`
		} `json:"data"`
	}
	e.call("POST", "/2/users/"+userID+"/public_keys", bearer, body, &out)
	if out.Data.PublicKeyVersion == "" {
		e.t.Fatal("X registered no version")
	}
	return out.Data.PublicKeyVersion
}

// call calls the simulator as a user (bearer) and decodes a 2xx answer.
func (e *env) call(method, path, bearer string, body []byte, out any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.simURL+path, bytes.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// chatCustomer gives the sample customer X Chat keys of their own.
func (e *env) chatCustomer(username string) *chatUser {
	e.t.Helper()
	ctx := context.Background()
	var creds struct {
		UserID string `json:"user_id"`
		OAuth2 struct {
			AccessToken string `json:"access_token"`
		} `json:"oauth2"`
	}
	e.call("GET", "/sim/users/"+username+"/credentials", "", nil, &creds)
	c, err := testEngine(e.t).NewChat(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close(context.Background()) })
	reg, err := c.GenerateKeypairs(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &chatUser{id: creds.UserID, username: username, bearer: creds.OAuth2.AccessToken, chat: c, reg: reg}
	u.version = e.registerKeys(u.bearer, u.id, reg)
	if err := c.SetIdentity(ctx, u.id, u.version); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// chatBrand gives @AcmeSupport an X Chat identity as make x-chat-keys
// does: keys made by X's engine, their public half registered on X as the
// brand, the exported blob in the brand's key secret.
func (e *env) chatBrand() {
	e.t.Helper()
	ctx := context.Background()
	brand := sample.Brands[0]
	c, err := testEngine(e.t).NewChat(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close(ctx)
	reg, err := c.GenerateKeypairs(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	blob, err := c.ExportKeys(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	version, err := e.x.AddChatPublicKey(ctx, xapi.BrandAuth{XUserID: brand.XUserID, CredentialsSecret: brand.Secret}, xapi.ChatKeyRegistration{
		Version: reg.Version, GenerateVersion: reg.GenerateVersion, PublicKey: xapi.ChatRegisteredKey{
			PublicKey: reg.PublicKey.PublicKey, SigningPublicKey: reg.PublicKey.SigningPublicKey, IdentityPublicKeySignature: reg.PublicKey.IdentityPublicKeySignature,
			PublicKeyFingerprint: reg.PublicKey.PublicKeyFingerprint, RegistrationMethod: reg.PublicKey.RegistrationMethod,
			SigningPublicKeySignature: reg.PublicKey.SigningPublicKeySignature}})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.secrets.SetJSON(chatKeyPrefix+brand.XUserID, secrets.ChatKeys{XUserID: brand.XUserID, KeyVersion: version,
		PrivateKeys: base64.StdEncoding.EncodeToString(blob), PublicKey: reg.PublicKey.PublicKey, SigningPublicKey: reg.PublicKey.SigningPublicKey}); err != nil {
		e.t.Fatal(err)
	}
}

// reads returns the texts the customer's own client decrypts and verifies
// in their conversation with the brand, oldest first, read through X's
// endpoints as the customer.
func (e *env) reads(u *chatUser, brandXUserID string) []string {
	e.t.Helper()
	ctx := context.Background()
	var page struct {
		Data []struct {
			EncodedEvent string `json:"encoded_event"`
		} `json:"data"`
		Meta struct {
			ConversationKeyEvents []string `json:"conversation_key_events"`
		} `json:"meta"`
	}
	e.call("GET", "/2/chat/conversations/"+casework.ChatConversationID(u.id, brandXUserID)+"/events?max_results=100", u.bearer, nil, &page)
	var signing []xchat.SigningKey
	for _, id := range []string{u.id, brandXUserID} {
		var keys struct {
			Data []xapi.ChatPublicKey `json:"data"`
		}
		e.call("GET", "/2/users/"+id+"/public_keys", u.bearer, nil, &keys)
		for _, k := range keys.Data {
			signing = append(signing, xchat.SigningKey{UserID: id, PublicKeyVersion: k.Version, PublicKey: k.SigningPublicKey,
				IdentityPublicKey: k.PublicKey, IdentityPublicKeySignature: k.IdentityPublicKeySignature})
		}
	}
	events := append([]string(nil), page.Meta.ConversationKeyEvents...)
	for i := len(page.Data) - 1; i >= 0; i-- { // X lists newest first
		events = append(events, page.Data[i].EncodedEvent)
	}
	res, err := u.chat.DecryptEvents(ctx, events, signing)
	if err != nil {
		e.t.Fatal(err)
	}
	var texts []string
	for _, m := range res.Messages {
		if m.Event.Type == "message" && m.Event.Content != nil {
			if !m.Event.Verified {
				e.t.Errorf("the customer's client did not verify %q", m.Event.Content.Text)
			}
			texts = append(texts, m.Event.Content.Text)
		}
	}
	for i, msg := range res.Errors {
		e.t.Errorf("the customer's client could not read event %s: %s", i, msg)
	}
	return texts
}

// chatMessagesOnX counts the distinct messages X accepted (posts answered
// 2xx, by their signed message_id): a retry of the same payload is the
// same message.
func (e *env) chatMessagesOnX() int {
	ids := map[string]bool{}
	for _, c := range e.sim.Calls() {
		if c.Method == "POST" && strings.HasSuffix(c.Path, "/messages") && strings.HasPrefix(c.Path, "/2/chat/conversations/") && c.Status < 300 {
			var body xapi.ChatMessageRequest
			json.Unmarshal(c.Body, &body)
			ids[body.MessageID] = true
		}
	}
	return len(ids)
}

// A DM reply becomes an X Chat message the customer's own client decrypts
// and verifies; X holds ciphertext only, and the message's X id is the
// signed message_id.
func TestChatDMReachesTheCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.chatBrand()
	alice := e.chatCustomer("alice_follows")
	first := e.createCase("@alice_follows before the DM")
	e.runUntil(10*time.Second, e.final(first))
	texts := []string{"a private word 🔐", "שלום, and another"}
	var dms []*casework.Message
	for _, text := range texts {
		dms = append(dms, e.reply(first.CaseID, casework.ModeDM, text))
	}
	e.runUntil(60*time.Second, func() bool { return e.final(dms[0])() && e.final(dms[1])() })
	for _, dm := range dms {
		got := e.message(dm)
		if got.Status != casework.StatusSent || got.Chat == nil || got.XID != got.Chat.MessageID {
			t.Fatalf("DM = %s %+v %+v", got.Status, got.Chat, got.Error)
		}
	}
	if got := e.reads(alice, sample.Brands[0].XUserID); strings.Join(got, "|") != strings.Join(texts, "|") {
		t.Errorf("the customer reads %q, want %q", got, texts)
	}
	for _, c := range e.sim.Calls() {
		for _, text := range texts {
			if strings.Contains(string(c.Body), text) || strings.Contains(string(c.Body), "private word") {
				t.Errorf("X was sent plain text: %s %s", c.Method, c.Path)
			}
		}
	}
	keys, err := e.store.ChatKeys(context.Background(), sample.Brands[0].XUserID, e.message(dms[0]).Chat.ConversationID)
	if err != nil || len(keys) != 1 {
		t.Errorf("conversation keys %+v, %v: want the one", keys, err)
	}
	if n := e.chatMessagesOnX(); n != 2 {
		t.Errorf("X holds %d messages, want 2", n)
	}
	e.noWorkLeft()
}

// crashingChat dies at a chosen point of a send, once.
type crashingChat struct {
	ChatX
	// before: die before X sees the message (between recording its payload
	// and sending it); otherwise after X took it, before its answer is
	// recorded.
	before  bool
	armed   atomic.Bool
	crashed atomic.Bool
}

func (c *crashingChat) SendChatMessage(ctx context.Context, a xapi.BrandAuth, conv string, req xapi.ChatMessageRequest) (string, error) {
	if c.before && c.armed.Load() && c.crashed.CompareAndSwap(false, true) {
		panic("worker killed between recording the DM's payload and sending it")
	}
	ev, err := c.ChatX.SendChatMessage(ctx, a, conv, req)
	if !c.before && err == nil && c.armed.Load() && c.crashed.CompareAndSwap(false, true) {
		panic("worker killed between X's answer and the DynamoDB write")
	}
	return ev, err
}

// A crash between recording a DM's payload and sending it, or between X
// taking it and the worker recording that: after the restart (the
// queue's redelivery, as the reconciler's re-queue would) the DM is sent
// once, the same signed message.
func TestChatDMCrashSendsOnce(t *testing.T) {
	t.Parallel()
	for _, before := range []bool{true, false} {
		t.Run(fmt.Sprintf("before X %v", before), func(t *testing.T) {
			t.Parallel()
			var cc *crashingChat
			e := newEnv(t, options{wrapChat: func(c ChatX) ChatX { cc = &crashingChat{ChatX: c, before: before}; return cc }})
			e.chatBrand()
			alice := e.chatCustomer("alice_follows")
			first := e.createCase("@alice_follows before the DM")
			e.runUntil(10*time.Second, e.final(first))
			cc.armed.Store(true)
			dm := e.reply(first.CaseID, casework.ModeDM, "only once, please")
			e.runUntil(60*time.Second, e.final(dm))
			if !cc.crashed.Load() {
				t.Fatal("the worker never crashed; the test proves nothing")
			}
			got := e.message(dm)
			if got.Status != casework.StatusSent || got.XID == "" || got.XID != got.Chat.MessageID {
				t.Fatalf("DM = %s %+v %+v", got.Status, got.Chat, got.Error)
			}
			if n := e.chatMessagesOnX(); n != 1 {
				t.Errorf("X holds %d messages after a crash, want 1", n)
			}
			if texts := e.reads(alice, sample.Brands[0].XUserID); len(texts) != 1 || texts[0] != "only once, please" {
				t.Errorf("the customer reads %q", texts)
			}
			e.noWorkLeft()
		})
	}
}

// X's refusals and what is missing are failures with a reason an agent
// reads: the customer has no X Chat keys, the customer does not accept
// the brand's DMs, the brand handle has no keys.
func TestChatDMRefusals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		setup func(e *env)
		code  string
	}{
		{"customer without keys", func(e *env) { e.chatBrand() }, casework.ECustomerHasNoChatKeys},
		{"brand without keys", func(e *env) { e.chatCustomer("alice_follows") }, casework.EHandleChatKeysMissing},
		{"customer takes no DMs from the brand", func(e *env) {
			e.chatBrand()
			e.chatCustomer("alice_follows")
			e.call("DELETE", "/sim/users/alice_follows/following/AcmeSupport", "", nil, nil)
			e.call("PUT", "/sim/users/alice_follows/dm-settings", "", []byte(`{"allow_dms_from":"following"}`), nil)
		}, casework.EDMNotAllowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, options{})
			first := e.createCase("@alice_follows hi")
			e.runUntil(10*time.Second, e.final(first))
			tt.setup(e)
			dm := e.reply(first.CaseID, casework.ModeDM, "a private word")
			e.runUntil(60*time.Second, e.final(dm))
			got := e.message(dm)
			if got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != tt.code || got.Error.Detail == "" {
				t.Fatalf("DM = %s %+v, want failed with %s", got.Status, got.Error, tt.code)
			}
			if n := e.chatMessagesOnX(); n != 0 {
				t.Errorf("X holds %d messages", n)
			}
			e.noWorkLeft()
		})
	}
}

// The customer started the conversation and made its key (X's key-change
// event, kept as the inbound worker keeps it): the brand's reply goes
// under that key, verified first, with no key change of its own, and the
// customer's client reads it.
func TestChatDMUnderTheCustomersKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.chatBrand()
	alice := e.chatCustomer("alice_follows")
	brand := sample.Brands[0]
	ctx := context.Background()
	// Alice's phone makes the conversation's key, wrapped to both.
	var bkeys struct {
		Data []xapi.ChatPublicKey `json:"data"`
	}
	e.call("GET", "/2/users/"+brand.XUserID+"/public_keys", alice.bearer, nil, &bkeys)
	kc, err := alice.chat.PrepareConversationKeyChange(ctx, xchat.KeyChangeParams{PublicKeys: []xchat.PublicKeyInput{
		{UserID: alice.id, PublicKey: alice.reg.PublicKey.PublicKey, KeyVersion: alice.version},
		{UserID: brand.XUserID, PublicKey: bkeys.Data[0].PublicKey, KeyVersion: bkeys.Data[0].Version}}})
	if err != nil {
		t.Fatal(err)
	}
	var pks []map[string]string
	for _, p := range kc.ParticipantKeys {
		pks = append(pks, map[string]string{"user_id": p.UserID, "encrypted_conversation_key": p.EncryptedKey, "public_key_version": p.PublicKeyVersion})
	}
	var sigs []map[string]any
	for _, s := range kc.ActionSignatures {
		sigs = append(sigs, map[string]any{"message_id": s.MessageID, "encoded_message_event_detail": s.EncodedMessageEventDetail,
			"message_event_signature": map[string]string{"signature": s.Signature, "public_key_version": s.PublicKeyVersion, "signature_version": s.SignatureVersion}})
	}
	body, _ := json.Marshal(map[string]any{"conversation_key_version": kc.ConversationKeyVersion, "conversation_participant_keys": pks, "action_signatures": sigs})
	e.call("POST", "/2/chat/conversations/"+brand.XUserID+"/keys", alice.bearer, body, nil)
	// The brand keeps X's key-change event, as the inbound worker does.
	conv := casework.ChatConversationID(brand.XUserID, alice.id)
	page, err := e.x.ChatConversationEvents(ctx, xapi.BrandAuth{XUserID: brand.XUserID, CredentialsSecret: brand.Secret}, conv, 10, "")
	if err != nil || len(page.Events)+len(page.KeyEvents) == 0 {
		t.Fatalf("events %+v, %v", page, err)
	}
	event := page.Events[0].EncodedEvent
	if len(page.KeyEvents) > 0 {
		event = page.KeyEvents[0]
	}
	if err := e.store.PutChatKey(ctx, &casework.ChatKey{BrandXUserID: brand.XUserID, ConversationID: conv, KeyVersion: kc.ConversationKeyVersion,
		KeyChangeEvent: event, SequenceID: page.Events[0].ID}); err != nil {
		t.Fatal(err)
	}
	first := e.createCase("@alice_follows hello")
	e.runUntil(10*time.Second, e.final(first))
	dm := e.reply(first.CaseID, casework.ModeDM, "under your key")
	e.runUntil(60*time.Second, e.final(dm))
	got := e.message(dm)
	if got.Status != casework.StatusSent || got.Chat.ConversationKeyVersion != kc.ConversationKeyVersion {
		t.Fatalf("DM = %s %+v %+v, want sent under the customer's key %s", got.Status, got.Chat, got.Error, kc.ConversationKeyVersion)
	}
	for _, c := range e.sim.Calls() {
		if c.Method == "POST" && strings.HasSuffix(c.Path, "/keys") && c.UserID == brand.XUserID {
			t.Errorf("the brand made a key change of its own: %s", c.Path)
		}
	}
	if texts := e.reads(alice, brand.XUserID); len(texts) != 1 || texts[0] != "under your key" {
		t.Errorf("the customer reads %q", texts)
	}
}
