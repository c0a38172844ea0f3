package stack_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/acme/twitter-cases/infra/stack"
)

func settingsOf(t *testing.T, ctx map[string]any) (stack.Settings, error) {
	t.Helper()
	return stack.SettingsFrom(awscdk.NewApp(&awscdk.AppProps{Context: &ctx}))
}

// cdk.json's context is valid and means the defaults, with its origins.
func TestProjectSettings(t *testing.T) {
	got, err := settingsOf(t, projectConfig(t).Context)
	if err != nil {
		t.Fatal(err)
	}
	want := stack.DefaultSettings
	want.AllowedOrigins = []string{"http://localhost:3000"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings = %+v\nwant       %+v", got, want)
	}
}

func TestSettingsFromContext(t *testing.T) {
	for _, tc := range []struct {
		name    string
		context map[string]any
		check   func(stack.Settings) bool
		wantErr string
	}{
		{name: "empty", context: map[string]any{}, check: func(s stack.Settings) bool {
			return reflect.DeepEqual(s, stack.DefaultSettings)
		}},
		{name: "blank strings mean unset", context: map[string]any{"alarmEmail": "", "jwtIssuer": " ", "jwtAudience": "", "xAppSecretName": ""},
			check: func(s stack.Settings) bool { return reflect.DeepEqual(s, stack.DefaultSettings) }},
		{name: "cli strings", context: map[string]any{
			"tweetMaxLength": "280", "allowedOrigins": "https://a.example.com, https://b.example.com:8443",
			"outboundConcurrency": "7", "logRetentionDays": "30", "apiRateLimit": "5", "apiBurstLimit": "9",
		}, check: func(s stack.Settings) bool {
			return s.TweetMaxLength == 280 && len(s.AllowedOrigins) == 2 && s.AllowedOrigins[1] == "https://b.example.com:8443" &&
				s.OutboundConcurrency == 7 && s.LogRetentionDays == 30 && s.APIRateLimit == 5 && s.APIBurstLimit == 9
		}},
		{name: "json list in a string", context: map[string]any{"jwtIssuer": "https://id.example.com", "jwtAudience": `["a","b"]`},
			check: func(s stack.Settings) bool { return s.ExternalJWT() && strings.Join(s.JWTAudience, ",") == "a,b" }},
		{name: "any origin", context: map[string]any{"allowedOrigins": []any{"*"}},
			check: func(s stack.Settings) bool { return len(s.AllowedOrigins) == 1 && s.AllowedOrigins[0] == "*" }},
		{name: "tweet limit too long", context: map[string]any{"tweetMaxLength": 281.0}, wantErr: `"tweetMaxLength"`},
		{name: "tweet limit not a number", context: map[string]any{"tweetMaxLength": "many"}, wantErr: `"tweetMaxLength"`},
		{name: "origin with path", context: map[string]any{"allowedOrigins": []any{"https://a.example.com/app"}}, wantErr: `"allowedOrigins"`},
		{name: "bad e-mail", context: map[string]any{"alarmEmail": "ops at example"}, wantErr: `"alarmEmail"`},
		{name: "issuer without audience", context: map[string]any{"jwtIssuer": "https://id.example.com"}, wantErr: "give both or neither"},
		{name: "audience without issuer", context: map[string]any{"jwtAudience": "console"}, wantErr: "give both or neither"},
		{name: "http issuer", context: map[string]any{"jwtIssuer": "http://id.example.com", "jwtAudience": "x"}, wantErr: `"jwtIssuer"`},
		{name: "secret ARN", context: map[string]any{"xAppSecretName": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}, wantErr: `"xAppSecretName"`},
		{name: "concurrency of one", context: map[string]any{"outboundConcurrency": 1.0}, wantErr: `"outboundConcurrency"`},
		{name: "odd retention", context: map[string]any{"logRetentionDays": 10.0}, wantErr: `"logRetentionDays"`},
		{name: "log level", context: map[string]any{"logLevel": "trace"}, wantErr: `"logLevel"`},
		{name: "phone region", context: map[string]any{"defaultPhoneRegion": "gb"},
			check: func(s stack.Settings) bool {
				return s.DefaultPhoneRegion == "GB" && s.FunctionConfig().PhoneRegion == "GB"
			}},
		{name: "X access", context: map[string]any{"xAccess": "enterprise"},
			check: func(s stack.Settings) bool {
				return s.XAccess == "enterprise" && s.FunctionConfig().XAccess == "enterprise"
			}},
		{name: "X prices", context: map[string]any{"xPrices": map[string]any{"as_of": "2026-09-01", "post_url": 0.25}},
			check: func(s stack.Settings) bool {
				return s.FunctionConfig().XPrices == `{"as_of":"2026-09-01","post_url":0.25}`
			}},
		{name: "unknown price kind", context: map[string]any{"xPrices": `{"tweet":0.1}`}, wantErr: `"xPrices"`},
		{name: "unknown X access", context: map[string]any{"xAccess": "basic"}, wantErr: `"xAccess"`},
		{name: "unknown phone region", context: map[string]any{"defaultPhoneRegion": "XX"}, wantErr: `"defaultPhoneRegion"`},
		{name: "every problem at once", context: map[string]any{"tweetMaxLength": 0.0, "logLevel": "loud"}, wantErr: `"logLevel"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := settingsOf(t, tc.context)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error = %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(got) {
				t.Errorf("settings = %+v", got)
			}
		})
	}
}

// A stack needs every function's build.
func TestNewNeedsTheBuilds(t *testing.T) {
	_, err := stack.New(awscdk.NewApp(nil), "TwitterCases-x", stack.Props{Stage: "x", Settings: stack.DefaultSettings, BuildDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "make build") {
		t.Errorf("New without builds: %v", err)
	}
}
