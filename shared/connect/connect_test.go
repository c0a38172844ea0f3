package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/connect"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/httpapi"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/table"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xauth"
	"github.com/acme/twitter-cases/shared/xsetup"
)

var client *dynamodb.Client

var local = &localawstest.Servers{DynamoDB: true, Setup: func(s *localawstest.Servers) {
	client = localaws.DynamoDBClient(s.DynamoDBEndpoint)
}}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

const callback = "http://127.0.0.1:9/console/"

type outbox struct {
	mu   sync.Mutex
	cmds []casework.Command
}

func (o *outbox) Enqueue(_ context.Context, c casework.Command) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cmds = append(o.cmds, c)
	return nil
}

type world struct {
	t       *testing.T
	sim     *xsim.Sim
	simURL  string
	api     *httptest.Server
	store   *dynamo.Store
	source  *secrets.Static
	cache   *secrets.Cache
	outbox  *outbox
	service *casework.Service
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("connect-%d", time.Now().UnixNano())
	if err := localaws.EnsureTable(ctx, client, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(client).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	sim := xsim.New(xsim.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CallbackURLs: []string{callback}})
	simSrv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { simSrv.Close(); sim.Close() })
	w := &world{t: t, sim: sim, simURL: simSrv.URL, store: dynamo.New(client, name), source: sample.Secrets(), outbox: &outbox{}}
	_ = w.source.SetJSON(sample.AppSecret, secrets.AppCredentials{ConsumerKey: sample.ConsumerKey, ConsumerSecret: sample.ConsumerSecret,
		ClientID: xsim.DefaultOAuth2ClientID, ClientSecret: xsim.DefaultOAuth2ClientSecret})
	w.cache = secrets.NewCache(w.source)
	w.service = casework.NewService(casework.Deps{Store: w.store, Outbox: w.outbox, Credentials: xsetup.CredentialsCheck{Secrets: w.cache}})
	c := &connect.Connector{Client: xauth.AppClient(w.cache, sample.AppSecret, simSrv.URL, nil), AuthorizeURL: simSrv.URL + "/i/oauth2/authorize",
		APIBaseURL: simSrv.URL, RedirectURI: callback, SecretPrefix: "brand/x-oauth2/", Writer: w.source, Invalidate: w.cache.Invalidate,
		States: w.store, Handles: w.service, Store: w.store}
	mux := http.NewServeMux()
	c.Routes(mux, "")
	w.api = httptest.NewServer(httpapi.Authenticate("dev")(mux))
	t.Cleanup(w.api.Close)
	return w
}

func (w *world) post(token, path string, body any) (int, map[string]any) {
	w.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, w.api.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// consent signs in to the simulated X as username on the authorize URL
// and returns X's redirect back to the console.
func (w *world) consent(authorizeURL, username string) url.Values {
	w.t.Helper()
	u, err := url.Parse(authorizeURL)
	if err != nil {
		w.t.Fatal(err)
	}
	if resp, err := http.Get(authorizeURL); err != nil || resp.StatusCode != 200 {
		w.t.Fatalf("consent page: %v %v", resp, err)
	}
	form := u.Query()
	form.Set("username", username)
	form.Set("decision", "allow")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(w.simURL+"/i/oauth2/authorize", form)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		w.t.Fatalf("X redirected to %q", resp.Header.Get("Location"))
	}
	return loc.Query()
}

func (w *world) connect(username, handleID string) (int, map[string]any) {
	w.t.Helper()
	st, out := w.post("dev", "/v1/handles/connect", map[string]string{"handle_id": handleID})
	if st != http.StatusCreated {
		w.t.Fatalf("start: %d %v", st, out)
	}
	back := w.consent(out["authorize_url"].(string), username)
	return w.post("dev", "/v1/handles/connect/callback", map[string]string{"state": back.Get("state"), "code": back.Get("code")})
}

func TestConnectRegistersAndActsAsTheHandle(t *testing.T) {
	w := newWorld(t)
	if _, err := http.Post(w.simURL+"/sim/users", "application/json", bytes.NewReader([]byte(`{"username":"AcmeNew","name":"Acme New"}`))); err != nil {
		t.Fatal(err)
	}
	st, out := w.connect("AcmeNew", "")
	if st != 200 || out["screen_name"] != "AcmeNew" || out["status"] != "connected" {
		t.Fatalf("callback: %d %v", st, out)
	}
	h, err := w.store.HandleByXUserID(context.Background(), w.sim.UserID("AcmeNew"))
	if err != nil || h.CredentialsSecret != "brand/x-oauth2/"+h.XUserID || h.Subscriptions == nil || h.Subscriptions.Status != casework.SubsPending {
		t.Fatalf("handle %+v %v", h, err)
	}
	if len(w.outbox.cmds) != 1 {
		t.Fatalf("queued %d commands, want its subscriptions", len(w.outbox.cmds))
	}
	raw, _ := w.source.GetSecret(context.Background(), h.CredentialsSecret)
	tokens, err := secrets.ParseOAuth2(raw)
	if err != nil || tokens.RefreshToken == "" {
		t.Fatalf("stored tokens: %v %v", tokens, err)
	}
	// The handle acts on X with them.
	x, _ := xapi.New(xapi.Config{Secrets: w.cache, AppSecret: sample.AppSecret, BaseURL: w.simURL,
		OAuth2: &xauth.Refresher{Secrets: w.cache, Writer: w.source, Leases: w.store, ClientFrom: xauth.AppClient(w.cache, sample.AppSecret, w.simURL, nil)}})
	if _, err := x.UserByID(context.Background(), xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}, sample.Brands[0].XUserID); err != nil {
		t.Fatalf("acting as the connected handle: %v", err)
	}

	// The user revokes the app; the handle is disconnected (here by hand,
	// as the outbound worker does on X's 401), and Reconnect restores it.
	req, _ := http.NewRequest(http.MethodDelete, w.simURL+"/sim/users/AcmeNew/connected-apps", nil)
	if _, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	w.cache.Invalidate(h.CredentialsSecret)
	_, err = x.UserByID(context.Background(), xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}, sample.Brands[0].XUserID)
	if !xapi.IsUnauthorized(err) {
		t.Fatalf("after revocation: %v, want X's 401", err)
	}
	if err := casework.DisconnectHandle(context.Background(), w.store, h.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	st, out = w.connect("AcmeNew", h.ID)
	if st != 200 || out["id"] != h.ID || out["status"] != "connected" {
		t.Fatalf("reconnect: %d %v", st, out)
	}
	if _, err := x.UserByID(context.Background(), xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}, sample.Brands[0].XUserID); err != nil {
		t.Fatalf("acting after reconnect: %v", err)
	}
	if len(w.outbox.cmds) != 2 {
		t.Fatalf("queued %d commands, want the subscriptions again", len(w.outbox.cmds))
	}
}

func TestConnectRefusals(t *testing.T) {
	w := newWorld(t)
	st, out := w.post("dev", "/v1/handles/connect", map[string]string{})
	if st != http.StatusCreated {
		t.Fatalf("start: %d %v", st, out)
	}
	back := w.consent(out["authorize_url"].(string), "AcmeSupport")
	// A state used once is gone; a wrong one is unknown.
	if st, out := w.post("dev", "/v1/handles/connect/callback", map[string]string{"state": "nope", "code": back.Get("code")}); st != 404 {
		t.Fatalf("unknown state: %d %v", st, out)
	}
	if st, out := w.post("dev", "/v1/handles/connect/callback", map[string]string{"state": back.Get("state")}); st != 400 {
		t.Fatalf("no code: %d %v", st, out)
	}
	// Not an admin (a signed-in agent without the group): 403; no token: 401.
	if st, _ := w.post("other", "/v1/handles/connect", map[string]string{}); st != 401 {
		t.Fatalf("no valid token: %d", st)
	}
	// Reconnecting a handle as another X account is refused.
	h, err := w.service.RegisterHandle(context.Background(), casework.NewHandle{ScreenName: "AcmeSupport", XUserID: sample.Brands[0].XUserID,
		CredentialsSecret: sample.Brands[0].Secret})
	if err != nil {
		t.Fatal(err)
	}
	if st, out := w.connect("AcmeDeals", h.ID); st != 409 {
		t.Fatalf("reconnect as another account: %d %v", st, out)
	}
}
