package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/localaws"
	"github.com/acme/twitter-cases/shared/table"
)

var dynamoEndpoint string

func TestMain(m *testing.M) {
	srv, err := localaws.StartDynamoDB(context.Background(), localaws.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	dynamoEndpoint = srv.Endpoint
	code := m.Run()
	srv.Stop()
	os.Exit(code)
}

// TestHealthThroughAPIGateway feeds the sample API Gateway event through
// the same wiring Lambda uses (configuration from the environment, the SDK's
// default configuration, api-proxy) and checks the answer.
func TestHealthThroughAPIGateway(t *testing.T) {
	ctx := context.Background()
	if err := localaws.EnsureTable(ctx, localaws.DynamoDBClient(dynamoEndpoint), "console-test", table.Definition); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../events/apigw/healthz.json")
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		table  string
		status int
	}{
		{"console-test", 200},
		{"no-such-table", 503}, // the store does not answer for it
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			t.Setenv("AWS_ACCESS_KEY_ID", "local")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
			t.Setenv("AWS_REGION", localaws.Region)
			t.Setenv("TABLE_NAME", tt.table)
			t.Setenv("DYNAMODB_ENDPOINT", dynamoEndpoint)
			cfg, err := config.FromEnv(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			h, err := handler(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := httpadapter.NewV2(h).ProxyWithContext(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.status == 200 && resp.Body != "{\"status\":\"ok\"}\n" {
				t.Errorf("body = %q", resp.Body)
			}
		})
	}
}
