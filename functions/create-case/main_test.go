package main

import (
	"context"
	"os"
	"testing"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/consoleapi/lambdatest"
	"github.com/acme/twitter-cases/shared/sample"
	"github.com/acme/twitter-cases/shared/support"
)

var local *lambdatest.Local

func TestMain(m *testing.M) { os.Exit(lambdatest.Run(m, &local)) }

// TestCreateCaseThroughAPIGateway feeds the sample event through the
// function's wiring: the case is created, the Tweet queued once however
// often the event is retried, and without JWT claims nothing happens.
func TestCreateCaseThroughAPIGateway(t *testing.T) {
	d := local.Deploy(t)
	h := lambdatest.Build(t, handler)
	ev := lambdatest.Event(t, "create-case.json")

	resp := lambdatest.Invoke(t, h, ev)
	lambdatest.WantStatus(t, resp, 201)
	cmds := d.Commands(t)
	if len(cmds) != 1 || cmds[0].Kind != support.CmdTweet || cmds[0].HandleID != sample.Brands[0].HandleID {
		t.Fatalf("commands = %+v", cmds)
	}
	again := lambdatest.Invoke(t, h, ev) // the same Idempotency-Key
	lambdatest.WantStatus(t, again, 201)
	if again.Body != resp.Body {
		t.Errorf("replay %s, want %s", again.Body, resp.Body)
	}
	if cmds := d.Commands(t); len(cmds) != 0 {
		t.Errorf("the replay queued %+v", cmds)
	}
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, lambdatest.WithoutAuthorizer(ev)), 401)
}

func TestHandlerNeedsTheQueue(t *testing.T) {
	local.Deploy(t)
	t.Setenv("OUTBOUND_QUEUE_URL", "")
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handler(context.Background(), cfg); err == nil {
		t.Error("handler built without an outbound queue")
	}
}
