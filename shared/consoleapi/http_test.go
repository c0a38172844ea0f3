package consoleapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, auth string
		status     int
	}{
		{"no token", "", 401},
		{"wrong token", "Bearer nope", 401},
		{"not bearer", "Basic " + devToken, 401},
		{"empty bearer", "Bearer ", 401},
		{"dev token", "Bearer " + devToken, 200},
		{"scheme in lower case", "bearer " + devToken, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", "/v1/handles", nil, "Authorization", tt.auth)
			if tt.status == 401 {
				r.wantProblem(t, 401, "unauthorized")
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				return
			}
			r.want(t, tt.status, nil)
		})
	}
	// Every console route needs the token, even a write that would be refused.
	for _, rt := range []struct{ method, path string }{
		{"POST", "/v1/cases"}, {"POST", "/v1/cases/x/replies"}, {"PUT", "/v1/cases/x/messages/y/retweets/z"},
		{"PUT", "/v1/customers/x/follows/y"}, {"PUT", "/v1/customers/x/twitter"}, {"GET", "/v1/customers?q=a"},
		{"POST", "/v1/text/count"}, {"PATCH", "/v1/cases/x"},
	} {
		e.do(rt.method, rt.path, `{}`, "Authorization", "").wantProblem(t, 401, "unauthorized")
	}
	e.wantCommands()
	// The health check does not.
	var h map[string]string
	e.do("GET", "/healthz", nil, "Authorization", "").want(t, 200, &h)
	if h["status"] != "ok" {
		t.Errorf("health = %v", h)
	}
}

func TestRequestBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := `{"customer_id":"` + alice + `","handle_id":"` + support1 + `","text":"@alice_follows ` + strings.Repeat("a", 64<<10) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"bad JSON", "POST", "/v1/cases", `{"customer_id":`, 400, "invalid_json"},
		{"not an object", "POST", "/v1/cases", `[1,2]`, 400, "invalid_json"},
		{"empty body", "POST", "/v1/cases", ``, 400, "invalid_json"},
		{"unknown field", "POST", "/v1/cases", `{"customer_id":"x","txt":"hi"}`, 400, "invalid_json"},
		{"wrong type", "POST", "/v1/cases/x/replies", `{"mode":"dm","text":5}`, 400, "invalid_json"},
		{"two values", "POST", "/v1/text/count", `{"text":"a"}{"text":"b"}`, 400, "invalid_json"},
		{"over 64 KiB", "POST", "/v1/cases", big, 413, "payload_too_large"},
		{"over 64 KiB with an Idempotency-Key", "POST", "/v1/cases", big, 413, "payload_too_large"},
		{"unknown route", "GET", "/v1/nothing", "", 404, "not_found"},
		{"wrong method", "DELETE", "/v1/cases", "", 405, "method_not_allowed"}, // issue 14 item 7: Allow: GET, HEAD, POST
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if strings.Contains(tt.name, "Idempotency") {
				h = []string{"Idempotency-Key", "big-1"}
			}
			do := e.do
			if tt.status == 404 || tt.status == 405 {
				do = e.doUnchecked // routes the document does not have
			}
			do(tt.method, tt.path, tt.body, h...).wantProblem(t, tt.status, tt.code)
		})
	}
	e.wantCommands()
}

// TestMessageShape checks a message's JSON members exactly as API.md lists them.
func TestMessageShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, tweet := e.inboundCase(bob, support1, "bob_stranger", "4001")
	failed := e.addMessage(caseID, casework.Message{Direction: casework.DirectionOut, Kind: casework.KindTweet, Status: casework.StatusFailed, Text: "@bob_stranger x",
		InReplyToMessageID: tweet, Author: casework.Author{HandleID: support1, ScreenName: "AcmeSupport"},
		Error: &casework.MessageError{Code: "187", Detail: "Status is a duplicate."}})
	sent := e.addMessage(caseID, casework.Message{Direction: casework.DirectionOut, Kind: casework.KindTweet, Status: casework.StatusSent, XID: "4002",
		Text: "@bob_stranger y", Author: casework.Author{HandleID: support1, ScreenName: "AcmeSupport"}, SentAt: time.Now()})

	var got struct {
		Messages []map[string]any `json:"messages"`
	}
	e.do("GET", "/v1/cases/"+caseID, nil).want(t, 200, &got)
	if len(got.Messages) != 3 {
		t.Fatalf("%d messages", len(got.Messages))
	}
	base := []string{"id", "case_id", "direction", "kind", "text", "status", "x_id", "in_reply_to_message_id", "author", "retweeted_by", "retweets", "created_at"}
	rfc3339UTC := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)
	tests := []struct {
		id     string
		extra  []string
		author []string
	}{
		{tweet, nil, []string{"customer_id", "screen_name"}},
		{failed, []string{"error"}, []string{"handle_id", "screen_name"}},
		{sent, []string{"sent_at"}, []string{"handle_id", "screen_name"}},
	}
	for i, tt := range tests {
		m := got.Messages[i]
		if m["id"] != tt.id {
			t.Fatalf("message %d is %v, want %s", i, m["id"], tt.id)
		}
		want := slices.Sorted(slices.Values(append(slices.Clone(base), tt.extra...)))
		if keys := slices.Sorted(maps.Keys(m)); !slices.Equal(keys, want) {
			t.Errorf("message %d members %v, want %v", i, keys, want)
		}
		author := m["author"].(map[string]any)
		if keys := slices.Sorted(maps.Keys(author)); !slices.Equal(keys, tt.author) {
			t.Errorf("message %d author %v, want %v", i, keys, tt.author)
		}
		if _, ok := m["retweeted_by"].([]any); !ok {
			t.Errorf("retweeted_by = %v, want a list", m["retweeted_by"])
		}
		for _, k := range []string{"created_at", "sent_at"} {
			if s, ok := m[k].(string); ok && !rfc3339UTC.MatchString(s) {
				t.Errorf("%s = %q, not RFC 3339 UTC", k, s)
			}
		}
	}
	if got.Messages[0]["x_id"] != "4001" || got.Messages[1]["x_id"] != nil || got.Messages[1]["in_reply_to_message_id"] != tweet {
		t.Errorf("x ids and replies: %v / %v", got.Messages[0], got.Messages[1])
	}
	if e := got.Messages[1]["error"].(map[string]any); e["code"] != "187" || e["detail"] != "Status is a duplicate." {
		t.Errorf("error = %v", e)
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]string{"customer_id": alice, "handle_id": support1, "text": "@alice_follows once only"}
	first := e.do("POST", "/v1/cases", body, "Idempotency-Key", "k-1")
	first.want(t, 201, nil)
	e.wantCommands(casework.CmdTweet)

	again := e.do("POST", "/v1/cases", body, "Idempotency-Key", "k-1")
	again.want(t, 201, nil)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %s (replayed %q), want %s", again.body, again.header.Get("Idempotent-Replayed"), first.body)
	}
	e.wantCommands() // nothing sent again
	var cases list[apiCase]
	e.do("GET", "/v1/cases?customer_id="+alice, nil).want(t, 200, &cases)
	if len(cases.Items) != 1 {
		t.Errorf("%d cases, want 1", len(cases.Items))
	}

	// The same key with another body is refused; a new key is a new request.
	body["text"] = "@alice_follows something else"
	e.do("POST", "/v1/cases", body, "Idempotency-Key", "k-1").wantProblem(t, 422, "idempotency_key_reused")
	e.do("POST", "/v1/cases", body, "Idempotency-Key", "k-2").want(t, 201, nil)
	e.wantCommands(casework.CmdTweet)

	// A refusal is remembered too (the same request gets the same answer).
	tooLong := map[string]string{"customer_id": alice, "handle_id": support1, "text": mention(141)}
	p1 := e.do("POST", "/v1/cases", tooLong, "Idempotency-Key", "k-3")
	p1.wantProblem(t, 422, "text_too_long")
	p2 := e.do("POST", "/v1/cases", tooLong, "Idempotency-Key", "k-3")
	p2.wantProblem(t, 422, "text_too_long")
	if p2.header.Get("Idempotent-Replayed") != "true" {
		t.Error("the refusal was not replayed")
	}

	// Keys are per route: the same key on a reply is another request.
	caseID, _ := e.inboundCase(alice, support1, "alice_follows", "3001")
	reply := map[string]string{"mode": "dm", "text": "by DM"}
	e.do("POST", "/v1/cases/"+caseID+"/replies", reply, "Idempotency-Key", "k-1").want(t, 202, nil)
	e.do("POST", "/v1/cases/"+caseID+"/replies", reply, "Idempotency-Key", "k-1").want(t, 202, nil)
	e.wantCommands(casework.CmdDM)

	// A Retweet and a follow replay the same way.
	path := retweetPath(caseID, mustLatestTweet(t, e, caseID), deals2)
	e.do("PUT", path, nil, "Idempotency-Key", "rt-1").want(t, 202, nil)
	e.do("PUT", path, nil, "Idempotency-Key", "rt-1").want(t, 202, nil) // the first answer, not 200
	e.wantCommands(casework.CmdRetweet)
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+support1, nil, "Idempotency-Key", "f-1").want(t, 202, nil)
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+support1, nil, "Idempotency-Key", "f-1").want(t, 202, nil)
	e.wantCommands(casework.CmdFollow)

	// A key too long to be one.
	e.do("POST", "/v1/cases", body, "Idempotency-Key", strings.Repeat("x", 256)).wantProblem(t, 400, "invalid_idempotency_key")
}

// TestIdempotencyKeysBothHostsReadAlike: a key with a comma is two keys
// through API Gateway and api-proxy (which split header values at commas)
// and one here, so every idempotent route refuses it, and keys with spaces,
// before anything is done (functions/create-case tests the Lambda host).
func TestIdempotencyKeysBothHostsReadAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, tweet := e.inboundCase(alice, support1, "alice_follows", "3101")
	routes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/cases", map[string]string{"customer_id": alice, "handle_id": support1, "text": "@alice_follows hi"}},
		{"POST", "/v1/cases/" + caseID + "/replies", map[string]string{"mode": "mention", "text": "hi"}},
		{"PUT", retweetPath(caseID, tweet, support1), nil},
		{"DELETE", retweetPath(caseID, tweet, support1), nil},
		{"PUT", "/v1/customers/" + bob + "/follows/" + support1, nil},
		{"DELETE", "/v1/customers/" + alice + "/follows/" + support1, nil},
	}
	for _, rt := range routes {
		for _, key := range []string{"order-5521,attempt-1", "order-5521, attempt-2", "order 5521", `"order-5521"`} {
			e.do(rt.method, rt.path, rt.body, "Idempotency-Key", key).wantProblem(t, 400, "invalid_idempotency_key")
		}
	}
	e.wantCommands()
	// A key of the alphabet works on every route.
	e.do("POST", "/v1/cases", routes[0].body, "Idempotency-Key", "order-5521:attempt-1").want(t, 201, nil)
	e.wantCommands(casework.CmdTweet)
}

// TestIdempotencyKeyReplaysTheSameJSON: the same request with its JSON
// members in another order is a repeat, not a reused key.
func TestIdempotencyKeyReplaysTheSameJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.do("POST", "/v1/cases", `{"customer_id":"`+alice+`","handle_id":"`+support1+`","text":"@alice_follows in order"}`, "Idempotency-Key", "order-1")
	first.want(t, 201, nil)
	again := e.do("POST", "/v1/cases", `{ "text": "@alice_follows in order", "handle_id": "`+support1+`", "customer_id": "`+alice+`" }`, "Idempotency-Key", "order-1")
	again.want(t, 201, nil)
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("reordered JSON: %s (replayed %q), want the replay of %s", again.body, again.header.Get("Idempotent-Replayed"), first.body)
	}
	e.wantCommands(casework.CmdTweet)
}

func mustLatestTweet(t *testing.T, e *env, caseID string) string {
	t.Helper()
	var o apiReplyOptions
	e.do("GET", "/v1/cases/"+caseID+"/reply-options", nil).want(t, 200, &o)
	if o.InReplyTo == nil {
		t.Fatal("no customer Tweet in the case")
	}
	return o.InReplyTo.ID
}

// TestIdempotencyKeyInFlight holds a first request inside the store's
// answer to show that a repeat meanwhile is refused with 409.
func TestIdempotencyKeyInFlight(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.outbox.block = make(chan struct{})
	e.outbox.entered = make(chan struct{}, 1)
	body := map[string]string{"customer_id": alice, "handle_id": support1, "text": "@alice_follows slow"}
	done := make(chan response, 1)
	go func() { done <- e.do("POST", "/v1/cases", body, "Idempotency-Key", "slow-1") }()
	select {
	case <-e.outbox.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first request never reached the outbox")
	}
	r := e.do("POST", "/v1/cases", body, "Idempotency-Key", "slow-1")
	r.wantProblem(t, 409, "request_in_progress")
	close(e.outbox.block)
	(<-done).want(t, 201, nil)
	e.wantCommands(casework.CmdTweet)
	e.do("POST", "/v1/cases", body, "Idempotency-Key", "slow-1").want(t, 201, nil)
	e.wantCommands()
}

// TestCommandBodies reads each kind of command off the SQS queue as JSON.
func TestCommandBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, m := e.createCase(alice, support1, "@alice_follows first")
	caseID, tweet := e.inboundCase(alice, support1, "alice_follows", "2001")
	var reply, dm struct {
		Message apiMessage `json:"message"`
	}
	e.do("POST", "/v1/cases/"+caseID+"/replies", map[string]string{"mode": "mention", "text": "thanks"}).want(t, 202, &reply)
	e.do("POST", "/v1/cases/"+caseID+"/replies", map[string]string{"mode": "dm", "text": "psst"}).want(t, 202, &dm)
	e.do("PUT", retweetPath(caseID, tweet, support1), nil).want(t, 202, nil)
	e.do("DELETE", retweetPath(caseID, tweet, support1), nil).want(t, 202, nil)
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+deals2, nil).want(t, 202, nil)
	e.do("DELETE", "/v1/customers/"+bob+"/follows/"+deals2, nil).want(t, 202, nil)

	want := map[string]map[string]any{
		"tweet:" + m.ID:             {"kind": "tweet", "handle_id": support1, "case_id": c.ID, "message_id": m.ID},
		"tweet:" + reply.Message.ID: {"kind": "tweet", "handle_id": support1, "case_id": caseID, "message_id": reply.Message.ID},
		"dm:" + dm.Message.ID:       {"kind": "dm", "handle_id": support1, "case_id": caseID, "message_id": dm.Message.ID, "customer_id": alice},
		"retweet:" + tweet:          {"kind": "retweet", "handle_id": support1, "case_id": caseID, "message_id": tweet},
		"unretweet:" + tweet:        {"kind": "unretweet", "handle_id": support1, "case_id": caseID, "message_id": tweet},
		"follow:" + bob:             {"kind": "follow", "handle_id": deals2, "customer_id": bob},
		"unfollow:" + bob:           {"kind": "unfollow", "handle_id": deals2, "customer_id": bob},
	}
	got := e.rawCommands()
	if len(got) != len(want) {
		t.Fatalf("%d commands, want %d: %v", len(got), len(want), got)
	}
	for _, raw := range got {
		key := raw["kind"].(string) + ":"
		if raw["message_id"] != nil {
			key += raw["message_id"].(string)
		} else {
			key += raw["customer_id"].(string)
		}
		w, ok := want[key]
		if !ok {
			t.Errorf("unexpected command %v", raw)
			continue
		}
		id, _ := raw["id"].(string)
		created, _ := raw["created_at"].(string)
		if id == "" || created == "" {
			t.Errorf("command %v lacks id or created_at", raw)
		}
		delete(raw, "id")
		delete(raw, "created_at")
		if !maps.Equal(raw, w) {
			t.Errorf("command = %v, want %v", raw, w)
		}
	}
}

// TestEnqueueFailure: when the queue refuses, the request fails and nothing
// is left looking queued.
func TestEnqueueFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, tweet := e.inboundCase(alice, support1, "alice_follows", "1001")
	e.outbox.fail.Store(true)

	// A new case: its message is failed, with the reason.
	e.do("POST", "/v1/cases", map[string]string{"customer_id": bob, "handle_id": support1, "text": "@bob_stranger hi"}).wantProblem(t, 503, "unavailable")
	var cases list[apiCase]
	e.do("GET", "/v1/cases?customer_id="+bob, nil).want(t, 200, &cases)
	if len(cases.Items) != 1 {
		t.Fatalf("cases = %+v", cases.Items)
	}
	// A reply, mention or DM: the same.
	e.do("POST", "/v1/cases/"+caseID+"/replies", map[string]string{"mode": "mention", "text": "hi"}).wantProblem(t, 503, "unavailable")
	e.do("POST", "/v1/cases/"+caseID+"/replies", map[string]string{"mode": "dm", "text": "hi"}).wantProblem(t, 503, "unavailable")
	for _, id := range []string{cases.Items[0].ID, caseID} {
		var got struct {
			Messages []apiMessage `json:"messages"`
		}
		e.do("GET", "/v1/cases/"+id, nil).want(t, 200, &got)
		for _, m := range got.Messages {
			if m.Direction != "out" {
				continue
			}
			if m.Status != "failed" || m.Error == nil || m.Error.Code != "enqueue_failed" {
				t.Errorf("message after a failed enqueue = %+v (error %+v)", m, m.Error)
			}
		}
	}
	// A Retweet is not recorded; a follow is not pending.
	e.do("PUT", retweetPath(caseID, tweet, support1), nil).wantProblem(t, 503, "unavailable")
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+support1, nil, "Idempotency-Key", "f-1").wantProblem(t, 503, "unavailable")
	m, err := e.store.GetMessage(e.ctx, caseID, tweet)
	must(t, err)
	if len(m.RetweetedBy) != 0 {
		t.Errorf("retweeted_by = %v after a failed enqueue", m.RetweetedBy)
	}
	f, err := e.store.Follow(e.ctx, bob, support1)
	must(t, err)
	if f.Pending != "" {
		t.Errorf("pending = %q after a failed enqueue", f.Pending)
	}

	// An undo that cannot be queued leaves the Retweet in place.
	e.outbox.fail.Store(false)
	e.do("PUT", retweetPath(caseID, tweet, support1), nil).want(t, 202, nil)
	e.outbox.fail.Store(true)
	e.do("DELETE", retweetPath(caseID, tweet, support1), nil).wantProblem(t, 503, "unavailable")
	m, err = e.store.GetMessage(e.ctx, caseID, tweet)
	must(t, err)
	if !slices.Equal(m.RetweetedBy, []string{support1}) {
		t.Errorf("retweeted_by = %v after a failed undo", m.RetweetedBy)
	}

	// A failed request's Idempotency-Key is released: the retry goes through.
	e.outbox.fail.Store(false)
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+support1, nil, "Idempotency-Key", "f-1").want(t, 202, nil)
	e.wantCommands(casework.CmdRetweet, casework.CmdFollow)
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withOrigins("https://console.example.com", "http://localhost:5173"))
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest("OPTIONS", e.srv.URL+"/v1/cases", nil)
		must(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		return resp
	}
	resp := preflight("http://localhost:5173")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Fatalf("preflight = %d %v", resp.StatusCode, resp.Header)
	}
	allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"authorization", "content-type", "idempotency-key"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, h)
		}
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("Access-Control-Allow-Methods = %q", resp.Header.Get("Access-Control-Allow-Methods"))
	}
	if resp := preflight("https://evil.example.com"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a foreign origin was allowed: %v", resp.Header)
	}

	r := e.do("GET", "/v1/handles", nil, "Origin", "https://console.example.com")
	r.want(t, 200, nil)
	if r.header.Get("Access-Control-Allow-Origin") != "https://console.example.com" || !strings.Contains(r.header.Get("Vary"), "Origin") {
		t.Errorf("CORS headers = %v", r.header)
	}
	// Errors carry them too, so the console can read the problem.
	r = e.do("GET", "/v1/handles", nil, "Origin", "https://console.example.com", "Authorization", "")
	r.wantProblem(t, 401, "unauthorized")
	if r.header.Get("Access-Control-Allow-Origin") != "https://console.example.com" {
		t.Errorf("401 without CORS headers: %v", r.header)
	}
	r = e.do("GET", "/v1/handles", nil, "Origin", "https://evil.example.com")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a foreign origin was allowed: %v", r.header)
	}
}

// TestHealth: 200 while the store answers.
func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do("GET", "/healthz", nil)
	var body map[string]any
	r.want(t, 200, &body)
	if b, _ := json.Marshal(body); string(b) != `{"status":"ok"}` {
		t.Errorf("health = %s", b)
	}
}

// TestIdsThatCannotExist: ids far over any id's length (2,044 A's, as a
// client sent) or outside the id alphabet answer 404 (400 for a picked
// Tweet, a field of the body) on every route, never 500, with short
// answers; a search of that size is refused too.
func TestIdsThatCannotExist(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, tweet := e.inboundCase(alice, support1, "alice_follows", "3201")
	long := strings.Repeat("A", 2044)
	for _, bad := range []string{long, strings.Repeat("A", casework.MaxIDLength+1), "a%20b", "%C3%A9t%C3%A9"} {
		tests := []struct {
			method, path string
			body         any
			status       int
			code         string
		}{
			{"GET", "/v1/cases/" + bad, nil, 404, "not_found"},
			{"GET", "/v1/cases/" + bad + "/messages", nil, 404, "not_found"},
			{"PATCH", "/v1/cases/" + bad, map[string]string{"status": "open"}, 404, "not_found"},
			{"GET", "/v1/cases/" + bad + "/reply-options", nil, 404, "not_found"},
			{"POST", "/v1/cases/" + bad + "/replies", map[string]string{"mode": "mention", "text": "hi"}, 404, "not_found"},
			{"GET", "/v1/customers/" + bad, nil, 404, "not_found"},
			{"PUT", "/v1/customers/" + bad + "/twitter", map[string]string{"handle": "dave"}, 404, "not_found"},
			{"DELETE", "/v1/customers/" + bad + "/twitter", nil, 404, "not_found"},
			{"PUT", "/v1/customers/" + alice + "/follows/" + bad, nil, 404, "not_found"},
			{"DELETE", "/v1/customers/" + alice + "/follows/" + bad, nil, 404, "not_found"},
			{"PUT", retweetPath(caseID, bad, support1), nil, 404, "not_found"},
			{"DELETE", retweetPath(caseID, tweet, bad), nil, 404, "not_found"},
			{"POST", "/v1/cases", map[string]string{"customer_id": bad, "handle_id": support1, "text": "@alice_follows hi"}, 404, "not_found"},
			{"POST", "/v1/cases", map[string]string{"customer_id": alice, "handle_id": bad, "text": "@alice_follows hi"}, 404, "not_found"},
			{"POST", "/v1/cases/" + caseID + "/replies", map[string]string{"mode": "dm", "handle_id": bad, "text": "hi"}, 404, "not_found"},
			{"POST", "/v1/cases/" + caseID + "/replies", map[string]string{"mode": "mention", "text": "hi", "in_reply_to_message_id": bad}, 404, "not_found"},
		}
		for _, tt := range tests {
			r := e.do(tt.method, tt.path, tt.body)
			r.wantProblem(t, tt.status, tt.code)
			if len(r.body) > 1024 {
				t.Errorf("%s %.60s…: a %d-byte answer", tt.method, tt.path, len(r.body))
			}
		}
		var cases list[apiCase]
		e.do("GET", "/v1/cases?customer_id="+bad, nil).want(t, 200, &cases)
		if len(cases.Items) != 0 {
			t.Errorf("cases of customer %.20s…: %+v", bad, cases.Items)
		}
	}
	e.wantCommands()
	e.do("GET", "/v1/customers?q="+long, nil).wantProblem(t, 400, "validation_failed")
	e.do("GET", "/v1/customers?q="+long+"@example.com", nil).wantProblem(t, 400, "validation_failed")
	// An unknown route echoes its path cut short.
	if r := e.doUnchecked("GET", "/v1/nothing/"+long, nil); r.status != 404 || len(r.body) > 1024 {
		t.Errorf("unknown route: %d, %d bytes", r.status, len(r.body))
	}
}
