package awsenv

import (
	"context"
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
