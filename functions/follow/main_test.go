package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/lambdatest"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
)

var local *lambdatest.Local

func TestMain(m *testing.M) { os.Exit(lambdatest.Run(m, &local)) }

func build(t *testing.T) http.Handler {
	t.Helper()
	return lambdatest.Build(t, handler)
}

func TestFollowThroughAPIGateway(t *testing.T) {
	d := local.Deploy(t)
	// X allows follows through its API on Enterprise access only.
	t.Setenv("X_ACCESS", "enterprise")
	h := build(t)
	ev := lambdatest.Event(t, "follow.json")

	resp := lambdatest.Invoke(t, h, ev)
	lambdatest.WantStatus(t, resp, 202)
	if !strings.Contains(resp.Body, `"pending":"follow"`) {
		t.Errorf("body = %s", resp.Body)
	}
	cmds := d.Commands(t)
	if len(cmds) != 1 || cmds[0].Kind != casework.CmdFollow || cmds[0].CustomerID != sample.Customers[1].ID {
		t.Fatalf("commands = %+v", cmds)
	}
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, lambdatest.WithoutAuthorizer(ev)), 401)
}

// TestTwitterHandleLookedUpOnX: the function's own wiring (the X adapter
// through gotwi, signing as a connected brand handle with credentials from
// a Secrets Manager stand-in serving the sample credentials) against the
// X simulator.
func TestTwitterHandleLookedUpOnX(t *testing.T) {
	local.Deploy(t)
	carol := sample.Customers[2]
	noX := lambdatest.Event(t, "follow.json")
	noX.RawPath = "/v1/customers/" + carol.ID + "/twitter"
	noX.RequestContext.HTTP.Path = noX.RawPath
	noX.Headers["content-type"] = "application/json"
	noX.Body = `{"handle":"@carol_online"}`
	// Without an X app secret the lookup is unavailable, not pretended.
	lambdatest.WantStatus(t, lambdatest.Invoke(t, build(t), noX), 503)

	sim := xsim.New(xsim.Options{Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	// The sample credentials, read through the function's own Secrets
	// Manager path, as in AWS.
	sm := httptest.NewServer(localaws.NewSecretsManager(sample.Secrets()))
	defer sm.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sm.URL)
	t.Setenv("X_APP_SECRET", sample.AppSecret)
	t.Setenv("X_API_BASE_URL", srv.URL)
	resp, err := http.Post(srv.URL+"/sim/users", "application/json", strings.NewReader(`{"username":"carol_online","name":"Carol"}`))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || created.ID == "" {
		t.Fatalf("sim user: %v %+v", err, created)
	}
	resp.Body.Close()

	ev := lambdatest.Event(t, "follow.json")
	ev.RawPath = "/v1/customers/" + carol.ID + "/twitter"
	ev.RequestContext.HTTP.Path = ev.RawPath
	ev.Headers["content-type"] = "application/json"
	h := build(t)

	ev.Body = `{"handle":"@nobody_here"}`
	got := lambdatest.Invoke(t, h, ev)
	lambdatest.WantStatus(t, got, 422)
	if !strings.Contains(got.Body, `"twitter_user_not_found"`) {
		t.Errorf("unknown handle: %s", got.Body)
	}
	ev.Body = `{"handle":"@carol_online"}`
	got = lambdatest.Invoke(t, h, ev)
	lambdatest.WantStatus(t, got, 200)
	if !strings.Contains(got.Body, `"x_user_id":"`+created.ID+`"`) {
		t.Errorf("body = %s, want X user id %s", got.Body, created.ID)
	}
}
