package functions

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/queues"
)

// Every route is "METHOD /path", served by one function; every queue has
// one consumer, with a batch Lambda can take; every function is sized and
// has exactly one kind of trigger: routes, a queue or a schedule.
func TestSpecs(t *testing.T) {
	seen := map[string]string{}
	consumers := map[string]string{}
	for _, f := range All {
		if f.Name == "" || f.Description == "" || f.MemoryMB < 128 || f.FunctionTimeout() <= 0 {
			t.Errorf("%q: name, description, memory %d MB, timeout %v", f.Name, f.MemoryMB, f.FunctionTimeout())
		}
		triggers := 0
		for _, has := range []bool{len(f.Routes) > 0, f.Consumes != nil, f.Schedule > 0} {
			if has {
				triggers++
			}
		}
		if triggers != 1 {
			t.Errorf("%s: want one kind of trigger (routes, a queue or a schedule), not %d", f.Name, triggers)
		}
		if f.Schedule != 0 && (f.Schedule < time.Minute || f.Schedule%time.Minute != 0) {
			t.Errorf("%s: schedule %v is not whole minutes (EventBridge's rate unit)", f.Name, f.Schedule)
		}
		for _, r := range f.Routes {
			method, path := Route(r)
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, method) || !strings.HasPrefix(path, "/") {
				t.Errorf("%s: route %q", f.Name, r)
			}
			if other, ok := seen[r]; ok {
				t.Errorf("%s is served by %s and %s", r, other, f.Name)
			}
			seen[r] = f.Name
		}
		if q := f.Consumes; q != nil {
			if other, ok := consumers[q.Name]; ok {
				t.Errorf("%s is consumed by %s and %s", q.Name, other, f.Name)
			}
			consumers[q.Name] = f.Name
			if f.BatchSize < 1 || f.BatchSize > 10 || q.FIFO && f.BatchWindow != 0 {
				t.Errorf("%s: batch %d, window %v on %s", f.Name, f.BatchSize, f.BatchWindow, q.Name)
			}
		} else if f.BatchSize != 0 || f.BatchWindow != 0 || f.CallsX {
			t.Errorf("%s: batch settings without a queue", f.Name)
		}
	}
	for _, q := range queues.Definitions {
		if consumers[q.Name] == "" {
			t.Errorf("nothing consumes %s", q.Name)
		}
	}
}

// Env gives exactly the variables a function's access calls for.
func TestEnv(t *testing.T) {
	r := Resources{TableName: "t", OutboundQueueURL: "o", InboundQueueURL: "i", XAppSecret: "x", XChatKeyPrefix: "k/"}
	c := Config{LogLevel: "debug", TweetMaxLength: 280, AllowedOrigins: []string{"https://a", "https://b"}, Stage: "prod", XWebhookID: "42", PhoneRegion: "GB"}
	for _, tc := range []struct {
		name string
		want map[string]string
	}{
		{"create-case", map[string]string{"LOG_LEVEL": "debug", "TABLE_NAME": "t", "OUTBOUND_QUEUE_URL": "o",
			"TWEET_MAX_LENGTH": "280", "ALLOWED_ORIGINS": "https://a,https://b"}},
		{"console", map[string]string{"LOG_LEVEL": "debug", "TABLE_NAME": "t", "OUTBOUND_QUEUE_URL": "o", "X_APP_SECRET": "x",
			"TWEET_MAX_LENGTH": "280", "ALLOWED_ORIGINS": "https://a,https://b"}},
		{"customers", map[string]string{"LOG_LEVEL": "debug", "TABLE_NAME": "t", "X_APP_SECRET": "x",
			"TWEET_MAX_LENGTH": "280", "ALLOWED_ORIGINS": "https://a,https://b", "DEFAULT_PHONE_REGION": "GB", "GOGC": "200"}},
		{"twitter-webhook", map[string]string{"LOG_LEVEL": "debug", "TABLE_NAME": "t", "INBOUND_QUEUE_URL": "i", "X_APP_SECRET": "x"}},
		{"inbound-worker", map[string]string{"LOG_LEVEL": "debug", "TABLE_NAME": "t", "X_APP_SECRET": "x", "X_CHAT_KEY_PREFIX": "k/"}},
		{"outbound-worker", map[string]string{"LOG_LEVEL": "debug", "TABLE_NAME": "t", "OUTBOUND_QUEUE_URL": "o", "X_APP_SECRET": "x",
			"STAGE": "prod", "X_WEBHOOK_ID": "42", "X_CHAT_KEY_PREFIX": "k/"}},
		{"reconciler", map[string]string{"LOG_LEVEL": "debug", "TABLE_NAME": "t", "OUTBOUND_QUEUE_URL": "o"}},
	} {
		f, ok := ByName(tc.name)
		if !ok {
			t.Fatalf("no %s", tc.name)
		}
		got := f.Env(r, c)
		if len(got) != len(tc.want) {
			t.Errorf("%s: env %v, want %v", tc.name, got, tc.want)
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got[k], v)
			}
		}
	}
}
