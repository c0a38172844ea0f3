// Package xsetup builds a Lambda function's X adapter and the credentials it
// reads, from the function's configuration: always Secrets Manager (the
// local run and the tests build their own credentials source and hand it to
// xapi, or serve it as a Secrets Manager stand-in). Nothing here does
// network I/O.
package xsetup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
	"github.com/acme/twitter-cases/shared/xauth"
)

// Secrets returns the credentials cache over Secrets Manager
// (secrets.FromAWS).
func Secrets(awsCfg aws.Config) *secrets.Cache { return secrets.FromAWS(awsCfg) }

// X returns the X adapter. With leases (the table) it acts as brand
// handles connected with OAuth 2.0 too, refreshing their tokens
// (shared/xauth) and writing the new pair to Secrets Manager; without,
// as OAuth 1.0a handles only.
func X(awsCfg aws.Config, cache *secrets.Cache, cfg config.Config, leases xauth.Leases) (*xapi.Client, error) {
	xc := xapi.Config{Secrets: cache, AppSecret: cfg.XAppSecret, BaseURL: cfg.XAPIBaseURL}
	if leases != nil {
		xc.OAuth2 = &xauth.Refresher{Secrets: cache, Writer: secrets.WriterFromAWS(awsCfg), Leases: leases,
			ClientFrom: xauth.AppClient(cache, cfg.XAppSecret, cfg.XAPIBaseURL, nil)}
	}
	return xapi.New(xc)
}

// Lookup implements casework.XUsers by signing X's user lookup as one of the
// deployment's connected brand handles, chosen when a lookup is made, so no
// extra credentials need configuring.
type Lookup struct {
	X       *xapi.Client
	Handles casework.HandleStore
}

// LookupUser finds the X account with the username, signing as each
// connected brand handle in turn until one gets X's answer: a handle whose
// credentials X refuses, or that is rate limited or cannot read the secret,
// does not stop the look-up. X's own answers (found, or no such account)
// end it; when every handle fails, the last failure is returned.
func (l Lookup) LookupUser(ctx context.Context, username string) (casework.XUser, error) {
	handles, err := l.Handles.ListHandles(ctx)
	if err != nil {
		return casework.XUser{}, fmt.Errorf("wire: brand handles for a lookup: %w", err)
	}
	var last error
	for _, h := range handles {
		if h.Status != casework.HandleConnected {
			continue
		}
		u, err := l.X.LookupUserAs(ctx, xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}, username)
		var appErr *casework.Error
		if err == nil || errors.As(err, &appErr) || ctx.Err() != nil {
			return u, err
		}
		slog.WarnContext(ctx, "look-up as a brand handle failed; trying the next", "handle_id", h.ID, "err", err)
		last = err
	}
	if last != nil {
		return casework.XUser{}, last
	}
	return casework.XUser{}, casework.Errorf(casework.EUnavailable, "No brand handle is connected to X, so handles cannot be looked up.")
}

// CredentialsCheck implements casework.Credentials by reading the secret as
// the X adapter will: a secret that does not exist, that the function may
// not read, or that lacks access_token and access_token_secret cannot be
// used.
type CredentialsCheck struct {
	Secrets *secrets.Cache
}

// CheckCredentials reads and parses the named secret.
func (c CredentialsCheck) CheckCredentials(ctx context.Context, name string) error {
	raw, err := c.Secrets.Get(ctx, name)
	var apiErr smithy.APIError
	switch {
	case errors.Is(err, secrets.ErrNotFound):
		return casework.Errorf(casework.EValidation, "The secret %s does not exist.", name)
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "AccessDeniedException":
		return casework.Errorf(casework.EValidation, "The functions may not read the secret %s (it must be under the stack's BrandHandleSecretPrefix).", name)
	case err != nil:
		return err
	}
	parse := func(raw []byte) error { _, err := secrets.ParseUser(raw); return err }
	if secrets.IsOAuth2(raw) {
		parse = func(raw []byte) error { _, err := secrets.ParseOAuth2(raw); return err }
	}
	if err := parse(raw); err != nil {
		return casework.Errorf(casework.EValidation, "The secret %s is not usable: %s.", name, strings.TrimPrefix(err.Error(), "secrets: "))
	}
	return nil
}

// Credentials returns the credentials check of a function; it fits
// consoleapi's needs (Credentials).
func Credentials(awsCfg aws.Config, cfg config.Config) (casework.Credentials, error) {
	return CredentialsCheck{Secrets: Secrets(awsCfg)}, nil
}

// XUsers returns the X account lookup of a function, or nil when no X app
// secret is configured: the routes that need a lookup then answer 503 while
// everything else works. It fits consoleapi's needs (XUsers).
func XUsers(awsCfg aws.Config, cfg config.Config, handles casework.HandleStore) (casework.XUsers, error) {
	if cfg.XAppSecret == "" {
		return nil, nil
	}
	x, err := X(awsCfg, Secrets(awsCfg), cfg, dynamo.Open(awsCfg, cfg))
	if err != nil {
		return nil, err
	}
	return Lookup{X: x, Handles: handles}, nil
}
