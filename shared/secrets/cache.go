package secrets

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Cache keeps secrets read from a Source for the life of the process. A
// secret is fetched on its first Get, never before; concurrent first Gets of
// one name share a single fetch. A failed fetch is not kept, so the next Get
// tries again. Cache is safe for concurrent use.
type Cache struct {
	src Source

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	done  chan struct{} // closed when the fetch has finished
	value []byte
	err   error
}

// NewCache returns an empty cache over src.
func NewCache(src Source) *Cache {
	return &Cache{src: src, entries: make(map[string]*cacheEntry)}
}

// Get returns the secret's value, fetching it the first time. The returned
// slice is the caller's own copy.
func (c *Cache) Get(ctx context.Context, name string) ([]byte, error) {
	c.mu.Lock()
	e, ok := c.entries[name]
	if !ok {
		e = &cacheEntry{done: make(chan struct{})}
		c.entries[name] = e
		c.mu.Unlock()
		e.value, e.err = c.src.GetSecret(ctx, name)
		if e.err != nil {
			c.mu.Lock()
			if c.entries[name] == e {
				delete(c.entries, name)
			}
			c.mu.Unlock()
		}
		close(e.done)
	} else {
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		// Another caller's fetch ended with that caller's context: try
		// again with ours.
		if e.err != nil && isContextErr(e.err) && ctx.Err() == nil {
			return c.Get(ctx, name)
		}
	}
	if e.err != nil {
		return nil, e.err
	}
	return append([]byte(nil), e.value...), nil
}

// Invalidate forgets the secret, so the next Get reads it from the source
// again. A fetch already under way finishes for its own callers but is not
// kept.
func (c *Cache) Invalidate(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, name)
}

// App returns the X app's credentials held in the named secret.
func (c *Cache) App(ctx context.Context, name string) (AppCredentials, error) {
	raw, err := c.Get(ctx, name)
	if err != nil {
		return AppCredentials{}, err
	}
	creds, err := ParseApp(raw)
	if err != nil {
		return AppCredentials{}, wrapName(name, err)
	}
	return creds, nil
}

// User returns the user credentials held in the named secret.
func (c *Cache) User(ctx context.Context, name string) (UserCredentials, error) {
	raw, err := c.Get(ctx, name)
	if err != nil {
		return UserCredentials{}, err
	}
	creds, err := ParseUser(raw)
	if err != nil {
		return UserCredentials{}, wrapName(name, err)
	}
	return creds, nil
}

type namedError struct {
	name string
	err  error
}

func (e *namedError) Error() string { return e.err.Error() + " (secret " + e.name + ")" }
func (e *namedError) Unwrap() error { return e.err }

func wrapName(name string, err error) error { return &namedError{name: name, err: err} }

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// FromAWS returns a cache over AWS Secrets Manager, its endpoint from the
// SDK's configuration (e.g. AWS_ENDPOINT_URL_SECRETS_MANAGER). It does no I/O.
func FromAWS(awsCfg aws.Config) *Cache {
	return NewCache(NewSecretsManager(secretsmanager.NewFromConfig(awsCfg)))
}

// ConsumerSecret returns where the webhook gets the X app's consumer
// secret: the app's credentials secret appSecret (X_APP_SECRET) when one is
// named, read through cache on first use and kept; otherwise the fallback
// value (X_CONSUMER_SECRET). An empty secret makes the webhook refuse every
// request rather than check against nothing.
func ConsumerSecret(cache *Cache, appSecret, fallback string) func(ctx context.Context) (string, error) {
	if appSecret == "" {
		return func(context.Context) (string, error) { return fallback, nil }
	}
	return func(ctx context.Context) (string, error) {
		app, err := cache.App(ctx, appSecret)
		if err != nil {
			return "", fmt.Errorf("secrets: X app secret: %w", err)
		}
		return app.ConsumerSecret, nil
	}
}
