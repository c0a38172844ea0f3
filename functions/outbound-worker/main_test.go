package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/sqsqueue"
)

var local = &localawstest.Servers{DynamoDB: true, SQS: true}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

// TestQueuedCaseIsTweeted runs the function's own wiring (configuration
// from the environment, the sample credentials read through Secrets
// Manager's stand-in, the X adapter pointed at the simulator) on a command
// the console API queued.
func TestQueuedCaseIsTweeted(t *testing.T) {
	ctx := context.Background()
	store := local.SampleStore(t, "outbound-fn")
	sqsClient := localaws.SQSClient(local.SQSEndpoint)
	urls := local.Queues(t, "fn-", queues.Definitions...)
	url := urls[queues.Outbound.Name]
	svc := casework.NewService(casework.Deps{Store: store, Outbox: sqsqueue.New(sqsClient, url)})
	_, msg, err := svc.CreateCase(ctx, casework.NewCase{CustomerID: sample.Customers[0].ID, HandleID: sample.Brands[0].HandleID,
		Text: "@" + sample.Customers[0].Handle + " from the function"})
	if err != nil {
		t.Fatal(err)
	}
	sim := xsim.New(xsim.Options{Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	sm := httptest.NewServer(localaws.NewSecretsManager(sample.Secrets()))
	defer sm.Close()

	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": localaws.Region,
		"TABLE_NAME": "outbound-fn", "DYNAMODB_ENDPOINT": local.DynamoDBEndpoint, "SQS_ENDPOINT": local.SQSEndpoint,
		"OUTBOUND_QUEUE_URL": url, "X_API_BASE_URL": srv.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL, "X_APP_SECRET": sample.AppSecret,
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	w, err := worker(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v (%d messages)", err, len(out.Messages))
	}
	m := out.Messages[0]
	resp, err := w.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{{
		MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
		Attributes: map[string]string{"ApproximateReceiveCount": "1"},
	}}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle: %v %+v", err, resp)
	}
	got, err := store.GetMessage(ctx, msg.CaseID, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != casework.StatusSent || got.XID == "" {
		t.Errorf("message = %+v %+v, want sent", got, got.Error)
	}
}
