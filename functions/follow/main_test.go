package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/consoleapi/lambdatest"
	"github.com/acme/twitter-cases/shared/sample"
	"github.com/acme/twitter-cases/shared/support"
)

var local *lambdatest.Local

func TestMain(m *testing.M) { os.Exit(lambdatest.Run(m, &local)) }

func build(t *testing.T, xusers support.XUsers) http.Handler {
	t.Helper()
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handler(context.Background(), cfg, xusers)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestFollowThroughAPIGateway(t *testing.T) {
	d := local.Deploy(t)
	h := build(t, nil)
	ev := lambdatest.Event(t, "follow.json")

	resp := lambdatest.Invoke(t, h, ev)
	lambdatest.WantStatus(t, resp, 202)
	if !strings.Contains(resp.Body, `"pending":"follow"`) {
		t.Errorf("body = %s", resp.Body)
	}
	cmds := d.Commands(t)
	if len(cmds) != 1 || cmds[0].Kind != support.CmdFollow || cmds[0].CustomerID != sample.Customers[1].ID {
		t.Fatalf("commands = %+v", cmds)
	}
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, lambdatest.WithoutAuthorizer(ev)), 401)
}

// oneUser is an X that knows one account.
type oneUser struct{ u support.XUser }

func (x oneUser) LookupUser(_ context.Context, name string) (support.XUser, error) {
	if strings.EqualFold(name, x.u.Username) {
		return x.u, nil
	}
	return support.XUser{}, support.Errorf(support.ETwitterUserNotFound, "X has no user @%s.", name)
}

// TestTwitterHandleNeedsTheXLookup: until the X adapter is wired the route
// answers 503; with a lookup it stores the handle and its X user id.
func TestTwitterHandleNeedsTheXLookup(t *testing.T) {
	local.Deploy(t)
	carol := sample.Customers[2]
	ev := lambdatest.Event(t, "follow.json")
	ev.RawPath = "/v1/customers/" + carol.ID + "/twitter"
	ev.RequestContext.HTTP.Path = ev.RawPath
	ev.Body = `{"handle":"@carol_online"}`
	ev.Headers["content-type"] = "application/json"

	lambdatest.WantStatus(t, lambdatest.Invoke(t, build(t, nil), ev), 503)
	resp := lambdatest.Invoke(t, build(t, oneUser{support.XUser{ID: "2000000000000000003", Username: "carol_online"}}), ev)
	lambdatest.WantStatus(t, resp, 200)
	if !strings.Contains(resp.Body, `"x_user_id":"2000000000000000003"`) {
		t.Errorf("body = %s", resp.Body)
	}
}
