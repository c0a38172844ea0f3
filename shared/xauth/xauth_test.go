package xauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/table"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xauth"
)

var client *dynamodb.Client

var local = &localawstest.Servers{DynamoDB: true, Setup: func(s *localawstest.Servers) {
	client = localaws.DynamoDBClient(s.DynamoDBEndpoint)
}}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

var tableSeq atomic.Int64

const (
	appSecret   = "app"
	tokenSecret = "brand/oauth2/AcmeSupport"
	callback    = "http://127.0.0.1:9/connect/x/callback"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// world is a simulated X, one table and one secret store shared by
// several functions.
type world struct {
	t      *testing.T
	sim    *xsim.Sim
	srv    *httptest.Server
	store  *dynamo.Store
	source *secrets.Static
	oauth  xauth.Client
}

func newWorld(t *testing.T, lifetime time.Duration) *world {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("xauth%d", tableSeq.Add(1))
	if err := localaws.EnsureTable(ctx, client, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	sim := xsim.New(xsim.Options{Logger: quiet, AccessTokenLifetime: lifetime, CallbackURLs: []string{callback}})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { srv.Close(); sim.Close() })
	w := &world{t: t, sim: sim, srv: srv, store: dynamo.New(client, name),
		source: secrets.NewStatic(map[string][]byte{appSecret: fmt.Appendf(nil, `{"consumer_key":%q,"consumer_secret":%q}`, sample.ConsumerKey, sample.ConsumerSecret)}),
		oauth:  xauth.Client{TokenURL: srv.URL + "/2/oauth2/token", ClientID: xsim.DefaultOAuth2ClientID, ClientSecret: xsim.DefaultOAuth2ClientSecret}}
	return w
}

// connect goes through X's consent as username and stores the tokens.
func (w *world) connect(username string) secrets.OAuth2Tokens {
	w.t.Helper()
	verifier := xauth.NewVerifier()
	authURL, _ := url.Parse(w.oauth.AuthorizeURL(w.srv.URL+"/i/oauth2/authorize", callback, "state-1", verifier, xauth.Scopes))
	form := authURL.Query()
	form.Set("username", username)
	form.Set("decision", "allow")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(w.srv.URL+"/i/oauth2/authorize", form)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != "state-1" {
		w.t.Fatalf("consent answered %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	tr, err := w.oauth.Exchange(context.Background(), loc.Query().Get("code"), callback, verifier)
	if err != nil {
		w.t.Fatal(err)
	}
	tokens := tr.Tokens(time.Now())
	raw, _ := json.Marshal(tokens)
	w.source.Set(tokenSecret, raw)
	return tokens
}

// function is one Lambda function's process: its own secrets cache,
// refresher and X adapter.
func (w *world) function() *xapi.Client {
	w.t.Helper()
	cache := secrets.NewCache(w.source)
	r := &xauth.Refresher{Secrets: cache, Writer: w.source, Leases: w.store, Client: w.oauth, Logger: quiet}
	xc, err := xapi.New(xapi.Config{Secrets: cache, AppSecret: appSecret, BaseURL: w.srv.URL, OAuth2: r, Logger: quiet})
	if err != nil {
		w.t.Fatal(err)
	}
	return xc
}

// refreshes counts the refresh-token grants X answered, by status.
func (w *world) refreshes() map[int]int {
	w.t.Helper()
	out := map[int]int{}
	for _, c := range w.sim.Calls() {
		if c.Path == "/2/oauth2/token" && strings.Contains(string(c.Body), "grant_type=refresh_token") {
			out[c.Status]++
		}
	}
	return out
}

func (w *world) calls(xcs []*xapi.Client, n int) []error {
	auth := xapi.BrandAuth{XUserID: sample.Brands[0].XUserID, CredentialsSecret: tokenSecret}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = xcs[i%len(xcs)].UserByID(context.Background(), auth, sample.Brands[1].XUserID)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// untilPast waits for the clock to pass t (the token's expiry).
func untilPast(t time.Time) {
	for time.Now().Before(t) {
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConcurrentFirstCallsAfterExpiryRefreshOnce(t *testing.T) {
	w := newWorld(t, 2*time.Second)
	tokens := w.connect("AcmeSupport")
	xcs := []*xapi.Client{w.function(), w.function(), w.function(), w.function()}
	for _, err := range w.calls(xcs, 4) { // every function has read the tokens
		if err != nil {
			t.Fatal(err)
		}
	}
	untilPast(tokens.ExpiresAt)
	for i, err := range w.calls(xcs, 20) {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := w.refreshes(); got[200] != 1 || len(got) != 1 {
		t.Fatalf("refresh grants by X's status: %v, want one 200", got)
	}
	next, err := secrets.ParseOAuth2(mustGet(t, w.source, tokenSecret))
	if err != nil || next.AccessToken == tokens.AccessToken || next.RefreshToken == tokens.RefreshToken {
		t.Fatalf("stored tokens not replaced: %v %v", next, err)
	}
}

// A token X refuses before the expiry the secret records (X's clock, a
// revocation of the access token) is refreshed on the 401, once.
func TestA401RefreshesOnce(t *testing.T) {
	w := newWorld(t, 50*time.Millisecond)
	tokens := w.connect("AcmeSupport")
	tokens.ExpiresAt, tokens.IssuedAt = time.Now().Add(time.Hour), time.Now()
	raw, _ := json.Marshal(tokens)
	w.source.Set(tokenSecret, raw)
	xcs := []*xapi.Client{w.function(), w.function()}
	untilPast(time.Now().Add(60 * time.Millisecond))
	if a := w.sim; a == nil {
		t.Fatal("no simulator")
	}
	// Tokens from now on last an hour, so the refreshed one holds.
	req, _ := http.NewRequest(http.MethodPut, w.srv.URL+"/sim/oauth2", strings.NewReader(`{"access_token_lifetime_s": 3600}`))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("settings: %v", err)
	}
	for i, err := range w.calls(xcs, 10) {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := w.refreshes(); got[200] != 1 || len(got) != 1 {
		t.Fatalf("refresh grants by X's status: %v, want one 200", got)
	}
}

// When the user revokes the app, the refresh X refuses is X's 401 to the
// call (which disconnects the handle), and nothing is tried twice.
func TestRevokedAppIsUnauthorized(t *testing.T) {
	w := newWorld(t, 2*time.Second)
	tokens := w.connect("AcmeSupport")
	req, _ := http.NewRequest(http.MethodDelete, w.srv.URL+"/sim/users/AcmeSupport/connected-apps", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v", err)
	}
	xc := w.function()
	errs := w.calls([]*xapi.Client{xc}, 5)
	for i, err := range errs {
		if !xapi.IsUnauthorized(err) || !strings.Contains(err.Error(), "invalid_grant") && !errors.Is(err, xauth.ErrRefused) {
			t.Fatalf("call %d: %v, want X's 401 with the refusal", i, err)
		}
	}
	if got := w.refreshes(); got[400] == 0 || got[200] != 0 {
		t.Fatalf("refresh grants by X's status: %v", got)
	}
	_ = tokens
}

func mustGet(t *testing.T, s *secrets.Static, name string) []byte {
	t.Helper()
	b, err := s.GetSecret(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
