package config

import (
	"slices"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{
			name: "defaults",
			env:  map[string]string{},
			check: func(t *testing.T, c Config) {
				if c.TweetMaxLength != 140 || c.TableName != DefaultTableName || c.LogLevel != "info" || c.DevToken != "" || c.PhoneRegion != "US" || c.XAccess != "self-serve" {
					t.Errorf("defaults = %+v", c)
				}
			},
		},
		{
			name: "deployment limit and origins",
			env:  map[string]string{"TWEET_MAX_LENGTH": "280", "ALLOWED_ORIGINS": " https://a.example , ,https://b.example"},
			check: func(t *testing.T, c Config) {
				if c.TweetMaxLength != 280 {
					t.Errorf("TweetMaxLength = %d", c.TweetMaxLength)
				}
				if !slices.Equal(c.AllowedOrigins, []string{"https://a.example", "https://b.example"}) {
					t.Errorf("AllowedOrigins = %q", c.AllowedOrigins)
				}
			},
		},
		{name: "limit above X's", env: map[string]string{"TWEET_MAX_LENGTH": "281"}, wantErr: "TWEET_MAX_LENGTH"},
		{name: "limit zero", env: map[string]string{"TWEET_MAX_LENGTH": "0"}, wantErr: "TWEET_MAX_LENGTH"},
		{name: "limit not a number", env: map[string]string{"TWEET_MAX_LENGTH": "lots"}, wantErr: "TWEET_MAX_LENGTH"},
		{
			name: "phone region",
			env:  map[string]string{"DEFAULT_PHONE_REGION": " gb "},
			check: func(t *testing.T, c Config) {
				if c.PhoneRegion != "GB" {
					t.Errorf("PhoneRegion = %q, want GB", c.PhoneRegion)
				}
			},
		},
		{name: "bad phone region", env: map[string]string{"DEFAULT_PHONE_REGION": "USA"}, wantErr: "DEFAULT_PHONE_REGION"},
		{
			name: "enterprise access",
			env:  map[string]string{"X_ACCESS": "enterprise"},
			check: func(t *testing.T, c Config) {
				if c.XAccess != "enterprise" {
					t.Errorf("XAccess = %q, want enterprise", c.XAccess)
				}
			},
		},
		{name: "unknown access", env: map[string]string{"X_ACCESS": "pro"}, wantErr: "X_ACCESS"},
		{name: "bad log level", env: map[string]string{"LOG_LEVEL": "loud"}, wantErr: "LOG_LEVEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}
