package xsim

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

// newBareFixture is a simulator whose app has no webhook and no
// subscription yet, and a webhook receiver it does not know about.
func newBareFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t, hook: newReceiver(t)}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.DeliveryBackoff = 5 * time.Millisecond
	f.sim = New(opts)
	f.srv = httptest.NewServer(f.sim.Handler())
	t.Cleanup(func() {
		f.srv.Close()
		f.sim.Close()
	})
	return f
}

// app calls an app endpoint with the bearer token (or any Authorization).
func (f *fixture) app(auth, method, path, body string) answer {
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
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return f.send(req)
}

func (f *fixture) bearer() string {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+"/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("Authorization", basicAuth(sample.ConsumerKey, sample.ConsumerSecret))
	a := f.send(req)
	if a.status != 200 || str(a.body, "token_type") != "bearer" || str(a.body, "access_token") == "" {
		f.t.Fatalf("token: %d %s", a.status, a.raw)
	}
	return "Bearer " + str(a.body, "access_token")
}

func TestTokenGrant(t *testing.T) {
	f := newBareFixture(t, Options{})
	if f.bearer() != "Bearer "+f.sim.BearerToken() {
		t.Error("the grant gave another token than the app's")
	}
	for _, tc := range []struct{ name, auth, body string }{
		{"wrong secret", basicAuth(sample.ConsumerKey, "nope"), "grant_type=client_credentials"},
		{"no basic auth", "", "grant_type=client_credentials"},
		{"no grant type", basicAuth(sample.ConsumerKey, sample.ConsumerSecret), ""},
	} {
		req, _ := http.NewRequest("POST", f.srv.URL+"/oauth2/token", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		if a := f.send(req); a.status != 403 || dig(a.body, "errors", 0, "code") == nil {
			t.Errorf("%s: %d %s", tc.name, a.status, a.raw)
		}
	}
}

func TestWebhooksRegisterCheckAndDelete(t *testing.T) {
	f := newBareFixture(t, Options{})
	bearer := f.bearer()
	// A URL that fails the CRC is refused and not registered.
	broken := httptest.NewServer(http.NotFoundHandler())
	defer broken.Close()
	a := f.app(bearer, "POST", "/2/webhooks", `{"url":"`+broken.URL+`"}`)
	if a.status != 400 || str(a.body, "errors", 0, "message") != "CrcValidationFailed" {
		t.Fatalf("broken URL: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "POST", "/2/webhooks", `{"url":"http://example.com:8080/hook"}`); a.status != 400 || str(a.body, "errors", 0, "message") != "UrlValidationFailed" {
		t.Errorf("http URL with a port: %d %s", a.status, a.raw)
	}
	a = f.app(bearer, "POST", "/2/webhooks", `{"url":"`+f.hook.srv.URL+`"}`)
	id := str(a.body, "data", "id")
	if a.status != 200 || id == "" || dig(a.body, "data", "valid") != true {
		t.Fatalf("register: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "POST", "/2/webhooks", `{"url":"`+f.hook.srv.URL+`"}`); a.status != 409 || str(a.body, "errors", 0, "message") != "DuplicateUrlFailed" {
		t.Errorf("again: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "GET", "/2/webhooks", ""); a.status != 200 || str(a.body, "data", 0, "id") != id {
		t.Errorf("list: %d %s", a.status, a.raw)
	}
	// Listing webhooks takes only the app's bearer token.
	if a := f.api(acmeSupport, "GET", "/2/webhooks", ""); a.status != 403 || !strings.Contains(str(a.body, "detail"), "OAuth 1.0a User Context is forbidden") {
		t.Errorf("list as a user: %d %s", a.status, a.raw)
	}
	if a := f.app("Bearer nope", "GET", "/2/webhooks", ""); a.status != 401 {
		t.Errorf("wrong bearer: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "PUT", "/2/webhooks/"+id, ""); a.status != 200 || dig(a.body, "data", "valid") != true {
		t.Errorf("re-check: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "DELETE", "/2/webhooks/"+id, ""); a.status != 200 || dig(a.body, "data", "deleted") != true {
		t.Errorf("delete: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "PUT", "/2/webhooks/"+id, ""); a.status != 404 || str(a.body, "errors", 0, "message") != "WebhookIdInvalid" {
		t.Errorf("re-check of a deleted webhook: %d %s", a.status, a.raw)
	}
}

// subscribe creates a subscription as the brand and returns its id.
func (f *fixture) subscribe(b sample.Brand, eventType, webhookID string) string {
	f.t.Helper()
	a := f.api(b, "POST", "/2/activity/subscriptions",
		`{"event_type":"`+eventType+`","filter":{"user_id":"`+b.XUserID+`"},"tag":"test","webhook_id":"`+webhookID+`"}`)
	id := str(a.body, "data", "subscription", "subscription_id")
	if a.status != 200 || id == "" {
		f.t.Fatalf("subscribe %s to %s: %d %s", b.ScreenName, eventType, a.status, a.raw)
	}
	return id
}

func TestSubscriptions(t *testing.T) {
	f := newBareFixture(t, Options{SubscriptionLimit: 3})
	bearer := f.bearer()
	hook := str(f.app(bearer, "POST", "/2/webhooks", `{"url":"`+f.hook.srv.URL+`"}`).body, "data", "id")
	dmID := f.subscribe(acmeSupport, "dm.received", hook)

	for _, tc := range []struct {
		name   string
		a      answer
		status int
		want   string
	}{
		{"duplicate", f.api(acmeSupport, "POST", "/2/activity/subscriptions",
			`{"event_type":"dm.received","filter":{"user_id":"`+acmeSupport.XUserID+`"},"webhook_id":"`+hook+`"}`), 409, "DuplicateSubscription"},
		{"private event of another user", f.api(acmeSupport, "POST", "/2/activity/subscriptions",
			`{"event_type":"dm.received","filter":{"user_id":"`+acmeDeals.XUserID+`"},"webhook_id":"`+hook+`"}`), 403, "Private events"},
		{"private event with the bearer token", f.app(bearer, "POST", "/2/activity/subscriptions",
			`{"event_type":"post.mention.create","filter":{"user_id":"`+acmeDeals.XUserID+`"}}`), 403, "Private events"},
		{"unknown event type", f.api(acmeSupport, "POST", "/2/activity/subscriptions",
			`{"event_type":"tweet_create_events","filter":{"user_id":"`+acmeSupport.XUserID+`"}}`), 400, "event_type"},
		{"unknown field", f.api(acmeSupport, "POST", "/2/activity/subscriptions",
			`{"event_type":"dm.sent","filter":{"user_id":"`+acmeSupport.XUserID+`"},"colour":"red"}`), 400, "colour"},
		{"unknown webhook", f.api(acmeSupport, "POST", "/2/activity/subscriptions",
			`{"event_type":"dm.sent","filter":{"user_id":"`+acmeSupport.XUserID+`"},"webhook_id":"123"}`), 400, "WebhookIdInvalid"},
		{"update as a user", f.api(acmeSupport, "PUT", "/2/activity/subscriptions/"+dmID, `{"tag":"x"}`), 403, "User Context is forbidden"},
		{"delete as a user", f.api(acmeSupport, "DELETE", "/2/activity/subscriptions/"+dmID, ""), 403, "User Context is forbidden"},
	} {
		if tc.a.status != tc.status || !strings.Contains(tc.a.raw, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, tc.a.status, tc.a.raw, tc.status, tc.want)
		}
	}
	// A public event may be subscribed with the bearer token.
	if a := f.app(bearer, "POST", "/2/activity/subscriptions",
		`{"event_type":"follow.follow","filter":{"user_id":"`+acmeDeals.XUserID+`"},"webhook_id":"`+hook+`"}`); a.status != 200 {
		t.Errorf("public event with the bearer token: %d %s", a.status, a.raw)
	}
	f.subscribe(acmeDeals, "dm.sent", hook)
	// The app's limit (3 here) holds.
	if a := f.api(acmeDeals, "POST", "/2/activity/subscriptions",
		`{"event_type":"dm.received","filter":{"user_id":"`+acmeDeals.XUserID+`"}}`); a.status != 403 || !strings.Contains(a.raw, "SubscriptionLimitExceeded") {
		t.Errorf("over the limit: %d %s", a.status, a.raw)
	}
	// Listing, as a user or as the app, in pages.
	a := f.api(acmeSupport, "GET", "/2/activity/subscriptions?max_results=2", "")
	if a.status != 200 || dig(a.body, "meta", "total_subscriptions") != 3.0 || len(dig(a.body, "data").([]any)) != 2 {
		t.Fatalf("list: %d %s", a.status, a.raw)
	}
	next := str(a.body, "meta", "next_token")
	if a := f.app(bearer, "GET", "/2/activity/subscriptions?max_results=2&pagination_token="+next, ""); a.status != 200 || len(dig(a.body, "data").([]any)) != 1 || str(a.body, "meta", "next_token") != "" {
		t.Errorf("second page: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "PUT", "/2/activity/subscriptions/"+dmID, `{"tag":"renamed"}`); a.status != 200 || str(a.body, "data", "subscription", "tag") != "renamed" {
		t.Errorf("update: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "DELETE", "/2/activity/subscriptions/"+dmID, ""); a.status != 200 || dig(a.body, "meta", "total_subscriptions") != 2.0 {
		t.Errorf("delete: %d %s", a.status, a.raw)
	}
	if a := f.app(bearer, "DELETE", "/2/activity/subscriptions/"+dmID, ""); a.status != 404 {
		t.Errorf("delete again: %d %s", a.status, a.raw)
	}
}

// TestDeliveryNeedsTheSubscription: an event reaches the webhook only
// through a subscription of its user to its event type.
func TestDeliveryNeedsTheSubscription(t *testing.T) {
	f := newBareFixture(t, Options{LegacyDMs: true})
	bearer := f.bearer()
	hook := str(f.app(bearer, "POST", "/2/webhooks", `{"url":"`+f.hook.srv.URL+`"}`).body, "data", "id")
	f.subscribe(acmeSupport, "post.mention.create", hook)

	f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"no dm.received subscription"}`)
	f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@AcmeSupport hello"}`)
	f.flush()
	got := f.hook.take()
	if len(got) != 1 || str(got[0], "data", "event_type") != "post.mention.create" || str(got[0], "data", "tag") != "test" {
		t.Fatalf("deliveries without a dm.received subscription: %v", got)
	}

	f.subscribe(acmeSupport, "dm.received", hook)
	f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"now subscribed"}`)
	f.flush()
	if got := f.hook.take(); len(got) != 1 || str(got[0], "data", "event_type") != "dm.received" {
		t.Errorf("deliveries with a dm.received subscription: %v", got)
	}

	// A webhook that fails its CRC re-check receives nothing.
	f.hook.srv.Config.Handler = http.NotFoundHandler()
	if a := f.app(bearer, "PUT", "/2/webhooks/"+hook, ""); dig(a.body, "data", "valid") != false {
		t.Fatalf("re-check of a broken webhook: %s", a.raw)
	}
	n := len(f.sim.Deliveries())
	f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"webhook invalid"}`)
	if len(f.sim.Deliveries()) != n {
		t.Error("an invalid webhook was delivered to")
	}
}

func TestSeededSubscriptions(t *testing.T) {
	f := newFixture(t, Options{})
	for _, b := range sample.Brands {
		if got := f.sim.Subscriptions(b.XUserID); len(got) != len(casework.SubscribedEventTypes) {
			t.Errorf("%s starts with %v", b.ScreenName, got)
		}
	}
	if f.sim.WebhookID(f.hook.srv.URL) == "" {
		t.Error("Options.WebhookURL is not registered")
	}
}

func TestReplay(t *testing.T) {
	f := newFixture(t, Options{LegacyDMs: true})
	bearer := f.bearer()
	hook := f.sim.WebhookID(f.hook.srv.URL)
	f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@AcmeSupport first"}`)
	f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"second"}`)
	f.flush()
	first := f.hook.take()
	if len(first) != 2 {
		t.Fatalf("deliveries: %v", first)
	}
	now := time.Now().UTC()
	window := `"from_date":"` + now.Add(-time.Minute).Format("200601021504") + `","to_date":"` + now.Format("200601021504") + `"`
	if a := f.api(acmeSupport, "POST", "/2/webhooks/replay", `{"webhook_id":"`+hook+`",`+window+`}`); a.status != 403 {
		t.Errorf("replay as a user: %d %s", a.status, a.raw)
	}
	a := f.app(bearer, "POST", "/2/webhooks/replay", `{"webhook_id":"`+hook+`",`+window+`}`)
	if a.status != 200 || str(a.body, "data", "job_id") == "" {
		t.Fatalf("replay: %d %s", a.status, a.raw)
	}
	f.flush()
	again := f.hook.take()
	if len(again) != 2 || mustJSON(t, again) != mustJSON(t, first) {
		t.Errorf("replayed %v, first delivered %v", again, first)
	}
	old := now.Add(-25 * time.Hour).Format("200601021504")
	for _, body := range []string{
		`{"webhook_id":"` + hook + `","from_date":"` + old + `","to_date":"` + now.Format("200601021504") + `"}`,
		`{"webhook_id":"` + hook + `","from_date":"2026-01-01","to_date":"202601010000"}`,
		`{"webhook_id":"` + hook + `","from_date":"` + now.Format("200601021504") + `","to_date":"` + now.Add(-time.Hour).Format("200601021504") + `"}`,
	} {
		if a := f.app(bearer, "POST", "/2/webhooks/replay", body); a.status != 400 {
			t.Errorf("replay %s: %d %s", body, a.status, a.raw)
		}
	}
}
