package openapitest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const (
	caseJSON = `{"id":"01JDCASE","customer_id":"01JDCUST","handle_id":"01JDHANDLE","channel":"tweet","status":"new",
		"created_at":"2026-11-25T10:00:00Z","updated_at":"2026-11-25T10:00:00Z","last_activity_at":"2026-11-25T10:00:00Z",
		"customer_name":"Alice Follower","customer_handle":"alice_follows","handle_screen_name":"AcmeSupport","last_message":null}`
	queuedMessage = `{"id":"01JDMSG","case_id":"01JDCASE","direction":"out","kind":"tweet","text":"@alice_follows hi",
		"status":"queued","x_id":null,"in_reply_to_message_id":null,
		"author":{"handle_id":"01JDHANDLE","screen_name":"AcmeSupport"},"retweeted_by":[],"retweets":[],"created_at":"2026-11-25T10:00:00Z"}`
	sentMessage = `{"id":"01JDMSG2","case_id":"01JDCASE","direction":"in","kind":"tweet","text":"@AcmeSupport thanks",
		"status":"received","x_id":"1861000000000000003","in_reply_to_message_id":"01JDMSG",
		"author":{"customer_id":"01JDCUST","screen_name":"alice_follows"},"retweeted_by":["01JDHANDLE"],
		"retweets":[{"handle_id":"01JDHANDLE","by":null}],"error":null,"created_at":"2026-11-25T10:01:00Z","sent_at":null,"deleted":true}`
	followState = `{"handle_id":"01JDHANDLE","screen_name":"AcmeSupport","brand_follows_customer":false,"customer_follows_brand":true,"pending":null}`
	times       = `"created_at":"2026-11-25T10:00:00.000Z","updated_at":"2026-11-25T10:00:00.000Z"`
)

func problem(status int, code string) string {
	return fmt.Sprintf(`{"type":"/problems/%s","title":%q,"status":%d,"detail":"d","code":%q}`, code, http.StatusText(status), status, code)
}

// answer is one request and the answer a handler might give.
type answer struct {
	name, method, path string
	status             int
	contentType, body  string
}

func (a answer) check(t *testing.T, v *Validator) error {
	t.Helper()
	req := httptest.NewRequest(a.method, a.path, nil)
	rec := httptest.NewRecorder()
	if a.contentType != "" {
		rec.Header().Set("Content-Type", a.contentType)
	}
	rec.WriteHeader(a.status)
	io.WriteString(rec, a.body)
	return v.ValidateRecorder(req, rec)
}

const js, pj = "application/json", "application/problem+json"

func TestValidatorAcceptsConformingAnswers(t *testing.T) {
	v, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []answer{
		{"health", "GET", "/healthz", 200, js, `{"status":"ok"}` + "\n"},
		{"health down", "GET", "/healthz", 503, pj, problem(503, "unavailable")},
		{"crc", "GET", "/webhooks/twitter?crc_token=abc", 200, js + "; charset=utf-8", `{"response_token":"sha256=Xe6kKaPXeA/NBbnQBRZvQgODhvTK0bYhkMqy9EqdSZQ="}`},
		{"crc without token", "GET", "/webhooks/twitter", 400, pj,
			`{"type":"/problems/invalid_crc_token","title":"Bad Request","status":400,"detail":"d","code":"invalid_crc_token","fields":[{"name":"crc_token","code":"invalid","detail":"x"}]}`},
		{"webhook queued", "POST", "/webhooks/twitter", 200, "", ""},
		{"webhook bad signature", "POST", "/webhooks/twitter", 401, pj, problem(401, "unauthorized")},
		{"webhook too large", "POST", "/webhooks/twitter", 413, pj, problem(413, "payload_too_large")},
		{"create case", "POST", "/v1/cases", 201, js, `{"case":` + caseJSON + `,"message":` + queuedMessage + `}`},
		{"case detail", "GET", "/v1/cases/01JDCASE", 200, js,
			`{"case":` + caseJSON + `,"messages":[` + queuedMessage + `,` + sentMessage + `],"next_cursor":"c2"}`},
		{"message page, last", "GET", "/v1/cases/01JDCASE/messages?cursor=c2", 200, js, `{"items":[` + sentMessage + `]}`},
		{"reply", "POST", "/v1/cases/01JDCASE/replies", 202, js, `{"message":` + queuedMessage + `}`},
		{"text too long, with extras", "POST", "/v1/cases/01JDCASE/replies", 422, pj,
			`{"type":"/problems/text_too_long","title":"Unprocessable Entity","status":422,"detail":"d","code":"text_too_long","weighted_length":141,"max_length":140}`},
		{"customer", "GET", "/v1/customers/01JDCUST", 200, js,
			`{"id":"01JDCUST","name":"Alice Follower","emails":["alice@example.com"],"phones":["+15550100001"],
			"twitter":{"handle":"alice_follows","x_user_id":"2000000000000000001"},"previous_handles":[],` + times + `,
			"follows":[` + followState + `]}`},
		{"customer without twitter", "GET", "/v1/customers/01JDCUST3", 200, js,
			`{"id":"01JDCUST3","name":"Carol","emails":[],"phones":[],"twitter":null,"previous_handles":[],` + times + `}`},
		{"customer not found", "GET", "/v1/customers/nope", 404, pj, problem(404, "not_found")},
		{"handles", "GET", "/v1/handles", 200, js, `{"items":[{"id":"h1","screen_name":"AcmeSupport","x_user_id":"1000000000000000001","status":"connected","subscriptions":null,"x_chat":{"ready":false,"reason":"handle_chat_keys_missing","detail":"no X Chat keys"}}],"x_access":"self-serve"}`},
		{"reply options", "GET", "/v1/cases/c/reply-options", 200, js,
			`{"handles":[{"handle_id":"h1","screen_name":"AcmeSupport","modes":[{"mode":"mention","max_length":140,"prefill":"@alice_follows "},{"mode":"dm","max_length":10000,"prefill":"","reason":"customer_follows"}]}],"in_reply_to":` + sentMessage + `}`},
		{"text count", "POST", "/v1/text/count", 200, js, `{"mode":"mention","weighted_length":12,"max_length":140,"valid":true}`},
		{"retweet already", "PUT", "/v1/cases/c/messages/m/retweets/h", 200, js, `{"message":` + sentMessage + `}`},
		{"retweet accepted", "PUT", "/v1/cases/c/messages/m/retweets/h", 202, js, `{"message":` + sentMessage + `}`},
		{"undo retweet, none", "DELETE", "/v1/cases/c/messages/m/retweets/h", 200, js, `{"message":` + sentMessage + `}`},
		{"follow", "PUT", "/v1/customers/c/follows/h", 202, js, strings.Replace(followState, `null`, `"follow"`, 1)},
		{"unfollow, nothing to do", "DELETE", "/v1/customers/c/follows/h", 200, js, followState},
		{"handle removed", "DELETE", "/v1/handles/h", 204, "", ""},
		{"unauthorized", "GET", "/v1/cases", 401, pj, problem(401, "unauthorized")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.check(t, v); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestValidatorRejectsNonConformingAnswers makes sure the validator can
// fail: each answer below breaks the document in one way.
func TestValidatorRejectsNonConformingAnswers(t *testing.T) {
	v, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []answer{
		{"undocumented status", "POST", "/v1/cases", 200, js, `{"case":` + caseJSON + `,"message":` + queuedMessage + `}`},
		{"undocumented path", "GET", "/v1/nope", 200, js, `{}`},
		{"undocumented method", "DELETE", "/v1/cases/c", 200, js, `{}`},
		{"missing required field", "GET", "/v1/cases/c", 200, js,
			`{"case":` + strings.Replace(caseJSON, `"customer_id":"01JDCUST",`, "", 1) + `,"messages":[]}`},
		{"message lacks x_id", "GET", "/v1/cases/c/messages", 200, js, `{"items":[` + strings.Replace(sentMessage, `"x_id":"1861000000000000003",`, "", 1) + `]}`},
		{"wrong enum value", "GET", "/v1/handles", 200, js, `{"items":[{"id":"h1","screen_name":"AcmeSupport","x_user_id":"1","status":"paused"}]}`},
		{"wrong case status", "PATCH", "/v1/cases/c", 200, js, strings.Replace(caseJSON, `"status":"new"`, `"status":"archived"`, 1)},
		{"created message not queued", "POST", "/v1/cases", 201, js,
			`{"case":` + caseJSON + `,"message":` + strings.Replace(queuedMessage, `"status":"queued"`, `"status":"sent"`, 1) + `}`},
		{"author with both ids", "POST", "/v1/cases/c/replies", 202, js,
			`{"message":` + strings.Replace(queuedMessage, `"handle_id":"01JDHANDLE"`, `"handle_id":"01JDHANDLE","customer_id":"c"`, 1) + `}`},
		{"null next_cursor", "GET", "/v1/cases", 200, js, `{"items":[],"next_cursor":null}`},
		{"list without items", "GET", "/v1/cases", 200, js, `{"cases":[]}`},
		{"error as plain JSON", "GET", "/v1/customers/nope", 404, js, problem(404, "not_found")},
		{"problem without code", "GET", "/v1/customers/nope", 404, pj, `{"type":"/problems/not_found","title":"Not Found","status":404,"detail":"d"}`},
		{"problem with another status", "GET", "/v1/customers/nope", 404, pj, problem(400, "not_found")},
		{"health not ok", "GET", "/healthz", 200, js, `{"status":"degraded"}`},
		{"crc token not sha256", "GET", "/webhooks/twitter?crc_token=x", 200, js, `{"response_token":"sha1=abc"}`},
		{"body not JSON", "GET", "/healthz", 200, js, `ok`},
		{"undocumented member", "GET", "/v1/cases/c/messages", 200, js, `{"items":[` + strings.Replace(sentMessage, `"deleted":true`, `"deleted":true,"spam":true`, 1) + `]}`},
		{"undocumented problem member", "GET", "/v1/customers/nope", 404, pj, strings.Replace(problem(404, "not_found"), `}`, `,"hint":"x"}`, 1)},
		{"retweet without its message", "PUT", "/v1/cases/c/messages/m/retweets/h", 202, js, `{"anything":"goes"}`},
		{"follow without its state", "PUT", "/v1/customers/c/follows/h", 202, "", ""},
		{"follow state without screen_name", "DELETE", "/v1/customers/c/follows/h", 200, js, strings.Replace(followState, `"screen_name":"AcmeSupport",`, "", 1)},
		{"deleted false", "GET", "/v1/cases/c/messages", 200, js, `{"items":[` + strings.Replace(sentMessage, `"deleted":true`, `"deleted":false`, 1) + `]}`},
		{"text count without its mode", "POST", "/v1/text/count", 200, js, `{"weighted_length":12,"max_length":140,"valid":true}`},
		{"a body where none is documented", "DELETE", "/v1/handles/h", 204, js, `{}`},
		{"credentials leak", "GET", "/v1/handles", 200, js,
			`{"items":[{"id":"h1","screen_name":"AcmeSupport","x_user_id":"1","status":"connected","access_token":"t"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(t, v)
			if err == nil {
				t.Fatal("accepted")
			}
			t.Log(err)
		})
	}
}

// recordingTB captures Errorf calls instead of failing the test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) failures() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

func healthHandler(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
}

func TestCheckingTransportFailsTheTest(t *testing.T) {
	for _, tt := range []struct {
		body string
		fail bool
	}{{`{"status":"ok"}`, false}, {`{"status":"nope"}`, true}} {
		srv := httptest.NewServer(healthHandler(tt.body))
		rec := &recordingTB{TB: t}
		client := &http.Client{Transport: CheckingTransport(rec, nil)}
		resp, err := client.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		if string(got) != tt.body {
			t.Errorf("the caller got body %q, want %q", got, tt.body)
		}
		if f := rec.failures(); (len(f) > 0) != tt.fail {
			t.Errorf("body %s: failures %q, want failing = %v", tt.body, f, tt.fail)
		}
	}
}

func TestHandlerWrapperFailsTheTest(t *testing.T) {
	for _, tt := range []struct {
		body string
		fail bool
	}{{`{"status":"ok"}`, false}, {`{}`, true}} {
		rec := &recordingTB{TB: t}
		w := httptest.NewRecorder()
		Handler(rec, healthHandler(tt.body)).ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
		if w.Code != 200 || w.Body.String() != tt.body || w.Header().Get("Content-Type") != js {
			t.Errorf("the wrapper changed the answer: %d %q %q", w.Code, w.Header(), w.Body)
		}
		if f := rec.failures(); (len(f) > 0) != tt.fail {
			t.Errorf("body %s: failures %q, want failing = %v", tt.body, f, tt.fail)
		}
	}
}

// TestValidateAccepted: a request the server accepted must be one the
// document allows (a reply without handle_id, which the server defaults,
// is); a refused one is not checked.
func TestValidateAccepted(t *testing.T) {
	v, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, body string
		status     int
		fail       bool
	}{
		{"reply without handle_id", `{"mode":"mention","text":"@alice hi"}`, 202, false},
		{"reply with an unknown member, accepted", `{"mode":"mention","text":"hi","urgent":true}`, 202, true},
		{"reply without mode, accepted", `{"text":"hi"}`, 202, true},
		{"reply without mode, refused", `{"text":"hi"}`, 400, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/v1/cases/01JDCASE/replies", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", js)
			req.Header.Set("Authorization", "Bearer t")
			err := v.ValidateAccepted(req, []byte(tt.body), tt.status)
			if (err != nil) != tt.fail {
				t.Errorf("error %v, want failing = %v", err, tt.fail)
			}
		})
	}
}
