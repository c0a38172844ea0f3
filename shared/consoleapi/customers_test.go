package consoleapi_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func TestSearchCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var created apiCustomer
	e.do("POST", "/v1/customers", map[string]any{"name": "Dana National", "phones": []string{"(555) 010-0009"}}).want(t, 201, &created)
	dana := created.ID
	if !slices.Equal(created.Phones, []string{"5550100009"}) {
		t.Errorf("phones = %v, want the digits as written", created.Phones)
	}
	e.do("POST", "/v1/customers", map[string]any{"name": "Edie Abroad", "phones": []string{"+44 20 7946 0958"}}).want(t, 201, &created)
	edie := created.ID
	old := casework.Customer{ID: casework.NewID(time.Now()), Name: "Lee Gacy", Phones: []string{"555-010-0007"}}
	old.Normalize()
	must(t, e.store.PutCustomer(e.ctx, &old))
	legacy := old.ID
	// Issue 21 item 10: names as stored (decomposed, upper case, ß) and
	// as typed (composed, lower case, final sigma) are one name.
	e.do("POST", "/v1/customers", map[string]any{"name": "Zoe\u0308 Quinn"}).want(t, 201, &created)
	zoe := created.ID
	e.do("POST", "/v1/customers", map[string]any{"name": "ΟΔΥΣΣΕΥΣ Λαέρτιος"}).want(t, 201, &created)
	odysseus := created.ID
	e.do("POST", "/v1/customers", map[string]any{"name": "Jörg Straße"}).want(t, 201, &created)
	jorg := created.ID
	tests := []struct {
		q    string
		want []string
	}{
		{"alice@example.com", []string{alice}},
		{"ALICE@Example.COM", []string{alice}},
		{"lice@example.com", nil}, // e-mails match exactly
		{"+1 (555) 010-0002", []string{bob}},
		{"15550100002", []string{bob}},
		{"555 010", nil}, // phones match exactly
		{"car", []string{carol}},
		{"Offl", []string{carol}}, // any word of the name
		{"alice follower", []string{alice}},
		{"alice str", nil}, // every word must match
		{"lice", nil},      // prefix only
		{"ollower", nil},
		{"@bob_stranger", []string{bob}},
		{"@nobody", nil},
		// Issue 14 item 1: phones by the number they are, national or
		// international (default region US); handles without the @.
		{"5550100001", []string{alice}},
		{"(555) 010-0001", []string{alice}},
		{"555-010-0001", []string{alice}},
		{"+1 555 010 0001", []string{alice}},
		{"1 555 010 0001", []string{alice}},
		{"(555) 010-0009", []string{dana}},      // written nationally
		{"+15550100009", []string{dana}},        // ...and found internationally
		{"001 555 010 0009", []string{dana}},    // 00, the international prefix
		{"555 010 0007", []string{legacy}},      // written before phone keys: its digits still find it
		{"+44 20 7946 0958", []string{edie}},    // another country's number
		{"0044 20 7946 0958", []string{edie}},   // ...with 00
		{"011 44 20 7946 0958", []string{edie}}, // ...as dialled from the US
		{"44 20 7946 0958", []string{edie}},     // ...without its +
		{"+555 010 0001", nil},                  // +555... is not a US number: the + is kept
		{"alice_follows", []string{alice}},
		{"Bob_Stranger", []string{bob}},
		{"bob", []string{bob}},
		{"nobody_here", nil},
		{"Zoë", []string{zoe}},          // composed, as typed
		{"zoe\u0308 qu", []string{zoe}}, // decomposed, as stored
		{"ZOË", []string{zoe}},
		{"οδυσσευς", []string{odysseus}}, // final sigma typed as σ
		{"Οδυσσευς", []string{odysseus}}, // ...and as ς
		{"ΟΔΥΣΣ", []string{odysseus}},
		{"λαέρτιος", []string{odysseus}},
		{"STRASSE", []string{jorg}}, // ß folds to ss
		{"jo\u0308rg", []string{jorg}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			var l list[apiCustomer]
			e.do("GET", "/v1/customers?q="+url.QueryEscape(tt.q), nil).want(t, 200, &l)
			var got []string
			for _, c := range l.Items {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("found %v, want %v", got, tt.want)
			}
			if l.Items == nil {
				t.Error("items is null, want []")
			}
		})
	}
	e.do("GET", "/v1/customers?q=", nil).wantProblem(t, 400, "validation_failed")
	e.do("GET", "/v1/customers?q=a&limit=0", nil).wantProblem(t, 400, "validation_failed")

	// Name search pages.
	for _, n := range []string{"Alina One", "Alina Two", "Alina Three"} {
		e.do("POST", "/v1/customers", map[string]any{"name": n}).want(t, 201, nil)
	}
	var p1, p2 list[apiCustomer]
	e.do("GET", "/v1/customers?q=alina&limit=2", nil).want(t, 200, &p1)
	if len(p1.Items) != 2 || p1.NextCursor == nil {
		t.Fatalf("first page = %+v", p1)
	}
	e.do("GET", "/v1/customers?q=alina&limit=2&cursor="+url.QueryEscape(*p1.NextCursor), nil).want(t, 200, &p2)
	if len(p2.Items) != 1 || p2.NextCursor != nil {
		t.Errorf("second page = %+v", p2)
	}
}

func TestCreateAndGetCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var c apiCustomer
	r := e.do("POST", "/v1/customers", map[string]any{
		"name": "  Carol  Online ", "emails": []string{"Carol@Online.example"}, "phones": []string{"+44 20 7946 0000"}, "twitter_handle": "@carol_online",
	})
	r.want(t, 201, &c)
	if r.header.Get("Location") != "/v1/customers/"+c.ID {
		t.Errorf("Location = %q", r.header.Get("Location"))
	}
	if c.Name != "Carol Online" || !slices.Equal(c.Emails, []string{"carol@online.example"}) || !slices.Equal(c.Phones, []string{"+442079460000"}) ||
		c.Twitter == nil || c.Twitter.Handle != "Carol_Online" || c.Twitter.XUserID != "2000000000000000003" {
		t.Errorf("created %+v (twitter %+v)", c, c.Twitter)
	}
	if len(c.Follows) != 2 {
		t.Errorf("follows = %+v, want one per brand handle", c.Follows)
	}

	var got apiCustomer
	e.do("GET", "/v1/customers/"+alice, nil).want(t, 200, &got)
	want := []apiFollow{
		{HandleID: deals2, ScreenName: "AcmeDeals"},
		{HandleID: support1, ScreenName: "AcmeSupport", CustomerFollowsBrand: true},
	}
	if got.Twitter == nil || got.Twitter.Handle != "alice_follows" || !slices.EqualFunc(got.Follows, want, sameFollow) {
		t.Errorf("alice = %+v, follows %+v", got, got.Follows)
	}

	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"no name", map[string]any{"emails": []string{"x@example.com"}}, 400, "validation_failed"},
		{"bad e-mail", map[string]any{"name": "X", "emails": []string{"not mail"}}, 422, "invalid_contact"},
		{"no name and a bad e-mail", map[string]any{"emails": []string{"not mail"}}, 400, "validation_failed"},
		{"bad handle", map[string]any{"name": "X", "twitter_handle": "no-dashes"}, 400, "invalid_handle"},
		{"handle X does not know", map[string]any{"name": "X", "twitter_handle": "ghost_user"}, 422, "twitter_user_not_found"},
		{"handle of another customer", map[string]any{"name": "X", "twitter_handle": "bob_stranger"}, 409, "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.do("POST", "/v1/customers", tt.body).wantProblem(t, tt.status, tt.code)
		})
	}
	e.do("GET", "/v1/customers/nope", nil).wantProblem(t, 404, "not_found")
}

func sameFollow(a, b apiFollow) bool {
	return a.HandleID == b.HandleID && a.ScreenName == b.ScreenName && a.BrandFollowsCustomer == b.BrandFollowsCustomer &&
		a.CustomerFollowsBrand == b.CustomerFollowsBrand && (a.Pending == nil) == (b.Pending == nil) &&
		(a.Pending == nil || *a.Pending == *b.Pending)
}

func TestTwitterHandle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name     string
		customer string
		handle   string
		status   int
		code     string
		xid      string
	}{
		{"invalid", carol, "carol-online", 400, "invalid_handle", ""},
		{"too long", carol, "abcdefghijklmnop", 400, "invalid_handle", ""},
		{"empty", carol, "", 400, "invalid_handle", ""},
		{"unknown on X", carol, "@ghost_user", 422, "twitter_user_not_found", ""},
		{"another customer's", carol, "bob_stranger", 409, "conflict", ""},
		{"unknown customer", "nope", "dave", 404, "not_found", ""},
		{"known", carol, " @carol_online ", 200, "", "2000000000000000003"},
		{"changed", carol, "dave", 200, "", "2000000000000000004"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("PUT", "/v1/customers/"+tt.customer+"/twitter", map[string]string{"handle": tt.handle})
			if tt.code != "" {
				r.wantProblem(t, tt.status, tt.code)
				return
			}
			var c apiCustomer
			r.want(t, 200, &c)
			if c.Twitter == nil || c.Twitter.XUserID != tt.xid {
				t.Fatalf("twitter = %+v, want X user id %s", c.Twitter, tt.xid)
			}
			stored, err := e.store.GetCustomer(e.ctx, tt.customer)
			must(t, err)
			if !stored.HasTwitter() || stored.Twitter.XUserID != tt.xid {
				t.Errorf("stored twitter = %+v", stored.Twitter)
			}
		})
	}

	// Now Carol can have a case; after removing the handle she cannot.
	e.createCase(carol, support1, "@dave hello")
	var c apiCustomer
	e.do("DELETE", "/v1/customers/"+carol+"/twitter", nil).want(t, 200, &c)
	if c.Twitter != nil {
		t.Errorf("twitter after removal = %+v", c.Twitter)
	}
	e.do("POST", "/v1/cases", map[string]string{"customer_id": carol, "handle_id": support1, "text": "@dave hi"}).
		wantProblem(t, 422, "customer_has_no_twitter_handle")

	// Changing Alice's X account forgets who followed whom.
	e.do("PUT", "/v1/customers/"+alice+"/twitter", map[string]string{"handle": "@Carol_Online"}).want(t, 200, &c)
	for _, f := range c.Follows {
		if f.CustomerFollowsBrand || f.BrandFollowsCustomer {
			t.Errorf("follow state kept across X accounts: %+v", f)
		}
	}
}

func TestTwitterLookupUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutXUsers())
	e.do("PUT", "/v1/customers/"+carol+"/twitter", map[string]string{"handle": "carol_online"}).wantProblem(t, 503, "unavailable")
	e.do("POST", "/v1/customers", map[string]any{"name": "X", "twitter_handle": "carol_online"}).wantProblem(t, 503, "unavailable")
	// What needs no lookup still works.
	e.do("POST", "/v1/customers", map[string]any{"name": "X"}).want(t, 201, nil)
	e.do("DELETE", "/v1/customers/"+bob+"/twitter", nil).want(t, 200, nil)
}

func TestFollowAndUnfollow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var f apiFollow
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+deals2, nil).want(t, 202, &f)
	if f.HandleID != deals2 || f.Pending == nil || *f.Pending != "follow" || f.BrandFollowsCustomer {
		t.Errorf("follow = %+v", f)
	}
	cmd := e.wantCommands(casework.CmdFollow)[0]
	if cmd.CustomerID != bob || cmd.HandleID != deals2 || cmd.CaseID != "" {
		t.Errorf("command = %+v", cmd)
	}
	var c apiCustomer
	e.do("GET", "/v1/customers/"+bob, nil).want(t, 200, &c)
	follow := "follow"
	if !slices.EqualFunc(c.Follows, []apiFollow{{HandleID: deals2, ScreenName: "AcmeDeals", Pending: &follow}, {HandleID: support1, ScreenName: "AcmeSupport"}}, sameFollow) {
		t.Errorf("follows = %+v", c.Follows)
	}

	// X confirms (as the inbound worker records it), then the agent unfollows.
	_, err := e.store.SetBrandFollowsCustomer(e.ctx, bob, deals2, true, time.Now())
	must(t, err)
	e.do("DELETE", "/v1/customers/"+bob+"/follows/"+deals2, nil).want(t, 202, &f)
	if f.Pending == nil || *f.Pending != "unfollow" || !f.BrandFollowsCustomer {
		t.Errorf("unfollow = %+v", f)
	}
	e.wantCommands(casework.CmdUnfollow)

	// No-ops answer from the recorded state: 200, nothing sent to X.
	_, err = e.store.SetBrandFollowsCustomer(e.ctx, bob, deals2, false, time.Now())
	must(t, err)
	e.do("DELETE", "/v1/customers/"+bob+"/follows/"+deals2, nil).want(t, 200, &f) // unfollowing twice
	if f.Pending != nil || f.BrandFollowsCustomer {
		t.Errorf("second unfollow = %+v", f)
	}
	e.do("DELETE", "/v1/customers/"+alice+"/follows/"+deals2, nil).want(t, 200, &f) // never followed
	_, err = e.store.SetBrandFollowsCustomer(e.ctx, alice, support1, true, time.Now())
	must(t, err)
	e.do("PUT", "/v1/customers/"+alice+"/follows/"+support1, nil).want(t, 200, &f) // already followed
	if f.Pending != nil || !f.BrandFollowsCustomer {
		t.Errorf("follow of a followed customer = %+v", f)
	}
	e.wantCommands()

	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"no handle", "PUT", "/v1/customers/" + carol + "/follows/" + support1, 422, "customer_has_no_twitter_handle"},
		{"unknown customer", "PUT", "/v1/customers/nope/follows/" + support1, 404, "not_found"},
		{"unknown handle", "DELETE", "/v1/customers/" + bob + "/follows/nope", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.do(tt.method, tt.path, nil).wantProblem(t, tt.status, tt.code)
		})
	}
	e.wantCommands()
}

func TestHandles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var h struct {
		ID         string `json:"id"`
		ScreenName string `json:"screen_name"`
		XUserID    string `json:"x_user_id"`
		Status     string `json:"status"`
	}
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "@AcmeNews", "x_user_id": "1000000000000000003", "credentials_secret": "x/AcmeNews"}).want(t, 201, &h)
	if h.ScreenName != "AcmeNews" || h.Status != "connected" || h.XUserID != "1000000000000000003" {
		t.Errorf("registered %+v", h)
	}
	r := e.do("GET", "/v1/handles", nil)
	var l list[map[string]any]
	r.want(t, 200, &l)
	var names []string
	for _, it := range l.Items {
		names = append(names, it["screen_name"].(string))
		if _, leaked := it["credentials_secret"]; leaked {
			t.Errorf("credentials secret in the answer: %v", it)
		}
	}
	if !slices.Equal(names, []string{"AcmeDeals", "AcmeNews", "AcmeSupport"}) {
		t.Errorf("handles = %v", names)
	}
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "Other", "x_user_id": "1000000000000000003", "credentials_secret": "s"}).wantProblem(t, 409, "conflict")
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "bad name", "x_user_id": "1", "credentials_secret": "s"}).wantProblem(t, 400, "invalid_handle")
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "ok", "x_user_id": "12a"}).wantProblem(t, 400, "validation_failed")
}

// TestContactDataIsRefusedNotDropped: a phone that is not one ("abc"
// vanished from the created customer) or a bad e-mail is refused with a
// field error per bad entry, and the counts are capped (4,800 e-mail
// addresses were taken); nothing is stored.
func TestContactDataIsRefusedNotDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	many := func(n int, f string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	tests := []struct {
		name   string
		emails []string
		phones []string
		fields []string
	}{
		{"a phone with no digits", nil, []string{"abc"}, []string{"phones[0]"}},
		{"letters among the digits", nil, []string{"+1 555 010 0001", "call 5550100"}, []string{"phones[1]"}},
		{"a blank phone", nil, []string{"  "}, []string{"phones[0]"}},
		{"too few digits", nil, []string{"1234"}, []string{"phones[0]"}},
		{"too many digits", nil, []string{"+1 555 010 0001 00023"}, []string{"phones[0]"}},
		{"a phone too long as typed", nil, []string{"+1 " + strings.Repeat("-", 40) + "5550100001"}, []string{"phones[0]"}},
		{"a bad e-mail and a bad phone", []string{"ok@example.com", "bob at example"}, []string{"555-0100", "x"}, []string{"emails[1]", "phones[1]"}},
		{"an empty e-mail", []string{""}, nil, []string{"emails[0]"}},
		{"an e-mail too long", []string{strings.Repeat("a", 250) + "@example.com"}, nil, []string{"emails[0]"}},
		{"4,800 e-mails", many(4800, "a%d@x.io"), nil, []string{"emails"}},
		{"21 phones", nil, many(21, "+1 555 010 %04d"), []string{"phones"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.do("POST", "/v1/customers", map[string]any{"name": "Dana " + tt.name, "emails": tt.emails, "phones": tt.phones}).
				wantProblem(t, 422, "invalid_contact")
			var names []string
			for _, f := range p.Fields {
				names = append(names, f.Name)
			}
			if !slices.Equal(names, tt.fields) {
				t.Errorf("fields %v, want %v", names, tt.fields)
			}
			var found list[apiCustomer]
			e.do("GET", "/v1/customers?q=dana", nil).want(t, 200, &found)
			if len(found.Items) != 0 {
				t.Errorf("a refused customer was stored: %+v", found.Items)
			}
		})
	}
	// The limits themselves are taken, and phones are kept as their digits.
	var c apiCustomer
	e.do("POST", "/v1/customers", map[string]any{"name": "Erin Max", "emails": many(20, "e%d@x.io"),
		"phones": append(many(19, "+44 20 7946 %04d"), "(555) 010.0001")}).want(t, 201, &c)
	if len(c.Emails) != 20 || len(c.Phones) != 20 || c.Phones[19] != "5550100001" {
		t.Errorf("created %d e-mails, %d phones %v", len(c.Emails), len(c.Phones), c.Phones)
	}
}
