package outbound

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/sqspoll"
	"github.com/acme/twitter-cases/shared/dev/xsim"
)

// subsEnv is the outbound path with a webhook registered on the simulated
// X app and a worker that subscribes brand handles to it.
type subsEnv struct {
	*env
	webhookID string
	poller    *sqspoll.Poller
}

func newSubsEnv(t *testing.T, withWebhook bool) *subsEnv {
	t.Helper()
	e := &subsEnv{env: newEnv(t, options{})}
	if withWebhook {
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				_ = json.NewEncoder(w).Encode(map[string]string{"response_token": xsim.Signature(sample.ConsumerSecret, []byte(r.URL.Query().Get("crc_token")))})
			}
		}))
		t.Cleanup(hook.Close)
		h, err := e.x.CreateWebhook(context.Background(), hook.URL)
		if err != nil {
			t.Fatal(err)
		}
		e.webhookID = h.ID
	}
	quiet := slog.New(slog.DiscardHandler)
	w := New(Deps{Store: e.store, X: e.x, Subscriptions: SubscriptionConfig{WebhookID: e.webhookID, Tag: casework.SubscriptionTag("test")},
		Delayer: e.queue, Logger: quiet, Backoff: func(int) time.Duration { return 0 }})
	e.poller = sqspoll.New(localaws.SQSClient(local.SQSEndpoint), e.queueURL, w.Handle, sqspoll.WithLogger(quiet), sqspoll.WithWaitTime(1))
	return e
}

// until polls the queue until the handle's subscriptions leave pending.
func (e *subsEnv) until(handleID string) *casework.Subscriptions {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h, err := e.store.GetHandle(context.Background(), handleID)
		if err != nil {
			e.t.Fatal(err)
		}
		if h.Subscriptions != nil && h.Subscriptions.Status != casework.SubsPending {
			return h.Subscriptions
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("subscriptions still %+v", h.Subscriptions)
		}
		if _, err := e.poller.PollOnce(context.Background()); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *subsEnv) calls(method, path string) []xsim.APICall {
	var out []xsim.APICall
	for _, c := range e.sim.Calls() {
		if c.Method == method && strings.HasPrefix(c.Path, path) {
			out = append(out, c)
		}
	}
	return out
}

func TestSubscribeCommand(t *testing.T) {
	e := newSubsEnv(t, true)
	ctx := context.Background()
	brand := sample.Brands[0]
	h, err := e.svc.SubscribeHandle(ctx, brand.HandleID)
	if err != nil || h.Subscriptions.Status != casework.SubsPending {
		t.Fatalf("subscribe: %+v %v", h, err)
	}
	st := e.until(brand.HandleID)
	if st.Status != casework.SubsActive || len(st.EventTypes) != len(casework.SubscribedEventTypes) {
		t.Fatalf("state %+v", st)
	}
	if got := e.sim.Subscriptions(brand.XUserID); len(got) != len(casework.SubscribedEventTypes) {
		t.Errorf("X holds %v", got)
	}
	creates := e.calls("POST", "/2/activity/subscriptions")
	for _, c := range creates {
		var body struct {
			Tag       string `json:"tag"`
			WebhookID string `json:"webhook_id"`
		}
		_ = json.Unmarshal(c.Body, &body)
		if c.Auth != "oauth1" || c.UserID != brand.XUserID || body.Tag != "twitter-cases-test" || body.WebhookID != e.webhookID {
			t.Errorf("create %+v %s", c, c.Body)
		}
	}
	// Asking again lists and creates nothing.
	if _, err := e.svc.SubscribeHandle(ctx, brand.HandleID); err != nil {
		t.Fatal(err)
	}
	if st := e.until(brand.HandleID); st.Status != casework.SubsActive {
		t.Errorf("again: %+v", st)
	}
	if n := len(e.calls("POST", "/2/activity/subscriptions")); n != len(creates) {
		t.Errorf("%d creates after asking again, %d before", n, len(creates))
	}

	// Removing the handle removes its subscriptions on X, with the app's token.
	if err := e.svc.DeleteHandle(ctx, brand.HandleID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(e.sim.Subscriptions(brand.XUserID)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("X still holds %v", e.sim.Subscriptions(brand.XUserID))
		}
		if _, err := e.poller.PollOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deletes := e.calls("DELETE", "/2/activity/subscriptions/")
	if len(deletes) != len(casework.SubscribedEventTypes) || deletes[0].Auth != "bearer" {
		t.Errorf("%d deletes (%+v)", len(deletes), deletes)
	}
	if got := e.sim.Subscriptions(sample.Brands[1].XUserID); len(got) != 0 {
		t.Errorf("the other handle's subscriptions were touched: %v", got)
	}
}

func TestSubscribeFailsWithXsReason(t *testing.T) {
	e := newSubsEnv(t, true)
	ctx := context.Background()
	// A handle whose secret holds another account's token: X refuses to
	// subscribe it to its private events.
	now := time.Now().UTC()
	h := &casework.BrandHandle{ID: "01JDTESTWRONGTOKEN00000001", ScreenName: "alice_follows", XUserID: sample.Customers[0].XUser,
		CredentialsSecret: sample.Brands[0].Secret, Status: casework.HandleConnected, CreatedAt: now, UpdatedAt: now}
	if err := e.store.PutHandle(ctx, h); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SubscribeHandle(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	st := e.until(h.ID)
	if st.Status != casework.SubsFailed || !strings.Contains(st.Detail, "Private events") {
		t.Errorf("state %+v, want failed with X's reason", st)
	}
}

func TestSubscribeWithoutWebhookFails(t *testing.T) {
	e := newSubsEnv(t, false)
	if _, err := e.svc.SubscribeHandle(context.Background(), sample.Brands[1].HandleID); err != nil {
		t.Fatal(err)
	}
	if st := e.until(sample.Brands[1].HandleID); st.Status != casework.SubsFailed || !strings.Contains(st.Detail, "X_WEBHOOK_ID") {
		t.Errorf("state %+v", st)
	}
	if n := len(e.calls("POST", "/2/activity/subscriptions")); n != 0 {
		t.Errorf("%d subscriptions created without a webhook", n)
	}
}
