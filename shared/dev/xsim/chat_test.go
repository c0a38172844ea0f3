package xsim

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// These tests hold the simulator's X Chat rules with stand-in ciphertext
// (well-formed Thrift, not encrypted): what X's engine reads of what the
// simulator assembles is proven with X's own binding in xchat_node_test.go.

// userAPI calls the simulated API with a user's OAuth 2.0 access token.
func (f *fixture) userAPI(token, method, path, body string) answer {
	f.t.Helper()
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rb)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return f.send(req)
}

// oauth2Token returns the user's OAuth 2.0 token from the credentials route.
func (f *fixture) oauth2Token(username string) string {
	f.t.Helper()
	a := f.ctl("GET", "/sim/users/"+username+"/credentials", "")
	tok := str(a.body, "oauth2", "access_token")
	if a.status != 200 || tok == "" || str(a.body, "oauth1", "access_token") == "" || str(a.body, "oauth1", "access_token_secret") == "" {
		f.t.Fatalf("credentials of %s: %d %s", username, a.status, a.raw)
	}
	return tok
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// fakeRegistration is a registration body with stand-in keys.
func fakeRegistration(n int) string {
	k := func(s string) string { return b64([]byte(fmt.Sprintf("%s-%d", s, n))) }
	return fmt.Sprintf(`{"public_key":{"public_key":%q,"signing_public_key":%q,"identity_public_key_signature":%q,"registration_method":"CustomPin"},"version":"","generate_version":true}`,
		k("identity"), k("signing"), k("binding"))
}

// fakeKeyChange is a keys body for the two users, signed with keyVersion.
func fakeKeyChange(version, a, aVer, b, bVer, signer, msgID string) string {
	ckce := thriftWriter{}
	ckce.String(1, version)
	detail := thriftWriter{}
	detail.Struct(3, ckce.End())
	return fmt.Sprintf(`{"conversation_key_version":%q,"conversation_participant_keys":[{"user_id":%q,"encrypted_conversation_key":"QUJD","public_key_version":%q},{"user_id":%q,"encrypted_conversation_key":"REVG","public_key_version":%q}],"action_signatures":[{"message_id":%q,"encoded_message_event_detail":%q,"message_event_signature":{"signature":"c2ln","public_key_version":%q,"signature_version":"7"}}]}`,
		version, a, aVer, b, bVer, msgID, b64(detail.End()), signer)
}

// fakeMessage is a messages body: a MessageCreateEvent with stand-in
// contents under the key version, signed with signerVersion.
func fakeMessage(msgID, contents, keyVersion, signerVersion string) string {
	mce := thriftWriter{}
	mce.String(100, contents)
	mce.String(101, keyVersion)
	sig := thriftWriter{}
	sig.String(1, "c2lnbmF0dXJl")
	sig.String(2, signerVersion)
	sig.String(3, "7")
	return fmt.Sprintf(`{"message_id":%q,"encoded_message_create_event":%q,"encoded_message_event_signature":%q}`, msgID, b64(mce.End()), b64(sig.End()))
}

func subscribeChat(f *fixture, token, userID string) {
	f.t.Helper()
	hook := f.sim.WebhookID(f.hook.srv.URL)
	for _, et := range []string{"chat.received", "chat.sent"} {
		a := f.userAPI(token, "POST", "/2/activity/subscriptions", fmt.Sprintf(`{"event_type":%q,"filter":{"user_id":%q},"webhook_id":%q}`, et, userID, hook))
		if a.status != 200 && a.status != 409 { // 409: a sample brand handle is subscribed already
			f.t.Fatalf("subscribe %s to %s: %d %s", userID, et, a.status, a.raw)
		}
	}
}

func TestChatEndpoints(t *testing.T) {
	f := newFixture(t, Options{})
	brand := f.oauth2Token(acmeSupport.ScreenName)
	al := f.oauth2Token(alice.Handle)
	subscribeChat(f, brand, acmeSupport.XUserID)
	subscribeChat(f, al, alice.XUser)

	// Public keys: registering assigns versions; every version is listed,
	// newest first; the batch lookup tags rows with their user.
	reg := func(token, id string, n int) string {
		a := f.userAPI(token, "POST", "/2/users/"+id+"/public_keys", fakeRegistration(n))
		v := str(a.body, "data", "public_key_version")
		if a.status != 200 || v == "" {
			t.Fatalf("register %s: %d %s", id, a.status, a.raw)
		}
		return v
	}
	if a := f.userAPI(al, "POST", "/2/users/"+acmeSupport.XUserID+"/public_keys", fakeRegistration(9)); a.status != 400 {
		t.Errorf("registering another user's keys: %d %s", a.status, a.raw)
	}
	brandV := reg(brand, acmeSupport.XUserID, 1)
	aliceOld := reg(al, alice.XUser, 2)
	aliceV := reg(al, alice.XUser, 3)
	if compareVersions(aliceV, aliceOld) <= 0 {
		t.Fatalf("a new version %s is not newer than %s", aliceV, aliceOld)
	}
	a := f.userAPI(brand, "GET", "/2/users/"+alice.XUser+"/public_keys", "")
	rows, _ := a.body["data"].([]any)
	if len(rows) != 2 || str(rows[0], "public_key_version") != aliceV || str(rows[1], "public_key_version") != aliceOld || str(rows[0], "signing_public_key") == "" {
		t.Fatalf("alice's keys: %s", a.raw)
	}
	a = f.userAPI(brand, "GET", "/2/users/public_keys?ids="+alice.XUser+","+bob.XUser+",999", "")
	rows, _ = a.body["data"].([]any)
	if a.status != 200 || len(rows) != 2 || str(rows[0], "user_id") != alice.XUser || !strings.Contains(a.raw, `"resource_id":"999"`) {
		t.Fatalf("batch keys: %d %s", a.status, a.raw)
	}

	// Conversation keys: X refuses a change without action signatures, to a
	// user with no keys, or wrapped to an unregistered version.
	conv := conversationID(acmeSupport.XUserID, alice.XUser)
	ck := fakeKeyChange("100", acmeSupport.XUserID, brandV, alice.XUser, aliceV, brandV, "kc-1")
	noSigs := strings.Replace(ck, `"action_signatures":[{`, `"ignored":[{`, 1)
	for name, c := range map[string]struct {
		path, body string
		status     int
		want       string
	}{
		"no action signatures": {"/2/chat/conversations/" + alice.XUser + "/keys", noSigs, 400, "action_signatures"},
		"recipient has no keys": {"/2/chat/conversations/" + bob.XUser + "/keys",
			fakeKeyChange("100", acmeSupport.XUserID, brandV, bob.XUser, "1", brandV, "kc-x"), 403, "resource-unavailable"},
		"unregistered version": {"/2/chat/conversations/" + conv + "/keys",
			fakeKeyChange("100", acmeSupport.XUserID, brandV, alice.XUser, "42", brandV, "kc-y"), 400, "no registered public key version [42]"},
		"not a participant": {"/2/chat/conversations/1-2/keys", ck, 403, "not a participant"},
		"a signature without its detail": {"/2/chat/conversations/" + alice.XUser + "/keys",
			strings.TrimSuffix(ck, "]}") + `,{"message_id":"x","message_event_signature":{"signature":"c2ln","public_key_version":"` + brandV + `","signature_version":"7"}}]}`,
			400, "encoded_message_event_detail"},
		"no conversation yet": {"/2/chat/conversations/" + conv + "/messages", fakeMessage("m-0", "x", "100", brandV), 404, "has no conversation key"},
	} {
		if a := f.userAPI(brand, "POST", c.path, c.body); a.status != c.status || !strings.Contains(a.raw, c.want) {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	a = f.userAPI(brand, "POST", "/2/chat/conversations/"+alice.XUser+"/keys", ck)
	if a.status != 200 || str(a.body, "data", "conversation_id") != conv || str(a.body, "data", "sequence_id") == "" {
		t.Fatalf("keys: %d %s", a.status, a.raw)
	}
	if again := f.userAPI(brand, "POST", "/2/chat/conversations/"+conv+"/keys", ck); again.raw != a.raw {
		t.Errorf("a retried key change: %s, first %s", again.raw, a.raw)
	}

	// A message: X assembles its MessageEvent, answers it, and delivers it
	// once to each side, however often the client retries.
	msg := fakeMessage("m-1", "ciphertext", "100", brandV)
	a = f.userAPI(brand, "POST", "/2/chat/conversations/"+conv+"/messages", msg)
	if a.status != 201 {
		t.Fatalf("message: %d %s", a.status, a.raw)
	}
	if again := f.userAPI(brand, "POST", "/2/chat/conversations/"+alice.XUser+"/messages", msg); again.status != 201 || again.raw != a.raw {
		t.Errorf("a retry: %d %s", again.status, again.raw)
	}
	if other := f.userAPI(brand, "POST", "/2/chat/conversations/"+conv+"/messages", fakeMessage("m-1", "other", "100", brandV)); other.status != 409 {
		t.Errorf("another payload with the same message_id: %d %s", other.status, other.raw)
	}
	ev, _ := base64.StdEncoding.DecodeString(str(a.body, "data", "encoded_message_event"))
	fs, err := readStruct(ev)
	if err != nil {
		t.Fatal(err)
	}
	wantConv := acmeSupport.XUserID + ":" + alice.XUser
	if stringField(fs, 1) == "" || stringField(fs, 2) != "m-1" || stringField(fs, 3) != acmeSupport.XUserID || stringField(fs, 4) != wantConv || stringField(fs, 6) == "" {
		t.Errorf("envelope fields: %+v", fs)
	}
	if d, _ := field(fs, 7); d.Type != tStruct {
		t.Errorf("no detail: %+v", fs)
	} else if dfs, _, _ := readFields(d.Raw, 0); len(dfs) != 1 || dfs[0].ID != 1 {
		t.Errorf("detail is not a MessageCreateEvent: %+v", dfs)
	} else if mfs, _, _ := readFields(dfs[0].Raw, 0); stringField(mfs, 100) != "ciphertext" {
		t.Errorf("detail's create event: %+v", mfs)
	}
	if sg, _ := field(fs, 9); sg.Type != tStruct {
		t.Errorf("no signature: %+v", fs)
	} else if sfs, _, _ := readFields(sg.Raw, 0); stringField(sfs, 1) != "c2lnbmF0dXJl" || stringField(sfs, 2) != brandV || stringField(sfs, 4) == "" {
		t.Errorf("signature: %+v", sfs)
	}
	f.flush()
	got := f.hook.take()
	sent, received := xaaOnly(got, acmeSupport.XUserID, "chat.sent"), xaaOnly(got, alice.XUser, "chat.received")
	if len(sent) != 1 || len(received) != 1 || len(got) != 2 {
		t.Fatalf("deliveries: %s", mustJSON(t, got))
	}
	p := dig(received[0], "data", "payload")
	if str(p, "conversation_id") != conv || str(p, "sender_id") != acmeSupport.XUserID || str(p, "encoded_event") != str(a.body, "data", "encoded_message_event") ||
		str(p, "conversation_key_version") != "100" || str(p, "conversation_key_change_event") == "" {
		t.Errorf("chat.received payload: %s", mustJSON(t, p))
	}

	// History, newest first, a page at a time; a page's messages bring the
	// key changes they need.
	a = f.userAPI(al, "GET", "/2/chat/conversations/"+acmeSupport.XUserID+"/events?max_results=1", "")
	data, _ := a.body["data"].([]any)
	keys, _ := dig(a.body, "meta", "conversation_key_events").([]any)
	if a.status != 200 || len(data) != 1 || str(data[0], "sender_id") != acmeSupport.XUserID || len(keys) != 1 || str(a.body, "meta", "next_token") == "" {
		t.Fatalf("events page 1: %d %s", a.status, a.raw)
	}
	a = f.userAPI(al, "GET", "/2/chat/conversations/"+conv+"/events?pagination_token="+str(a.body, "meta", "next_token"), "")
	if data, _ := a.body["data"].([]any); len(data) != 1 || str(a.body, "meta", "next_token") != "" {
		t.Errorf("events page 2: %s", a.raw)
	}
	if a := f.userAPI(al, "GET", "/2/chat/conversations", ""); !strings.Contains(a.raw, `"id":"`+conv+`"`) {
		t.Errorf("alice's conversations: %s", a.raw)
	}
	if a := f.userAPI(al, "GET", "/2/chat/conversations/"+bob.XUser+"/events", ""); a.status != 404 {
		t.Errorf("events of an unknown conversation: %d %s", a.status, a.raw)
	}

	// What X holds, as the timeline shows it: ciphertext in X's envelope.
	tl := f.ctl("GET", "/sim/timeline/"+alice.Handle, "")
	chats, _ := tl.body["chats"].([]any)
	if len(chats) != 2 || str(chats[0], "kind") != "key_change" || str(chats[1], "kind") != "message" || str(chats[1], "encoded_event") != str(p, "encoded_event") {
		t.Errorf("alice's timeline: %s", tl.raw)
	}

	// The legacy DM endpoints are retired.
	if a := f.api(acmeSupport, "POST", "/2/dm_conversations/with/"+alice.XUser+"/messages", `{"text":"hi"}`); a.status != 410 {
		t.Errorf("legacy DM: %d %s", a.status, a.raw)
	}
	if a := f.userAPI(brand, "GET", "/2/dm_events", ""); a.status != 410 {
		t.Errorf("legacy DM events: %d %s", a.status, a.raw)
	}
	// Without an engine, the simulator has no customer clients.
	if a := f.ctl("POST", "/sim/users/"+alice.Handle+"/dms", `{"to":"AcmeSupport","text":"hi"}`); a.status != 501 {
		t.Errorf("a customer DM without clients: %d %s", a.status, a.raw)
	}
}

// TestReceivesYourDM: the user field follows the user's DM setting, its
// follows and who wrote first; a message to someone who does not accept
// the sender's DMs is refused.
func TestReceivesYourDM(t *testing.T) {
	f := newFixture(t, Options{})
	brand := f.oauth2Token(acmeSupport.ScreenName)
	if a := f.ctl("POST", "/sim/users", `{"username":"carol_chat"}`); a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	carolID := f.sim.UserID("carol_chat")
	carol := f.oauth2Token("carol_chat")
	receives := func(token, username string) string {
		t.Helper()
		a := f.userAPI(token, "GET", "/2/users/by/username/"+username+"?user.fields=receives_your_dm", "")
		b := f.userAPI(token, "GET", "/2/users/"+f.sim.UserID(username)+"?user.fields=receives_your_dm,created_at", "")
		if fmt.Sprint(dig(a.body, "data", "receives_your_dm")) != fmt.Sprint(dig(b.body, "data", "receives_your_dm")) {
			t.Errorf("lookups disagree: %s / %s", a.raw, b.raw)
		}
		return fmt.Sprint(dig(a.body, "data", "receives_your_dm"))
	}
	if got := receives(brand, "carol_chat"); got != "false" {
		t.Errorf("a new user (X's default: DMs from people she follows) receives the brand's DMs: %s", got)
	}
	if got := receives(carol, acmeSupport.ScreenName); got != "true" {
		t.Errorf("the brand (open to anyone) does not receive carol's DMs: %s", got)
	}
	if got := receives(brand, alice.Handle); got != "true" {
		t.Errorf("alice follows the brand but does not receive its DMs: %s", got)
	}

	brandV := str(f.userAPI(brand, "POST", "/2/users/"+acmeSupport.XUserID+"/public_keys", fakeRegistration(1)).body, "data", "public_key_version")
	carolV := str(f.userAPI(carol, "POST", "/2/users/"+carolID+"/public_keys", fakeRegistration(2)).body, "data", "public_key_version")
	if a := f.userAPI(brand, "POST", "/2/chat/conversations/"+carolID+"/keys", fakeKeyChange("5", acmeSupport.XUserID, brandV, carolID, carolV, brandV, "k")); a.status != 200 {
		t.Fatalf("keys: %d %s", a.status, a.raw)
	}
	if a := f.userAPI(brand, "POST", "/2/chat/conversations/"+carolID+"/messages", fakeMessage("m", "c", "5", brandV)); a.status != 403 || !strings.Contains(a.raw, "not-authorized-for-resource") {
		t.Errorf("a message carol does not accept: %d %s", a.status, a.raw)
	}
	if a := f.ctl("PUT", "/sim/users/carol_chat/dm-settings", `{"allow_dms_from":"everyone"}`); a.status != 200 {
		t.Fatalf("dm settings: %d %s", a.status, a.raw)
	}
	if got := receives(brand, "carol_chat"); got != "true" {
		t.Errorf("open to everyone, carol does not receive the brand's DMs: %s", got)
	}
	if a := f.userAPI(brand, "POST", "/2/chat/conversations/"+carolID+"/messages", fakeMessage("m", "c", "5", brandV)); a.status != 201 {
		t.Errorf("a message carol accepts: %d %s", a.status, a.raw)
	}
	// The app's own token is not a user's.
	if a := f.app(f.bearer(), "GET", "/2/users/public_keys?ids="+carolID, ""); a.status != 403 {
		t.Errorf("app-only token on a user-context endpoint: %d %s", a.status, a.raw)
	}
	var last APICall
	for _, c := range f.sim.Calls() {
		if c.Path == "/2/chat/conversations/"+carolID+"/messages" {
			last = c
		}
	}
	if last.Auth != "oauth2" || last.UserID != acmeSupport.XUserID || last.Status != 201 {
		t.Errorf("recorded call: %+v", last)
	}
}

// TestChatWithAccountActivityFormat: with Account Activity payloads (X
// after 9 December has no DM in them) a chat message still arrives, as an
// X Activity chat.* event, and nothing arrives as direct_message_events.
func TestChatWithAccountActivityFormat(t *testing.T) {
	f := newFixture(t, Options{Format: FormatAAA})
	brand, al := f.oauth2Token(acmeSupport.ScreenName), f.oauth2Token(alice.Handle)
	subscribeChat(f, al, alice.XUser)
	brandV := str(f.userAPI(brand, "POST", "/2/users/"+acmeSupport.XUserID+"/public_keys", fakeRegistration(1)).body, "data", "public_key_version")
	aliceV := str(f.userAPI(al, "POST", "/2/users/"+alice.XUser+"/public_keys", fakeRegistration(2)).body, "data", "public_key_version")
	if a := f.userAPI(brand, "POST", "/2/chat/conversations/"+alice.XUser+"/keys", fakeKeyChange("7", acmeSupport.XUserID, brandV, alice.XUser, aliceV, brandV, "k")); a.status != 200 {
		t.Fatalf("keys: %d %s", a.status, a.raw)
	}
	if a := f.userAPI(brand, "POST", "/2/chat/conversations/"+alice.XUser+"/messages", fakeMessage("m", "c", "7", brandV)); a.status != 201 {
		t.Fatalf("message: %d %s", a.status, a.raw)
	}
	f.flush()
	got := f.hook.take()
	if len(xaaOnly(got, alice.XUser, "chat.received")) != 1 || len(xaaOnly(got, acmeSupport.XUserID, "chat.sent")) != 1 {
		t.Errorf("deliveries: %s", mustJSON(t, got))
	}
	for _, p := range got {
		if _, dm := p["direct_message_events"]; dm {
			t.Errorf("a DM delivered in Account Activity format: %s", mustJSON(t, p))
		}
	}
}
