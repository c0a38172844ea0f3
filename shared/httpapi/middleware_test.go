package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/casework"
)

// whoami answers with the agent Authenticate found.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	a, _ := AgentFrom(r.Context())
	Encode(w, 200, map[string]string{"id": a.ID, "email": a.Email})
})

func TestAuthenticateThroughAPIGateway(t *testing.T) {
	event := func(claims map[string]string, authz string) events.APIGatewayV2HTTPRequest {
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RawPath: "/v1/handles", Headers: map[string]string{},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				DomainName: "abc.execute-api.eu-west-1.amazonaws.com",
				HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/handles"},
			},
		}
		if claims != nil {
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
			}
		}
		if authz != "" {
			ev.Headers["authorization"] = authz
		}
		return ev
	}
	tests := []struct {
		name     string
		devToken string
		ev       events.APIGatewayV2HTTPRequest
		status   int
		agent    string
	}{
		{"JWT claims", "", event(map[string]string{"sub": "agent-42", "email": "a@example.com"}, "Bearer jwt"), 200, `{"email":"a@example.com","id":"agent-42"}`},
		{"claims without sub", "", event(map[string]string{"email": "a@example.com"}, "Bearer jwt"), 401, ""},
		{"no authorizer", "", event(nil, "Bearer jwt"), 401, ""},
		{"dev token is not accepted when not configured", "", event(nil, "Bearer dev"), 401, ""},
		{"dev token", "dev", event(nil, "Bearer dev"), 200, `{"email":"dev@example.com","id":"dev"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := httpadapter.NewV2(Authenticate(tt.devToken)(whoami)).ProxyWithContext(context.Background(), tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.agent != "" && strings.TrimSpace(resp.Body) != tt.agent {
				t.Errorf("agent = %s, want %s", resp.Body, tt.agent)
			}
		})
	}
}

func TestPageFromQuery(t *testing.T) {
	tests := []struct {
		query string
		limit int
		ok    bool
	}{
		{"", 50, true},
		{"limit=1", 1, true},
		{"limit=200&cursor=abc", 200, true},
		{"limit=201", 0, false},
		{"limit=0", 0, false},
		{"limit=-3", 0, false},
		{"limit=1.5", 0, false},
		{"limit=", 0, false},
	}
	for _, tt := range tests {
		p, err := PageFromQuery(httptest.NewRequest("GET", "/x?"+tt.query, nil))
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v", tt.query, err)
			continue
		}
		if tt.ok && p.Limit != tt.limit {
			t.Errorf("%q: limit %d, want %d", tt.query, p.Limit, tt.limit)
		}
		if !tt.ok && casework.ErrorCode(err) != casework.EValidation {
			t.Errorf("%q: code %s", tt.query, casework.ErrorCode(err))
		}
	}
	p, _ := PageFromQuery(httptest.NewRequest("GET", "/x?cursor=abc", nil))
	if p.Cursor != "abc" {
		t.Errorf("cursor = %q", p.Cursor)
	}
}

func TestCORSWildcard(t *testing.T) {
	h := CORS([]string{"*"})(whoami)
	r := httptest.NewRequest("OPTIONS", "/x", nil)
	r.Header.Set("Origin", "https://any.example")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://any.example" {
		t.Errorf("preflight = %d %v", w.Code, w.Header())
	}
	// No origins configured: no CORS headers at all.
	w = httptest.NewRecorder()
	CORS(nil)(whoami).ServeHTTP(w, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("headers = %v", w.Header())
	}
}

// memIdem is an in-memory IdempotencyStore.
type memIdem struct {
	mu   sync.Mutex
	recs map[string]IdempotencyRecord
	fail error
}

func (m *memIdem) ReserveIdempotencyKey(_ context.Context, rec IdempotencyRecord) (*IdempotencyRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	if old, ok := m.recs[rec.Key]; ok {
		return &old, nil
	}
	m.recs[rec.Key] = rec
	return nil, nil
}

func (m *memIdem) CompleteIdempotencyKey(_ context.Context, rec IdempotencyRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs[rec.Key] = rec
	return nil
}

func (m *memIdem) ReleaseIdempotencyKey(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.recs, key)
	return nil
}

func TestIdempotent(t *testing.T) {
	store := &memIdem{recs: map[string]IdempotencyRecord{}}
	calls := 0
	status := 201
	h := Authenticate("dev")(Idempotent(store, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		b, _ := io.ReadAll(r.Body)
		if status >= 400 {
			WriteError(w, r, casework.Errorf(map[int]string{500: casework.EInternal, 409: casework.EConflict}[status], "no"))
			return
		}
		Encode(w, status, map[string]any{"call": calls, "body": string(b)})
	})))
	send := func(method, path, key, body, token string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		if key != "" {
			r.Header.Set(IdempotencyHeader, key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	first := send("POST", "/v1/cases", "k", `{"a":1}`, "dev")
	again := send("POST", "/v1/cases", "k", `{"a":1}`, "dev")
	if first.Code != 201 || again.Code != 201 || again.Body.String() != first.Body.String() || calls != 1 {
		t.Fatalf("first %d %s, again %d %s, %d calls", first.Code, first.Body, again.Code, again.Body, calls)
	}
	if again.Header().Get(ReplayedHeader) != "true" || again.Header().Get("Content-Type") != "application/json" {
		t.Errorf("replay headers = %v", again.Header())
	}
	if w := send("POST", "/v1/cases", "k", `{"a":2}`, "dev"); w.Code != 422 || !strings.Contains(w.Body.String(), EIdempotencyKeyReused) {
		t.Errorf("different body: %d %s", w.Code, w.Body)
	}
	// Another path, or no key, is another request.
	send("POST", "/v1/other", "k", `{"a":1}`, "dev")
	send("POST", "/v1/cases", "", `{"a":1}`, "dev")
	if calls != 3 {
		t.Errorf("calls = %d, want 3", calls)
	}

	// In flight: a reserved, unfinished record.
	for k, rec := range store.recs {
		if !rec.Done {
			t.Errorf("record %s not done", k)
		}
		rec.Done = false
		store.recs[k] = rec
	}
	if w := send("POST", "/v1/cases", "k", `{"a":1}`, "dev"); w.Code != 409 || !strings.Contains(w.Body.String(), ERequestInProgress) {
		t.Errorf("in flight: %d %s", w.Code, w.Body)
	}

	// 5xx and 409 answers release the key; 4xx answers are kept.
	for _, tt := range []struct {
		status int
		kept   bool
	}{{500, false}, {409, false}, {201, true}} {
		status = tt.status
		before := calls
		send("PUT", fmt.Sprintf("/v1/s%d", tt.status), "r", `{}`, "dev")
		send("PUT", fmt.Sprintf("/v1/s%d", tt.status), "r", `{}`, "dev")
		if ran := calls - before; (ran == 1) != tt.kept {
			t.Errorf("status %d: the handler ran %d times", tt.status, ran)
		}
	}

	// The store failing is a 500, and the handler does not run.
	store.fail = fmt.Errorf("dynamodb down")
	before := calls
	if w := send("POST", "/v1/cases", "z", `{}`, "dev"); w.Code != 500 || calls != before {
		t.Errorf("store down: %d, %d calls", w.Code, calls-before)
	}

	// Bad keys.
	store.fail = nil
	before = calls
	for _, key := range []string{strings.Repeat("k", 256), "tab\there", "order-5521,attempt-1", "two words", `"quoted"`, "semi;colon", "ünïcode"} {
		w := send("POST", "/v1/cases", key, `{}`, "dev")
		var p Problem
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != 400 || p.Code != EInvalidIdempotencyKey || len(p.Fields) != 1 || p.Fields[0].Name != IdempotencyHeader {
			t.Errorf("key %q: %d %s", key, w.Code, w.Body)
		}
	}
	if calls != before {
		t.Errorf("the handler ran %d times for bad keys", calls-before)
	}
	// Keys made of the whole alphabet, and the longest, are taken.
	for _, key := range []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "01JDSAMPLECASE000000000001", "order-5521:attempt_1.v2~x", "aGVsbG8+/w==", strings.Repeat("k", 255)} {
		if w := send("POST", "/v1/good", key, `{}`, "dev"); w.Code != 201 {
			t.Errorf("key %q: %d %s", key, w.Code, w.Body)
		}
	}
}

// TestIdempotencyKeyHeaderTwice: two Idempotency-Key headers (which API
// Gateway joins with a comma) are refused, not one of them picked.
func TestIdempotencyKeyHeaderTwice(t *testing.T) {
	store := &memIdem{recs: map[string]IdempotencyRecord{}}
	h := Authenticate("dev")(Idempotent(store, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran")
	})))
	r := httptest.NewRequest("POST", "/v1/cases", strings.NewReader(`{}`))
	r.Header.Set("Authorization", "Bearer dev")
	r.Header.Add(IdempotencyHeader, "order-5521")
	r.Header.Add(IdempotencyHeader, "attempt-1")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 400 || !strings.Contains(w.Body.String(), EInvalidIdempotencyKey) {
		t.Errorf("two keys: %d %s", w.Code, w.Body)
	}
}

// TestIdempotencyComparesTheDecodedRequest: the same JSON written another
// way (members in another order, other spacing) is a repeat; another value
// is not.
func TestIdempotencyComparesTheDecodedRequest(t *testing.T) {
	store := &memIdem{recs: map[string]IdempotencyRecord{}}
	calls := 0
	h := Authenticate("dev")(Idempotent(store, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		Encode(w, 201, map[string]int{"call": calls})
	})))
	send := func(key, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/v1/cases", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer dev")
		r.Header.Set(IdempotencyHeader, key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := `{"customer_id":"c1","handle_id":"h1","text":"hi <b> \u00e9","n":[1,{"y":2,"x":1}]}`
	tests := []struct {
		name, body string
		status     int
	}{
		{"the same bytes", first, 201},
		{"members reordered", `{"text":"hi <b> é","handle_id":"h1","n":[1,{"x":1,"y":2}],"customer_id":"c1"}`, 201},
		{"other spacing", "{ \"customer_id\" : \"c1\",\n \"handle_id\":\"h1\", \"text\":\"hi <b> é\", \"n\":[ 1 , {\"y\":2,\"x\":1} ] }\n", 201},
		{"another value", `{"customer_id":"c1","handle_id":"h1","text":"hi <b> é!","n":[1,{"y":2,"x":1}]}`, 422},
		{"array order matters", `{"customer_id":"c1","handle_id":"h1","text":"hi <b> é","n":[{"y":2,"x":1},1]}`, 422},
		{"a member more", `{"customer_id":"c1","handle_id":"h1","text":"hi <b> é","n":[1,{"y":2,"x":1}],"z":null}`, 422},
		{"not JSON", `{"customer_id":`, 422},
	}
	w0 := send("k", first)
	for _, tt := range tests {
		w := send("k", tt.body)
		if w.Code != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, w.Code, w.Body, tt.status)
		}
		if tt.status == 201 && (w.Body.String() != w0.Body.String() || w.Header().Get(ReplayedHeader) != "true") {
			t.Errorf("%s: %s, not the replay of %s", tt.name, w.Body, w0.Body)
		}
	}
	if calls != 1 {
		t.Errorf("the handler ran %d times, want 1", calls)
	}
}

// TestIdempotencyRecordsHashedAsBytes: a record written when bodies were
// compared byte for byte still replays the same bytes.
func TestIdempotencyRecordsHashedAsBytes(t *testing.T) {
	store := &memIdem{recs: map[string]IdempotencyRecord{}}
	h := Authenticate("dev")(Idempotent(store, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran")
	})))
	body := `{"b":1,"a":2}`
	r := httptest.NewRequest("POST", "/v1/cases", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer dev")
	r.Header.Set(IdempotencyHeader, "old-key")
	w := httptest.NewRecorder()
	// Write the old record under the scope the request will have.
	Authenticate("dev")(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		store.recs[idempotencyScope(r, "old-key")] = IdempotencyRecord{Key: idempotencyScope(r, "old-key"),
			RequestHash: rawHash([]byte(body)), Done: true, StatusCode: 201, Body: []byte(`{"old":true}`)}
	})).ServeHTTP(httptest.NewRecorder(), r.Clone(r.Context()))
	h.ServeHTTP(w, r)
	if w.Code != 201 || w.Body.String() != `{"old":true}` {
		t.Errorf("old record: %d %s", w.Code, w.Body)
	}
}

func TestIdempotencyKeysAreScopedToTheAgent(t *testing.T) {
	a := httptest.NewRequest("POST", "/v1/cases", nil)
	b := a.Clone(WithAgent(context.Background(), Agent{ID: "other"}))
	a = a.WithContext(WithAgent(context.Background(), DevAgent))
	if idempotencyScope(a, "k") == idempotencyScope(b, "k") {
		t.Error("two agents share a key")
	}
	if idempotencyScope(a, "k") != idempotencyScope(a.Clone(a.Context()), "k") {
		t.Error("the scope is not stable")
	}
}

// TestIdempotentExpiry: a key is reserved briefly while its request runs
// (so a request whose function died frees it soon) and kept a day once
// answered.
func TestIdempotentExpiry(t *testing.T) {
	store := &memIdem{recs: map[string]IdempotencyRecord{}}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var during time.Time
	h := Authenticate("dev")(Idempotent(store, func() time.Time { return now })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rec := range store.recs {
			during = rec.ExpiresAt
		}
		Encode(w, 202, map[string]string{"ok": "yes"})
	})))
	r := httptest.NewRequest("POST", "/v1/cases/c/replies", strings.NewReader(`{}`))
	r.Header.Set("Authorization", "Bearer dev")
	r.Header.Set(IdempotencyHeader, "key-1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if want := now.Add(InProgressTTL); !during.Equal(want) {
		t.Errorf("while running the key expires at %s, want %s", during, want)
	}
	for _, rec := range store.recs {
		if want := now.Add(IdempotencyTTL); !rec.Done || !rec.ExpiresAt.Equal(want) {
			t.Errorf("answered record = %+v, want done, expiring at %s", rec, want)
		}
	}
}
