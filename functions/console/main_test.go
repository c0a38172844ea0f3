package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dev/lambdatest"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

var local *lambdatest.Local

func TestMain(m *testing.M) { os.Exit(lambdatest.Run(m, &local)) }

// TestHealthThroughAPIGateway feeds the sample API Gateway event through
// the same wiring Lambda uses (configuration from the environment, the SDK's
// default configuration, api-proxy) and checks the answer.
func TestHealthThroughAPIGateway(t *testing.T) {
	ctx := context.Background()
	local.Deploy(t)
	table := os.Getenv("TABLE_NAME")
	ev := lambdatest.Event(t, "healthz.json")
	tests := []struct {
		table  string
		status int
	}{
		{table, 200},
		{"no-such-table", 503}, // the store does not answer for it
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			t.Setenv("TABLE_NAME", tt.table)
			cfg, err := config.FromEnv(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			h, err := handler(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			resp := lambdatest.Invoke(t, h, ev)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.status == 200 && resp.Body != "{\"status\":\"ok\"}\n" {
				t.Errorf("body = %q", resp.Body)
			}
		})
	}
}

func TestCustomerSearchThroughAPIGateway(t *testing.T) {
	local.Deploy(t)
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handler(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp := lambdatest.Invoke(t, h, lambdatest.Event(t, "customers-search.json"))
	lambdatest.WantStatus(t, resp, 200)
	if !strings.Contains(resp.Body, sample.Customers[0].ID) {
		t.Errorf("body = %s", resp.Body)
	}
	lambdatest.WantStatus(t, lambdatest.Invoke(t, h, lambdatest.Event(t, "customers-search-no-jwt.json")), 401)
}
