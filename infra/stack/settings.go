package stack

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/phone"
)

// Context keys of the settings a deployment chooses (cdk.json's "context",
// or `cdk deploy -c key=value`). ContextStage is read by Stage.
const (
	ContextTweetMaxLength      = "tweetMaxLength"
	ContextAllowedOrigins      = "allowedOrigins"
	ContextAlarmEmail          = "alarmEmail"
	ContextJWTIssuer           = "jwtIssuer"
	ContextJWTAudience         = "jwtAudience"
	ContextXAppSecretName      = "xAppSecretName"
	ContextXWebhookID          = "xWebhookId"
	ContextOutboundConcurrency = "outboundConcurrency"
	ContextLogRetentionDays    = "logRetentionDays"
	ContextLogLevel            = "logLevel"
	ContextAPIRateLimit        = "apiRateLimit"
	ContextAPIBurstLimit       = "apiBurstLimit"
	ContextDefaultPhoneRegion  = "defaultPhoneRegion"
	ContextXAccess             = "xAccess"
	ContextXPrices             = "xPrices"
	ContextXComplianceEvery    = "xComplianceEvery"
)

// Settings are a deployment's choices; SettingsFrom reads them from the
// context, DefaultSettings holds what an empty context means.
type Settings struct {
	// TweetMaxLength is the Tweet limit the console API enforces (1–280).
	TweetMaxLength int
	// AllowedOrigins are the console origins CORS lets in ("*" for any);
	// none means no CORS at all (the console is served from the API's own
	// origin or is not a browser).
	AllowedOrigins []string
	// AlarmEmail, when set, is subscribed to the alarm topic.
	AlarmEmail string
	// JWTIssuer and JWTAudience name an external identity provider whose
	// tokens the API accepts instead of the stack's own Cognito user pool.
	// Both or neither.
	JWTIssuer   string
	JWTAudience []string
	// XAppSecretName, when set, is an existing Secrets Manager secret with
	// the X app's consumer key and secret; when empty the stack creates
	// the secret XAppSecretName(stage) with a placeholder value.
	XAppSecretName string
	// XWebhookID is the deployment's webhook on X (1 to 19 digits), which
	// make x-webhook registers and prints; the brand handles' X Activity
	// API subscriptions deliver to it. Empty until then: subscribing
	// fails, saying so.
	XWebhookID string
	// OutboundConcurrency caps the outbound worker (reserved concurrency and
	// the event source's maximum concurrency), so bursts of commands cannot
	// exhaust the brand handles' X rate limits (2–1000).
	OutboundConcurrency int
	// LogRetentionDays is how long every log group keeps its events; one of
	// CloudWatch Logs' retention periods.
	LogRetentionDays int
	// LogLevel is the functions' LOG_LEVEL: debug, info, warn or error.
	LogLevel string
	// APIRateLimit (requests per second, steady) and APIBurstLimit are the
	// HTTP API stage's default throttling, for every route.
	APIRateLimit  int
	APIBurstLimit int
	// DefaultPhoneRegion is the region (ISO 3166-1 alpha-2, one
	// libphonenumber knows) that customers' phone numbers written without
	// a country code are read in.
	DefaultPhoneRegion string
	// XAccess is the X access the deployment's app has: "self-serve"
	// (pay-per-use, the default) or "enterprise"; it decides what X
	// allows the product to do (XPLATFORM.md).
	XAccess string
	// XPrices overrides X's published prices: US dollar amounts by kind
	// and an optional as_of date, as JSON (casework.ParsePricing); ""
	// keeps X's published prices of casework.DefaultPricing.
	XPrices string
	// XComplianceEvery is how often X's batch compliance sweep starts (a
	// Go duration from 1h to 24h, default 24h): a deletion on X reaches the
	// product within this plus the sweep's own time (its alarm rings past
	// 24 hours).
	XComplianceEvery time.Duration
}

// DefaultSettings are the settings of an empty context.
var DefaultSettings = Settings{
	TweetMaxLength:      config.DefaultTweetMaxLength,
	OutboundConcurrency: 5,
	LogRetentionDays:    90,
	LogLevel:            "info",
	APIRateLimit:        50,
	APIBurstLimit:       100,
	DefaultPhoneRegion:  config.DefaultPhoneRegion,
	XAccess:             config.DefaultXAccess,
	XComplianceEvery:    config.DefaultComplianceEvery,
}

// FunctionConfig is what of the settings reaches the functions' environment.
func (s Settings) FunctionConfig() functions.Config {
	return functions.Config{LogLevel: s.LogLevel, TweetMaxLength: s.TweetMaxLength, AllowedOrigins: s.AllowedOrigins, XWebhookID: s.XWebhookID, PhoneRegion: s.DefaultPhoneRegion, XAccess: s.XAccess, XPrices: s.XPrices, ComplianceEvery: s.XComplianceEvery}
}

// ExternalJWT reports whether the API trusts an external issuer instead
// of the stack's Cognito user pool.
func (s Settings) ExternalJWT() bool { return s.JWTIssuer != "" }

// retentionPeriods are the retention periods CloudWatch Logs accepts, in days.
var retentionPeriods = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// SettingsFrom reads the settings from scope's context and checks them,
// reporting every bad value at once. A context value may be given as JSON
// (cdk.json) or as the string `cdk -c key=value` passes: numbers as
// digits, lists as JSON arrays or comma-separated.
func SettingsFrom(scope constructs.Construct) (Settings, error) {
	s := DefaultSettings
	r := &contextReader{scope: scope}
	r.intIn(ContextTweetMaxLength, &s.TweetMaxLength, 1, config.MaxTweetMaxLength)
	r.origins(&s.AllowedOrigins)
	r.alarmEmail(&s.AlarmEmail)
	r.jwt(&s.JWTIssuer, &s.JWTAudience)
	r.matching(ContextXAppSecretName, &s.XAppSecretName, secretName, "want a Secrets Manager secret name (letters, digits and /_+=.@-), not an ARN")
	r.matching(ContextXWebhookID, &s.XWebhookID, webhookID, "want X's webhook id (1 to 19 digits, as make x-webhook prints it)")
	r.intIn(ContextOutboundConcurrency, &s.OutboundConcurrency, 2, 1000)
	r.retention(&s.LogRetentionDays)
	r.logLevel(&s.LogLevel)
	r.phoneRegion(&s.DefaultPhoneRegion)
	r.str(ContextXAccess, &s.XAccess)
	if s.XAccess != "self-serve" && s.XAccess != "enterprise" {
		r.bad(ContextXAccess, s.XAccess, "want self-serve or enterprise")
	}
	r.prices(&s.XPrices)
	var every string
	r.str(ContextXComplianceEvery, &every)
	if every != "" {
		d, err := time.ParseDuration(every)
		if err != nil || d < time.Hour || d > 24*time.Hour {
			r.bad(ContextXComplianceEvery, every, "want a duration from 1h to 24h, such as 24h or 12h")
		} else {
			s.XComplianceEvery = d
		}
	}
	r.intIn(ContextAPIRateLimit, &s.APIRateLimit, 1, 10000)
	r.intIn(ContextAPIBurstLimit, &s.APIBurstLimit, 1, 5000)
	if len(r.problems) > 0 {
		return s, fmt.Errorf("%s", strings.Join(r.problems, "; "))
	}
	return s, nil
}

// contextReader reads context values of a scope, gathering every problem.
type contextReader struct {
	scope    constructs.Construct
	problems []string
}

// bad records that key's value v is not what want says.
func (r *contextReader) bad(key string, v any, want string) {
	r.problems = append(r.problems, fmt.Sprintf("context %q: %s, not %s", key, want, show(v)))
}

// get returns key's value; unset and blank strings are absent.
func (r *contextReader) get(key string) (any, bool) {
	v := r.scope.Node().TryGetContext(jsii.String(key))
	if v == nil {
		return nil, false
	}
	if str, ok := v.(string); ok && strings.TrimSpace(str) == "" {
		return nil, false
	}
	return v, true
}

// intIn reads a whole number from lo to hi into dst, when key is set.
func (r *contextReader) intIn(key string, dst *int, lo, hi int) {
	if v, ok := r.get(key); ok {
		n, ok := toInt(v)
		if !ok || n < lo || n > hi {
			r.bad(key, v, fmt.Sprintf("want a whole number from %d to %d", lo, hi))
			return
		}
		*dst = n
	}
}

// str reads a string, trimmed, into dst, when key is set.
func (r *contextReader) str(key string, dst *string) {
	if v, ok := r.get(key); ok {
		x, ok := v.(string)
		if !ok {
			r.bad(key, v, "want a string")
			return
		}
		*dst = strings.TrimSpace(x)
	}
}

// list reads a list of strings into dst, when key is set; what names its
// items in the problem.
func (r *contextReader) list(key string, dst *[]string, what string) {
	if v, ok := r.get(key); ok {
		l, ok := toStrings(v)
		if !ok {
			r.bad(key, v, "want a list of "+what)
		}
		*dst = l
	}
}

// matching reads a string that must match re, when key is set.
func (r *contextReader) matching(key string, dst *string, re *regexp.Regexp, want string) {
	r.str(key, dst)
	if *dst != "" && !re.MatchString(*dst) {
		r.bad(key, *dst, want)
	}
}

// origins reads the CORS origins: scheme://host[:port] each, or "*".
func (r *contextReader) origins(dst *[]string) {
	r.list(ContextAllowedOrigins, dst, "origins")
	for _, o := range *dst {
		if !validOrigin(o) {
			r.bad(ContextAllowedOrigins, o, `want origins such as "https://console.example.com" (scheme://host[:port], no path) or "*"`)
		}
	}
}

// alarmEmail reads the alarm topic's e-mail address.
func (r *contextReader) alarmEmail(dst *string) {
	r.str(ContextAlarmEmail, dst)
	if *dst != "" {
		if a, err := mail.ParseAddress(*dst); err != nil || a.Address != *dst {
			r.bad(ContextAlarmEmail, *dst, "want an e-mail address")
		}
	}
}

// jwt reads the external issuer (an https URL) and its audiences: both or
// neither.
func (r *contextReader) jwt(issuer *string, audience *[]string) {
	r.str(ContextJWTIssuer, issuer)
	r.list(ContextJWTAudience, audience, "audiences")
	switch {
	case *issuer == "" && len(*audience) > 0:
		r.problems = append(r.problems, fmt.Sprintf("context %q is set but %q is not: give both or neither", ContextJWTAudience, ContextJWTIssuer))
	case *issuer != "" && len(*audience) == 0:
		r.problems = append(r.problems, fmt.Sprintf("context %q is set but %q is not: give both or neither", ContextJWTIssuer, ContextJWTAudience))
	}
	if *issuer != "" {
		if u, err := url.Parse(*issuer); err != nil || u.Scheme != "https" || u.Host == "" {
			r.bad(ContextJWTIssuer, *issuer, "want the issuer's https URL")
		}
	}
}

// retention reads the log groups' retention: one of CloudWatch Logs'
// periods.
func (r *contextReader) retention(dst *int) {
	r.intIn(ContextLogRetentionDays, dst, 1, math.MaxInt32)
	if !slices.Contains(retentionPeriods, *dst) {
		r.bad(ContextLogRetentionDays, *dst, fmt.Sprintf("want one of CloudWatch Logs' retention periods %v", retentionPeriods))
	}
}

// logLevel reads the functions' LOG_LEVEL, checked as shared/config
// checks it.
func (r *contextReader) logLevel(dst *string) {
	r.str(ContextLogLevel, dst)
	if _, err := config.FromEnv(func(k string) string {
		if k == "LOG_LEVEL" {
			return *dst
		}
		return ""
	}); err != nil {
		r.bad(ContextLogLevel, *dst, "want debug, info, warn or error")
	}
}

// phoneRegion reads the region national phone numbers are read in, a
// region code the phone library knows.
func (r *contextReader) phoneRegion(dst *string) {
	r.str(ContextDefaultPhoneRegion, dst)
	*dst = strings.ToUpper(*dst)
	if !phone.ValidRegion(*dst) {
		r.bad(ContextDefaultPhoneRegion, *dst, "want a region code libphonenumber knows, such as US or GB")
	}
}

// toInt accepts a JSON number or a string of digits.
func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return 0, false
		}
		return int(x), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

// toStrings accepts a JSON array of strings, a JSON array in a string, or
// a comma-separated string; blank items are dropped.
func toStrings(v any) ([]string, bool) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case string:
		x = strings.TrimSpace(x)
		if strings.HasPrefix(x, "[") {
			if err := json.Unmarshal([]byte(x), &items); err != nil {
				return nil, false
			}
			break
		}
		for _, p := range strings.Split(x, ",") {
			items = append(items, p)
		}
	default:
		return nil, false
	}
	var out []string
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, false
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, true
}

func validOrigin(o string) bool {
	if o == "*" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// prices reads the deployment's overrides of X's prices: an object (cdk.json)
// or its JSON in a string (cdk -c), checked as the functions read it.
func (r *contextReader) prices(dst *string) {
	v, ok := r.get(ContextXPrices)
	if !ok {
		return
	}
	switch x := v.(type) {
	case string:
		*dst = strings.TrimSpace(x)
	case map[string]any:
		if len(x) == 0 {
			return
		}
		b, err := json.Marshal(x)
		if err != nil {
			r.bad(ContextXPrices, v, "want an object of US dollar amounts by kind")
			return
		}
		*dst = string(b)
	default:
		r.bad(ContextXPrices, v, "want an object of US dollar amounts by kind")
		return
	}
	if _, err := casework.ParsePricing(*dst); err != nil {
		r.bad(ContextXPrices, v, err.Error())
	}
}
