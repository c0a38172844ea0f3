package xapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
)

var (
	acmeSupport = auth(sample.Brands[0])
	acmeDeals   = auth(sample.Brands[1])
	alice       = sample.Customers[0] // follows @AcmeSupport
	bob         = sample.Customers[1] // follows nobody
)

func auth(b sample.Brand) xapi.BrandAuth {
	return xapi.BrandAuth{XUserID: b.XUserID, CredentialsSecret: b.Secret}
}

// countingSource counts secret reads by name; swap, when set, answers a
// read instead of the wrapped source.
type countingSource struct {
	src secrets.Source

	mu    sync.Mutex
	reads map[string]int
	swap  func(name string, n int) ([]byte, bool)
}

func (c *countingSource) GetSecret(ctx context.Context, name string) ([]byte, error) {
	c.mu.Lock()
	c.reads[name]++
	n, swap := c.reads[name], c.swap
	c.mu.Unlock()
	if swap != nil {
		if v, ok := swap(name, n); ok {
			return v, nil
		}
	}
	return c.src.GetSecret(ctx, name)
}

func (c *countingSource) count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads[name]
}

type fixture struct {
	t      *testing.T
	sim    *xsim.Sim
	srv    *httptest.Server
	src    *countingSource
	client *xapi.Client
	logs   *syncBuffer
}

func newFixture(t *testing.T, simOpts xsim.Options) *fixture {
	t.Helper()
	f := &fixture{t: t, logs: &syncBuffer{}}
	simOpts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	f.sim = xsim.New(simOpts)
	f.srv = httptest.NewServer(f.sim.Handler())
	t.Cleanup(func() {
		f.srv.Close()
		f.sim.Close()
	})
	f.src = &countingSource{src: sample.Secrets(), reads: map[string]int{}}
	f.client = f.newClient(f.srv.URL, nil)
	return f
}

func (f *fixture) newClient(baseURL string, hc *http.Client) *xapi.Client {
	f.t.Helper()
	c, err := xapi.New(xapi.Config{
		Secrets:    secrets.NewCache(f.src),
		AppSecret:  sample.AppSecret,
		BaseURL:    baseURL,
		HTTPClient: hc,
		Logger:     slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		LookupAs:   acmeSupport,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// ctl calls a simulator control route and decodes the answer.
func (f *fixture) ctl(method, path, body string) map[string]any {
	f.t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		f.t.Fatal(err)
	}
	if resp.StatusCode >= 300 {
		f.t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return out
}

// timeline reads what the simulated X holds for the user.
func (f *fixture) timeline(username string) xsim.Timeline {
	f.t.Helper()
	resp, err := http.Get(f.srv.URL + "/sim/timeline/" + username)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tl xsim.Timeline
	if err := json.NewDecoder(resp.Body).Decode(&tl); err != nil {
		f.t.Fatal(err)
	}
	return tl
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCreateTweetAndMentionReply(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	f := newFixture(t, xsim.Options{Clock: func() time.Time { return at }})
	ctx := context.Background()

	first, err := f.client.CreateTweet(ctx, acmeSupport, "@alice_follows Hello from Acme!", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == "" || first.Text != "@alice_follows Hello from Acme!" || !first.CreatedAt.Equal(at) {
		t.Errorf("tweet %+v", first)
	}

	// The customer answers; the brand replies to that Tweet.
	theirs := f.ctl("POST", "/sim/users/alice_follows/tweets", `{"text":"@AcmeSupport thanks, but my order is late","in_reply_to_tweet_id":"`+first.ID+`"}`)["id"].(string)
	reply, err := f.client.CreateTweet(ctx, acmeSupport, "@alice_follows Sorry! Let us check.", theirs)
	if err != nil {
		t.Fatal(err)
	}
	tl := f.timeline("AcmeSupport")
	if len(tl.Tweets) != 2 || tl.Tweets[1].ID != reply.ID || tl.Tweets[1].InReplyToTweetID != theirs || tl.Tweets[1].InReplyToUserID != alice.XUser {
		t.Errorf("timeline %+v", tl.Tweets)
	}
	calls := f.sim.Calls()
	last := calls[len(calls)-1]
	if last.Method != "POST" || last.Path != "/2/tweets" || last.Username != "AcmeSupport" ||
		!strings.Contains(string(last.Body), `"reply":{"in_reply_to_tweet_id":"`+theirs+`"}`) {
		t.Errorf("call %+v %s", last, last.Body)
	}

	// LookupTweet finds it, with author and time; a deleted one is not found.
	got, err := f.client.LookupTweet(ctx, acmeSupport, reply.ID)
	if err != nil || got.ID != reply.ID || got.AuthorID != sample.Brands[0].XUserID || got.Text != reply.Text || !got.CreatedAt.Equal(at) {
		t.Errorf("lookup %+v, %v", got, err)
	}
	if err := f.client.DeleteTweet(ctx, acmeSupport, reply.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.client.LookupTweet(ctx, acmeSupport, reply.ID)
	if !xapi.IsNotFound(err) || !xapi.IsPermanent(err) || xapi.IsRetryable(err) {
		t.Errorf("lookup of a deleted tweet: %v", err)
	}
	if err := f.client.DeleteTweet(ctx, acmeSupport, theirs); err == nil || !xapi.IsPermanent(err) {
		t.Errorf("deleting someone else's tweet: %v", err)
	}
}

func TestTweetRefusals(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	if _, err := f.client.CreateTweet(ctx, acmeSupport, "@bob_stranger same words", ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		text      string
		replyTo   string
		status    int
		detail    string
		duplicate bool
		notFound  bool
		reason    string // when it is not the detail
	}{
		{name: "duplicate", text: "@bob_stranger same words", status: 403, detail: "You are not allowed to create a Tweet with duplicate content.", duplicate: true},
		{name: "reply to a missing tweet", text: "@bob_stranger hi", replyTo: "123456", status: 403, detail: "You attempted to reply to a Tweet that is deleted or not visible to you."},
		{name: "reply to a bad id", text: "@bob_stranger hi", replyTo: "not-an-id", status: 400, detail: "One or more parameters to your request was invalid.",
			reason: "The `in_reply_to_tweet_id` value [not-an-id] does not match ^[0-9]{1,19}$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.client.CreateTweet(ctx, acmeSupport, tt.text, tt.replyTo)
			e, ok := xapi.AsError(err)
			if !ok {
				t.Fatalf("err = %v, want an *xapi.Error", err)
			}
			reason := tt.reason
			if reason == "" {
				reason = tt.detail
			}
			if e.StatusCode != tt.status || e.Detail != tt.detail || e.Reason() != reason || e.Op != "create tweet" {
				t.Errorf("error %+v, reason %q", e, e.Reason())
			}
			if !xapi.IsPermanent(err) || xapi.IsRetryable(err) || xapi.IsRateLimited(err) || xapi.IsUnauthorized(err) || xapi.IsDuplicate(err) != tt.duplicate {
				t.Errorf("classified wrongly: %v", err)
			}
			if !strings.Contains(err.Error(), reason) || strings.Contains(err.Error(), tt.text) {
				t.Errorf("message %q", err.Error())
			}
		})
	}
}

func TestRetweetAndUndo(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	theirs := f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@AcmeDeals love the new range"}`)["id"].(string)

	for i := 0; i < 2; i++ { // a second Retweet changes nothing
		if err := f.client.Retweet(ctx, acmeDeals, theirs); err != nil {
			t.Fatal(err)
		}
	}
	if tl := f.timeline("AcmeDeals"); len(tl.Retweets) != 1 || tl.Retweets[0].RetweetedTweetID != theirs {
		t.Errorf("retweets %+v", tl.Retweets)
	}
	if err := f.client.UndoRetweet(ctx, acmeDeals, theirs); err != nil {
		t.Fatal(err)
	}
	if tl := f.timeline("AcmeDeals"); len(tl.Retweets) != 0 {
		t.Errorf("retweets after undo %+v", tl.Retweets)
	}
	if err := f.client.UndoRetweet(ctx, acmeDeals, theirs); err != nil {
		t.Errorf("undoing again: %v", err)
	}

	err := f.client.Retweet(ctx, acmeDeals, "4242")
	e, ok := xapi.AsError(err)
	if !ok || !xapi.IsNotFound(err) || !xapi.IsPermanent(err) || e.StatusCode != 200 || e.Type != xapi.TypeResourceNotFound ||
		e.Detail != "Could not find tweet with tweet_id: [4242]." || e.Errors[0].Parameter != "tweet_id" {
		t.Errorf("retweet of a missing tweet: %#v", err)
	}

	// The path id must be the handle's own: X refuses another user's.
	wrong := xapi.BrandAuth{XUserID: sample.Brands[0].XUserID, CredentialsSecret: sample.Brands[1].Secret}
	if err := f.client.Retweet(ctx, wrong, theirs); !xapi.IsPermanent(err) || !strings.Contains(err.Error(), "must be the same as the authenticating user") {
		t.Errorf("retweet as the wrong user: %v", err)
	}
}

func TestFollowAndUnfollow(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	res, err := f.client.Follow(ctx, acmeSupport, bob.XUser)
	if err != nil || !res.Following || res.PendingFollow {
		t.Fatalf("follow: %+v %v", res, err)
	}
	if tl := f.timeline("bob_stranger"); len(tl.Followers) != 1 || tl.Followers[0].Username != "AcmeSupport" {
		t.Errorf("followers %+v", tl.Followers)
	}
	if err := f.client.Unfollow(ctx, acmeSupport, bob.XUser); err != nil {
		t.Fatal(err)
	}
	if tl := f.timeline("bob_stranger"); len(tl.Followers) != 0 {
		t.Errorf("followers after unfollow %+v", tl.Followers)
	}
	if _, err := f.client.Follow(ctx, acmeSupport, "31337"); !xapi.IsNotFound(err) {
		t.Errorf("follow an unknown user: %v", err)
	}
}

func TestFollowProtectedUserIsARequestUntilAccepted(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	id := f.ctl("POST", "/sim/users", `{"username":"dora_private","protected":true}`)["id"].(string)
	res, err := f.client.Follow(ctx, acmeSupport, id)
	if err != nil || res.Following || !res.PendingFollow {
		t.Fatalf("follow of a protected user: %+v %v, want a pending follow request", res, err)
	}
	if tl := f.timeline("dora_private"); len(tl.Followers) != 0 {
		t.Errorf("followers before accepting %+v", tl.Followers)
	}
	f.ctl("POST", "/sim/users/dora_private/follow-requests/AcmeSupport", "")
	if tl := f.timeline("dora_private"); len(tl.Followers) != 1 || tl.Followers[0].Username != "AcmeSupport" {
		t.Errorf("followers after accepting %+v", tl.Followers)
	}
	if res, err := f.client.Follow(ctx, acmeSupport, id); err != nil || !res.Following || res.PendingFollow {
		t.Errorf("follow again once accepted: %+v %v", res, err)
	}
}

func TestLookupUser(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	var users casework.XUsers = f.client
	tests := []struct {
		name, username string
		want           casework.XUser
		code           string
	}{
		{"found", "alice_follows", casework.XUser{ID: alice.XUser, Username: "alice_follows", Name: "Alice Follower"}, ""},
		{"any case, with @", "@BOB_STRANGER", casework.XUser{ID: bob.XUser, Username: "bob_stranger", Name: "Bob Stranger"}, ""},
		{"unknown", "nobody_at_all", casework.XUser{}, casework.ETwitterUserNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := users.LookupUser(ctx, tt.username)
			if code := casework.ErrorCode(err); code != tt.code {
				t.Fatalf("err = %v, want code %q", err, tt.code)
			}
			if got != tt.want {
				t.Errorf("user %+v, want %+v", got, tt.want)
			}
			var se *casework.Error
			if tt.code != "" && !errors.As(err, &se) {
				t.Errorf("err %T is not a *casework.Error", err)
			}
		})
	}
	// The lookup signs as Config.LookupAs.
	calls := f.sim.Calls()
	if calls[0].Username != "AcmeSupport" || calls[0].Path != "/2/users/by/username/alice_follows" {
		t.Errorf("call %+v", calls[0])
	}
}

func TestRateLimitedAndServerErrors(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()

	f.ctl("POST", "/sim/faults", `{"path_prefix":"/2/tweets","status":429,"count":1,"retry_after_s":120}`)
	_, err := f.client.CreateTweet(ctx, acmeSupport, "@alice_follows rate limited", "")
	if !xapi.IsRateLimited(err) || xapi.IsPermanent(err) || xapi.IsRetryable(err) {
		t.Fatalf("429: %v", err)
	}
	if d := time.Until(xapi.RetryAt(err)); d < 115*time.Second || d > 121*time.Second {
		t.Errorf("RetryAt in %s, want about 120s (the reset header)", d)
	}
	if e, _ := xapi.AsError(err); e.Title != "Too Many Requests" || e.Detail != "Too Many Requests" {
		t.Errorf("429 error %+v", e)
	}

	for _, status := range []int{500, 502, 503} {
		f.sim.AddFault("/2/users/", status, 1, 0)
		_, err := f.client.LookupUserAs(ctx, acmeSupport, alice.Handle)
		if e, ok := xapi.AsError(err); !ok || e.StatusCode != status || !xapi.IsRetryable(err) || xapi.IsPermanent(err) {
			t.Errorf("%d: %v", status, err)
		}
	}
	// Each failed once; the call itself is fine.
	if _, err := f.client.LookupUserAs(ctx, acmeSupport, alice.Handle); err != nil {
		t.Errorf("after the faults: %v", err)
	}
}

func TestTimeoutsAndConnectionErrors(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release)
	c := f.newClient(slow.URL, &http.Client{Timeout: 100 * time.Millisecond})
	_, err := c.CreateTweet(ctx, acmeSupport, "@alice_follows slow", "")
	if e, ok := xapi.AsError(err); !ok || e.StatusCode != 0 || !xapi.IsRetryable(err) || xapi.IsPermanent(err) {
		t.Errorf("timeout: %v", err)
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	_, err = f.newClient(closed, nil).LookupTweet(ctx, acmeSupport, "1")
	if !xapi.IsRetryable(err) {
		t.Errorf("connection refused: %v", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.client.CreateTweet(cancelled, acmeSupport, "@alice_follows cancelled", ""); err == nil || xapi.IsRetryable(err) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestWrongCredentialsAreReReadOnce(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	brand := sample.Brands[0]
	wrong, _ := json.Marshal(secrets.UserCredentials{AccessToken: brand.Credentials.AccessToken, AccessTokenSecret: "stale-secret"})

	// The secret is wrong every time it is read: one retry, then 401.
	f.src.swap = func(name string, n int) ([]byte, bool) { return wrong, name == brand.Secret }
	_, err := f.client.CreateTweet(ctx, acmeSupport, "@alice_follows wrong credentials", "")
	if !xapi.IsUnauthorized(err) || xapi.IsPermanent(err) || xapi.IsRetryable(err) {
		t.Fatalf("err = %v, want 401", err)
	}
	if e, _ := xapi.AsError(err); e.StatusCode != 401 || e.Title != "Unauthorized" {
		t.Errorf("error %+v", e)
	}
	if n := f.src.count(brand.Secret); n != 2 {
		t.Errorf("brand secret read %d times, want 2 (first use, then once after the 401)", n)
	}
	if n := f.src.count(sample.AppSecret); n != 2 {
		t.Errorf("app secret read %d times, want 2", n)
	}
	calls := f.sim.Calls()
	if len(calls) != 2 || calls[0].Status != 401 || calls[1].Status != 401 {
		t.Errorf("calls %+v", calls)
	}

	// The secret was rotated: the stale copy fails once, the re-read one
	// succeeds, and later calls use it without reading again.
	f.src.swap = func(name string, n int) ([]byte, bool) { return wrong, name == brand.Secret && n == 3 }
	c := f.newClient(f.srv.URL, nil)
	if _, err := c.CreateTweet(ctx, acmeSupport, "@alice_follows rotated", ""); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if _, err := c.CreateTweet(ctx, acmeSupport, "@alice_follows rotated again", ""); err != nil {
		t.Fatal(err)
	}
	if n := f.src.count(brand.Secret); n != 4 {
		t.Errorf("brand secret read %d times in all, want 4", n)
	}
	if logs := f.logs.String(); !strings.Contains(logs, "re-reading") || strings.Contains(logs, "stale-secret") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestSecretsAreReadOnFirstUseOnly(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	c := f.newClient(f.srv.URL, nil)
	if n := f.src.count(sample.AppSecret); n != 0 {
		t.Fatalf("New read %d secrets", n)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			as := acmeSupport
			if i%2 == 1 {
				as = acmeDeals
			}
			_, err := c.CreateTweet(context.Background(), as, "@alice_follows concurrent "+string(rune('a'+i)), "")
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := f.src.count(sample.Brands[0].Secret); n != 1 {
		t.Errorf("brand secret read %d times", n)
	}
	if n := f.src.count(sample.AppSecret); n > 2 {
		t.Errorf("app secret read %d times", n)
	}
}

func TestLogsHoldNoTokensOrText(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	_, _ = f.client.CreateTweet(ctx, acmeSupport, "@alice_follows secret plans for the launch", "")
	_, _ = f.client.SendChatMessage(ctx, acmeSupport, alice.XUser, xapi.ChatMessageRequest{MessageID: "m-1", EncodedMessageCreateEvent: "your private order 555"})
	_, _ = f.client.CreateTweet(ctx, acmeDeals, "refused private words", "")
	logs := f.logs.String()
	if !strings.Contains(logs, "x call") {
		t.Fatalf("no debug logs:\n%s", logs)
	}
	for _, b := range sample.Brands {
		for _, s := range []string{b.Credentials.AccessToken, b.Credentials.AccessTokenSecret} {
			if strings.Contains(logs, s) {
				t.Errorf("logs show a credential")
			}
		}
	}
	for _, s := range []string{sample.ConsumerSecret, "secret plans", "order 555", "private words"} {
		if strings.Contains(logs, s) {
			t.Errorf("logs show %q", s)
		}
	}
}

func TestBaseURLWithAPathPrefix(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	mux := http.NewServeMux()
	mux.Handle("/x/", http.StripPrefix("/x", f.sim.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := f.newClient(srv.URL+"/x/", nil)
	if _, err := c.LookupUser(context.Background(), "alice_follows"); err != nil {
		t.Errorf("through a prefix: %v", err)
	}
}

func TestNewChecksItsConfig(t *testing.T) {
	cache := secrets.NewCache(sample.Secrets())
	for _, tt := range []struct {
		name string
		cfg  xapi.Config
	}{
		{"no secrets", xapi.Config{AppSecret: "a"}},
		{"no app secret", xapi.Config{Secrets: cache}},
		{"bad base URL", xapi.Config{Secrets: cache, AppSecret: "a", BaseURL: "127.0.0.1:8081"}},
	} {
		if _, err := xapi.New(tt.cfg); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	if _, err := xapi.New(xapi.Config{Secrets: cache, AppSecret: "a"}); err != nil {
		t.Errorf("X itself: %v", err)
	}
}

func TestSnowflakeTime(t *testing.T) {
	// 1288834974657 ms + (id >> 22).
	got, ok := xapi.SnowflakeTime("1212092628029698048")
	if want := time.UnixMilli(1288834974657 + 1212092628029698048>>22).UTC(); !ok || !got.Equal(want) {
		t.Errorf("got %s, %v; want %s", got, ok, want)
	}
	for _, bad := range []string{"", "abc", "12x", "5"} {
		if _, ok := xapi.SnowflakeTime(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOwnTweetsComeBackThroughTheWebhook(t *testing.T) {
	got := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("x-twitter-webhooks-signature") != xsim.Signature(sample.ConsumerSecret, body) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p map[string]any
		_ = json.Unmarshal(body, &p)
		got <- p
	}))
	defer hook.Close()
	f := newFixture(t, xsim.Options{WebhookURL: hook.URL})
	tw, err := f.client.CreateTweet(context.Background(), acmeSupport, "@alice_follows Hello!", "")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		// The simulator speaks X Activity by default: one post.create.
		data, _ := p["data"].(map[string]any)
		filter, _ := data["filter"].(map[string]any)
		payload, _ := data["payload"].(map[string]any)
		if data["event_type"] != "post.create" || filter["user_id"] != sample.Brands[0].XUserID || payload["id"] != tw.ID {
			t.Errorf("payload %v", p)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no webhook delivery")
	}
}

func TestRecentTweetsAndFindTweets(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	since := time.Now().Add(-time.Minute)
	posted, err := f.client.CreateTweet(ctx, acmeSupport, "@alice_follows fish & chips <3 https://acme.com/menu", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(posted.Text, "@alice_follows fish & chips <3 https://t.co/") || len(posted.Text) != len("@alice_follows fish & chips <3 ")+23 {
		t.Errorf("text %q, want X's entities decoded and the link shown as X shows it (t.co)", posted.Text)
	}
	bare, err := f.client.CreateTweet(ctx, acmeSupport, "@alice_follows see acme.com/FAQ", "")
	if err != nil {
		t.Fatal(err)
	}
	theirs := f.ctl("POST", "/sim/users/alice_follows/tweets", `{"text":"@AcmeSupport ok"}`)["id"].(string)
	reply, err := f.client.CreateTweet(ctx, acmeSupport, "@alice_follows glad you liked https://acme.com/menu", theirs)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 120; i++ { // more than a page
		if _, err := f.client.CreateTweet(ctx, acmeSupport, "@bob_stranger filler "+time.Duration(i).String(), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.client.Retweet(ctx, acmeSupport, theirs); err != nil {
		t.Fatal(err)
	}

	tweets, err := f.client.RecentTweets(ctx, acmeSupport, since, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tweets) != 123 || tweets[122].ID != posted.ID || tweets[122].Text != posted.Text || tweets[0].AuthorID != sample.Brands[0].XUserID || tweets[0].CreatedAt.IsZero() {
		t.Errorf("%d tweets, oldest %+v", len(tweets), tweets[len(tweets)-1])
	}
	if got := tweets[120]; got.ID != reply.ID || got.InReplyToTweetID != theirs || len(got.Links) != 1 || got.Links[0].ExpandedURL != "https://acme.com/menu" {
		t.Errorf("reply as read back = %+v", got)
	}

	now := time.Now().Add(time.Minute)
	for _, tt := range []struct {
		name    string
		attempt xapi.Attempt
		want    []string
	}{
		{"same text", xapi.Attempt{Text: "@alice_follows fish & chips <3 https://acme.com/menu", From: since, To: now}, []string{posted.ID}},
		{"same text, in reply", xapi.Attempt{Text: "@alice_follows glad you liked https://acme.com/menu", InReplyToTweetID: theirs, From: since, To: now}, []string{reply.ID}},
		{"same text, in reply to nothing", xapi.Attempt{Text: "@alice_follows glad you liked https://acme.com/menu", From: since, To: now}, nil},
		{"same text, in reply to another Tweet", xapi.Attempt{Text: "@alice_follows fish & chips <3 https://acme.com/menu", InReplyToTweetID: theirs, From: since, To: now}, nil},
		{"another URL is another Tweet", xapi.Attempt{Text: "@alice_follows fish & chips <3 https://acme.com/drinks", From: since, To: now}, nil},
		{"a t.co link is not the URL", xapi.Attempt{Text: "@alice_follows fish & chips <3 https://t.co/abc123", From: since, To: now}, nil},
		{"a URL without scheme, as X expands it", xapi.Attempt{Text: "@alice_follows see ACME.com/FAQ", From: since, To: now}, []string{bare.ID}},
		{"other text", xapi.Attempt{Text: "@alice_follows fish and chips", From: since, To: now}, nil},
		{"posted before the window", xapi.Attempt{Text: "@alice_follows fish & chips <3 https://acme.com/menu", From: time.Now().Add(time.Hour)}, nil},
		{"posted after the window", xapi.Attempt{Text: "@alice_follows fish & chips <3 https://acme.com/menu", From: since.Add(-time.Hour), To: since}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := f.client.FindTweets(ctx, acmeSupport, tt.attempt)
			if err != nil || !slices.Equal(ids, tt.want) {
				t.Errorf("FindTweets = %q, %v; want %q", ids, err, tt.want)
			}
		})
	}
}

// TestUserByID: the user by id, as the brand handle sees it: who it is,
// how they follow each other (connection_status) and whether the user
// accepts the brand's DMs (receives_your_dm), signed as that handle.
func TestUserByID(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	got, err := f.client.UserByID(ctx, acmeSupport, alice.XUser)
	want := xapi.UserState{ID: alice.XUser, Username: "alice_follows", Name: "Alice Follower", FollowsBrand: true, ReceivesYourDM: true}
	if err != nil || got != want {
		t.Fatalf("alice: %+v %v, want %+v", got, err, want)
	}
	if _, err := f.client.Follow(ctx, acmeSupport, bob.XUser); err != nil {
		t.Fatal(err)
	}
	got, err = f.client.UserByID(ctx, acmeSupport, bob.XUser)
	if err != nil || got.Username != "bob_stranger" || got.FollowsBrand || !got.BrandFollows || got.ReceivesYourDM {
		t.Errorf("bob, followed by the brand: %+v %v", got, err)
	}
	if got, err := f.client.UserByID(ctx, acmeDeals, alice.XUser); err != nil || got.FollowsBrand || got.BrandFollows {
		t.Errorf("alice as @AcmeDeals sees her: %+v %v, want no connection", got, err)
	}
	if _, err := f.client.UserByID(ctx, acmeSupport, "31337"); casework.ErrorCode(err) != casework.ETwitterUserNotFound {
		t.Errorf("an unknown id: %v, want %s", err, casework.ETwitterUserNotFound)
	}
	if c := f.sim.Calls()[0]; c.Username != "AcmeSupport" || c.Path != "/2/users/"+alice.XUser {
		t.Errorf("call %+v, want signed as @AcmeSupport", c)
	}
}
