// Package xauth keeps brand handles' OAuth 2.0 user tokens current: it is
// the one place that exchanges a handle's refresh token for a new pair
// (X's POST /2/oauth2/token, grant_type=refresh_token), ahead of the access
// token's expiry and when X answers 401.
//
// X's refresh tokens are single-use, so two functions refreshing one handle
// at once would leave it with a dead token. A refresh therefore happens
// only under a lease on the handle's secret in the table (a conditional
// write with an expiry; no transaction): the holder re-reads the secret
// (another function may have refreshed it meanwhile), refreshes, writes
// the new pair to the secret store and only then releases the lease.
// Everyone else waits for the secret to change, reading it through the
// secrets cache. Within one process a mutex per secret lets one goroutine
// do that for all.
//
// A refresh X refuses (invalid_grant, or X's invalid_request "Value passed
// for the token was invalid.": a used, revoked or expired grant) is
// ErrRefused: the handle has to be connected again.
package xauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/acme/twitter-cases/shared/secrets"
)

// Defaults.
const (
	// DefaultSkew is how long before its expiry an access token is
	// refreshed, so that no call starts with a token about to lapse.
	DefaultSkew = 60 * time.Second
	// DefaultLeaseTTL bounds how long one refresh may hold the lease: the
	// token call's timeout and the secret write, with room to spare. A
	// holder that crashed is taken over after it.
	DefaultLeaseTTL = 20 * time.Second
)

// ErrRefused is returned (wrapped, with X's reason) when X refuses the
// refresh token: the handle has to be connected again.
var ErrRefused = errors.New("xauth: X refused the refresh token")

// Leases is the table's short-lived locks (shared/dynamo's Store).
type Leases interface {
	AcquireLease(ctx context.Context, name, owner string, until time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, owner string) error
}

// Client is the X app's OAuth 2.0 client: the token endpoint and the
// confidential client's id and secret (sent as HTTP Basic, as X requires
// of confidential clients).
type Client struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	HTTP         *http.Client
}

// DefaultTokenURL is X's token endpoint.
const DefaultTokenURL = "https://api.x.com/2/oauth2/token"

// AppClient returns ClientFrom for a Refresher: the OAuth 2.0 client id and
// secret from the X app's credentials secret, and the token endpoint under
// baseURL ("" for X's).
func AppClient(cache *secrets.Cache, appSecret, baseURL string, hc *http.Client) func(ctx context.Context) (Client, error) {
	return func(ctx context.Context) (Client, error) {
		app, err := cache.App(ctx, appSecret)
		if err != nil {
			return Client{}, err
		}
		if app.ClientID == "" || app.ClientSecret == "" {
			return Client{}, fmt.Errorf("xauth: the X app secret %s has no client_id and client_secret", appSecret)
		}
		c := Client{ClientID: app.ClientID, ClientSecret: app.ClientSecret, HTTP: hc}
		if baseURL != "" {
			c.TokenURL = strings.TrimSuffix(baseURL, "/") + "/2/oauth2/token"
		}
		return c, nil
	}
}

// TokenResponse is X's answer to a token request.
type TokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// Tokens turns the answer into what the secret holds, dated from now.
func (t TokenResponse) Tokens(now time.Time) secrets.OAuth2Tokens {
	return secrets.OAuth2Tokens{TokenType: "bearer", AccessToken: t.AccessToken, RefreshToken: t.RefreshToken,
		ExpiresAt: now.Add(time.Duration(t.ExpiresIn) * time.Second).UTC(), IssuedAt: now.UTC(), Scope: t.Scope}
}

// Token posts a token request (form) and returns X's answer. A refusal of
// the grant is ErrRefused with X's reason; any other failure is an error
// worth retrying.
func (c Client) Token(ctx context.Context, form url.Values) (TokenResponse, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	tokenURL := c.TokenURL
	if tokenURL == "" {
		tokenURL = DefaultTokenURL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return TokenResponse{}, fmt.Errorf("xauth: token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 6749 2.3.1: each form-encoded, then joined.
	req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	resp, err := hc.Do(req)
	if err != nil {
		return TokenResponse{}, fmt.Errorf("xauth: token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return TokenResponse{}, fmt.Errorf("xauth: token answer: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		var out TokenResponse
		if err := json.Unmarshal(body, &out); err != nil || out.AccessToken == "" {
			return TokenResponse{}, errors.New("xauth: X's token answer has no access_token")
		}
		return out, nil
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e)
	if resp.StatusCode == http.StatusBadRequest && (e.Error == "invalid_grant" || e.Error == "invalid_request") {
		return TokenResponse{}, fmt.Errorf("%w: %s: %s", ErrRefused, e.Error, e.Description)
	}
	return TokenResponse{}, fmt.Errorf("xauth: X answered %d %s %s", resp.StatusCode, e.Error, e.Description)
}

// Refresher keeps brand handles' access tokens current. It is safe for
// concurrent use.
type Refresher struct {
	// Secrets reads the tokens (every reader goes through it); Writer
	// stores a new pair in the same store.
	Secrets *secrets.Cache
	Writer  secrets.Writer
	Leases  Leases
	// Client is the app's OAuth 2.0 client, or ClientFrom reads it (from
	// the X app's secret) when a refresh needs it.
	Client     Client
	ClientFrom func(ctx context.Context) (Client, error)
	// Skew and LeaseTTL: zero means DefaultSkew and DefaultLeaseTTL.
	Skew     time.Duration
	LeaseTTL time.Duration
	Logger   *slog.Logger

	once  sync.Once
	owner string
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func (r *Refresher) init() {
	r.once.Do(func() {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		r.owner = hex.EncodeToString(b)
		r.locks = map[string]*sync.Mutex{}
		if r.Logger == nil {
			r.Logger = slog.Default()
		}
		if r.Skew <= 0 {
			r.Skew = DefaultSkew
		}
		if r.LeaseTTL <= 0 {
			r.LeaseTTL = DefaultLeaseTTL
		}
	})
}

func (r *Refresher) lock(name string) *sync.Mutex {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.locks[name]
	if m == nil {
		m = &sync.Mutex{}
		r.locks[name] = m
	}
	return m
}

// usable reports whether t can be handed out: not the token X refused and
// not within the skew of its expiry (at most a quarter of its lifetime,
// so a short-lived token is not refreshed on every call).
func (r *Refresher) usable(t secrets.OAuth2Tokens, refused string) bool {
	skew := r.Skew
	if !t.IssuedAt.IsZero() {
		skew = min(skew, t.ExpiresAt.Sub(t.IssuedAt)/4)
	}
	return t.AccessToken != refused && time.Now().Add(skew).Before(t.ExpiresAt)
}

// AccessToken returns a current access token of the handle whose tokens
// the named secret holds. refused is the access token X just answered 401
// to ("" when none): it is never returned, a refresh replaces it.
func (r *Refresher) AccessToken(ctx context.Context, name, refused string) (string, error) {
	r.init()
	t, err := r.Secrets.OAuth2(ctx, name)
	if err != nil {
		return "", err
	}
	if r.usable(t, refused) {
		return t.AccessToken, nil
	}
	m := r.lock(name)
	m.Lock()
	defer m.Unlock()
	// Another goroutine of this process may have refreshed meanwhile.
	if t, err = r.Secrets.OAuth2(ctx, name); err != nil {
		return "", err
	}
	if r.usable(t, refused) {
		return t.AccessToken, nil
	}
	for wait := 50 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		tok, done, err := r.tryRefresh(ctx, name, refused)
		if done || err != nil {
			return tok, err
		}
		// Another function holds the lease: wait for its new pair.
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
		r.Secrets.Invalidate(name)
		if t, err = r.Secrets.OAuth2(ctx, name); err != nil {
			return "", err
		}
		if r.usable(t, refused) {
			return t.AccessToken, nil
		}
	}
}

// tryRefresh refreshes under the lease; done is false when another
// function holds it.
func (r *Refresher) tryRefresh(ctx context.Context, name, refused string) (token string, done bool, err error) {
	ok, err := r.Leases.AcquireLease(ctx, name, r.owner, time.Now().Add(r.LeaseTTL))
	if err != nil || !ok {
		return "", false, err
	}
	defer func() {
		// Released after the new pair is stored, whatever the context.
		if rerr := r.Leases.ReleaseLease(context.WithoutCancel(ctx), name, r.owner); rerr != nil {
			r.Logger.WarnContext(ctx, "oauth2 refresh lease not released; it lapses by itself", "secret", name, "err", rerr)
		}
	}()
	// Read the store itself: the pair may have been replaced while we
	// waited for the lease.
	r.Secrets.Invalidate(name)
	t, err := r.Secrets.OAuth2(ctx, name)
	if err != nil {
		return "", true, err
	}
	if r.usable(t, refused) {
		return t.AccessToken, true, nil
	}
	if t.RefreshToken == "" {
		return "", true, fmt.Errorf("%w: the secret %s holds no refresh token (connected without offline.access)", ErrRefused, name)
	}
	oc := r.Client
	if r.ClientFrom != nil {
		if oc, err = r.ClientFrom(ctx); err != nil {
			return "", true, fmt.Errorf("xauth: the app's OAuth 2.0 client: %w", err)
		}
	}
	start := time.Now()
	resp, err := oc.Token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t.RefreshToken}})
	if err != nil {
		r.Logger.WarnContext(ctx, "oauth2 refresh failed", "secret", name, "refused", errors.Is(err, ErrRefused), "err", err)
		return "", true, err
	}
	next := resp.Tokens(start)
	if next.RefreshToken == "" {
		next.RefreshToken = t.RefreshToken
	}
	raw, err := json.Marshal(next)
	if err != nil {
		return "", true, fmt.Errorf("xauth: encode tokens: %w", err)
	}
	if err := r.Writer.PutSecret(context.WithoutCancel(ctx), name, raw); err != nil {
		// X has replaced the pair; the new one is lost with this error.
		return "", true, fmt.Errorf("xauth: store the refreshed tokens of %s: %w", name, err)
	}
	r.Secrets.Invalidate(name)
	r.Logger.InfoContext(ctx, "oauth2 tokens refreshed", "secret", name, "expires_at", next.ExpiresAt.Format(time.RFC3339))
	return next.AccessToken, true, nil
}
