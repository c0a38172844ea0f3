package consoleapi_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// search returns the ids of the customers a search finds.
func (e *env) search(q string) []string {
	e.t.Helper()
	var l list[apiCustomer]
	e.do("GET", "/v1/customers?q="+url.QueryEscape(q), nil).want(e.t, 200, &l)
	var ids []string
	for _, c := range l.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

// Issue 14 item 2: a customer's name, e-mails and phones can be edited, as
// a JSON merge patch, and the search follows.
func TestPatchCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var c apiCustomer
	e.do("PATCH", "/v1/customers/"+carol, map[string]any{"name": "Carol Online", "phones": []string{"(555) 010-0033"}}).want(t, 200, &c)
	if c.Name != "Carol Online" || !slices.Equal(c.Phones, []string{"5550100033"}) || !slices.Equal(c.Emails, []string{"carol@example.com"}) {
		t.Errorf("patched = %+v; want the new name and phone, the e-mail unchanged", c)
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"online", []string{carol}},
		{"offline", nil}, // the old name's look-up is gone
		{"5550100033", []string{carol}},
		{"+1 555 010 0033", []string{carol}},
		{"5550100003", nil}, // and the old phone's
		{"carol@example.com", []string{carol}},
	}
	for _, tt := range tests {
		if got := e.search(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("search %q = %v, want %v", tt.q, got, tt.want)
		}
	}

	// null clears a list; a member left out stays.
	e.do("PATCH", "/v1/customers/"+carol, `{"emails": null}`, "Content-Type", "application/merge-patch+json").want(t, 200, &c)
	if len(c.Emails) != 0 || c.Name != "Carol Online" || len(c.Phones) != 1 {
		t.Errorf("after emails null: %+v", c)
	}
	if got := e.search("carol@example.com"); got != nil {
		t.Errorf("the dropped e-mail still finds %v", got)
	}
	e.do("GET", "/v1/customers/"+carol, nil).want(t, 200, &c)
	if c.Name != "Carol Online" || len(c.Emails) != 0 {
		t.Errorf("GET after patch = %+v", c)
	}

	// Refusals.
	for _, tt := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"no name", `{"name": null}`, 400, "validation_failed"},
		{"blank name", `{"name": "  "}`, 400, "validation_failed"},
		{"bad e-mail", `{"emails": ["not an address"]}`, 400, "validation_failed"},
		{"bad phone", `{"phones": ["12"]}`, 400, "validation_failed"},
		{"wrong type", `{"emails": "a@example.com"}`, 400, "invalid_json"},
		{"handle is its own route", `{"twitter_handle": "carol"}`, 400, "invalid_json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.do("PATCH", "/v1/customers/"+carol, tt.body).wantProblem(t, tt.status, tt.code)
		})
	}
	e.do("PATCH", "/v1/customers/nobody", `{"name": "x"}`).wantProblem(t, 404, "not_found")
}

// Issue 14 item 2: merging moves the other customer's e-mails, phones,
// handle with its follow state, cases and DM conversation to the survivor;
// the merged one answers 404 customer_merged naming the survivor.
func TestMergeCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Alice (made from X, name only) wrote by DM and in a Tweet; Carol is the
	// same person, entered by an agent with e-mail and phone.
	aliceCase, _ := e.inboundCase(alice, support1, "alice_follows", "7401")
	dmCase := &casework.Case{ID: casework.NewID(e.now()), CustomerID: alice, HandleID: support1, Channel: casework.ChannelDM,
		Status: casework.CaseOpen, CreatedAt: e.now(), UpdatedAt: e.now(), LastActivityAt: e.now()}
	must(t, e.store.PutCase(e.ctx, dmCase))
	must(t, e.store.SetDMCase(e.ctx, alice, support1, dmCase.ID, ""))

	var c apiCustomer
	e.do("POST", "/v1/customers/"+carol+"/merge", map[string]string{"from": alice}).want(t, 200, &c)
	if c.ID != carol || c.Name != "Carol Offline" || c.Twitter == nil || c.Twitter.Handle != "alice_follows" ||
		!slices.Equal(c.Emails, []string{"carol@example.com", "alice@example.com"}) ||
		!slices.Equal(c.Phones, []string{"+15550100003", "+15550100001"}) {
		t.Errorf("survivor = %+v", c)
	}
	if i := slices.IndexFunc(c.Follows, func(f apiFollow) bool { return f.HandleID == support1 }); i < 0 || !c.Follows[i].CustomerFollowsBrand {
		t.Errorf("follows = %+v, want Alice's follow of @AcmeSupport", c.Follows)
	}
	var cases list[apiCase]
	e.do("GET", "/v1/cases?customer_id="+carol, nil).want(t, 200, &cases)
	var got []string
	for _, k := range cases.Items {
		got = append(got, k.ID)
	}
	if !slices.Contains(got, aliceCase) || !slices.Contains(got, dmCase.ID) {
		t.Errorf("survivor's cases = %v, want %s and %s", got, aliceCase, dmCase.ID)
	}
	e.do("GET", "/v1/cases?customer_id="+alice, nil).want(t, 200, &cases)
	if len(cases.Items) != 0 {
		t.Errorf("merged customer still has cases %+v", cases.Items)
	}
	if dm, err := e.store.DMCase(e.ctx, carol, support1); err != nil || dm.ID != dmCase.ID {
		t.Errorf("survivor's DM case = %v, %v; want %s", dm, err, dmCase.ID)
	}
	// DM replies now go to the survivor's X account (the follow came along).
	e.do("POST", "/v1/cases/"+dmCase.ID+"/replies", map[string]string{"mode": "dm", "text": "merged"}).want(t, 202, nil)
	e.wantCommands(casework.CmdDM)

	// The merged customer points to the survivor.
	var p struct {
		Code       string `json:"code"`
		MergedInto string `json:"merged_into"`
	}
	e.do("GET", "/v1/customers/"+alice, nil).want(t, 404, &p)
	if p.Code != "customer_merged" || p.MergedInto != carol {
		t.Errorf("merged customer answers %+v, want customer_merged into %s", p, carol)
	}
	e.do("PATCH", "/v1/customers/"+alice, `{"name": "x"}`).wantProblem(t, 404, "customer_merged")
	for q, want := range map[string][]string{
		"alice@example.com": {carol}, "5550100001": {carol}, "@alice_follows": {carol}, "alice_follows": {carol}, "follower": nil,
	} {
		if got := e.search(q); !slices.Equal(got, want) {
			t.Errorf("search %q = %v, want %v", q, got, want)
		}
	}
	if x, err := e.store.CustomerByXUserID(e.ctx, "2000000000000000001"); err != nil || x.ID != carol {
		t.Errorf("X user id look-up = %v, %v; want the survivor", x, err)
	}

	// Asking again is harmless; merging again elsewhere is not.
	e.do("POST", "/v1/customers/"+carol+"/merge", map[string]string{"from": alice}).want(t, 200, &c)
	e.do("POST", "/v1/customers/"+bob+"/merge", map[string]string{"from": alice}).wantProblem(t, 409, "conflict")

	// Two different X accounts are two customers.
	e.do("POST", "/v1/customers/"+bob+"/merge", map[string]string{"from": carol}).wantProblem(t, 422, "customers_have_different_x_accounts")
	e.do("POST", "/v1/customers/"+bob+"/merge", map[string]string{"from": bob}).wantProblem(t, 422, "merge_into_itself")
	e.do("POST", "/v1/customers/"+bob+"/merge", map[string]string{"from": "nobody"}).wantProblem(t, 404, "not_found")
	e.do("POST", "/v1/customers/"+bob+"/merge", map[string]string{}).wantProblem(t, 400, "validation_failed")
	e.do("POST", "/v1/customers/nobody/merge", map[string]string{"from": bob}).wantProblem(t, 404, "not_found")
}

func (e *env) now() time.Time { return time.Now().UTC() }
