package xchat

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// party is one X user with its own Chat and registered keys.
type party struct {
	id   string
	chat *Chat
	reg  Registration
	blob []byte
}

func (p party) signingKey() SigningKey {
	return SigningKey{
		UserID: p.id, PublicKeyVersion: p.reg.Version,
		PublicKey: p.reg.PublicKey.SigningPublicKey, IdentityPublicKey: p.reg.PublicKey.PublicKey,
		IdentityPublicKeySignature: p.reg.PublicKey.IdentityPublicKeySignature,
	}
}

func (p party) publicKey() PublicKeyInput {
	return PublicKeyInput{UserID: p.id, PublicKey: p.reg.PublicKey.PublicKey, KeyVersion: p.reg.Version}
}

func newParty(t *testing.T, e *Engine, id string) party {
	t.Helper()
	ctx := context.Background()
	c, err := e.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	reg, err := c.GenerateKeypairs(ctx)
	if err != nil {
		t.Fatalf("GenerateKeypairs: %v", err)
	}
	blob, err := c.ExportKeys(ctx)
	if err != nil {
		t.Fatalf("ExportKeys: %v", err)
	}
	if err := c.SetIdentity(ctx, id, reg.Version); err != nil {
		t.Fatal(err)
	}
	return party{id: id, chat: c, reg: reg, blob: blob}
}

func testEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// conversation is a 1:1 between brand and customer with a key set up by one
// side, the key change wrapped as X delivers it.
type conversation struct {
	id        string // canonical min:max
	keyChange string // base64 MessageEvent
	version   string
	key       []byte
	seq       int64
}

func (cv *conversation) next() int64 { cv.seq++; return cv.seq }

func startConversation(t *testing.T, from, to party) *conversation {
	t.Helper()
	ctx := context.Background()
	ch, err := from.chat.PrepareConversationKeyChange(ctx, KeyChangeParams{PublicKeys: []PublicKeyInput{from.publicKey(), to.publicKey()}})
	if err != nil {
		t.Fatalf("PrepareConversationKeyChange: %v", err)
	}
	if len(ch.ConversationKey) != 32 || len(ch.ParticipantKeys) != 2 || len(ch.ActionSignatures) != 1 {
		t.Fatalf("prepared change: key %d bytes, %d participant keys, %d signatures", len(ch.ConversationKey), len(ch.ParticipantKeys), len(ch.ActionSignatures))
	}
	cv := &conversation{id: ch.ConversationID, version: ch.ConversationKeyVersion, key: ch.ConversationKey}
	cv.keyChange = keyChangeEvent(t, envelope{seq: cv.next(), senderID: from.id, conversationID: cv.id, createdAtMsec: 1765000000000}, ch.ActionSignatures[0])
	return cv
}

func (cv *conversation) send(t *testing.T, from party, key []byte, text string) (SendPayload, string) {
	t.Helper()
	p, err := from.chat.EncryptMessage(context.Background(), EncryptParams{ConversationID: cv.id, Text: text, ConversationKey: key, ConversationKeyVersion: cv.version})
	if err != nil {
		t.Fatalf("EncryptMessage: %v", err)
	}
	ev := messageEvent(t, envelope{seq: cv.next(), messageID: p.MessageID, senderID: from.id, conversationID: cv.id, createdAtMsec: 1765000000000 + cv.seq}, p.EncryptedContent, p.EncodedEventSignature)
	return p, ev
}

func TestBrandAndCustomerExchangeVerifiedMessages(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "1000000000000000001"), newParty(t, e, "987654321")
	keys := []SigningKey{brand.signingKey(), customer.signingKey()}

	cv := startConversation(t, brand, customer)
	if cv.id != "987654321:1000000000000000001" {
		t.Errorf("conversation id %q, want the canonical min:max", cv.id)
	}
	// The customer learns the key from the key change event.
	got, err := customer.chat.ExtractConversationKeys(ctx, []string{cv.keyChange})
	if err != nil {
		t.Fatalf("ExtractConversationKeys: %v", err)
	}
	if got.LatestVersion != cv.version || string(got.Keys[cv.version]) != string(cv.key) {
		t.Fatalf("extracted %q (%d keys), want version %q and the sender's key", got.LatestVersion, len(got.Keys), cv.version)
	}

	for _, text := range []string{"hello", "", "مرحبا بالعالم", "🙂👍🏽 ok", strings.Repeat("x", 10000)} {
		p, ev := cv.send(t, brand, cv.key, text)
		out, err := customer.chat.DecryptEvent(ctx, ev, got.Keys, keys)
		if err != nil {
			t.Fatalf("DecryptEvent(%.20q): %v", text, err)
		}
		if out.Content == nil || out.Content.Text != text || !out.Verified || out.SenderID != brand.id || out.ID != p.MessageID {
			t.Fatalf("decrypted %+v, want %.20q verified from %s", out, text, brand.id)
		}
		// And back, through DecryptEvents with the key change in the batch.
		_, back := cv.send(t, customer, got.Keys[cv.version], text+"!")
		res, err := brand.chat.DecryptEvents(ctx, []string{cv.keyChange, back}, keys)
		if err != nil {
			t.Fatalf("DecryptEvents: %v", err)
		}
		var texts []string
		for _, m := range res.Messages {
			if m.Event.Type == "message" {
				texts = append(texts, m.Event.Content.Text)
			}
		}
		if len(res.Errors) != 0 || len(texts) != 1 || texts[0] != text+"!" {
			t.Fatalf("DecryptEvents: messages %q, errors %v", texts, res.Errors)
		}
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	keys := []SigningKey{brand.signingKey(), customer.signingKey()}
	cv := startConversation(t, brand, customer)
	conv := ConversationKeys{cv.version: cv.key}

	t.Run("no key", func(t *testing.T) {
		_, ev := cv.send(t, brand, cv.key, "later")
		_, err := customer.chat.DecryptEvent(ctx, ev, ConversationKeys{}, keys)
		if !errors.Is(err, ErrNoConversationKey) {
			t.Fatalf("err %v, want ErrNoConversationKey", err)
		}
		if testing.Verbose() {
			t.Logf("engine: %v", err)
		}
	})
	t.Run("wrong signer key", func(t *testing.T) {
		_, ev := cv.send(t, brand, cv.key, "hi")
		other := customer.signingKey()
		other.UserID = brand.id
		other.PublicKeyVersion = brand.reg.Version
		_, err := customer.chat.DecryptEvent(ctx, ev, conv, []SigningKey{other})
		if !errors.Is(err, ErrUnverified) {
			t.Fatalf("err %v, want ErrUnverified", err)
		}
		if testing.Verbose() {
			t.Logf("engine: %v", err)
		}
	})
	t.Run("no signing keys", func(t *testing.T) {
		_, ev := cv.send(t, brand, cv.key, "hi")
		_, err := customer.chat.DecryptEvent(ctx, ev, conv, []SigningKey{})
		if !errors.Is(err, ErrUnverified) {
			t.Fatalf("err %v, want ErrUnverified", err)
		}
		if testing.Verbose() {
			t.Logf("engine: %v", err)
		}
	})
	t.Run("tampered signature", func(t *testing.T) {
		p, _ := cv.send(t, brand, cv.key, "hi")
		p2, _ := cv.send(t, brand, cv.key, "bye")
		// The second message's signature on the first message.
		ev := messageEvent(t, envelope{seq: cv.next(), messageID: p.MessageID, senderID: brand.id, conversationID: cv.id, createdAtMsec: 1}, p.EncryptedContent, p2.EncodedEventSignature)
		_, err := customer.chat.DecryptEvent(ctx, ev, conv, keys)
		if !errors.Is(err, ErrUnverified) {
			t.Fatalf("err %v, want ErrUnverified", err)
		}
		if testing.Verbose() {
			t.Logf("engine: %v", err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		_, err := customer.chat.DecryptEvent(ctx, "not base64!", conv, keys)
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("err %v, want ErrMalformed", err)
		}
		if testing.Verbose() {
			t.Logf("engine: %v", err)
		}
	})
	t.Run("key binding", func(t *testing.T) {
		ok, err := customer.chat.VerifyKeyBinding(ctx, brand.reg.PublicKey.PublicKey, brand.reg.PublicKey.SigningPublicKey, brand.reg.PublicKey.IdentityPublicKeySignature)
		if err != nil || !ok {
			t.Fatalf("brand's own binding: %v, %v", ok, err)
		}
		ok, err = customer.chat.VerifyKeyBinding(ctx, brand.reg.PublicKey.PublicKey, customer.reg.PublicKey.SigningPublicKey, brand.reg.PublicKey.IdentityPublicKeySignature)
		if ok {
			t.Fatalf("a substituted signing key verified (err %v)", err)
		}
	})
}

func TestImportedKeysDecryptAndSign(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	keys := []SigningKey{brand.signingKey(), customer.signingKey()}
	cv := startConversation(t, customer, brand)

	// A fresh Chat (a new Lambda) loads the brand's blob.
	c, err := e.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.EncryptMessage(ctx, EncryptParams{ConversationID: cv.id, Text: "x", ConversationKey: cv.key, ConversationKeyVersion: cv.version}); err == nil {
		t.Fatal("a Chat with no keys encrypted")
	}
	if err := c.ImportKeys(ctx, brand.blob, brand.reg.Version); err != nil {
		t.Fatalf("ImportKeys: %v", err)
	}
	if err := c.SetIdentity(ctx, brand.id, brand.reg.Version); err != nil {
		t.Fatal(err)
	}
	got, err := c.ExtractConversationKeys(ctx, []string{cv.keyChange})
	if err != nil || string(got.Keys[cv.version]) != string(cv.key) {
		t.Fatalf("imported keys do not unwrap the conversation key: %v", err)
	}
	if err := c.SetSigningKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	_, ev := cv.send(t, party{id: brand.id, chat: c}, cv.key, "from the imported keys")
	out, err := customer.chat.DecryptEvent(ctx, ev, ConversationKeys{cv.version: cv.key}, keys)
	if err != nil || out.Content.Text != "from the imported keys" {
		t.Fatalf("customer reads %+v, %v", out, err)
	}
	blob, err := c.ExportKeys(ctx)
	if err != nil || string(blob) != string(brand.blob) {
		t.Fatalf("export after import differs (%v)", err)
	}
}
