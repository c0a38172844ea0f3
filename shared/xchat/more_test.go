package xchat

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
)

// TestUnverifiedEventsAreRefusedByDefault: a new Chat refuses an event
// whose signature it cannot verify (X's default, which the product keeps);
// only SetRejectUnverified(false) lets it through, marked unverified.
func TestUnverifiedEventsAreRefusedByDefault(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	cv := startConversation(t, brand, customer)
	_, ev := cv.send(t, brand, cv.key, "hi")
	keys := ConversationKeys{cv.version: cv.key}
	strangers := []SigningKey{customer.signingKey()} // no key of the sender

	if _, err := customer.chat.DecryptEvent(ctx, ev, keys, strangers); !errors.Is(err, ErrUnverified) {
		t.Fatalf("default policy: err %v, want ErrUnverified", err)
	}
	if err := customer.chat.SetRejectUnverified(ctx, false); err != nil {
		t.Fatal(err)
	}
	out, err := customer.chat.DecryptEvent(ctx, ev, keys, strangers)
	if err != nil || out.Verified || out.Content == nil || out.Content.Text != "hi" {
		t.Fatalf("lenient policy: %+v, %v; want the text, unverified", out, err)
	}
	if err := customer.chat.SetRejectUnverified(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := customer.chat.DecryptEvent(ctx, ev, keys, strangers); !errors.Is(err, ErrUnverified) {
		t.Fatalf("policy restored: err %v, want ErrUnverified", err)
	}
}

// TestStoredSigningKeysAndKeyCache: SetSigningKeys and SetCacheKeys stand in
// for the arguments they default.
func TestStoredSigningKeysAndKeyCache(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	cv := startConversation(t, brand, customer)
	_, ev := cv.send(t, brand, cv.key, "cached")
	if err := customer.chat.SetSigningKeys(ctx, []SigningKey{brand.signingKey(), customer.signingKey()}); err != nil {
		t.Fatal(err)
	}
	if err := customer.chat.SetCacheKeys(ctx, true); err != nil {
		t.Fatal(err)
	}
	// The batch caches the verified key change's key.
	if res, err := customer.chat.DecryptEvents(ctx, []string{cv.keyChange}, nil); err != nil || len(res.Errors) != 0 {
		t.Fatalf("DecryptEvents: %+v, %v", res, err)
	}
	out, err := customer.chat.DecryptEvent(ctx, ev, nil, nil)
	if err != nil || out.Content.Text != "cached" || !out.Verified {
		t.Fatalf("DecryptEvent from the stored keys: %+v, %v", out, err)
	}
	// The customer answers without naming the key: the cache supplies it.
	p, err := customer.chat.EncryptMessage(ctx, EncryptParams{ConversationID: cv.id, Text: "reply"})
	if err != nil || p.ConversationKeyVersion != cv.version {
		t.Fatalf("EncryptMessage from the cache: %+v, %v", p, err)
	}
}

func TestDecryptConversationKey(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	ch, err := brand.chat.PrepareConversationKeyChange(ctx, KeyChangeParams{PublicKeys: []PublicKeyInput{brand.publicKey(), customer.publicKey()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, pk := range ch.ParticipantKeys {
		if pk.UserID != customer.id {
			continue
		}
		key, err := customer.chat.DecryptConversationKey(ctx, pk.EncryptedKey)
		if err != nil || !bytes.Equal(key, ch.ConversationKey) {
			t.Fatalf("customer unwraps %x, %v; want the prepared key", key, err)
		}
		return
	}
	t.Fatalf("no participant key for %s in %+v", customer.id, ch.ParticipantKeys)
}

func TestNoKeysClosedAndCancelled(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	c, err := e.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ExportKeys(ctx)
	if !errors.Is(err, ErrNoKeys) {
		t.Errorf("ExportKeys with no keys: %v, want ErrNoKeys", err)
	}
	if errors.Is(err, ErrBroken) {
		t.Errorf("a refusal broke the instance: %v", err)
	}
	if err := c.ImportKeys(ctx, []byte("short"), ""); err == nil {
		t.Error("ImportKeys accepted 5 bytes")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.GenerateKeypairs(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("GenerateKeypairs on a cancelled ctx: %v", err)
	}
	if _, err := c.GenerateKeypairs(ctx); err != nil {
		t.Errorf("the Chat is unusable after refusals: %v", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.ExportKeys(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("ExportKeys after Close: %v, want ErrClosed", err)
	}
}

// TestChatIsSafeForConcurrentUse: callers sharing one Chat are serialized
// (run with -race to see the guard).
func TestChatIsSafeForConcurrentUse(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	cv := startConversation(t, brand, customer)
	keys := []SigningKey{brand.signingKey(), customer.signingKey()}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			text := string(rune('a' + i))
			p, err := brand.chat.EncryptMessage(ctx, EncryptParams{ConversationID: cv.id, Text: text, ConversationKey: cv.key, ConversationKeyVersion: cv.version})
			if err != nil {
				errs <- err
				return
			}
			ev := messageEvent(t, envelope{seq: int64(10 + i), messageID: p.MessageID, senderID: brand.id, conversationID: cv.id, createdAtMsec: 1}, p.EncryptedContent, p.EncodedEventSignature)
			out, err := customer.chat.DecryptEvent(ctx, ev, ConversationKeys{cv.version: cv.key}, keys)
			if err == nil && out.Content.Text != text {
				err = errors.New("decrypted " + out.Content.Text + ", want " + text)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestKeyStateAndRegisteredKey(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	c, err := e.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	state := func() (bool, bool) {
		t.Helper()
		id, err1 := c.HasIdentityKey(ctx)
		un, err2 := c.IsUnlocked(ctx)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		return id, un
	}
	if id, un := state(); id || un {
		t.Fatalf("a new Chat has keys: identity %v, unlocked %v", id, un)
	}
	if err := c.ImportKeys(ctx, brand.blob, brand.reg.Version); err != nil {
		t.Fatal(err)
	}
	if id, un := state(); !id || !un {
		t.Fatalf("after ImportKeys: identity %v, unlocked %v", id, un)
	}
	for _, tc := range []struct {
		key  string
		want bool
	}{{brand.reg.PublicKey.PublicKey, true}, {customer.reg.PublicKey.PublicKey, false}} {
		if got, err := c.MatchesRegisteredKey(ctx, tc.key); err != nil || got != tc.want {
			t.Errorf("MatchesRegisteredKey = %v, %v; want %v", got, err, tc.want)
		}
	}
	fp, err := c.PublicKeyFingerprint(ctx)
	if err != nil || fp != brand.reg.PublicKey.PublicKeyFingerprint {
		t.Errorf("fingerprint %q, %v; the registration says %q", fp, err, brand.reg.PublicKey.PublicKeyFingerprint)
	}
}

// TestBrokenInstanceRefusesFurtherCalls: when a call fails inside the host
// or the engine traps, the instance may be half-way through a change, so
// the Chat refuses every later call with ErrBroken.
func TestBrokenInstanceRefusesFurtherCalls(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	p := newParty(t, e, "42")
	c := p.chat
	// An externref this host never issued makes the import reading it fail.
	ptr, n, err := c.passString(ctx, "AAAA")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.call(ctx, "chat_decryptEvent", c.ptr, ptr, n, 1<<40, 1<<40)
	if !errors.Is(err, ErrBroken) {
		t.Fatalf("err %v, want ErrBroken", err)
	}
	if _, err := c.ExportKeys(ctx); !errors.Is(err, ErrBroken) {
		t.Fatalf("a later call: %v, want ErrBroken", err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatalf("Close of a broken Chat: %v", err)
	}
}

// TestDecryptEventsReportsEachFailureWithItsKind: in a batch, an event whose
// key is missing and one whose signature fails are reported by index with
// kinds a caller can act on (keep the first, refuse the second), and the
// rest still decrypt.
func TestDecryptEventsReportsEachFailureWithItsKind(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	keys := []SigningKey{brand.signingKey(), customer.signingKey()}
	cv := startConversation(t, brand, customer)
	_, good := cv.send(t, brand, cv.key, "good")
	p, _ := cv.send(t, brand, cv.key, "tampered")
	other, _ := cv.send(t, brand, cv.key, "other")
	tampered := messageEvent(t, envelope{seq: cv.next(), messageID: p.MessageID, senderID: brand.id, conversationID: cv.id, createdAtMsec: 1}, p.EncryptedContent, other.EncodedEventSignature)

	later := startConversation(t, brand, customer) // a key this batch never sees
	_, waiting := later.send(t, brand, later.key, "waiting")

	res, err := customer.chat.DecryptEvents(ctx, []string{cv.keyChange, good, tampered, waiting}, keys)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range res.Messages {
		if m.Event.Type == "message" {
			texts = append(texts, m.Event.Content.Text)
		}
	}
	if !slices.Equal(texts, []string{"good"}) {
		t.Errorf("decrypted %q, want only the good one", texts)
	}
	f := res.Failures()
	if len(f) != 2 || !errors.Is(f[2], ErrUnverified) || !errors.Is(f[3], ErrNoConversationKey) {
		t.Errorf("failures %v, want 2: ErrUnverified and 3: ErrNoConversationKey", f)
	}
}

// TestWrongTypedArgumentIsARefusal: a value of the wrong JavaScript type
// where the engine expects an array is refused with the engine's message
// (through the glue's exception path, __wbindgen_exn_store, where an
// import throws), and the Chat stays usable.
func TestWrongTypedArgumentIsARefusal(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	p := newParty(t, e, "42")
	c := p.chat
	for _, bad := range []any{"not an array", 42.0, obj("userId", "1")} {
		res, err := c.call(ctx, "chat_setSigningKeys", c.ptr, c.arg(bad))
		if err == nil {
			err = c.takeUnit(ctx, "chat_setSigningKeys", res)
		}
		c.done(ctx)
		if err == nil {
			t.Fatalf("%#v: accepted as signing keys", bad)
		}
		var ee *Error
		if !errors.As(err, &ee) || errors.Is(err, ErrBroken) || !errors.Is(err, ErrMalformed) {
			t.Fatalf("%#v: %v, want ErrMalformed, leaving the Chat usable", bad, err)
		}
		if testing.Verbose() {
			t.Logf("%#v: %v", bad, err)
		}
	}
	if _, err := c.ExportKeys(ctx); err != nil {
		t.Fatalf("the Chat is unusable after the refusals: %v", err)
	}
}

// TestForgedKeyChange: a key change whose signature fails is reported by
// DecryptEvents and DecryptEvent as ErrUnverified, yet the engine still
// lists its key in DecryptEvents' ConversationKeys and
// ExtractConversationKeys returns it without checking: only
// VerifiedConversationKeys leaves it out. (Pinned, since callers rely on
// knowing which of the engine's calls verify.)
func TestForgedKeyChange(t *testing.T) {
	ctx := context.Background()
	e := testEngine(t)
	brand, customer := newParty(t, e, "42"), newParty(t, e, "43")
	keys := []SigningKey{brand.signingKey(), customer.signingKey()}
	prepare := func() PreparedConversationChange {
		ch, err := brand.chat.PrepareConversationKeyChange(ctx, KeyChangeParams{PublicKeys: []PublicKeyInput{brand.publicKey(), customer.publicKey()}})
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	a, b := prepare(), prepare()
	env := envelope{seq: 1, senderID: brand.id, conversationID: a.ConversationID, createdAtMsec: 1}
	good := keyChangeEvent(t, env, a.ActionSignatures[0])
	sig := a.ActionSignatures[0]
	sig.Signature = b.ActionSignatures[0].Signature
	forged := keyChangeEvent(t, env, sig)
	otherSender := env
	otherSender.senderID = customer.id
	claimed := keyChangeEvent(t, otherSender, a.ActionSignatures[0])

	res, err := customer.chat.DecryptEvents(ctx, []string{good}, keys)
	if err != nil || len(res.Errors) != 0 {
		t.Fatalf("the genuine change: %v, errors %v", err, res.Errors)
	}
	if v := res.VerifiedConversationKeys(); len(v) != 1 || !bytes.Equal(v[a.ConversationKeyVersion], a.ConversationKey) {
		t.Fatalf("the genuine change's verified keys: %d", len(v))
	}
	for name, ev := range map[string]string{"another change's signature": forged, "claims the other participant": claimed} {
		res, err := customer.chat.DecryptEvents(ctx, []string{ev}, keys)
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(res.Failures()[0], ErrUnverified) {
			t.Errorf("%s: failures %v, want ErrUnverified", name, res.Failures())
		}
		if len(res.ConversationKeys.Keys) != 1 {
			t.Errorf("%s: the engine now leaves the key out of ConversationKeys (%d): simplify VerifiedConversationKeys' doc", name, len(res.ConversationKeys.Keys))
		}
		if v := res.VerifiedConversationKeys(); len(v) != 0 {
			t.Errorf("%s: VerifiedConversationKeys holds %d keys", name, len(v))
		}
		if _, err := customer.chat.DecryptEvent(ctx, ev, ConversationKeys{}, keys); !errors.Is(err, ErrUnverified) {
			t.Errorf("%s: DecryptEvent: %v, want ErrUnverified", name, err)
		}
		if got, err := customer.chat.ExtractConversationKeys(ctx, []string{ev}); err != nil || len(got.Keys) != 1 {
			t.Errorf("%s: ExtractConversationKeys now checks signatures (%d keys, %v): update its doc", name, len(got.Keys), err)
		}
	}
}
