package consoleapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
)

// Issue 14 item 7: one error convention. A malformed request is 400 with
// every bad field listed; a path served with other methods is 405 with
// Allow; a rule's refusal is 422 and says what it refuses in good English.
func TestOneErrorConvention(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.do("POST", "/v1/cases", map[string]any{}).wantProblem(t, 400, "validation_failed")
	var names []string
	for _, f := range p.Fields {
		names = append(names, f.Name+":"+f.Code)
	}
	if want := []string{"customer_id:required", "text:required"}; !slices.Equal(names, want) {
		t.Errorf("POST /v1/cases {}: fields %v, want %v", names, want)
	}
	// A reply names every malformed member too.
	p = e.do("POST", "/v1/cases/"+alice+"/replies", map[string]any{"mode": "fax"}).wantProblem(t, 400, "validation_failed")
	if got, want := fieldNames(p), []string{"mode:invalid", "text:required"}; !slices.Equal(got, want) {
		t.Errorf("reply {mode: fax}: fields %v, want %v", got, want)
	}
	// So does a body with unknown members or members of the wrong type.
	p = e.do("POST", "/v1/cases", `{"customer":"x","txt":"hi","handle_id":5}`).wantProblem(t, 400, "invalid_json")
	if got, want := fieldNames(p), []string{"customer:unknown", "handle_id:invalid_type", "txt:unknown"}; !slices.Equal(got, want) {
		t.Errorf("POST /v1/cases with bad members: fields %v, want %v", got, want)
	}

	for _, tt := range []struct{ method, path, allow string }{
		{"PUT", "/v1/customers", "GET, HEAD, POST"},
		{"DELETE", "/v1/customers/" + alice, "GET, HEAD, PATCH"},
		{"POST", "/v1/cases/" + alice + "/messages", "GET, HEAD"},
	} {
		r := e.doUnchecked(tt.method, tt.path, nil)
		r.wantProblem(t, 405, "method_not_allowed")
		if got := r.header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
	e.doUnchecked("GET", "/v1/nowhere", nil).wantProblem(t, 404, "not_found")

	c, _ := e.createCase(alice, support1, "@alice_follows hello")
	e.wantCommands("tweet")
	p = e.do("PATCH", "/v1/cases/"+c.ID, map[string]string{"status": "new"}).wantProblem(t, 422, "invalid_status_transition")
	if p.Detail != "An open case cannot become new." {
		t.Errorf("detail %q, want An open case cannot become new.", p.Detail)
	}
}

// Issue 14 item 7: on every console route, a query parameter the route
// does not take (or one given twice) is 400 validation_failed naming it,
// before anything else is read; the parameters a route takes are exactly
// the ones the OpenAPI document gives it.
func TestUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v, err := openapitest.Default()
	must(t, err)
	ids := strings.NewReplacer("{id}", alice, "{message_id}", alice, "{handle_id}", support1)
	for _, route := range consoleapi.Patterns() {
		method, path, _ := strings.Cut(route, " ")
		if !strings.HasPrefix(path, "/v1/") {
			continue // the health check is no console route
		}
		takes := consoleapi.QueryParameters(route)
		if doc := v.QueryParameters(method, path); !slices.Equal(takes, doc) {
			t.Errorf("%s takes %v, the document gives it %v", route, takes, doc)
		}
		t.Run(route, func(t *testing.T) {
			p := e.do(method, ids.Replace(path)+"?stauts=open&limt=5", nil).wantProblem(t, 400, "validation_failed")
			if got := fieldNames(p); !slices.Equal(got, []string{"limt:unknown", "stauts:unknown"}) {
				t.Errorf("fields %v, want limt and stauts unknown", got)
			}
			for _, name := range takes {
				p := e.do(method, ids.Replace(path)+"?"+name+"=a&"+name+"=b", nil).wantProblem(t, 400, "validation_failed")
				if got := fieldNames(p); !slices.Equal(got, []string{name + ":repeated"}) {
					t.Errorf("?%s twice: fields %v", name, got)
				}
			}
		})
	}
	// A parameter whose percent-encoding is broken is named, not dropped:
	// the list would otherwise answer its first page as if no cursor had
	// been given.
	for path, want := range map[string][]string{
		"/v1/cases?status=open&cursor=%%%": {"cursor:invalid"},
		"/v1/cases?status=open&limit=%zz":  {"limit:invalid"},
		"/v1/customers?q=alice;limit=5":    {"q:invalid"},
		"/v1/handles?%zz=1":                {"%zz:invalid"},
	} {
		p := e.doUnchecked("GET", path, nil).wantProblem(t, 400, "validation_failed")
		if got := fieldNames(p); !slices.Equal(got, want) {
			t.Errorf("GET %s: fields %v, want %v", path, got, want)
		}
	}
	// The parameters a route takes still work.
	e.do("GET", "/v1/handles?limit=5", nil).want(t, 200, nil)
	e.do("GET", "/v1/cases/"+alice+"/messages?cursor=x&limit=0", nil).wantProblem(t, 400, "validation_failed")
}

func fieldNames(p problem) []string {
	var out []string
	for _, f := range p.Fields {
		out = append(out, f.Name+":"+f.Code)
	}
	return out
}

// Issue 14 item 7: a well-formed request the product's rules refuse is 422
// under the rule's own code, naming the member it refuses; an id in a body
// that names nothing is 404 not_found, as one in a path is.
func TestRuleRefusalsAre422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, tweet := e.inboundCase(alice, support1, "alice_follows", "9001")
	dm := e.addMessage(caseID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindDM, Status: casework.StatusReceived,
		XID: "9002", Text: "dm", Author: casework.Author{CustomerID: alice, ScreenName: "alice_follows"}})
	started, _ := e.createCase(bob, support1, "@bob_stranger hello")
	e.wantCommands("tweet")
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		code, field        string
	}{
		{"first Tweet without the customer", "POST", "/v1/cases", map[string]string{"customer_id": alice, "handle_id": support1, "text": "hello there"}, 422, "customer_not_mentioned", "text"},
		{"no brand handle chosen among several", "POST", "/v1/cases", map[string]string{"customer_id": alice, "text": "@alice_follows hi"}, 422, "brand_handle_required", "handle_id"},
		{"reply under the brand's Tweet without the customer", "POST", "/v1/cases/" + started.ID + "/replies", map[string]string{"mode": "mention", "text": "more"}, 422, "customer_not_mentioned", "text"},
		{"reply to a DM by mention", "POST", "/v1/cases/" + caseID + "/replies", map[string]string{"mode": "mention", "text": "@alice_follows hi", "in_reply_to_message_id": dm}, 422, "invalid_reply_target", "in_reply_to_message_id"},
		{"reply to no message", "POST", "/v1/cases/" + caseID + "/replies", map[string]string{"mode": "mention", "text": "hi", "in_reply_to_message_id": "01JDNOSUCHMESSAGE000000000"}, 404, "not_found", "in_reply_to_message_id"},
		{"merge into itself", "POST", "/v1/customers/" + alice + "/merge", map[string]string{"from": alice}, 422, "merge_into_itself", "from"},
		{"merge no customer", "POST", "/v1/customers/" + alice + "/merge", map[string]string{"from": "01JDNOSUCHCUSTOMER00000000"}, 404, "not_found", "from"},
		{"text too long", "POST", "/v1/cases/" + caseID + "/replies", map[string]string{"mode": "mention", "text": strings.Repeat("a", 141)}, 422, "text_too_long", "text"},
		{"only mentions", "POST", "/v1/cases", map[string]string{"customer_id": bob, "handle_id": support1, "text": "@bob_stranger "}, 422, "text_empty", "text"},
		{"DM to a stranger", "POST", "/v1/cases/" + started.ID + "/replies", map[string]string{"mode": "dm", "text": "hi"}, 422, "dm_not_allowed", ""},
		{"status back to new", "PATCH", "/v1/cases/" + started.ID, map[string]string{"status": "new"}, 422, "invalid_status_transition", ""},
		{"Retweet of the customer's Tweet", "PUT", retweetPath(caseID, tweet, support1), nil, 202, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.body)
			if tt.code == "" {
				r.want(t, tt.status, nil)
				return
			}
			p := r.wantProblem(t, tt.status, tt.code)
			if tt.field != "" && !slices.ContainsFunc(p.Fields, func(f casework.FieldError) bool { return f.Name == tt.field }) {
				t.Errorf("fields %v do not name %s", p.Fields, tt.field)
			}
		})
	}
	e.commands()
}

// Issue 21 item 12: bad bytes are refused the same way everywhere. A body
// that is not UTF-8 (or escapes a lone surrogate) is 400 invalid_json on
// every route that takes one, as at the webhook, and nothing is written;
// a control character in a name is a field error; one in a Post's text is
// removed from what is stored.
func TestBadBytesAreRefusedAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, _ := e.createCase(alice, support1, "@alice_follows hello")
	e.wantCommands("tweet")
	bodies := map[string]string{
		"not UTF-8":            "\xff\xfe",
		"lone high surrogate":  `\ud800`,
		"lone low surrogate":   `\udc00`,
		"high then not a pair": `\ud83dx`,
	}
	routes := []struct{ method, path, body string }{
		{"POST", "/v1/customers", `{"name":"Zed %s"}`},
		{"PATCH", "/v1/customers/" + carol, `{"name":"Zed %s"}`},
		{"POST", "/v1/cases", `{"customer_id":"` + alice + `","handle_id":"` + support1 + `","text":"@alice_follows %s"}`},
		{"POST", "/v1/cases/" + c.ID + "/replies", `{"mode":"mention","text":"@alice_follows %s"}`},
		{"PATCH", "/v1/cases/" + c.ID, `{"status":"open%s"}`},
		{"POST", "/v1/text/count", `{"text":"%s","mode":"mention"}`},
	}
	for name, bad := range bodies {
		for _, rt := range routes {
			body := strings.Replace(rt.body, "%s", bad, 1)
			key := "bad-bytes-" + strings.ReplaceAll(name, " ", "-")
			e.doUnchecked(rt.method, rt.path, body, "Idempotency-Key", key).wantProblem(t, 400, "invalid_json")
		}
	}
	// A query value that is not UTF-8 is a field error, not a search for U+FFFD.
	for _, path := range []string{"/v1/customers?q=Zo%FF", "/v1/cases?customer_id=" + alice + "&status=op%C3"} {
		p := e.doUnchecked("GET", path, nil).wantProblem(t, 400, "validation_failed")
		if got := fieldNames(p); len(got) != 1 || !strings.HasSuffix(got[0], ":invalid") {
			t.Errorf("GET %s: fields %v, want the parameter invalid", path, got)
		}
	}
	var found list[apiCustomer]
	e.do("GET", "/v1/customers?q=zed", nil).want(t, 200, &found)
	if len(found.Items) != 0 {
		t.Errorf("a refused body made customers %+v", found.Items)
	}
	e.wantCommands() // and sent nothing
	// A valid surrogate pair, or an escaped backslash before "ud800", is text.
	e.do("POST", "/v1/text/count", `{"text":"\ud83d\ude42 \\ud800","mode":"mention"}`).want(t, 200, nil)

	// Control characters in a name: a field error, the name not written.
	for _, name := range []string{"Ann\u0000Lee", "Ann\u001b[31mLee", "Ann\rLee", "Ann\u007fLee"} {
		p := e.do("POST", "/v1/customers", map[string]any{"name": name}).wantProblem(t, 400, "validation_failed")
		if got := fieldNames(p); !slices.Equal(got, []string{"name:invalid"}) {
			t.Errorf("name %q: fields %v, want [name:invalid]", name, got)
		}
		e.do("PATCH", "/v1/customers/"+carol, map[string]any{"name": name}).wantProblem(t, 400, "validation_failed")
	}
	var ann apiCustomer
	e.do("POST", "/v1/customers", map[string]any{"name": "Ann\tLee\nJr"}).want(t, 201, &ann)
	if ann.Name != "Ann Lee Jr" {
		t.Errorf("name %q, want tab and newline read as spaces: Ann Lee Jr", ann.Name)
	}

	// Control characters in a Post's text are removed, and counted as removed.
	var created struct {
		Message apiMessage `json:"message"`
	}
	e.do("POST", "/v1/cases", map[string]any{"customer_id": alice, "handle_id": support1, "text": "@alice_follows a\u0000b\u001bc\r\nd\te"}).want(t, 201, &created)
	if want := "@alice_follows abc\nd\te"; created.Message.Text != want {
		t.Errorf("case text %q, want %q", created.Message.Text, want)
	}
	var reply struct {
		Message apiMessage `json:"message"`
	}
	e.do("POST", "/v1/cases/"+c.ID+"/replies", map[string]any{"mode": "mention", "text": "@alice_follows ok\u0000!"}).want(t, 202, &reply)
	if want := "@alice_follows ok!"; reply.Message.Text != want {
		t.Errorf("reply text %q, want %q", reply.Message.Text, want)
	}
	var count struct {
		WeightedLength int `json:"weighted_length"`
	}
	e.do("POST", "/v1/text/count", map[string]any{"text": "ab\u0000\u0001", "mode": "mention"}).want(t, 200, &count)
	if count.WeightedLength != 2 {
		t.Errorf("weighted length %d, want 2 (the controls removed, as the server stores the text)", count.WeightedLength)
	}
}
