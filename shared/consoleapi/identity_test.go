package consoleapi_test

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// apiCustomerHistory is a customer with the screen names it had before.
type apiCustomerHistory struct {
	apiCustomer
	PreviousHandles []string `json:"previous_handles"`
}

// Issue 10 item 8, the agent's side: a handle an agent sets that X says now
// belongs to another X account is taken from the customer who held it stale.
func TestRecycledHandleSetByAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// X passed bob_stranger and alice_follows on to new accounts.
	e.xusers.mu.Lock()
	e.xusers.users["bob_stranger"] = casework.XUser{ID: "2000000000000000009", Username: "bob_stranger"}
	e.xusers.users["alice_follows"] = casework.XUser{ID: "2000000000000000010", Username: "Alice_Follows"}
	e.xusers.mu.Unlock()

	var c apiCustomerHistory
	e.do("PUT", "/v1/customers/"+carol+"/twitter", map[string]string{"handle": "@bob_stranger"}).want(t, 200, &c)
	if c.Twitter == nil || c.Twitter.XUserID != "2000000000000000009" || len(c.PreviousHandles) != 0 {
		t.Fatalf("carol = %+v, twitter %+v", c, c.Twitter)
	}
	var b apiCustomerHistory
	e.do("GET", "/v1/customers/"+bob, nil).want(t, 200, &b)
	if b.Twitter != nil || !slices.Equal(b.PreviousHandles, []string{"bob_stranger"}) {
		t.Errorf("bob = twitter %+v, previous %v; want no handle, bob_stranger before", b.Twitter, b.PreviousHandles)
	}
	var found list[apiCustomerHistory]
	e.do("GET", "/v1/customers?q=%40bob_stranger", nil).want(t, 200, &found)
	if len(found.Items) != 1 || found.Items[0].ID != carol {
		t.Errorf("@bob_stranger finds %+v, want carol", found.Items)
	}
	// Bob has no handle X would deliver to now: no new Tweet to him.
	e.do("POST", "/v1/cases", map[string]string{"customer_id": bob, "handle_id": support1, "text": "@bob_stranger hi"}).
		wantProblem(t, 422, "customer_has_no_twitter_handle")

	// The same when a new customer is created with the handle.
	var n apiCustomerHistory
	e.do("POST", "/v1/customers", map[string]any{"name": "New Alice", "twitter_handle": "alice_follows"}).want(t, 201, &n)
	if n.Twitter == nil || n.Twitter.XUserID != "2000000000000000010" || n.Twitter.Handle != "Alice_Follows" {
		t.Errorf("new customer twitter = %+v", n.Twitter)
	}
	var a apiCustomerHistory
	e.do("GET", "/v1/customers/"+alice, nil).want(t, 200, &a)
	if a.Twitter != nil || !slices.Equal(a.PreviousHandles, []string{"alice_follows"}) {
		t.Errorf("alice = twitter %+v, previous %v", a.Twitter, a.PreviousHandles)
	}

	// An X account that really is another customer's stays a conflict.
	e.do("POST", "/v1/customers", map[string]any{"name": "Carol Again", "twitter_handle": "bob_stranger"}).
		wantProblem(t, 409, "conflict")
}

// Issue 10 item 7, the agent's side: a customer whose screen name from X
// has 16 to 20 characters is shown and found by it.
func TestLongScreenNameFromXIsShownAndFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	long := &casework.Customer{ID: "01JDTESTCUSTOMER0000000020", Name: "Old Account", CreatedAt: at, UpdatedAt: at,
		Twitter: &casework.TwitterAccount{Handle: "abcdefghij_klmnopqrs", XUserID: "2000000000000000020"}}
	must(t, e.store.PutCustomer(e.ctx, long))
	var found list[apiCustomerHistory]
	e.do("GET", "/v1/customers?q="+url.QueryEscape("@abcdefghij_klmnopqrs"), nil).want(t, 200, &found)
	if len(found.Items) != 1 || found.Items[0].ID != long.ID || found.Items[0].Twitter.Handle != "abcdefghij_klmnopqrs" {
		t.Errorf("found %+v", found.Items)
	}
	// Agents still type at most 15 characters.
	e.do("PUT", "/v1/customers/"+carol+"/twitter", map[string]string{"handle": "abcdefghij_klmnopqrs"}).
		wantProblem(t, 400, "invalid_handle")
}
