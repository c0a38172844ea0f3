package consoleapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
)

// call is one request of TestEveryRouteGivesItsDocumentedAnswers: the
// route it exercises ("METHOD /pattern", as consoleapi.Patterns lists
// them), its path (with ids) and body (a func() any is called when the
// request is sent), and the status it must answer.
type call struct {
	route string
	path  func() string
	body  any
	want  int
}

// TestEveryRouteGivesItsDocumentedAnswers drives every route of
// consoleapi's route table through each success answer it gives, each
// answer checked against the OpenAPI document made strict (no undocumented
// member, no undocumented status; issue 14 item 8). A route without calls
// here fails, and so does a success status the document gives a route but
// the route never answers (DELETE /v1/customers/{id}/twitter's 204 was
// one): the document's successes are exactly the server's.
func TestEveryRouteGivesItsDocumentedAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withCredentials(credentialsCheck()))
	var caseID, tweet, handleID, created string
	fixed := func(p string) func() string { return func() string { return p } }
	at := func(f string, ids ...*string) func() string {
		return func() string {
			args := make([]any, len(ids))
			for i, id := range ids {
				args[i] = *id
			}
			return fmt.Sprintf(f, args...)
		}
	}
	const rt = "/v1/cases/{id}/messages/{message_id}/retweets/{handle_id}"
	calls := []call{
		{"GET /healthz", fixed("/healthz"), nil, 200},
		{"GET /v1/handles", fixed("/v1/handles"), nil, 200},
		{"POST /v1/handles", fixed("/v1/handles"), map[string]string{"screen_name": "AcmeNews", "x_user_id": "1000000000000000003", "credentials_secret": "ok/AcmeNews"}, 201},
		{"PATCH /v1/handles/{id}", at("/v1/handles/%s", &handleID), map[string]string{"credentials_secret": "ok/Other"}, 200},
		{"DELETE /v1/handles/{id}", at("/v1/handles/%s", &handleID), nil, 204},
		{"GET /v1/usage", fixed("/v1/usage?month=2026-12"), nil, 200},
		{"GET /v1/customers", fixed("/v1/customers?q=alice"), nil, 200},
		{"POST /v1/customers", fixed("/v1/customers"), map[string]any{"name": "Dave Answers", "emails": []string{"dave@example.com"}, "twitter_handle": "dave"}, 201},
		{"GET /v1/customers/{id}", at("/v1/customers/%s", &created), nil, 200},
		{"PATCH /v1/customers/{id}", at("/v1/customers/%s", &created), map[string]any{"phones": []string{"+1 555 010 0042"}}, 200},
		{"POST /v1/customers/{id}/merge", fixed("/v1/customers/" + carol + "/merge"), func() any { return map[string]string{"from": created} }, 200},
		{"PUT /v1/customers/{id}/twitter", fixed("/v1/customers/" + carol + "/twitter"), map[string]string{"handle": "carol_online"}, 200},
		{"DELETE /v1/customers/{id}/twitter", fixed("/v1/customers/" + carol + "/twitter"), nil, 200},
		{"PUT /v1/customers/{id}/follows/{handle_id}", fixed("/v1/customers/" + bob + "/follows/" + support1), nil, 202},
		{"DELETE /v1/customers/{id}/follows/{handle_id}", fixed("/v1/customers/" + alice + "/follows/" + deals2), nil, 200},
		{"POST /v1/cases", fixed("/v1/cases"), map[string]string{"customer_id": alice, "handle_id": support1, "text": "@alice_follows hello"}, 201},
		{"GET /v1/cases", fixed("/v1/cases?customer_id=" + bob), nil, 200},
		{"GET /v1/cases/{id}", at("/v1/cases/%s", &caseID), nil, 200},
		{"GET /v1/cases/{id}/messages", at("/v1/cases/%s/messages?order=desc", &caseID), nil, 200},
		{"PATCH /v1/cases/{id}", at("/v1/cases/%s", &caseID), map[string]string{"status": "pending"}, 200},
		{"GET /v1/cases/{id}/reply-options", at("/v1/cases/%s/reply-options", &caseID), nil, 200},
		{"POST /v1/cases/{id}/replies", at("/v1/cases/%s/replies", &caseID), map[string]string{"mode": "mention", "text": "@bob_stranger on it"}, 202},
		{"POST /v1/text/count", fixed("/v1/text/count"), map[string]string{"mode": "mention", "text": "hello"}, 200},
		{"PUT " + rt, at("/v1/cases/%s/messages/%s/retweets/"+support1, &caseID, &tweet), nil, 202},
		{"PUT " + rt, at("/v1/cases/%s/messages/%s/retweets/"+support1, &caseID, &tweet), nil, 200},
		{"DELETE " + rt, at("/v1/cases/%s/messages/%s/retweets/"+support1, &caseID, &tweet), nil, 202},
		{"DELETE " + rt, at("/v1/cases/%s/messages/%s/retweets/"+deals2, &caseID, &tweet), nil, 200},
	}
	caseID, tweet = e.inboundCase(bob, support1, "bob_stranger", "8001")
	// The brand follows bob with @AcmeDeals: following again is 200,
	// unfollowing 202.
	_, err := e.store.SetBrandFollowsCustomer(context.Background(), bob, deals2, true, time.Now())
	must(t, err)
	calls = append(calls,
		call{"PUT /v1/customers/{id}/follows/{handle_id}", fixed("/v1/customers/" + bob + "/follows/" + deals2), nil, 200},
		call{"DELETE /v1/customers/{id}/follows/{handle_id}", fixed("/v1/customers/" + bob + "/follows/" + deals2), nil, 202},
	)

	seen := map[string]map[int]bool{}
	for _, c := range calls {
		method, _, _ := strings.Cut(c.route, " ")
		body := c.body
		if f, ok := body.(func() any); ok {
			body = f()
		}
		r := e.do(method, c.path(), body)
		if r.status != c.want {
			t.Errorf("%s %s: %d %s, want %d", method, c.path(), r.status, r.body, c.want)
			continue
		}
		if seen[c.route] == nil {
			seen[c.route] = map[int]bool{}
		}
		seen[c.route][r.status] = true
		// Keep the ids later calls need.
		switch c.route {
		case "POST /v1/handles":
			handleID = jsonID(t, r.body, "")
		case "POST /v1/customers":
			created = jsonID(t, r.body, "")
		}
	}
	e.commands() // drain what the calls queued

	v, err := openapitest.Default()
	must(t, err)
	for _, route := range consoleapi.Patterns() {
		method, path, _ := strings.Cut(route, " ")
		var documented []int
		for _, s := range v.Statuses(method, path) {
			if s < 300 {
				documented = append(documented, s)
			}
		}
		got := slices.Sorted(maps.Keys(seen[route]))
		switch {
		case len(got) == 0:
			t.Errorf("%s: no call gives its answers (add one above)", route)
		case !slices.Equal(got, documented):
			t.Errorf("%s: answers %v, the document gives it %v", route, got, documented)
		}
	}
}

// jsonID reads the "id" member of a JSON object (under member, if not "").
func jsonID(t *testing.T, body []byte, member string) string {
	t.Helper()
	var v map[string]any
	must(t, json.Unmarshal(body, &v))
	if member != "" {
		v, _ = v[member].(map[string]any)
	}
	id, _ := v["id"].(string)
	if id == "" {
		t.Fatalf("no id in %s", body)
	}
	return id
}
