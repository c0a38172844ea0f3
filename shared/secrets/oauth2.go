package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// OAuth2Tokens are a brand handle connected with OAuth 2.0 (authorization
// code with PKCE): its access token, the single-use refresh token that
// replaces the pair, and when the access token expires. The secret holds
// them as JSON:
//
//	{"token_type": "bearer", "access_token": "...", "refresh_token": "...",
//	 "expires_at": "2026-12-08T05:00:00Z", "issued_at": "2026-12-08T03:00:00Z",
//	 "scope": "tweet.read ..."}
//
// token_type "bearer" tells them from OAuth 1.0a credentials. Only the
// functions that connect a handle or refresh its tokens write the secret.
type OAuth2Tokens struct {
	TokenType    string    `json:"token_type"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	ExpiresAt    time.Time `json:"expires_at"`
	// IssuedAt is when X gave the access token out (its lifetime is
	// ExpiresAt - IssuedAt).
	IssuedAt time.Time `json:"issued_at,omitzero"`
	Scope    string    `json:"scope,omitempty"`
}

// IsOAuth2 reports whether a credentials secret holds OAuth 2.0 tokens
// (rather than an OAuth 1.0a token and secret).
func IsOAuth2(raw []byte) bool {
	var probe struct {
		TokenType string `json:"token_type"`
	}
	return json.Unmarshal(raw, &probe) == nil && probe.TokenType == "bearer"
}

// ParseOAuth2 decodes and checks an OAuth 2.0 tokens secret.
func ParseOAuth2(raw []byte) (OAuth2Tokens, error) {
	var t OAuth2Tokens
	if err := json.Unmarshal(raw, &t); err != nil {
		return OAuth2Tokens{}, errors.New("secrets: OAuth 2.0 tokens are not a JSON object")
	}
	if t.TokenType != "bearer" || t.AccessToken == "" || t.ExpiresAt.IsZero() {
		return OAuth2Tokens{}, errors.New("secrets: OAuth 2.0 tokens need token_type bearer, access_token and expires_at")
	}
	return t, nil
}

// OAuth2 returns the OAuth 2.0 tokens held in the named secret.
func (c *Cache) OAuth2(ctx context.Context, name string) (OAuth2Tokens, error) {
	raw, err := c.Get(ctx, name)
	if err != nil {
		return OAuth2Tokens{}, err
	}
	t, err := ParseOAuth2(raw)
	if err != nil {
		return OAuth2Tokens{}, wrapName(name, err)
	}
	return t, nil
}

// String keeps the tokens out of logs and error messages.
func (t OAuth2Tokens) String() string {
	return fmt.Sprintf("OAuth2Tokens{AccessToken:%s RefreshToken:%s ExpiresAt:%s}", redact(t.AccessToken), redact(t.RefreshToken), t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, so %#v redacts too.
func (t OAuth2Tokens) GoString() string { return t.String() }

// LogValue keeps the tokens out of slog output.
func (t OAuth2Tokens) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Writer stores a secret's new current value.
type Writer interface {
	PutSecret(ctx context.Context, name string, value []byte) error
}

// PutSecret stores value under name (Writer).
func (s *Static) PutSecret(ctx context.Context, name string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.Set(name, value)
	return nil
}

// SecretsManagerWriteAPI is the Secrets Manager calls SecretsManagerWriter
// makes; *secretsmanager.Client implements it.
type SecretsManagerWriteAPI interface {
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	CreateSecret(ctx context.Context, in *secretsmanager.CreateSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.CreateSecretOutput, error)
}

// SecretsManagerWriter writes secrets to AWS Secrets Manager: a new
// current version with PutSecretValue, or CreateSecret for a secret that
// does not exist yet (a handle connected for the first time).
type SecretsManagerWriter struct {
	client SecretsManagerWriteAPI
}

// NewSecretsManagerWriter returns a writer through client.
func NewSecretsManagerWriter(client SecretsManagerWriteAPI) *SecretsManagerWriter {
	return &SecretsManagerWriter{client: client}
}

// PutSecret stores value as the secret's current version.
func (w *SecretsManagerWriter) PutSecret(ctx context.Context, name string, value []byte) error {
	_, err := w.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(value))})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		_, err = w.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(value))})
	}
	if err != nil {
		return fmt.Errorf("secrets: put %s: %w", name, err)
	}
	return nil
}

// WriterFromAWS returns a writer to AWS Secrets Manager, its endpoint from
// the SDK's configuration. It does no I/O.
func WriterFromAWS(awsCfg aws.Config) *SecretsManagerWriter {
	return NewSecretsManagerWriter(secretsmanager.NewFromConfig(awsCfg))
}
