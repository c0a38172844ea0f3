// Package secrets reads the X credentials the product needs: the X app's
// consumer key and secret, and each brand handle's OAuth 1.0a access token
// and secret. In AWS they live in Secrets Manager (SecretsManager), the one
// source the functions build; the local run and the tests construct a Static
// source themselves (the local run's from shared/dev/sample) and hand it in.
//
// A Cache fetches a secret on first use (never when a function starts) and
// keeps it for the life of the process; Invalidate forces one re-read, which
// the X adapter does when X answers 401.
//
// Credential values never appear in logs or error messages: the credential
// types print themselves redacted.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
)

// ErrNotFound is returned (wrapped) for a secret the source does not hold.
var ErrNotFound = errors.New("secrets: secret not found")

// Source reads a secret's raw value by its name (or ARN).
type Source interface {
	GetSecret(ctx context.Context, name string) ([]byte, error)
}

// AppCredentials are the X app's consumer key and secret, and its OAuth 2.0
// client id and secret when the app connects handles with OAuth 2.0. The
// secret holds them as JSON: {"consumer_key": "...", "consumer_secret":
// "...", "client_id": "...", "client_secret": "..."}.
type AppCredentials struct {
	ConsumerKey    string `json:"consumer_key"`
	ConsumerSecret string `json:"consumer_secret"`
	ClientID       string `json:"client_id,omitempty"`
	ClientSecret   string `json:"client_secret,omitempty"`
}

// UserCredentials are an X user's OAuth 1.0a access token and secret (a
// brand handle's). The secret holds them as JSON:
// {"access_token": "...", "access_token_secret": "..."}.
type UserCredentials struct {
	AccessToken       string `json:"access_token"`
	AccessTokenSecret string `json:"access_token_secret"`
}

// ParseApp decodes and checks an app credentials secret.
func ParseApp(raw []byte) (AppCredentials, error) {
	var c AppCredentials
	if err := json.Unmarshal(raw, &c); err != nil {
		// The JSON error can quote the value; keep only its kind.
		return AppCredentials{}, errors.New("secrets: app credentials are not a JSON object")
	}
	if c.ConsumerKey == "" || c.ConsumerSecret == "" {
		return AppCredentials{}, errors.New("secrets: app credentials need consumer_key and consumer_secret")
	}
	return c, nil
}

// ParseUser decodes and checks a user credentials secret.
func ParseUser(raw []byte) (UserCredentials, error) {
	var c UserCredentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return UserCredentials{}, errors.New("secrets: user credentials are not a JSON object")
	}
	if c.AccessToken == "" || c.AccessTokenSecret == "" {
		return UserCredentials{}, errors.New("secrets: user credentials need access_token and access_token_secret")
	}
	return c, nil
}

// String keeps the values out of logs and error messages.
func (c AppCredentials) String() string {
	return fmt.Sprintf("AppCredentials{ConsumerKey:%s ConsumerSecret:[redacted] ClientID:%s ClientSecret:%s}", redact(c.ConsumerKey), redact(c.ClientID), redact(c.ClientSecret))
}

// GoString is String, so %#v redacts too.
func (c AppCredentials) GoString() string { return c.String() }

// LogValue keeps the values out of slog output.
func (c AppCredentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// String keeps the values out of logs and error messages.
func (c UserCredentials) String() string {
	return fmt.Sprintf("UserCredentials{AccessToken:%s AccessTokenSecret:[redacted]}", redact(c.AccessToken))
}

// GoString is String, so %#v redacts too.
func (c UserCredentials) GoString() string { return c.String() }

// LogValue keeps the values out of slog output.
func (c UserCredentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// redact shows whether a value is set, never the value.
func redact(s string) string {
	if s == "" {
		return "[empty]"
	}
	return "[redacted]"
}
