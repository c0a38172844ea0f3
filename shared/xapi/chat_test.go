package xapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/xapi"
)

// chatX stands in for X's chat endpoints until the simulator serves them:
// it records each request and answers what the test set for its path.
type chatX struct {
	mu       sync.Mutex
	requests []chatRequest
	answers  map[string]chatAnswer // by "METHOD path"
}

type chatRequest struct {
	method, path, query, body string
	signed                    bool
}

type chatAnswer struct {
	status int
	body   string
}

func (x *chatX) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	x.mu.Lock()
	x.requests = append(x.requests, chatRequest{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, body: string(b),
		signed: strings.HasPrefix(r.Header.Get("Authorization"), "OAuth ") && strings.Contains(r.Header.Get("Authorization"), "oauth_signature=")})
	a, ok := x.answers[r.Method+" "+r.URL.Path]
	x.mu.Unlock()
	if !ok {
		a = chatAnswer{http.StatusNotFound, `{"title":"Not Found Error","type":"https://api.x.com/2/problems/resource-not-found","detail":"no route"}`}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (x *chatX) last(t *testing.T) chatRequest {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.requests) == 0 {
		t.Fatal("no request reached X")
	}
	return x.requests[len(x.requests)-1]
}

func newChatX(t *testing.T, answers map[string]chatAnswer) (*chatX, *xapi.Client) {
	t.Helper()
	f := newFixture(t, xsim.Options{})
	x := &chatX{answers: answers}
	srv := httptest.NewServer(x)
	t.Cleanup(srv.Close)
	return x, f.newClient(srv.URL, nil)
}

func TestChatPublicKeys(t *testing.T) {
	x, c := newChatX(t, map[string]chatAnswer{
		"GET /2/users/200/public_keys": {200, `{"data":[{"public_key_version":"1765000000000","public_key":"cHVi","signing_public_key":"c2ln","identity_public_key_signature":"YmluZA=="}]}`},
		"GET /2/users/300/public_keys": {200, `{"data":[]}`},
		"GET /2/users/public_keys":     {200, `{"data":[{"user_id":"200","public_key_version":"1","public_key":"cHVi","signing_public_key":"c2ln","identity_public_key_signature":"YmluZA=="}]}`},
	})
	ctx := context.Background()
	keys, err := c.ChatPublicKeys(ctx, acmeSupport, "200")
	if err != nil {
		t.Fatal(err)
	}
	want := xapi.ChatPublicKey{Version: "1765000000000", PublicKey: "cHVi", SigningPublicKey: "c2ln", IdentityPublicKeySignature: "YmluZA=="}
	if len(keys) != 1 || keys[0] != want {
		t.Fatalf("keys = %+v", keys)
	}
	if r := x.last(t); r.method != "GET" || !r.signed || r.body != "" {
		t.Errorf("request %+v", r)
	}
	none, err := c.ChatPublicKeys(ctx, acmeSupport, "300")
	if err != nil || len(none) != 0 {
		t.Errorf("a user without keys: %+v, %v", none, err)
	}
	many, err := c.ChatUsersPublicKeys(ctx, acmeSupport, []string{"200", "400"})
	if err != nil || len(many) != 1 || many[0].UserID != "200" {
		t.Fatalf("many = %+v, %v", many, err)
	}
	if r := x.last(t); r.query != "ids=200%2C400" || !r.signed {
		t.Errorf("request %+v", r)
	}
}

func TestChatRegisterKeysConversationKeysAndSend(t *testing.T) {
	x, c := newChatX(t, map[string]chatAnswer{
		"POST /2/users/" + acmeSupport.XUserID + "/public_keys": {200, `{"data":{"public_key_version":"1765000000001"}}`},
		"POST /2/chat/conversations/200/keys":                   {200, `{"data":{"conversation_id":"100-200","sequence_id":"7"}}`},
		"POST /2/chat/conversations/100-200/messages":           {201, `{"data":{"encoded_message_event":"RVZFTlQ="}}`},
		"GET /2/chat/conversations/100-200/events":              {200, `{"data":[{"id":"8","sender_id":"100","encoded_event":"RVZFTlQ="}],"meta":{"conversation_key_events":["S0VZ"],"next_token":"n2"}}`},
	})
	ctx := context.Background()
	v, err := c.AddChatPublicKey(ctx, acmeSupport, xapi.ChatKeyRegistration{Version: "1",
		PublicKey: xapi.ChatRegisteredKey{PublicKey: "cHVi", SigningPublicKey: "c2ln", IdentityPublicKeySignature: "YmluZA==", RegistrationMethod: "generated"}})
	if err != nil || v != "1765000000001" {
		t.Fatalf("registered version %q, %v", v, err)
	}
	var reg map[string]any
	json.Unmarshal([]byte(x.last(t).body), &reg)
	if reg["version"] != "1" || reg["public_key"].(map[string]any)["signing_public_key"] != "c2ln" {
		t.Errorf("registration body %s", x.last(t).body)
	}

	res, err := c.AddChatConversationKeys(ctx, acmeSupport, "200", xapi.ChatKeysRequest{
		ConversationKeyVersion:      "1765000000002",
		ConversationParticipantKeys: []xapi.ChatParticipantKey{{UserID: "100", EncryptedConversationKey: "d3JhcA==", PublicKeyVersion: "1"}},
		ActionSignatures: []xapi.ChatActionSignatureReq{{MessageID: "m-1", EncodedMessageEventDetail: "ZA==",
			MessageEventSignature: xapi.ChatMessageEventSigIn{Signature: "c2ln", PublicKeyVersion: "1", SignatureVersion: "1"}}},
	})
	if err != nil || res != (xapi.ChatKeysResult{ConversationID: "100-200", SequenceID: "7"}) {
		t.Fatalf("keys: %+v, %v", res, err)
	}
	if b := x.last(t).body; !strings.Contains(b, `"encrypted_conversation_key":"d3JhcA=="`) || !strings.Contains(b, `"message_event_signature":{"signature":"c2ln"`) {
		t.Errorf("keys body %s", b)
	}

	ev, err := c.SendChatMessage(ctx, acmeSupport, "100:200", xapi.ChatMessageRequest{MessageID: "uuid-1", EncodedMessageCreateEvent: "Q1JFQVRF", EncodedMessageEventSignature: "U0lH"})
	if err != nil || ev != "RVZFTlQ=" {
		t.Fatalf("send: %q, %v", ev, err)
	}
	if r := x.last(t); r.path != "/2/chat/conversations/100-200/messages" ||
		r.body != `{"message_id":"uuid-1","encoded_message_create_event":"Q1JFQVRF","encoded_message_event_signature":"U0lH"}` {
		t.Errorf("send request %+v", r)
	}

	page, err := c.ChatConversationEvents(ctx, acmeSupport, "100-200", 50, "")
	if err != nil || len(page.Events) != 1 || page.Events[0].EncodedEvent != "RVZFTlQ=" || page.KeyEvents[0] != "S0VZ" || page.NextToken != "n2" {
		t.Fatalf("events: %+v, %v", page, err)
	}
	if r := x.last(t); r.query != "max_results=50" || !r.signed {
		t.Errorf("events request %+v", r)
	}
}

// X's refusals of a chat send are told apart: the customer does not take
// the brand's DMs, has no X Chat keys, or X does not hold the brand's key
// version; a retry of another payload under the same message_id conflicts.
func TestChatRefusals(t *testing.T) {
	x, c := newChatX(t, nil)
	ctx := context.Background()
	for _, tt := range []struct {
		name                         string
		answer                       chatAnswer
		dmNotAllowed, noKeys, brand  bool
		conflict, permanent, retries bool
	}{
		{name: "dms not accepted", answer: chatAnswer{403, `{"type":"https://api.x.com/2/problems/not-authorized-for-resource","title":"Forbidden","detail":"You cannot send messages to @bob_stranger: they do not accept Direct Messages from you (receives_your_dm is false).","resource_type":"user"}`},
			dmNotAllowed: true, permanent: true},
		{name: "no keys", answer: chatAnswer{403, `{"type":"https://api.x.com/2/problems/resource-unavailable","title":"Forbidden","detail":"@carol has no X Chat public keys yet: nothing can be encrypted to them until they register keys.","resource_type":"public_key"}`},
			noKeys: true, permanent: true},
		{name: "brand key version gone", answer: chatAnswer{400, `{"type":"https://api.x.com/2/problems/invalid-request","title":"Invalid Request","detail":"The signer has no registered public key version [1].","parameter":"action_signatures.message_event_signature.public_key_version"}`},
			brand: true, permanent: true},
		{name: "same id, other payload", answer: chatAnswer{409, `{"type":"https://api.x.com/2/problems/conflict","title":"Conflict","detail":"A different event with message_id [m] exists in this conversation; a retry must post the same payload."}`},
			conflict: true, permanent: true},
		{name: "outage", answer: chatAnswer{503, `{"title":"Service Unavailable","detail":"down","type":"about:blank"}`}, retries: true},
	} {
		x.mu.Lock()
		x.answers = map[string]chatAnswer{"POST /2/chat/conversations/100-200/messages": tt.answer}
		x.mu.Unlock()
		_, err := c.SendChatMessage(ctx, acmeSupport, "100-200", xapi.ChatMessageRequest{MessageID: "m", EncodedMessageCreateEvent: "Yw=="})
		if err == nil {
			t.Fatalf("%s: no error", tt.name)
		}
		got := []bool{xapi.IsDMNotAllowed(err), xapi.IsNoChatKeys(err), xapi.IsChatKeysRejected(err), xapi.IsConflict(err), xapi.IsPermanent(err), xapi.IsRetryable(err)}
		want := []bool{tt.dmNotAllowed, tt.noKeys, tt.brand, tt.conflict, tt.permanent, tt.retries}
		for i, name := range []string{"IsDMNotAllowed", "IsNoChatKeys", "IsChatKeysRejected", "IsConflict", "IsPermanent", "IsRetryable"} {
			if got[i] != want[i] {
				t.Errorf("%s: %s = %v, want %v (%v)", tt.name, name, got[i], want[i], err)
			}
		}
	}
	// A participant check refusal is not "DMs not accepted".
	x.mu.Lock()
	x.answers = map[string]chatAnswer{"POST /2/chat/conversations/300-400/messages": {403, `{"type":"https://api.x.com/2/problems/not-authorized-for-resource","title":"Forbidden","detail":"You are not a participant of conversation [300-400]."}`}}
	x.mu.Unlock()
	_, err := c.SendChatMessage(ctx, acmeSupport, "300-400", xapi.ChatMessageRequest{MessageID: "m", EncodedMessageCreateEvent: "Yw=="})
	if xapi.IsDMNotAllowed(err) {
		t.Errorf("not a participant read as DMs not accepted: %v", err)
	}
}
