// Package xwire builds a Lambda function's X adapter and the credentials it
// reads, from the function's configuration: Secrets Manager in AWS, the
// sample credentials in a local run. Nothing here does network I/O.
package xwire

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/xapi"
)

// Secrets returns the credentials cache: Secrets Manager in AWS, the sample
// credentials in a local run.
func Secrets(awsCfg aws.Config, cfg config.Config) *secrets.Cache {
	if cfg.SecretsSource == config.SampleSecrets {
		return secrets.NewCache(secrets.SampleSource())
	}
	return secrets.NewCache(secrets.NewSecretsManager(secretsmanager.NewFromConfig(awsCfg)))
}

// AppSecret returns the name of the X app's credentials secret.
func AppSecret(cfg config.Config) string {
	if cfg.XAppSecret == "" && cfg.SecretsSource == config.SampleSecrets {
		return secrets.LocalAppSecret
	}
	return cfg.XAppSecret
}

// X returns the X adapter.
func X(cache *secrets.Cache, cfg config.Config) (*xapi.Client, error) {
	return xapi.New(xapi.Config{Secrets: cache, AppSecret: AppSecret(cfg), BaseURL: cfg.XAPIBaseURL})
}

// Lookup implements support.XUsers by signing X's user lookup as one of the
// deployment's connected brand handles, chosen when a lookup is made, so no
// extra credentials need configuring.
type Lookup struct {
	X       *xapi.Client
	Handles support.HandleStore
}

// LookupUser finds the X account with the username.
func (l Lookup) LookupUser(ctx context.Context, username string) (support.XUser, error) {
	handles, err := l.Handles.ListHandles(ctx)
	if err != nil {
		return support.XUser{}, fmt.Errorf("wire: brand handles for a lookup: %w", err)
	}
	for _, h := range handles {
		if h.Status == support.HandleConnected {
			return l.X.LookupUserAs(ctx, xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}, username)
		}
	}
	return support.XUser{}, support.Errorf(support.EUnavailable, "No brand handle is connected to X, so handles cannot be looked up.")
}

// ConsumerSecret returns where the webhook gets the X app's consumer
// secret: the app's credentials secret when X_APP_SECRET (or the local
// sample source) names one, read on first use and cached; otherwise the
// X_CONSUMER_SECRET value, as the local run sets it. An empty secret makes
// the webhook refuse every request rather than check against nothing.
func ConsumerSecret(cache *secrets.Cache, cfg config.Config, consumerSecretEnv string) func(ctx context.Context) (string, error) {
	name := AppSecret(cfg)
	if name == "" {
		return func(context.Context) (string, error) { return consumerSecretEnv, nil }
	}
	return func(ctx context.Context) (string, error) {
		app, err := cache.App(ctx, name)
		if err != nil {
			return "", fmt.Errorf("wire: X app secret: %w", err)
		}
		return app.ConsumerSecret, nil
	}
}

// XUsers returns the X account lookup of a function, or nil when no X app
// secret is configured: the routes that need a lookup then answer 503 while
// everything else works. It fits wire.Needs.XUsers.
func XUsers(awsCfg aws.Config, cfg config.Config, handles support.HandleStore) (support.XUsers, error) {
	if AppSecret(cfg) == "" {
		return nil, nil
	}
	x, err := X(Secrets(awsCfg, cfg), cfg)
	if err != nil {
		return nil, err
	}
	return Lookup{X: x, Handles: handles}, nil
}
