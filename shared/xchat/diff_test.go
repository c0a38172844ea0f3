package xchat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// The differential test: X's own JavaScript binding (chat-xdk's glue, under
// the project's Node) and this Go host run the same module bytes, and each
// must decrypt and verify what the other encrypts, agree on key bindings,
// and refuse the same tampered events.

// side is one implementation of X's Chat holding one user's keys.
type side interface {
	String() string
	generate(t *testing.T, userID string) Registration
	verifyBinding(t *testing.T, identity, signing, signature string) bool
	prepare(t *testing.T, p KeyChangeParams) PreparedConversationChange
	encrypt(t *testing.T, p EncryptParams) SendPayload
	extract(t *testing.T, events []string) ConversationKeyResult
	// decrypt returns the event or the engine's refusal.
	decrypt(t *testing.T, event string, keys ConversationKeys, signingKeys []SigningKey) (Event, error)
	decryptEvents(t *testing.T, events []string, signingKeys []SigningKey) DecryptEventsResult
}

// goSide is this package's host.
type goSide struct {
	name string
	c    *Chat
}

func (g goSide) String() string { return "go:" + g.name }

func (g goSide) generate(t *testing.T, userID string) Registration {
	t.Helper()
	ctx := context.Background()
	reg, err := g.c.GenerateKeypairs(ctx)
	if err != nil {
		t.Fatalf("%s GenerateKeypairs: %v", g, err)
	}
	if err := g.c.SetIdentity(ctx, userID, reg.Version); err != nil {
		t.Fatalf("%s SetIdentity: %v", g, err)
	}
	return reg
}

func (g goSide) verifyBinding(t *testing.T, identity, signing, signature string) bool {
	t.Helper()
	ok, err := g.c.VerifyKeyBinding(context.Background(), identity, signing, signature)
	return err == nil && ok
}

func (g goSide) prepare(t *testing.T, p KeyChangeParams) PreparedConversationChange {
	t.Helper()
	ch, err := g.c.PrepareConversationKeyChange(context.Background(), p)
	if err != nil {
		t.Fatalf("%s PrepareConversationKeyChange: %v", g, err)
	}
	return ch
}

func (g goSide) encrypt(t *testing.T, p EncryptParams) SendPayload {
	t.Helper()
	out, err := g.c.EncryptMessage(context.Background(), p)
	if err != nil {
		t.Fatalf("%s EncryptMessage: %v", g, err)
	}
	return out
}

func (g goSide) extract(t *testing.T, events []string) ConversationKeyResult {
	t.Helper()
	out, err := g.c.ExtractConversationKeys(context.Background(), events)
	if err != nil {
		t.Fatalf("%s ExtractConversationKeys: %v", g, err)
	}
	return out
}

func (g goSide) decrypt(_ *testing.T, event string, keys ConversationKeys, signingKeys []SigningKey) (Event, error) {
	return g.c.DecryptEvent(context.Background(), event, keys, signingKeys)
}

func (g goSide) decryptEvents(t *testing.T, events []string, signingKeys []SigningKey) DecryptEventsResult {
	t.Helper()
	out, err := g.c.DecryptEvents(context.Background(), events, signingKeys)
	if err != nil {
		t.Fatalf("%s DecryptEvents: %v", g, err)
	}
	return out
}

// nodePeer is peer.mjs: X's glue under Node, one process per test.
type nodePeer struct {
	mu     sync.Mutex
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *bytes.Buffer
	seq    int
}

func startNodePeer(t *testing.T) *nodePeer {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the differential test needs X's JavaScript binding under Node")
	}
	glue := filepath.Join(repoRoot, "node_modules", "@xdevplatform", "chat-xdk", "pkg", "chat_xdk_wasm.js")
	cmd := exec.Command(node, filepath.Join("testdata", "peer.mjs"), glue, "chat_xdk_wasm_bg.wasm")
	p := &nodePeer{stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if p.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.out = bufio.NewReaderSize(stdout, 1<<20)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Closing stdin ends the peer; kill it if a failure left it busy.
		p.in.Close()
		if t.Failed() {
			cmd.Process.Kill()
		}
		cmd.Wait()
	})
	return p
}

// do runs op on the peer's chat and decodes its result into result. A
// refusal by the engine comes back as an error carrying its message.
func (p *nodePeer) do(t *testing.T, chat, op string, fields map[string]any, result any) error {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	req := map[string]any{"id": p.seq, "op": op, "chat": chat}
	for k, v := range fields {
		req[k] = v
	}
	line, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.in.Write(append(line, '\n')); err != nil {
		t.Fatalf("node peer: write: %v\n%s", err, p.stderr)
	}
	answer, err := p.out.ReadBytes('\n')
	if err != nil {
		t.Fatalf("node peer: read: %v\n%s", err, p.stderr)
	}
	var res struct {
		ID     int             `json:"id"`
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(answer, &res); err != nil || res.ID != p.seq {
		t.Fatalf("node peer: answer %q to request %d: %v", answer, p.seq, err)
	}
	if !res.OK {
		return newError(op, res.Error)
	}
	if result != nil {
		if err := json.Unmarshal(res.Result, result); err != nil {
			t.Fatalf("node peer: %s result %s: %v", op, res.Result, err)
		}
	}
	return nil
}

// nodeSide is one Chat in the Node peer.
type nodeSide struct {
	name string
	p    *nodePeer
}

func (n nodeSide) String() string { return "node:" + n.name }

func (n nodeSide) must(t *testing.T, op string, fields map[string]any, result any) {
	t.Helper()
	if err := n.p.do(t, n.name, op, fields, result); err != nil {
		t.Fatalf("%s %s: %v", n, op, err)
	}
}

func (n nodeSide) generate(t *testing.T, userID string) Registration {
	t.Helper()
	var reg Registration
	n.must(t, "generateKeypairs", nil, &reg)
	n.must(t, "setIdentity", map[string]any{"userId": userID, "version": reg.Version}, nil)
	return reg
}

func (n nodeSide) verifyBinding(t *testing.T, identity, signing, signature string) bool {
	t.Helper()
	var ok bool
	err := n.p.do(t, n.name, "verifyKeyBinding", map[string]any{"identity": identity, "signing": signing, "signature": signature}, &ok)
	return err == nil && ok
}

func (n nodeSide) prepare(t *testing.T, p KeyChangeParams) PreparedConversationChange {
	t.Helper()
	params := map[string]any{"publicKeys": p.PublicKeys}
	if p.ConversationID != "" {
		params["conversationId"] = p.ConversationID
	}
	var out PreparedConversationChange
	n.must(t, "prepareConversationKeyChange", map[string]any{"params": params}, &out)
	return out
}

func (n nodeSide) encrypt(t *testing.T, p EncryptParams) SendPayload {
	t.Helper()
	var out SendPayload
	n.must(t, "encryptMessage", map[string]any{"params": map[string]any{
		"conversationId": p.ConversationID, "text": p.Text,
		"conversationKey": p.ConversationKey, "conversationKeyVersion": p.ConversationKeyVersion,
	}}, &out)
	return out
}

func (n nodeSide) extract(t *testing.T, events []string) ConversationKeyResult {
	t.Helper()
	var out ConversationKeyResult
	n.must(t, "extractConversationKeys", map[string]any{"events": events}, &out)
	return out
}

func (n nodeSide) decrypt(t *testing.T, event string, keys ConversationKeys, signingKeys []SigningKey) (Event, error) {
	t.Helper()
	var out Event
	err := n.p.do(t, n.name, "decryptEvent", map[string]any{"event": event, "keys": keys, "signingKeys": signingKeys}, &out)
	return out, err
}

func (n nodeSide) decryptEvents(t *testing.T, events []string, signingKeys []SigningKey) DecryptEventsResult {
	t.Helper()
	var out DecryptEventsResult
	n.must(t, "decryptEvents", map[string]any{"events": events, "signingKeys": signingKeys}, &out)
	return out
}

// user is a side with its registered keys.
type user struct {
	id  string
	s   side
	reg Registration
}

func (u user) signingKey() SigningKey {
	return party{id: u.id, reg: u.reg}.signingKey()
}

func (u user) publicKey() PublicKeyInput { return party{id: u.id, reg: u.reg}.publicKey() }

// diffMessages is how many messages each pairing of the differential test
// exchanges (two pairings: brand in Go and in Node).
const diffMessages = 150

// diffTexts are the messages: the edge cases, then random Unicode text.
func diffTexts(n int) []string {
	texts := []string{
		"", "hello", "Where is my order #12345?",
		"🙂👍🏽👩‍👩‍👧‍👦🇫🇷", "مرحبا، أين طلبي؟", "שלום עולם", "mixed עברית and English 123",
		"Ünïcödé ñ e\u0301 \u200d\u200f", "line one\nline two\r\n\ttab", `quotes " ' \ and commas, , ,`,
		"\x00nul inside", strings.Repeat("x", 10000), strings.Repeat("🙂", 2500),
	}
	r := rand.New(rand.NewPCG(20, 26))
	ranges := [][2]rune{{0x20, 0x7e}, {0xa0, 0x24f}, {0x590, 0x6ff}, {0x4e00, 0x4fff}, {0x1f300, 0x1f64f}}
	for len(texts) < n {
		var b strings.Builder
		for range r.IntN(300) {
			rg := ranges[r.IntN(len(ranges))]
			b.WriteRune(rg[0] + rune(r.IntN(int(rg[1]-rg[0]))))
		}
		texts = append(texts, b.String())
	}
	return texts
}

// tamperContent flips one byte of the ciphertext inside a posted
// MessageCreateEvent (field 100, the first: 3 bytes of header and 4 of length).
func tamperContent(t *testing.T, encryptedContent string) string {
	t.Helper()
	b := unb64(t, encryptedContent)
	i := 7 + (len(b)-8)/2
	b[i] ^= 0x01
	return b64.EncodeToString(b)
}

// tamperSignature changes one character of the base64 signature inside a
// posted MessageEventSignature (field 1, the first).
func tamperSignature(t *testing.T, encodedEventSignature string) string {
	t.Helper()
	b := unb64(t, encodedEventSignature)
	i := 7 + 10
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return b64.EncodeToString(b)
}

func TestDifferentialAgainstXsJavaScriptBinding(t *testing.T) {
	peer := startNodePeer(t)
	e := testEngine(t)
	ctx := context.Background()
	newGo := func(name string) side {
		c, err := e.NewChat(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(ctx) })
		return goSide{name: name, c: c}
	}
	texts := diffTexts(diffMessages)

	for _, tc := range []struct {
		name            string
		brand, customer side
	}{
		{"brand in Go, customer in Node", newGo("brand1"), nodeSide{"customer1", peer}},
		{"brand in Node, customer in Go", nodeSide{"brand2", peer}, newGo("customer2")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			brand := user{id: "1865432101234567890", s: tc.brand}
			customer := user{id: "20261209", s: tc.customer}
			brand.reg = brand.s.generate(t, brand.id)
			customer.reg = customer.s.generate(t, customer.id)
			signing := []SigningKey{brand.signingKey(), customer.signingKey()}
			users := []user{brand, customer}

			// Key bindings verify alike: each side checks both records, and
			// a record with the other user's signing key fails on both.
			for _, checker := range users {
				for _, u := range users {
					pk := u.reg.PublicKey
					if !checker.s.verifyBinding(t, pk.PublicKey, pk.SigningPublicKey, pk.IdentityPublicKeySignature) {
						t.Errorf("%s does not verify %s's key binding", checker.s, u.s)
					}
				}
				if checker.s.verifyBinding(t, brand.reg.PublicKey.PublicKey, customer.reg.PublicKey.SigningPublicKey, brand.reg.PublicKey.IdentityPublicKeySignature) {
					t.Errorf("%s verifies a substituted signing key", checker.s)
				}
			}

			// The brand starts the conversation; later the customer rotates
			// its key. Each side learns keys only from the delivered events.
			seq := int64(0)
			env := func(sender, msgID, conv string) envelope {
				seq++
				return envelope{seq: seq, messageID: msgID, senderID: sender, conversationID: conv, createdAtMsec: 1765238400000 + seq}
			}
			first := brand.s.prepare(t, KeyChangeParams{PublicKeys: []PublicKeyInput{brand.publicKey(), customer.publicKey()}})
			conv := first.ConversationID
			if conv != "20261209:1865432101234567890" {
				t.Fatalf("%s made conversation %q", brand.s, conv)
			}
			keyChanges := []string{keyChangeEvent(t, env(brand.id, "", conv), first.ActionSignatures[0])}

			var events []string // the conversation as X would list it
			events = append(events, keyChanges[0])
			exchange := func(phase string, texts []string) {
				t.Helper()
				for i, text := range texts {
					from, to := brand, customer
					if i%2 == 1 {
						from, to = customer, brand
					}
					got := from.s.extract(t, keyChanges)
					version := got.LatestVersion
					p := from.s.encrypt(t, EncryptParams{ConversationID: conv, Text: text, ConversationKey: got.Keys[version], ConversationKeyVersion: version})
					ev := messageEvent(t, env(from.id, p.MessageID, conv), p.EncryptedContent, p.EncodedEventSignature)
					events = append(events, ev)
					keys := to.s.extract(t, keyChanges).Keys
					out, err := to.s.decrypt(t, ev, keys, signing)
					if err != nil {
						t.Fatalf("%s: %s cannot decrypt %s's message %d (%d bytes): %v", phase, to.s, from.s, i, len(text), err)
					}
					if out.Content == nil || out.Content.Text != text || !out.Verified || out.SenderID != from.id || out.ID != p.MessageID || out.KeyVersion != version {
						t.Fatalf("%s: %s decrypted message %d of %s as %+v", phase, to.s, i, from.s, out)
					}
					// The sender reads its own message back as well (chat.sent).
					if mine, err := from.s.decrypt(t, ev, keys, signing); err != nil || mine.Content == nil || mine.Content.Text != text {
						t.Fatalf("%s: %s cannot read back its own message %d: %v", phase, from.s, i, err)
					}
				}
			}
			exchange("first key", texts[:len(texts)/2])

			rotated := customer.s.prepare(t, KeyChangeParams{PublicKeys: []PublicKeyInput{brand.publicKey(), customer.publicKey()}})
			if rotated.ConversationID != conv || rotated.ConversationKeyVersion == first.ConversationKeyVersion {
				t.Fatalf("rotation by %s: conversation %q version %q (first %q)", customer.s, rotated.ConversationID, rotated.ConversationKeyVersion, first.ConversationKeyVersion)
			}
			keyChanges = append(keyChanges, keyChangeEvent(t, env(customer.id, "", conv), rotated.ActionSignatures[0]))
			events = append(events, keyChanges[1])
			for _, u := range users {
				if got := u.s.extract(t, keyChanges); got.LatestVersion != rotated.ConversationKeyVersion || len(got.Keys) != 2 {
					t.Fatalf("%s extracts latest %q and %d keys after the rotation", u.s, got.LatestVersion, len(got.Keys))
				}
			}
			exchange("rotated key", texts[len(texts)/2:])

			// The whole conversation in one batch, on both sides: every
			// message decrypts and verifies, none fails.
			for _, u := range users {
				res := u.s.decryptEvents(t, events, signing)
				n := 0
				for _, m := range res.Messages {
					if m.Event.Type == "message" {
						if m.Event.Content == nil || m.Event.Content.Text != texts[n] || !m.Event.Verified {
							t.Fatalf("%s DecryptEvents message %d: %+v", u.s, n, m.Event)
						}
						n++
					}
				}
				if n != len(texts) || len(res.Errors) != 0 {
					t.Fatalf("%s DecryptEvents: %d of %d messages, errors %v", u.s, n, len(texts), res.Errors)
				}
			}

			// Tampered events are refused by both, for the same reason.
			p := brand.s.encrypt(t, EncryptParams{ConversationID: conv, Text: "refund approved", ConversationKey: rotated.ConversationKey, ConversationKeyVersion: rotated.ConversationKeyVersion})
			other := brand.s.encrypt(t, EncryptParams{ConversationID: conv, Text: "other", ConversationKey: rotated.ConversationKey, ConversationKeyVersion: rotated.ConversationKeyVersion})
			keys := ConversationKeys{rotated.ConversationKeyVersion: rotated.ConversationKey}
			for _, bad := range []struct {
				name, event string
				want        error
			}{
				{"ciphertext byte flipped", messageEvent(t, env(brand.id, p.MessageID, conv), tamperContent(t, p.EncryptedContent), p.EncodedEventSignature), ErrUnverified},
				{"signature character changed", messageEvent(t, env(brand.id, p.MessageID, conv), p.EncryptedContent, tamperSignature(t, p.EncodedEventSignature)), ErrUnverified},
				{"another message's signature", messageEvent(t, env(brand.id, p.MessageID, conv), p.EncryptedContent, other.EncodedEventSignature), ErrUnverified},
				{"claims another sender", messageEvent(t, env(customer.id, p.MessageID, conv), p.EncryptedContent, p.EncodedEventSignature), ErrUnverified},
				{"another message id", messageEvent(t, env(brand.id, other.MessageID, conv), p.EncryptedContent, p.EncodedEventSignature), ErrUnverified},
			} {
				for _, u := range users {
					out, err := u.s.decrypt(t, bad.event, keys, signing)
					if err == nil {
						t.Errorf("%s: %s accepted it: %+v", bad.name, u.s, out)
						continue
					}
					if !errors.Is(err, bad.want) {
						t.Errorf("%s: %s refused it as %v, want %v", bad.name, u.s, err, bad.want)
					}
				}
			}
			if testing.Verbose() {
				t.Logf("%d messages, senders alternating, under two keys: %d events", len(texts), len(events))
			}
		})
	}
}

// TestDiffTexts: the corpus holds the cases the issue names.
func TestDiffTexts(t *testing.T) {
	texts := diffTexts(diffMessages)
	has := func(f func(string) bool) bool {
		for _, s := range texts {
			if f(s) {
				return true
			}
		}
		return false
	}
	for name, f := range map[string]func(string) bool{
		"empty":             func(s string) bool { return s == "" },
		"emoji":             func(s string) bool { return strings.Contains(s, "👍🏽") },
		"right-to-left":     func(s string) bool { return strings.ContainsRune(s, 'م') },
		"10,000 characters": func(s string) bool { return utf8.RuneCountInString(s) == 10000 },
	} {
		if !has(f) {
			t.Errorf("no %s message", name)
		}
	}
	if len(texts) != diffMessages {
		t.Fatalf("%d messages, want %d", len(texts), diffMessages)
	}
}
