// Package config reads a function's settings from its environment, with a
// safe default for each so a local run needs none.
package config

import (
	"cmp"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Defaults and bounds of the settings.
const (
	DefaultTweetMaxLength = 140
	MaxTweetMaxLength     = 280
	DefaultTableName      = "twitter-cases-local"
	DefaultDevToken       = "dev"
	// DefaultPhoneRegion is the region national phone numbers are read in
	// when DEFAULT_PHONE_REGION is not set.
	DefaultPhoneRegion = "US"
	// DefaultXAccess is the X access of a deployment that names none:
	// self-serve, what a new X app has (casework.DefaultXAccess).
	DefaultXAccess = "self-serve"
)

// Config holds every setting of a deployment that the functions read.
type Config struct {
	// TableName is the DynamoDB table (TABLE_NAME).
	TableName string
	// DynamoDBEndpoint and SQSEndpoint point the SDK at local servers
	// (DYNAMODB_ENDPOINT, SQS_ENDPOINT); empty in AWS.
	DynamoDBEndpoint string
	SQSEndpoint      string
	// OutboundQueueURL and InboundQueueURL are the queues' URLs
	// (OUTBOUND_QUEUE_URL, INBOUND_QUEUE_URL).
	OutboundQueueURL string
	InboundQueueURL  string
	// TweetMaxLength is the deployment's Tweet limit (TWEET_MAX_LENGTH):
	// 140 by default, at most 280.
	TweetMaxLength int
	// AllowedOrigins are the console origins CORS allows (ALLOWED_ORIGINS, comma-separated).
	AllowedOrigins []string
	// DevToken, when set (DEV_TOKEN), is accepted as a bearer token standing
	// for the development agent; only the local run sets it.
	DevToken string
	// XAPIBaseURL points the X client somewhere other than X itself, such as
	// the simulator (X_API_BASE_URL).
	XAPIBaseURL string
	// XAppSecret names the Secrets Manager secret with the X app's consumer
	// key and secret (X_APP_SECRET).
	XAppSecret string
	// XWebhookID is the deployment's webhook on X (X_WEBHOOK_ID), which
	// the brand handles' X Activity API subscriptions deliver to; make
	// x-webhook prints it. Empty: subscriptions fail, saying so.
	XWebhookID string
	// Stage names the deployment (STAGE, default "local"); the tag of its
	// subscriptions on X (casework.SubscriptionTag).
	Stage string
	// XChatKeyPrefix starts the names of the brand handles' X Chat key
	// secrets, <prefix><x user id> (X_CHAT_KEY_PREFIX, default
	// twitter-cases/<stage>/xchat-keys/, the stack's XChatKeySecretPrefix).
	XChatKeyPrefix string
	// LogLevel is debug, info, warn or error (LOG_LEVEL, default info).
	LogLevel string
	// PhoneRegion is the region, an ISO 3166-1 alpha-2 code, that phone
	// numbers written without a country code are read in, for storing and
	// searching customers (DEFAULT_PHONE_REGION, default US; package phone
	// checks that libphonenumber knows it).
	PhoneRegion string
	// XAccess is the X access the deployment's app has (X_ACCESS):
	// "self-serve" (the default) or "enterprise"; it decides what X
	// allows (casework.XAccess).
	XAccess string
	// XPrices overrides X's published prices (X_PRICES): a JSON object of
	// US dollar amounts by kind, with an optional as_of date, read by
	// casework.ParsePricing; "" keeps casework.DefaultPricing.
	XPrices string
	// XCreditsPause is how long the outbound worker stops calling X after
	// X said the app's credits are spent (X_CREDITS_PAUSE, a Go duration
	// such as 15m; 0: casework.DefaultCreditsPause).
	XCreditsPause time.Duration
	// ComplianceEvery is how often a compliance sweep starts
	// (X_COMPLIANCE_EVERY, a Go duration such as 24h; default
	// DefaultComplianceEvery).
	ComplianceEvery time.Duration
}

// DefaultComplianceEvery is how often a compliance sweep starts when
// X_COMPLIANCE_EVERY says nothing: daily.
const DefaultComplianceEvery = 24 * time.Hour

// FromEnv reads the configuration through getenv (os.Getenv, or a map's
// lookup in tests) and reports every bad value at once.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:        cmp.Or(getenv("TABLE_NAME"), DefaultTableName),
		DynamoDBEndpoint: getenv("DYNAMODB_ENDPOINT"),
		SQSEndpoint:      getenv("SQS_ENDPOINT"),
		OutboundQueueURL: getenv("OUTBOUND_QUEUE_URL"),
		InboundQueueURL:  getenv("INBOUND_QUEUE_URL"),
		TweetMaxLength:   DefaultTweetMaxLength,
		AllowedOrigins:   splitList(getenv("ALLOWED_ORIGINS")),
		DevToken:         getenv("DEV_TOKEN"),
		XAPIBaseURL:      getenv("X_API_BASE_URL"),
		XAppSecret:       getenv("X_APP_SECRET"),
		XWebhookID:       getenv("X_WEBHOOK_ID"),
		Stage:            cmp.Or(getenv("STAGE"), "local"),
		XChatKeyPrefix:   getenv("X_CHAT_KEY_PREFIX"),
		LogLevel:         cmp.Or(getenv("LOG_LEVEL"), "info"),
		XAccess:          cmp.Or(getenv("X_ACCESS"), DefaultXAccess),
		XPrices:          getenv("X_PRICES"),
		PhoneRegion:      strings.ToUpper(cmp.Or(strings.TrimSpace(getenv("DEFAULT_PHONE_REGION")), DefaultPhoneRegion)),
	}
	if c.XChatKeyPrefix == "" {
		c.XChatKeyPrefix = "twitter-cases/" + c.Stage + "/xchat-keys/"
	}
	var problems []string
	if s := getenv("TWEET_MAX_LENGTH"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxTweetMaxLength {
			problems = append(problems, fmt.Sprintf("TWEET_MAX_LENGTH=%q must be a whole number from 1 to %d", s, MaxTweetMaxLength))
		} else {
			c.TweetMaxLength = n
		}
	}
	if s := getenv("X_CREDITS_PAUSE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d > 24*time.Hour {
			problems = append(problems, fmt.Sprintf("X_CREDITS_PAUSE=%q must be a duration from 1s to 24h, such as 15m", s))
		} else {
			c.XCreditsPause = d
		}
	}
	c.ComplianceEvery = DefaultComplianceEvery
	if s := getenv("X_COMPLIANCE_EVERY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute {
			problems = append(problems, fmt.Sprintf("X_COMPLIANCE_EVERY=%q must be a duration of a minute or more, such as 24h", s))
		} else {
			c.ComplianceEvery = d
		}
	}
	if !digits(c.XWebhookID, 19) {
		problems = append(problems, fmt.Sprintf("X_WEBHOOK_ID=%q must be X's webhook id: 1 to 19 digits", c.XWebhookID))
	}
	if !isRegionCode(c.PhoneRegion) {
		problems = append(problems, fmt.Sprintf("DEFAULT_PHONE_REGION=%q must be a two-letter region code such as US or GB", c.PhoneRegion))
	}
	if c.XAccess != "self-serve" && c.XAccess != "enterprise" {
		problems = append(problems, fmt.Sprintf("X_ACCESS=%q must be self-serve or enterprise", c.XAccess))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel))
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("config: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// isRegionCode reports whether s has the shape of an ISO 3166-1 alpha-2 code.
func isRegionCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Level returns LogLevel as a slog level (info when unset or unknown).
func (c Config) Level() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// digits reports whether s is empty or 1 to max decimal digits.
func digits(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
