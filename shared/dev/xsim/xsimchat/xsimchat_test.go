package xsimchat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dev/xsim/xsimchat"
	"github.com/acme/twitter-cases/shared/xchat"
)

// hook keeps the X Activity deliveries the simulator posts.
type hook struct {
	mu   sync.Mutex
	got  []map[string]any
	wake chan struct{}
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet { // CRC
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"response_token":"sha256=` + strings.TrimPrefix(xsim.Signature(sample.ConsumerSecret, []byte(r.URL.Query().Get("crc_token"))), "sha256=") + `"}`))
		return
	}
	b, _ := io.ReadAll(r.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	h.mu.Lock()
	h.got = append(h.got, v)
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// await returns the first delivery of eventType for userID after n seen.
func (h *hook) await(t *testing.T, userID, eventType string, after int) map[string]any {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		h.mu.Lock()
		for i := after; i < len(h.got); i++ {
			d, _ := h.got[i]["data"].(map[string]any)
			f, _ := d["filter"].(map[string]any)
			if d["event_type"] == eventType && f["user_id"] == userID {
				h.mu.Unlock()
				return d["payload"].(map[string]any)
			}
		}
		h.mu.Unlock()
		select {
		case <-h.wake:
		case <-deadline:
			t.Fatalf("no %s for %s", eventType, userID)
		}
	}
}

func (h *hook) n() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.got) }

type env struct {
	t   *testing.T
	sim *xsim.Sim
	url string
}

func (e env) do(token, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rb io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rb = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, e.url+path, rb)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (e env) token(username string) string {
	_, c := e.do("", "GET", "/sim/users/"+username+"/credentials", nil)
	return c["oauth2"].(map[string]any)["access_token"].(string)
}

// TestSimulatedCustomersChatWithXsEngine: the sample customers start with
// registered keys of their own clients; a customer's DM is an X Chat
// message a brand (X's engine in Go, through X's endpoints only) decrypts
// and verifies, and the brand's answer is what the customer's client reads,
// verified, through the control route; X held ciphertext only.
func TestSimulatedCustomersChatWithXsEngine(t *testing.T) {
	ctx := context.Background()
	clients, err := xsimchat.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := &hook{wake: make(chan struct{}, 1)}
	hookSrv := httptest.NewServer(h)
	defer hookSrv.Close()
	sim := xsim.New(xsim.Options{WebhookURL: hookSrv.URL, ChatClients: clients, DeliveryBackoff: 5 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	defer sim.Close()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	e := env{t: t, sim: sim, url: srv.URL}
	brand, alice := sample.Brands[0], sample.Customers[0]
	brandTok := e.token(brand.ScreenName)
	hookID := sim.WebhookID(hookSrv.URL)
	for _, et := range []string{"chat.received", "chat.sent"} {
		if st, out := e.do(brandTok, "POST", "/2/activity/subscriptions", map[string]any{"event_type": et, "filter": map[string]string{"user_id": brand.XUserID}, "webhook_id": hookID}); st != 200 && st != 409 { // 409: the sample brand is subscribed already
			t.Fatalf("subscribe: %d %v", st, out)
		}
	}

	// The sample customers hold keys from the start.
	for _, c := range sample.Customers {
		if c.Handle == "" {
			continue
		}
		if st, out := e.do(brandTok, "GET", "/2/users/"+c.XUser+"/public_keys", nil); st != 200 || len(out["data"].([]any)) != 1 {
			t.Fatalf("%s's keys: %d %v", c.Handle, st, out)
		}
	}

	// The brand: X's engine in Go, keys registered through X's endpoint.
	eng, err := xchat.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chat, err := eng.NewChat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer chat.Close(ctx)
	reg, err := chat.GenerateKeypairs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pk := reg.PublicKey
	st, out := e.do(brandTok, "POST", "/2/users/"+brand.XUserID+"/public_keys", map[string]any{"public_key": map[string]string{
		"public_key": pk.PublicKey, "signing_public_key": pk.SigningPublicKey, "identity_public_key_signature": pk.IdentityPublicKeySignature,
		"registration_method": pk.RegistrationMethod}, "version": reg.Version, "generate_version": reg.GenerateVersion})
	if st != 200 {
		t.Fatalf("brand keys: %d %v", st, out)
	}
	version := out["data"].(map[string]any)["public_key_version"].(string)
	if err := chat.SetIdentity(ctx, brand.XUserID, version); err != nil {
		t.Fatal(err)
	}
	if err := chat.SetCacheKeys(ctx, true); err != nil {
		t.Fatal(err)
	}
	signing := func() []xchat.SigningKey {
		_, out := e.do(brandTok, "GET", "/2/users/public_keys?ids="+brand.XUserID+","+alice.XUser, nil)
		var keys []xchat.SigningKey
		for _, r := range out["data"].([]any) {
			m := r.(map[string]any)
			keys = append(keys, xchat.SigningKey{UserID: m["user_id"].(string), PublicKeyVersion: m["public_key_version"].(string),
				PublicKey: m["signing_public_key"].(string), IdentityPublicKey: m["public_key"].(string), IdentityPublicKeySignature: m["identity_public_key_signature"].(string)})
		}
		return keys
	}

	// The customer writes first: her client makes the conversation key.
	before := h.n()
	text := "Hi Acme, parcel 555 is late 📦 — שלום"
	if st, out := e.do("", "POST", "/sim/users/"+alice.Handle+"/dms", map[string]string{"to": brand.ScreenName, "text": text}); st != 201 {
		t.Fatalf("customer DM: %d %v", st, out)
	}
	p := h.await(t, brand.XUserID, "chat.received", before)
	res, err := chat.DecryptEvents(ctx, []string{p["conversation_key_change_event"].(string), p["encoded_event"].(string)}, signing())
	if err != nil || len(res.Errors) != 0 {
		t.Fatalf("brand decrypts: %v %v", err, res.Errors)
	}
	var got string
	for _, m := range res.Messages {
		if m.Event.Type == "message" && m.Event.Verified {
			got = m.Event.Content.Text
		}
	}
	if got != text {
		t.Fatalf("the brand read %q, want %q", got, text)
	}

	// The brand answers with the key the customer made.
	answer := "Sorry! It ships today."
	pay, err := chat.EncryptMessage(ctx, xchat.EncryptParams{ConversationID: p["conversation_id"].(string), Text: answer})
	if err != nil {
		t.Fatal(err)
	}
	if st, out := e.do(brandTok, "POST", "/2/chat/conversations/"+alice.XUser+"/messages", map[string]string{"message_id": pay.MessageID,
		"encoded_message_create_event": pay.EncryptedContent, "encoded_message_event_signature": pay.EncodedEventSignature}); st != 201 {
		t.Fatalf("brand answers: %d %v", st, out)
	}
	st, view := e.do("", "GET", "/sim/users/"+alice.Handle+"/chat", nil)
	raw, _ := json.Marshal(view)
	if st != 200 || !strings.Contains(string(raw), fmt.Sprintf(`"text":%q`, answer)) || !strings.Contains(string(raw), `"verified":true`) ||
		strings.Contains(string(raw), `"error"`) {
		t.Fatalf("the customer's client reads: %d %s", st, raw)
	}
	// A second customer DM reuses the conversation key (no second change).
	if st, out := e.do("", "POST", "/sim/users/"+alice.Handle+"/dms", map[string]string{"to": brand.ScreenName, "text": "thanks"}); st != 201 {
		t.Fatalf("second DM: %d %v", st, out)
	}
	keyChanges := 0
	for _, c := range sim.Calls() {
		if strings.Contains(string(c.Body), text) || strings.Contains(string(c.Body), answer) {
			t.Errorf("plain text in a call to X: %s", c.Path)
		}
	}
	_, evs := e.do(brandTok, "GET", "/2/chat/conversations/"+alice.XUser+"/events?max_results=100", nil)
	for _, ev := range evs["data"].([]any) {
		r, err := chat.DecryptEvents(ctx, []string{ev.(map[string]any)["encoded_event"].(string)}, signing())
		if err == nil && len(r.Messages) == 1 && r.Messages[0].Event.Type == "keyChange" {
			keyChanges++
		}
	}
	if n := len(evs["data"].([]any)); n != 4 || keyChanges != 1 {
		t.Errorf("conversation: %d events, %d key changes; want 4 and 1", n, keyChanges)
	}

	// A new user's client registers its keys on first use.
	if st, _ := e.do("", "POST", "/sim/users", map[string]string{"username": "dana_new"}); st != 201 {
		t.Fatal("create user")
	}
	if st, out := e.do("", "POST", "/sim/users/dana_new/dms", map[string]string{"to": brand.ScreenName, "text": "hello"}); st != 201 {
		t.Fatalf("new user's DM: %d %v", st, out)
	}
}

// TestCustomersKeepTheirKeysAcrossRestarts: a persisted simulator brings
// its users' clients back with their keys (kept apart from X's state), so
// a customer reads its conversation after a restart and registers no new
// version; X's state file holds no private key.
func TestCustomersKeepTheirKeysAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	clients, err := xsimchat.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "xsim.json")
	start := func() (env, func()) {
		sim := xsim.New(xsim.Options{ChatClients: clients, Logger: slog.New(slog.DiscardHandler)})
		if err := sim.Persist(path); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sim.Handler())
		return env{t: t, sim: sim, url: srv.URL}, func() { srv.Close(); sim.Close() }
	}
	alice, bob := sample.Customers[0], sample.Customers[1]
	e, stop := start()
	if st, out := e.do("", "PUT", "/sim/users/"+bob.Handle+"/dm-settings", map[string]string{"allow_dms_from": "everyone"}); st != 200 {
		t.Fatalf("bob's DM settings: %d %v", st, out)
	}
	if st, out := e.do("", "POST", "/sim/users/"+alice.Handle+"/dms", map[string]string{"to": bob.Handle, "text": "hi bob"}); st != 201 {
		t.Fatalf("alice writes bob: %d %v", st, out)
	}
	stop()
	state, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(state), "key_blob") || strings.Contains(string(state), "hi bob") {
		t.Error("X's state holds a private key or a plain text")
	}

	e, stop = start()
	defer stop()
	st, view := e.do("", "GET", "/sim/users/"+bob.Handle+"/chat", nil)
	raw, _ := json.Marshal(view)
	if st != 200 || !strings.Contains(string(raw), `"text":"hi bob"`) || !strings.Contains(string(raw), `"verified":true`) {
		t.Fatalf("bob after a restart: %d %s", st, raw)
	}
	if _, out := e.do(e.token(bob.Handle), "GET", "/2/users/"+alice.XUser+"/public_keys", nil); len(out["data"].([]any)) != 1 {
		t.Errorf("alice's keys after a restart: %v", out)
	}
}
