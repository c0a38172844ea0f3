package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/secrets"
)

var local = &localawstest.Servers{DynamoDB: true}

// TestMain runs the tests, or, with XOPS_RUN_MAIN=1, the command itself:
// so TestMakeTargets runs the make targets with this binary as the command
// instead of building it three times.
func TestMain(m *testing.M) {
	if os.Getenv("XOPS_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	localawstest.Main(m, local)
}

// fixture is a deployment's table with the sample brand handles, a bare
// simulated X app (no webhook, no subscription) and a webhook that answers
// X's CRC checks.
type fixture struct {
	t     *testing.T
	sim   *xsim.Sim
	store *dynamo.Store
	hook  string
	env   map[string]string
	// secrets is what the Secrets Manager stand-in serves (and the
	// operators' commands write).
	secrets *secrets.Static
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	name := "xops-" + regexp.MustCompile(`[^a-zA-Z0-9_-]+`).ReplaceAllString(t.Name(), "-")
	store := local.SampleStore(t, name)
	sim := xsim.New(xsim.Options{Logger: slog.New(slog.DiscardHandler), DeliveryBackoff: 5 * time.Millisecond})
	simSrv := httptest.NewServer(sim.Handler())
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_ = json.NewEncoder(w).Encode(map[string]string{"response_token": xsim.Signature(sample.ConsumerSecret, []byte(r.URL.Query().Get("crc_token")))})
		}
	}))
	src := sample.Secrets()
	sm := httptest.NewServer(localaws.NewSecretsManager(src))
	t.Cleanup(func() {
		sm.Close()
		hook.Close()
		simSrv.Close()
		sim.Close()
	})
	return &fixture{t: t, sim: sim, store: store, hook: hook.URL, secrets: src, env: map[string]string{
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": localaws.Region,
		"TABLE_NAME": name, "DYNAMODB_ENDPOINT": local.DynamoDBEndpoint, "X_API_BASE_URL": simSrv.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL, "X_APP_SECRET": sample.AppSecret, "STAGE": "test", "WEBHOOK_URL": hook.URL,
	}}
}

// run runs xops in-process with the fixture's settings.
func (f *fixture) run(args ...string) (string, error) {
	f.t.Helper()
	for k, v := range f.env {
		f.t.Setenv(k, v) // the AWS SDK reads its credentials from the environment
	}
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return f.env[k] }, &out)
	return out.String(), err
}

func (f *fixture) mustRun(args ...string) string {
	f.t.Helper()
	out, err := f.run(args...)
	if err != nil {
		f.t.Fatalf("xops %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestWebhook(t *testing.T) {
	f := newFixture(t)
	out := f.mustRun("webhook")
	id := f.sim.WebhookID(f.hook)
	if id == "" || !strings.Contains(out, "id: "+id+"\n") || !strings.Contains(out, "valid: true") || !strings.Contains(out, "registered for") {
		t.Fatalf("webhook %q; output:\n%s", id, out)
	}
	// Again: nothing new is registered, the CRC check runs again.
	if out := f.mustRun("webhook"); !strings.Contains(out, "registered already") || !strings.Contains(out, "id: "+id) {
		t.Errorf("second run:\n%s", out)
	}
	puts := 0
	for _, c := range f.sim.Calls() {
		if c.Method == "PUT" && c.Path == "/2/webhooks/"+id && c.Auth == "bearer" {
			puts++
		}
	}
	if puts != 2 {
		t.Errorf("%d CRC re-checks, want 2", puts)
	}
	f.env["WEBHOOK_URL"] = ""
	if _, err := f.run("webhook"); err == nil || !strings.Contains(err.Error(), "WEBHOOK_URL") {
		t.Errorf("without a URL: %v", err)
	}
}

func TestSubscriptions(t *testing.T) {
	f := newFixture(t)
	f.mustRun("webhook")
	hook := f.sim.WebhookID(f.hook)
	f.env["X_WEBHOOK_ID"] = hook
	out := f.mustRun("subscriptions")
	ctx := context.Background()
	for _, b := range sample.Brands {
		if got := f.sim.Subscriptions(b.XUserID); len(got) != len(casework.SubscribedEventTypes) {
			t.Errorf("@%s holds %v", b.ScreenName, got)
		}
		h, err := f.store.GetHandle(ctx, b.HandleID)
		if err != nil || h.Subscriptions == nil || h.Subscriptions.Status != casework.SubsActive || len(h.Subscriptions.EventTypes) != len(casework.SubscribedEventTypes) {
			t.Errorf("@%s's recorded state %+v %v", b.ScreenName, h.Subscriptions, err)
		}
		if !strings.Contains(out, "@"+b.ScreenName+" ("+b.XUserID+", connected): 0 of 12 subscribed; missing post.mention.create") {
			t.Errorf("report lacks @%s:\n%s", b.ScreenName, out)
		}
	}
	// An extra subscription is reported, and deleted only with --prune.
	removed := casework.SubscribedEventTypes[len(casework.SubscribedEventTypes)-1]
	bearer := f.bearer()
	req, _ := http.NewRequest("DELETE", f.env["X_API_BASE_URL"]+"/2/activity/subscriptions/"+f.subID(sample.Brands[0].XUserID, removed), nil)
	req.Header.Set("Authorization", bearer)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("delete one: %v %v", resp, err)
	}
	f.addSubscription(bearer, sample.Brands[0].XUserID, "profile.update.bio", hook)
	out = f.mustRun("subscriptions")
	if !strings.Contains(out, "11 of 12 subscribed; missing "+removed+"; extra profile.update.bio") {
		t.Errorf("report:\n%s", out)
	}
	if got := f.sim.Subscriptions(sample.Brands[0].XUserID); len(got) != 13 {
		t.Errorf("without --prune: %v", got)
	}
	f.mustRun("subscriptions", "--prune")
	if got := f.sim.Subscriptions(sample.Brands[0].XUserID); len(got) != 12 || strings.Contains(strings.Join(got, ","), "profile.update.bio") {
		t.Errorf("after --prune: %v", got)
	}
}

func TestReplay(t *testing.T) {
	f := newFixture(t)
	f.mustRun("webhook")
	f.mustRun("subscriptions") // X_WEBHOOK_ID unset: the webhook of WEBHOOK_URL
	simURL := f.env["X_API_BASE_URL"]
	// A mention (any subscribed event would do: DMs are X Chat's now).
	resp, err := http.Post(simURL+"/sim/users/bob_stranger/tweets", "application/json", strings.NewReader(`{"text":"@AcmeSupport lost in an outage"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("mention: %v %v", resp, err)
	}
	f.flush()
	now := time.Now().UTC()
	out := f.mustRun("replay", "--from", now.Add(-time.Minute).Format("200601021504"), "--to", now.Format("200601021504"))
	if !strings.Contains(out, "replay job") {
		t.Errorf("output:\n%s", out)
	}
	f.flush()
	var first, again int
	for _, d := range f.sim.Deliveries() {
		if d.Kind == "post.mention.create" && d.Delivered {
			if d.Replay {
				again++
			} else {
				first++
			}
		}
	}
	if first != 1 || again != 1 {
		t.Errorf("mention delivered %d times, replayed %d times; want 1 and 1", first, again)
	}
	if _, err := f.run("replay", "--from", "yesterday", "--to", now.Format("200601021504")); err == nil {
		t.Error("a bad FROM was taken")
	}
}

// TestMakeTargets runs the make targets themselves against the simulator.
func TestMakeTargets(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make on PATH")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node on PATH (the Makefile reads cdk.json with it)")
	}
	f := newFixture(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	makeRun := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("make", append([]string{"-s", "--no-print-directory"}, args...)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "XOPS_RUN_MAIN=1", "XOPS_CMD="+os.Args[0])
		for k, v := range f.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("make %s: %s", args[0], time.Since(start))
		if err != nil {
			t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := makeRun("x-webhook"); !strings.Contains(out, "valid: true") {
		t.Errorf("make x-webhook:\n%s", out)
	}
	f.env["X_WEBHOOK_ID"] = f.sim.WebhookID(f.hook)
	if out := makeRun("x-subscriptions", "PRUNE=1"); !strings.Contains(out, "now 12 of 12 subscribed") {
		t.Errorf("make x-subscriptions:\n%s", out)
	}
	now := time.Now().UTC()
	if out := makeRun("x-replay", "FROM="+now.Add(-time.Minute).Format("200601021504"), "TO="+now.Format("200601021504")); !strings.Contains(out, "replay job") {
		t.Errorf("make x-replay:\n%s", out)
	}
	// The sample's customers (the store's own tests show what it writes).
	if out := makeRun("customers-reindex"); !regexp.MustCompile(`reindexed [1-9][0-9]* customers`).MatchString(out) {
		t.Errorf("make customers-reindex:\n%s", out)
	}
}

func (f *fixture) flush() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.sim.Flush(ctx); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) bearer() string {
	f.t.Helper()
	return "Bearer " + f.sim.BearerToken()
}

// subID returns the id of the user's subscription to the event type.
func (f *fixture) subID(userID, eventType string) string {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.env["X_API_BASE_URL"]+"/2/activity/subscriptions?max_results=1000", nil)
	req.Header.Set("Authorization", f.bearer())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			ID        string `json:"subscription_id"`
			EventType string `json:"event_type"`
			Filter    struct {
				UserID string `json:"user_id"`
			} `json:"filter"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		f.t.Fatal(err)
	}
	for _, s := range out.Data {
		if s.Filter.UserID == userID && s.EventType == eventType {
			return s.ID
		}
	}
	f.t.Fatalf("no %s subscription of %s in %s", eventType, userID, raw)
	return ""
}

// addSubscription subscribes a user to a public event type with the bearer token.
func (f *fixture) addSubscription(bearer, userID, eventType, webhookID string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.env["X_API_BASE_URL"]+"/2/activity/subscriptions",
		strings.NewReader(`{"event_type":"`+eventType+`","filter":{"user_id":"`+userID+`"},"webhook_id":"`+webhookID+`"}`))
	req.Header.Set("Authorization", bearer)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		f.t.Fatalf("add subscription: %v %v", resp, err)
	}
}

// make x-chat-keys: a handle without keys gets new ones (registered on X,
// the blob in its secret in Secrets Manager, the handle's state recorded);
// run again it keeps them; ROTATE=1 registers a new version and keeps the
// old identity; nothing of the keys is printed.
func TestChatKeys(t *testing.T) {
	f := newFixture(t)
	brand := sample.Brands[0]
	name := "twitter-cases/test/xchat-keys/" + brand.XUserID // config's default for STAGE=test
	read := func() secrets.ChatKeys {
		t.Helper()
		raw, err := f.secrets.GetSecret(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		k, err := secrets.ParseChatKeys(raw)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	out := f.mustRun("chat-keys", "--handle", "@"+brand.ScreenName)
	k := read()
	if !strings.Contains(out, "X Chat keys generated, version "+k.KeyVersion) || strings.Contains(out, k.PrivateKeys) {
		t.Fatalf("output:\n%s", out)
	}
	h, err := f.store.GetHandle(context.Background(), brand.HandleID)
	if err != nil || h.XChat == nil || h.XChat.Status != casework.ChatReady || h.XChat.KeyVersion != k.KeyVersion {
		t.Fatalf("handle state %+v, %v", h.XChat, err)
	}
	if out := f.mustRun("chat-keys", "--handle", brand.ScreenName); !strings.Contains(out, "X Chat keys kept, version "+k.KeyVersion) {
		t.Errorf("second run:\n%s", out)
	}
	out = f.mustRun("chat-keys", "--handle", brand.ScreenName, "--rotate")
	r := read()
	if r.KeyVersion == k.KeyVersion || len(r.Previous) != 1 || r.Previous[0].KeyVersion != k.KeyVersion || !strings.Contains(out, "rotated") ||
		!strings.Contains(out, "stops reading conversations") {
		t.Errorf("after rotating: %v\n%s", r, out)
	}
	if _, err := f.run("chat-keys", "--handle", "NoSuchBrand"); err == nil {
		t.Error("an unknown handle was provisioned")
	}
}
