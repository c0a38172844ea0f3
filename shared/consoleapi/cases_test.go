package consoleapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
)

// mention returns a text that mentions @alice_follows and weighs exactly n
// under the v3 rules ("@alice_follows " is 15, the rest is ASCII).
func mention(n int) string {
	return "@alice_follows " + strings.Repeat("a", n-15)
}

func TestCreateCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, m := e.createCase(alice, support1, "@alice_follows we saw your question")
	if c.Status != "open" || c.Channel != "tweet" || c.CustomerID != alice || c.HandleID != support1 {
		t.Errorf("case = %+v", c)
	}
	if m.Status != "queued" || m.Direction != "out" || m.Kind != "tweet" || m.CaseID != c.ID ||
		m.Author.HandleID != support1 || m.Author.ScreenName != "AcmeSupport" || m.XID != nil {
		t.Errorf("message = %+v", m)
	}
	cmds := e.wantCommands(casework.CmdTweet)
	if got := cmds[0]; got.CaseID != c.ID || got.MessageID != m.ID || got.HandleID != support1 {
		t.Errorf("command = %+v", got)
	}

	// The case and its message are there at once.
	var got struct {
		Case     apiCase      `json:"case"`
		Messages []apiMessage `json:"messages"`
	}
	e.do("GET", "/v1/cases/"+c.ID, nil).want(t, 200, &got)
	if got.Case.ID != c.ID || len(got.Messages) != 1 || got.Messages[0].ID != m.ID || got.Messages[0].Status != "queued" {
		t.Errorf("GET case = %+v", got)
	}
}

func TestCreateCaseRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	disconnected := casework.BrandHandle{ID: "01JDTESTHANDLE0000000000DX", ScreenName: "AcmeOld", XUserID: "1000000000000000009",
		CredentialsSecret: "s", Status: casework.HandleDisconnected}
	must(t, e.store.PutHandle(e.ctx, &disconnected))
	tests := []struct {
		name     string
		body     map[string]string
		status   int
		code     string
		field    string
		weighted int
	}{
		{"no twitter handle", map[string]string{"customer_id": carol, "handle_id": support1, "text": "@carol hi"}, 422, "customer_has_no_twitter_handle", "", 0},
		{"unknown customer", map[string]string{"customer_id": "nobody", "handle_id": support1, "text": "@x hi"}, 404, "not_found", "", 0},
		{"no customer", map[string]string{"handle_id": support1, "text": "@x hi"}, 400, "validation_failed", "customer_id", 0},
		{"empty", map[string]string{"customer_id": alice, "handle_id": support1, "text": ""}, 400, "validation_failed", "text", 0}, // missing: malformed (issue 14 item 7)
		{"white space", map[string]string{"customer_id": alice, "handle_id": support1, "text": " \n\t "}, 422, "text_empty", "text", 0},
		{"only the prefill", map[string]string{"customer_id": bob, "handle_id": support1, "text": "@bob_stranger "}, 422, "text_empty", "text", 0},
		{"only mentions", map[string]string{"customer_id": alice, "handle_id": support1, "text": "@alice_follows @AcmeSupport"}, 422, "text_empty", "text", 0},
		{"141 weighted", map[string]string{"customer_id": alice, "handle_id": support1, "text": mention(141)}, 422, "text_too_long", "text", 141},
		{"customer not mentioned", map[string]string{"customer_id": alice, "handle_id": support1, "text": "hello there"}, 422, "customer_not_mentioned", "text", 0},
		{"someone else mentioned", map[string]string{"customer_id": alice, "handle_id": support1, "text": "@bob_stranger hi"}, 422, "customer_not_mentioned", "text", 0},
		{"handle disconnected", map[string]string{"customer_id": alice, "handle_id": disconnected.ID, "text": "@alice_follows hi"}, 422, "handle_disconnected", "", 0},
		{"unknown handle", map[string]string{"customer_id": alice, "handle_id": "nope", "text": "@alice_follows hi"}, 404, "not_found", "", 0},
		{"several handles, none chosen", map[string]string{"customer_id": alice, "text": "@alice_follows hi"}, 422, "brand_handle_required", "handle_id", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.do("POST", "/v1/cases", tt.body).wantProblem(t, tt.status, tt.code)
			if tt.field != "" && (len(p.Fields) == 0 || p.Fields[0].Name != tt.field) {
				t.Errorf("fields = %+v, want %s", p.Fields, tt.field)
			}
			if tt.weighted != 0 && (p.WeightedLength == nil || *p.WeightedLength != tt.weighted || p.MaxLength == nil || *p.MaxLength != 140) {
				t.Errorf("problem = %+v, want weighted_length %d, max_length 140", p, tt.weighted)
			}
		})
	}
	e.wantCommands() // nothing was queued
	for _, c := range []string{alice, bob} {
		var cases list[apiCase]
		e.do("GET", "/v1/cases?customer_id="+c, nil).want(t, 200, &cases)
		if len(cases.Items) != 0 {
			t.Errorf("refused requests left cases: %+v", cases.Items)
		}
	}
	// The counter says the same of the prefill alone.
	var count struct {
		Valid bool `json:"valid"`
	}
	e.do("POST", "/v1/text/count", map[string]string{"text": "@bob_stranger ", "mode": "mention"}).want(t, 200, &count)
	if count.Valid {
		t.Error("the counter calls the prefill alone valid")
	}
}

func TestCreateCaseDefaultsToTheOnlyHandle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHandles(1))
	var out struct {
		Case apiCase `json:"case"`
	}
	e.do("POST", "/v1/cases", map[string]string{"customer_id": bob, "text": "@bob_stranger hello"}).want(t, 201, &out)
	if out.Case.HandleID != support1 {
		t.Errorf("handle = %s, want the only one %s", out.Case.HandleID, support1)
	}
}

// TestTweetLimits checks the counter and the server's judgement agree, at
// the default limit and at a deployment's 280.
func TestTweetLimits(t *testing.T) {
	t.Parallel()
	e140 := newEnv(t)
	e280 := newEnv(t, withTweetMax(280))
	cjk := func(n int) string { return "@alice_follows " + strings.Repeat("漢", n) }
	tests := []struct {
		name     string
		e        *env
		text     string
		weighted int
		ok       bool
	}{
		{"140 at 140", e140, mention(140), 140, true},
		{"141 at 140", e140, mention(141), 141, false},
		{"141 at 280", e280, mention(141), 141, true},
		{"281 at 280", e280, mention(281), 281, false},
		// 15 + 2 per CJK character: 62 of them make 139, 63 make 141.
		{"CJK 139", e140, cjk(62), 139, true},
		{"CJK 141", e140, cjk(63), 141, false},
		// An emoji (even a ZWJ family) weighs 2; a URL 23.
		{"emoji", e140, "@alice_follows " + strings.Repeat("👩‍👩‍👧", 62), 139, true},
		{"emoji over", e140, "@alice_follows " + strings.Repeat("😀", 63), 141, false},
		{"url", e140, "@alice_follows https://example.com/" + strings.Repeat("x", 300) + " " + strings.Repeat("a", 101), 140, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var count struct {
				WeightedLength int  `json:"weighted_length"`
				MaxLength      int  `json:"max_length"`
				Valid          bool `json:"valid"`
			}
			tt.e.do("POST", "/v1/text/count", map[string]string{"text": tt.text, "mode": "mention"}).want(t, 200, &count)
			if count.WeightedLength != tt.weighted || count.Valid != tt.ok || count.MaxLength != tt.e.tweetMax(t) {
				t.Errorf("count = %+v, want %d valid %v", count, tt.weighted, tt.ok)
			}
			r := tt.e.do("POST", "/v1/cases", map[string]string{"customer_id": alice, "handle_id": support1, "text": tt.text})
			if tt.ok {
				r.want(t, 201, nil)
			} else {
				p := r.wantProblem(t, 422, "text_too_long")
				if *p.WeightedLength != tt.weighted || *p.MaxLength != count.MaxLength {
					t.Errorf("problem = %s", r.body)
				}
			}
		})
	}
}

// tweetMax asks the counter for the mention limit.
func (e *env) tweetMax(t *testing.T) int {
	var count struct {
		MaxLength int `json:"max_length"`
	}
	e.do("POST", "/v1/text/count", map[string]string{"text": "x"}).want(t, 200, &count)
	return count.MaxLength
}

func TestTextCountModes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		body     string
		status   int
		weighted int
		max      int
		valid    bool
	}{
		{`{"text":"","mode":"mention"}`, 200, 0, 140, false},
		{`{"text":"   ","mode":"dm"}`, 200, 3, 10000, false},
		{`{"text":"` + strings.Repeat("漢", 10000) + `","mode":"dm"}`, 200, 10000, 10000, true},
		{`{"text":"` + strings.Repeat("a", 10001) + `","mode":"dm"}`, 200, 10001, 10000, false},
		{`{"text":"hi"}`, 200, 2, 140, true},
		{`{"text":"hi","mode":"fax"}`, 400, 0, 0, false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			r := e.do("POST", "/v1/text/count", tt.body)
			if tt.status != 200 {
				r.wantProblem(t, tt.status, "validation_failed")
				return
			}
			var c struct {
				WeightedLength int  `json:"weighted_length"`
				MaxLength      int  `json:"max_length"`
				Valid          bool `json:"valid"`
			}
			r.want(t, 200, &c)
			if c.WeightedLength != tt.weighted || c.MaxLength != tt.max || c.Valid != tt.valid {
				t.Errorf("count = %+v", c)
			}
		})
	}
}

func TestCaseListNewestFirstAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ids []string
	for i := range 5 {
		c, _ := e.createCase(alice, support1, fmt.Sprintf("@alice_follows number %d", i))
		ids = append(ids, c.ID)
	}
	e.createCase(bob, support1, "@bob_stranger not yours")
	slices.Reverse(ids) // newest first

	var got []string
	path := "/v1/cases?customer_id=" + alice + "&limit=2"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more pages than cases")
		}
		var l list[apiCase]
		e.do("GET", path, nil).want(t, 200, &l)
		for _, c := range l.Items {
			got = append(got, c.ID)
		}
		if l.NextCursor == nil {
			if pages != 2 {
				t.Errorf("%d pages, want 3", pages+1)
			}
			break
		}
		path = "/v1/cases?customer_id=" + alice + "&limit=2&cursor=" + *l.NextCursor
	}
	if !slices.Equal(got, ids) {
		t.Errorf("cases %v, want newest first %v", got, ids)
	}

	// A reply is activity: that case moves to the front.
	e.do("POST", "/v1/cases/"+ids[4]+"/replies", map[string]string{"mode": "mention", "text": "@alice_follows more"}).want(t, 202, nil)
	var l list[apiCase]
	e.do("GET", "/v1/cases?status=open&limit=1", nil).want(t, 200, &l)
	if len(l.Items) != 1 || l.Items[0].ID != ids[4] || l.NextCursor == nil {
		t.Errorf("open cases = %+v, want %s first and more to come", l, ids[4])
	}

	// The raw JSON: a last page has no next_cursor at all.
	r := e.do("GET", "/v1/cases?customer_id="+bob, nil)
	var raw map[string]json.RawMessage
	r.want(t, 200, &raw)
	if _, ok := raw["next_cursor"]; ok {
		t.Errorf("last page carries next_cursor: %s", r.body)
	}

	for _, bad := range []string{"limit=0", "limit=201", "limit=abc", "limit=", "status=archived", "cursor=garbage"} {
		e.do("GET", "/v1/cases?customer_id="+alice+"&"+bad, nil).wantProblem(t, 400, "validation_failed")
	}
	e.do("GET", "/v1/cases", nil).wantProblem(t, 400, "validation_failed")
	e.do("GET", "/v1/cases?customer_id="+alice+"&limit=200", nil).want(t, 200, nil)
}

func TestCaseMessagesPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, first := e.inboundCase(bob, support1, "bob_stranger", "5001")
	var want = []string{first}
	for i := range 4 {
		want = append(want, e.addMessage(caseID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindTweet,
			Status: casework.StatusReceived, XID: fmt.Sprint(5002 + i), Text: "more", Author: casework.Author{CustomerID: bob, ScreenName: "bob_stranger"}}))
	}
	var got struct {
		Case       apiCase      `json:"case"`
		Messages   []apiMessage `json:"messages"`
		NextCursor *string      `json:"next_cursor"`
	}
	e.do("GET", "/v1/cases/"+caseID+"?limit=2", nil).want(t, 200, &got)
	if got.Case.Status != "new" || len(got.Messages) != 2 || got.NextCursor == nil {
		t.Fatalf("GET case = %+v", got)
	}
	ids := []string{got.Messages[0].ID, got.Messages[1].ID}
	cursor := *got.NextCursor
	for cursor != "" {
		var l list[apiMessage]
		e.do("GET", "/v1/cases/"+caseID+"/messages?limit=2&cursor="+cursor, nil).want(t, 200, &l)
		for _, m := range l.Items {
			ids = append(ids, m.ID)
		}
		cursor = ""
		if l.NextCursor != nil {
			cursor = *l.NextCursor
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("messages %v, want oldest first %v", ids, want)
	}
	e.do("GET", "/v1/cases/nope/messages", nil).wantProblem(t, 404, "not_found")
	e.do("GET", "/v1/cases/nope", nil).wantProblem(t, 404, "not_found")
}

// Issue 14 item 9: ?order=desc reads a long case from its end, newest
// first, page by page; the case's own first page takes it too.
func TestCaseMessagesNewestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, first := e.inboundCase(bob, support1, "bob_stranger", "5101")
	var oldestFirst = []string{first}
	for i := range 4 {
		oldestFirst = append(oldestFirst, e.addMessage(caseID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindTweet,
			Status: casework.StatusReceived, XID: fmt.Sprint(5102 + i), Text: "more", Author: casework.Author{CustomerID: bob, ScreenName: "bob_stranger"}}))
	}
	newestFirst := slices.Clone(oldestFirst)
	slices.Reverse(newestFirst)

	read := func(path string) []string {
		t.Helper()
		var ids []string
		for path != "" {
			var l list[apiMessage]
			e.do("GET", path, nil).want(t, 200, &l)
			if len(l.Items) > 2 {
				t.Fatalf("%s: %d items on a page of 2", path, len(l.Items))
			}
			for _, m := range l.Items {
				ids = append(ids, m.ID)
			}
			path = ""
			if l.NextCursor != nil {
				path = "/v1/cases/" + caseID + "/messages?order=desc&limit=2&cursor=" + *l.NextCursor
			}
		}
		return ids
	}
	if got := read("/v1/cases/" + caseID + "/messages?order=desc&limit=2"); !slices.Equal(got, newestFirst) {
		t.Errorf("order=desc: %v, want newest first %v", got, newestFirst)
	}
	var l list[apiMessage]
	e.do("GET", "/v1/cases/"+caseID+"/messages?order=asc", nil).want(t, 200, &l)
	if len(l.Items) != 5 || l.Items[0].ID != first {
		t.Errorf("order=asc: %+v, want oldest first", l.Items)
	}

	var got struct {
		Messages   []apiMessage `json:"messages"`
		NextCursor *string      `json:"next_cursor"`
	}
	e.do("GET", "/v1/cases/"+caseID+"?order=desc&limit=1", nil).want(t, 200, &got)
	if len(got.Messages) != 1 || got.Messages[0].ID != newestFirst[0] || got.NextCursor == nil {
		t.Errorf("GET case ?order=desc&limit=1 = %+v, want %s and a cursor", got, newestFirst[0])
	}

	p := e.do("GET", "/v1/cases/"+caseID+"/messages?order=newest", nil).wantProblem(t, 400, "validation_failed")
	if len(p.Fields) != 1 || p.Fields[0].Name != "order" {
		t.Errorf("fields = %+v, want order", p.Fields)
	}
}

func TestPatchCaseStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, _ := e.createCase(alice, support1, "@alice_follows hi")
	tests := []struct {
		status string
		code   int
		err    string
	}{
		{"pending", 200, ""},
		{"resolved", 200, ""},
		{"pending", 422, "invalid_status_transition"},
		{"closed", 200, ""},
		{"closed", 200, ""}, // staying is allowed
		{"new", 422, "invalid_status_transition"},
		{"open", 200, ""},
		{"archived", 400, "validation_failed"},
	}
	for _, tt := range tests {
		r := e.do("PATCH", "/v1/cases/"+c.ID, map[string]string{"status": tt.status})
		if tt.err != "" {
			r.wantProblem(t, tt.code, tt.err)
			continue
		}
		var out apiCase
		r.want(t, 200, &out)
		if out.Status != tt.status || out.ID != c.ID {
			t.Errorf("case = %+v, want status %s", out, tt.status)
		}
	}
	e.do("PATCH", "/v1/cases/nope", map[string]string{"status": "open"}).wantProblem(t, 404, "not_found")
	e.do("PATCH", "/v1/cases/"+c.ID, `{"state":"open"}`).wantProblem(t, 400, "invalid_json")
}
