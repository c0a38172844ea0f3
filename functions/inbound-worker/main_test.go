package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
)

var local = &localawstest.Servers{DynamoDB: true}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

// deploy makes a seeded table and the function's worker, configured from
// the environment as Lambda configures it.
func deploy(t *testing.T, name string) (*dynamo.Store, func(events.SQSEvent) events.SQSEventResponse) {
	t.Helper()
	ctx := context.Background()
	store := local.SampleStore(t, name)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", localaws.Region)
	t.Setenv("TABLE_NAME", name)
	t.Setenv("DYNAMODB_ENDPOINT", local.DynamoDBEndpoint)
	// The worker asks X what a delivery leaves out and, for an untimed
	// follow event that would change a follow state, who follows whom: X
	// is the simulator, the secrets the sample's, as in the local run.
	sim := httptest.NewServer(xsim.New(xsim.Options{Logger: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(sim.Close)
	// X as it stands after the samples' scenario: Alice has unfollowed
	// @AcmeSupport (unfollow.json), which X then confirms.
	req, err := http.NewRequest(http.MethodDelete, sim.URL+"/sim/users/alice_follows/following/AcmeSupport", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("simulated unfollow: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	sm := httptest.NewServer(localaws.NewSecretsManager(sample.Secrets()))
	t.Cleanup(sm.Close)
	t.Setenv("X_APP_SECRET", sample.AppSecret)
	t.Setenv("X_API_BASE_URL", sim.URL)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sm.URL)
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return store, func(ev events.SQSEvent) events.SQSEventResponse {
		resp, err := w.Handle(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
}

func TestInboundBatchSample(t *testing.T) {
	store, handle := deploy(t, "inbound-fn-batch")
	raw, err := os.ReadFile("../../events/sqs/inbound-batch.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if resp := handle(ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures: %+v", resp.BatchItemFailures)
	}
	cases, err := store.CasesOfCustomer(context.Background(), sample.Customers[0].ID, "", casework.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases.Items) == 0 {
		t.Error("the sample batch made no case for alice_follows")
	}
	// Delivered again: nothing changes, nothing fails.
	if resp := handle(ev); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery failures: %+v", resp.BatchItemFailures)
	}
	again, _ := store.CasesOfCustomer(context.Background(), sample.Customers[0].ID, "", casework.PageRequest{})
	if len(again.Items) != len(cases.Items) {
		t.Errorf("redelivery changed the cases: %d then %d", len(cases.Items), len(again.Items))
	}
}

// TestEverySamplePayloadApplies feeds each of events/x through the worker.
func TestEverySamplePayloadApplies(t *testing.T) {
	files, err := filepath.Glob("../../events/x/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	_, handle := deploy(t, "inbound-fn-samples")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			resp := handle(events.SQSEvent{Records: []events.SQSMessage{{MessageId: f, Body: string(body)}}})
			if len(resp.BatchItemFailures) != 0 {
				t.Errorf("%s was not applied", f)
			}
		})
	}
}
