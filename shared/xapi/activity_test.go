package xapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/xapi"
)

// crcHook answers X's CRC checks as the product's webhook does and accepts
// every delivery.
func crcHook(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_ = json.NewEncoder(w).Encode(map[string]string{"response_token": xsim.Signature(sample.ConsumerSecret, []byte(r.URL.Query().Get("crc_token")))})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWebhooksAndSubscriptions(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	ctx := context.Background()
	hookSrv := crcHook(t)

	hook, err := f.client.CreateWebhook(ctx, hookSrv.URL)
	if err != nil || hook.ID == "" || !hook.Valid {
		t.Fatalf("create webhook: %+v %v", hook, err)
	}
	if _, err := f.client.CreateWebhook(ctx, hookSrv.URL); !xapi.IsConflict(err) {
		t.Errorf("the same URL again: %v", err)
	}
	if hs, err := f.client.Webhooks(ctx); err != nil || len(hs) != 1 || hs[0] != hook {
		t.Errorf("webhooks: %+v %v", hs, err)
	}
	if ok, err := f.client.ValidateWebhook(ctx, hook.ID); err != nil || !ok {
		t.Errorf("validate: %v %v", ok, err)
	}

	sub, err := f.client.CreateSubscription(ctx, acmeSupport, "dm.received", "twitter-cases-test", hook.ID)
	if err != nil || sub.ID == "" || sub.EventType != "dm.received" || sub.UserID != acmeSupport.XUserID || sub.Tag != "twitter-cases-test" || sub.WebhookID != hook.ID {
		t.Fatalf("create subscription: %+v %v", sub, err)
	}
	if _, err := f.client.CreateSubscription(ctx, acmeSupport, "dm.received", "twitter-cases-test", hook.ID); !xapi.IsConflict(err) {
		t.Errorf("duplicate: %v", err)
	}
	// X refuses another user's private events: the reason reaches the caller.
	wrong := acmeDeals
	wrong.XUserID = acmeSupport.XUserID
	if _, err := f.client.CreateSubscription(ctx, wrong, "dm.received", "", hook.ID); !xapi.IsPermanent(err) {
		t.Errorf("another user's private event: %v", err)
	} else if e, _ := xapi.AsError(err); e.Reason() == "" {
		t.Errorf("no reason in %v", err)
	}
	for name, list := range map[string]func(context.Context) ([]casework.XSubscription, error){
		"as the brand": func(ctx context.Context) ([]casework.XSubscription, error) {
			return f.client.Subscriptions(ctx, acmeSupport)
		},
		"as the app": f.client.AppSubscriptions,
	} {
		if subs, err := list(ctx); err != nil || len(subs) != 1 || subs[0] != sub {
			t.Errorf("list %s: %+v %v", name, subs, err)
		}
	}

	if err := f.client.DeleteSubscription(ctx, sub.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := f.client.DeleteSubscription(ctx, sub.ID); !xapi.IsNotFound(err) {
		t.Errorf("delete again: %v", err)
	}
	var bearer, basic int
	for _, c := range f.sim.Calls() {
		switch {
		case c.Method == "DELETE" && c.Auth == "bearer":
			bearer++
		case c.Path == "/oauth2/token" && c.Auth == "basic" && c.Status == 200:
			basic++
		}
	}
	if bearer != 2 || basic != 1 {
		t.Errorf("deletes with the bearer token %d (want 2), token grants %d (want 1)", bearer, basic)
	}

	now := time.Now()
	if job, err := f.client.Replay(ctx, hook.ID, now.Add(-time.Hour), now); err != nil || job == "" {
		t.Errorf("replay: %q %v", job, err)
	}
}
