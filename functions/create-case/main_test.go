package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/lambdatest"
	"github.com/acme/twitter-cases/shared/dev/sample"
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
	if len(cmds) != 1 || cmds[0].Kind != casework.CmdTweet || cmds[0].HandleID != sample.Brands[0].HandleID {
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

// TestIdempotencyKeyWithACommaThroughAPIGateway: api-proxy splits the
// header at commas, so `order-5521,attempt-1` and `order-5521,attempt-2`
// would both be read as `order-5521`, the second case silently replayed.
// Both are refused, nothing is queued, and a key of the alphabet works.
func TestIdempotencyKeyWithACommaThroughAPIGateway(t *testing.T) {
	d := local.Deploy(t)
	h := lambdatest.Build(t, handler)
	for _, key := range []string{"order-5521,attempt-1", "order-5521,attempt-2", "order-5521, attempt-3", "order 5521"} {
		ev := lambdatest.Event(t, "create-case.json")
		ev.Headers["idempotency-key"] = key
		resp := lambdatest.Invoke(t, h, ev)
		lambdatest.WantStatus(t, resp, 400)
		if !strings.Contains(resp.Body, `"code":"invalid_idempotency_key"`) {
			t.Errorf("key %q: %s", key, resp.Body)
		}
	}
	if cmds := d.Commands(t); len(cmds) != 0 {
		t.Fatalf("refused keys queued %+v", cmds)
	}
	ev := lambdatest.Event(t, "create-case.json")
	ev.Headers["idempotency-key"] = "order-5521:attempt-1"
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, ev), 201)
	if cmds := d.Commands(t); len(cmds) != 1 {
		t.Fatalf("commands = %+v", cmds)
	}
}
