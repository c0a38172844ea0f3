package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
	"github.com/acme/twitter-cases/shared/webhook"
)

var sqsEndpoint, ddbEndpoint string

var local = &localawstest.Servers{SQS: true, DynamoDB: true, Setup: func(s *localawstest.Servers) {
	sqsEndpoint, ddbEndpoint = s.SQSEndpoint, s.DynamoDBEndpoint
}}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

func apiEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile("../../events/apigw/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	return req
}

// setup creates an inbound queue and sets the function's environment the
// way Lambda would; it returns the queue's URL.
func setup(t *testing.T, secret string) string {
	t.Helper()
	prefix := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "-"
	urls, err := localaws.EnsureQueues(context.Background(), localaws.SQSClient(sqsEndpoint), prefix, []queues.Queue{queues.Inbound})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_REGION", localaws.Region)
	t.Setenv("SQS_ENDPOINT", sqsEndpoint)
	t.Setenv("DYNAMODB_ENDPOINT", ddbEndpoint)
	t.Setenv("TABLE_NAME", prefix+"table")
	t.Setenv("INBOUND_QUEUE_URL", urls[queues.Inbound.Name])
	t.Setenv("X_CONSUMER_SECRET", secret)
	return urls[queues.Inbound.Name]
}

// proxy builds the function as main does and returns its API Gateway entry
// point, with every answer checked against the OpenAPI document.
func proxy(t *testing.T) *httpadapter.HandlerAdapterV2 {
	t.Helper()
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handler(context.Background(), cfg, os.Getenv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return httpadapter.NewV2(openapitest.Handler(t, h))
}

// TestCRCThroughAPIGateway feeds events/apigw/webhook-crc.json through the
// same wiring Lambda uses.
func TestCRCThroughAPIGateway(t *testing.T) {
	setup(t, sample.ConsumerSecret)
	req := apiEvent(t, "webhook-crc.json")
	resp, err := proxy(t).ProxyWithContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"response_token":"` + webhook.ResponseToken(sample.ConsumerSecret, req.QueryStringParameters["crc_token"]) + `"}` + "\n"
	if resp.StatusCode != 200 || resp.Body != want {
		t.Errorf("answer = %d %q, want 200 %q", resp.StatusCode, resp.Body, want)
	}
}

// TestPostThroughAPIGateway feeds events/apigw/webhook-post.json through
// the function and finds its body, byte for byte, on the inbound queue.
func TestPostThroughAPIGateway(t *testing.T) {
	url := setup(t, sample.ConsumerSecret)
	req := apiEvent(t, "webhook-post.json")
	resp, err := proxy(t).ProxyWithContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("answer = %d %s", resp.StatusCode, resp.Body)
	}
	out, err := localaws.SQSClient(sqsEndpoint).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != req.Body {
		t.Errorf("queued %d messages, want the body once", len(out.Messages))
	}
}

// TestLargePostThroughAPIGateway: a signed delivery larger than a queue
// message (311 KB) is kept in the table by the function as main builds it
// (deliveryput, on the local DynamoDB) and a pointer to it queued, which
// the store reads back as the delivery (issue 21 item 9).
func TestLargePostThroughAPIGateway(t *testing.T) {
	url := setup(t, sample.ConsumerSecret)
	ctx := context.Background()
	tableName := os.Getenv("TABLE_NAME")
	ddb := localaws.DynamoDBClient(ddbEndpoint)
	if err := localaws.EnsureTable(ctx, ddb, tableName, table.Definition); err != nil {
		t.Fatal(err)
	}
	body := `{"data":{"event_uuid":"-311","event_type":"post.mention.create","filter":{"user_id":"1"},"tag":"t",` +
		`"payload":{"id":"2","author_id":"3","text":"@AcmeSupport a long story"},"includes":{"users":[` +
		strings.Repeat(`{"id":"3","username":"long_poster","name":"A long description of a reader."},`, 4200) +
		`{"id":"4","username":"x","name":"x"}]}}}`
	req := apiEvent(t, "webhook-post.json")
	req.Body = body
	req.Headers["x-twitter-webhooks-signature"] = webhook.Sign(sample.ConsumerSecret, []byte(body))
	resp, err := proxy(t).ProxyWithContext(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("answer to %d bytes = %d %s", len(body), resp.StatusCode, resp.Body)
	}
	out, err := localaws.SQSClient(sqsEndpoint).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("queued %v, %v; want one pointer", out, err)
	}
	p, ok := claimcheck.Read([]byte(aws.ToString(out.Messages[0].Body)))
	if !ok {
		t.Fatalf("queued %.200s, want a pointer", aws.ToString(out.Messages[0].Body))
	}
	got, err := claimcheck.Fetch(ctx, dynamo.New(ddb, tableName), p)
	if err != nil || string(got) != body {
		t.Errorf("the kept delivery (%d bytes, %v) is not the one posted (%d bytes)", len(got), err, len(body))
	}
}

func TestPostWithAnotherSecretIsRefused(t *testing.T) {
	setup(t, "a-different-consumer-secret")
	resp, err := proxy(t).ProxyWithContext(context.Background(), apiEvent(t, "webhook-post.json"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 {
		t.Errorf("answer = %d %s, want 401", resp.StatusCode, resp.Body)
	}
}

func TestWithoutSecretEveryRequestIsUnavailable(t *testing.T) {
	setup(t, "")
	for _, name := range []string{"webhook-crc.json", "webhook-post.json"} {
		resp, err := proxy(t).ProxyWithContext(context.Background(), apiEvent(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 503 {
			t.Errorf("%s: answer = %d %s, want 503", name, resp.StatusCode, resp.Body)
		}
	}
}

func TestInitNeedsTheQueue(t *testing.T) {
	setup(t, sample.ConsumerSecret)
	t.Setenv("INBOUND_QUEUE_URL", "")
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handler(context.Background(), cfg, os.Getenv, slog.Default()); err == nil {
		t.Error("the function started without its queue")
	}
}
