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

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/webhook"
)

var sqsEndpoint string

var local = &localawstest.Servers{SQS: true, Setup: func(s *localawstest.Servers) { sqsEndpoint = s.SQSEndpoint }}

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
