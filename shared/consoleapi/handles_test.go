package consoleapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xsetup"
)

func withCredentials(c casework.Credentials) func(*envConfig) {
	return func(e *envConfig) { e.creds = c }
}

// credentialsCheck reads from a stand-in for Secrets Manager holding a
// usable secret, ok/AcmeNews, and a malformed one, bad/AcmeNews.
func credentialsCheck() casework.Credentials {
	src := secrets.NewStatic(map[string][]byte{
		"ok/AcmeNews":  []byte(`{"access_token":"t","access_token_secret":"s"}`),
		"ok/Other":     []byte(`{"access_token":"t2","access_token_secret":"s2"}`),
		"bad/AcmeNews": []byte(`{"access_token":"t"}`),
	})
	return xsetup.CredentialsCheck{Secrets: secrets.NewCache(src)}
}

type handleJSON struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Subscriptions *struct {
		Status     string   `json:"status"`
		Detail     string   `json:"detail"`
		EventTypes []string `json:"event_types"`
	} `json:"subscriptions"`
}

func TestRegisterHandleQueuesItsSubscriptions(t *testing.T) {
	e := newEnv(t, withCredentials(credentialsCheck()))
	var h handleJSON
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "AcmeNews", "x_user_id": "1000000000000000003", "credentials_secret": "ok/AcmeNews"}).want(t, 201, &h)
	if h.Subscriptions == nil || h.Subscriptions.Status != "pending" {
		t.Errorf("subscriptions %+v, want pending", h.Subscriptions)
	}
	cmds := e.wantCommands(casework.CmdSubscribe)
	if cmds[0].HandleID != h.ID || cmds[0].XUserID != "1000000000000000003" {
		t.Errorf("command %+v", cmds[0])
	}

	// A secret that is missing or lacks a field: 422 naming the field.
	for _, secret := range []string{"missing/AcmeNews", "bad/AcmeNews"} {
		r := e.do("POST", "/v1/handles", map[string]string{"screen_name": "AcmeMore", "x_user_id": "1000000000000000004", "credentials_secret": secret})
		r.wantProblem(t, 422, "credentials_unusable")
		if !strings.Contains(string(r.body), `"name":"credentials_secret"`) {
			t.Errorf("%s: %s", secret, string(r.body))
		}
	}
	e.wantCommands()

	// Queueing fails: the handle is registered, its subscriptions failed with the reason.
	e.outbox.fail.Store(true)
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "AcmeMore", "x_user_id": "1000000000000000004", "credentials_secret": "ok/Other"}).want(t, 201, &h)
	if h.Subscriptions == nil || h.Subscriptions.Status != "failed" || !strings.Contains(h.Subscriptions.Detail, "could not be queued") {
		t.Errorf("subscriptions %+v, want failed", h.Subscriptions)
	}
}

func TestPatchHandleReconnects(t *testing.T) {
	e := newEnv(t, withCredentials(credentialsCheck()))
	var h handleJSON
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "AcmeNews", "x_user_id": "1000000000000000003", "credentials_secret": "ok/AcmeNews"}).want(t, 201, &h)
	e.wantCommands(casework.CmdSubscribe)

	// Revoked (as the inbound worker records an oauth revoke).
	stored, err := e.store.GetHandle(e.ctx, h.ID)
	must(t, err)
	stored.Status = casework.HandleDisconnected
	must(t, e.store.PutHandle(e.ctx, stored))

	// Registering it again is refused, pointing at PATCH.
	r := e.do("POST", "/v1/handles", map[string]string{"screen_name": "AcmeNews", "x_user_id": "1000000000000000003", "credentials_secret": "ok/AcmeNews"})
	r.wantProblem(t, 409, "conflict")
	if !strings.Contains(string(r.body), "PATCH /v1/handles/"+h.ID) {
		t.Errorf("409 does not say how to reconnect: %s", string(r.body))
	}
	// Reconnecting with credentials that cannot be used is refused.
	e.do("PATCH", "/v1/handles/"+h.ID, map[string]string{"status": "connected", "credentials_secret": "bad/AcmeNews"}).wantProblem(t, 422, "credentials_unusable")
	e.do("PATCH", "/v1/handles/"+h.ID, map[string]string{}).wantProblem(t, 400, "validation_failed")
	e.do("PATCH", "/v1/handles/"+h.ID, map[string]string{"status": "sleeping"}).wantProblem(t, 400, "validation_failed")
	e.do("PATCH", "/v1/handles/01JDNOSUCHHANDLE0000000000", map[string]string{"status": "connected"}).wantProblem(t, 404, "not_found")
	e.wantCommands()

	e.do("PATCH", "/v1/handles/"+h.ID, map[string]string{"status": "connected", "credentials_secret": "ok/Other"}).want(t, 200, &h)
	if h.Status != "connected" || h.Subscriptions == nil || h.Subscriptions.Status != "pending" {
		t.Errorf("reconnected %+v %+v", h, h.Subscriptions)
	}
	e.wantCommands(casework.CmdSubscribe)
	if got, _ := e.store.GetHandle(e.ctx, h.ID); got.CredentialsSecret != "ok/Other" {
		t.Errorf("credentials secret %q", got.CredentialsSecret)
	}
	// The same again changes nothing and queues nothing.
	e.do("PATCH", "/v1/handles/"+h.ID, map[string]string{"status": "connected"}).want(t, 200, &h)
	e.wantCommands()
}

func TestDeleteHandle(t *testing.T) {
	e := newEnv(t)
	caseID, _ := e.inboundCase(bob, deals2, "bob_stranger", "3000000000000000001")

	e.outbox.fail.Store(true)
	e.do("DELETE", "/v1/handles/"+deals2, nil).wantProblem(t, 503, "unavailable")
	e.outbox.fail.Store(false)
	if _, err := e.store.GetHandle(e.ctx, deals2); err != nil {
		t.Fatalf("the handle went although its unsubscribe was not queued: %v", err)
	}

	r := e.do("DELETE", "/v1/handles/"+deals2, nil)
	if r.status != 204 {
		t.Fatalf("delete = %d %s", r.status, string(r.body))
	}
	cmds := e.wantCommands(casework.CmdUnsubscribe)
	if cmds[0].HandleID != deals2 || cmds[0].XUserID != "1000000000000000002" {
		t.Errorf("command %+v", cmds[0])
	}
	var l list[handleJSON]
	e.do("GET", "/v1/handles", nil).want(t, 200, &l)
	if len(l.Items) != 1 || l.Items[0].ID != support1 {
		t.Errorf("handles after delete %+v", l.Items)
	}
	// Its cases stay readable.
	e.do("GET", "/v1/cases/"+caseID, nil).want(t, 200, nil)
	e.do("DELETE", "/v1/handles/"+deals2, nil).wantProblem(t, 404, "not_found")
	// Its X account can be registered again.
	e.do("POST", "/v1/handles", map[string]string{"screen_name": "AcmeDeals", "x_user_id": "1000000000000000002", "credentials_secret": "test/x/AcmeDeals"}).want(t, 201, nil)
}

// GET /v1/handles says per handle whether it can send and read DMs (X
// Chat) and why not, and gives nothing of its keys but their version.
func TestHandlesSayWhetherXChatIsReady(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	hs, err := e.store.ListHandles(ctx)
	if err != nil || len(hs) == 0 {
		t.Fatalf("handles %v, %v", hs, err)
	}
	h := hs[0]
	chatSubs := &casework.Subscriptions{Status: casework.SubsActive, EventTypes: []string{"chat.received", "chat.sent", "post.mention.create"}}
	type xChat struct {
		Ready      bool   `json:"ready"`
		Reason     string `json:"reason"`
		Detail     string `json:"detail"`
		KeyVersion string `json:"key_version"`
	}
	for _, tt := range []struct {
		name   string
		change func(h *casework.BrandHandle)
		want   xChat
	}{
		{"never provisioned", func(h *casework.BrandHandle) { h.XChat, h.Subscriptions = nil, chatSubs }, xChat{Reason: casework.EHandleChatKeysMissing}},
		{"revoked", func(h *casework.BrandHandle) {
			h.XChat = &casework.ChatIdentity{Status: casework.ChatKeysRevoked, Detail: "X refused the keys"}
		}, xChat{Reason: casework.EHandleChatKeysRevoked, Detail: "X refused the keys"}},
		{"not subscribed to chat", func(h *casework.BrandHandle) {
			h.XChat = &casework.ChatIdentity{Status: casework.ChatReady, KeyVersion: "1765000000000"}
			h.Subscriptions = &casework.Subscriptions{Status: casework.SubsActive, EventTypes: []string{"dm.received", "dm.sent"}}
		}, xChat{Reason: casework.ReasonChatNotSubscribed, KeyVersion: "1765000000000"}},
		{"ready", func(h *casework.BrandHandle) { h.Subscriptions = chatSubs }, xChat{Ready: true, KeyVersion: "1765000000000"}},
		{"disconnected", func(h *casework.BrandHandle) { h.Status = casework.HandleDisconnected }, xChat{Reason: casework.EHandleDisconnected, KeyVersion: "1765000000000"}},
	} {
		cur, err := e.store.GetHandle(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		tt.change(cur)
		if err := e.store.PutHandle(ctx, cur); err != nil {
			t.Fatal(err)
		}
		var list struct {
			Items []struct {
				ID    string `json:"id"`
				XChat xChat  `json:"x_chat"`
			} `json:"items"`
		}
		e.do("GET", "/v1/handles", nil).want(t, 200, &list)
		for _, it := range list.Items {
			if it.ID != h.ID {
				continue
			}
			got := it.XChat
			if got.Ready != tt.want.Ready || got.Reason != tt.want.Reason || got.KeyVersion != tt.want.KeyVersion ||
				(tt.want.Detail != "" && got.Detail != tt.want.Detail) || (!got.Ready && got.Detail == "") {
				t.Errorf("%s: x_chat %+v, want %+v", tt.name, got, tt.want)
			}
		}
	}
}
