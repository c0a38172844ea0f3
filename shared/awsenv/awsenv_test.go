package awsenv

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		region  string
		token   string
		wantErr string
	}{
		{name: "what Lambda sets", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIA1",
			"AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok"}, region: "eu-west-1", token: "tok"},
		{name: "default region, no session token", env: map[string]string{"AWS_DEFAULT_REGION": "us-east-2",
			"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s"}, region: "us-east-2"},
		{name: "AWS_REGION wins", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-2",
			"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s"}, region: "eu-west-1"},
		{name: "no region", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIA1", "AWS_SECRET_ACCESS_KEY": "s"}, wantErr: "AWS_REGION"},
		{name: "no secret key", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIA1"}, wantErr: "AWS_SECRET_ACCESS_KEY"},
		{name: "nothing", env: map[string]string{}, wantErr: "AWS_REGION is not set\nAWS_ACCESS_KEY_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Config(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tt.region {
				t.Errorf("region %q, want %q", cfg.Region, tt.region)
			}
			c, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || c.AccessKeyID != "AKIA1" || c.SecretAccessKey != "s" || c.SessionToken != tt.token || !c.HasKeys() {
				t.Errorf("credentials %+v, %v", c, err)
			}
		})
	}
}

// TestServiceEndpoints: the service clients find the endpoints the
// environment names, as with the SDK's own environment configuration.
func TestServiceEndpoints(t *testing.T) {
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000"}
	cfg, err := Config(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.ConfigSources[0].(interface {
		GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
	})
	for sdkID, want := range map[string]string{"Secrets Manager": "http://127.0.0.1:4566", "DynamoDB": "http://127.0.0.1:9000"} {
		if got, ok, err := p.GetServiceBaseEndpoint(context.Background(), sdkID); got != want || !ok || err != nil {
			t.Errorf("%s: %q %v %v, want %q", sdkID, got, ok, err, want)
		}
	}
	// And a real client takes it.
	if got := aws.ToString(secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint); got != "http://127.0.0.1:4566" {
		t.Errorf("the Secrets Manager client's endpoint is %q", got)
	}
	delete(env, "AWS_ENDPOINT_URL")
	if got, ok, _ := p.GetServiceBaseEndpoint(context.Background(), "SQS"); ok || got != "" {
		t.Errorf("SQS with no endpoint set: %q %v", got, ok)
	}
}
