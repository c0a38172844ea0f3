// Package xapi is the product's one adapter to the X API v2, built on
// gotwi (github.com/michimani/gotwi v0.18.3). It acts as a brand handle with
// OAuth 1.0a user context: the X app's consumer key and secret and the
// handle's access token and secret, all read through a secrets.Cache on
// first use. It Tweets, replies, moves X Chat's ciphertext (the DMs; see
// chat.go), Retweets, follows
// and looks users and Tweets up, and turns X's refusals into *Error values
// the outbound worker can act on.
//
// gotwi's endpoints are fixed to https://api.twitter.com. With a base URL
// configured (the X simulator), the adapter's transport rewrites the scheme
// and host of every request to it after gotwi has signed the request for
// api.twitter.com; the simulator verifies signatures against that canonical
// URL.
//
// Tokens and message text are never logged; calls are logged at debug level
// with their outcome only.
package xapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/michimani/gotwi"

	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xauth"
)

// BrandAuth says which brand handle acts on X: its X user id (the path id of
// user-scoped endpoints) and the name of the secret with its credentials.
type BrandAuth struct {
	XUserID           string
	CredentialsSecret string
}

// Config is what a Client is built from.
type Config struct {
	// Secrets reads the app's and the brand handles' credentials.
	Secrets *secrets.Cache
	// AppSecret names the secret with the X app's consumer key and secret
	// (config.XAppSecret).
	AppSecret string
	// BaseURL, when set, sends every call there instead of to X, e.g. the
	// simulator's http://127.0.0.1:8081 (config.XAPIBaseURL).
	BaseURL string
	// HTTPClient makes the calls; nil means NewHTTPClient(). The adapter
	// wraps its transport and never changes the client given.
	HTTPClient *http.Client
	// Logger receives debug and info logs; nil means slog.Default().
	Logger *slog.Logger
	// LookupAs is the brand handle whose credentials LookupUser uses (X's
	// user lookup needs some user's or the app's bearer token; the adapter
	// signs as a brand handle).
	LookupAs BrandAuth
	// OAuth2 keeps the access tokens of brand handles connected with
	// OAuth 2.0 (a credentials secret holding secrets.OAuth2Tokens)
	// current; nil means such handles cannot act.
	OAuth2 *xauth.Refresher
}

// Client calls X for the product. It is safe for concurrent use.
type Client struct {
	secrets   *secrets.Cache
	appSecret string
	http      *http.Client
	log       *slog.Logger
	lookupAs  BrandAuth
	oauth2    *xauth.Refresher

	mu      sync.Mutex
	clients map[string]*gotwi.Client // by credentials secret name
	// bearer is the access token an OAuth 2.0 handle's client was built
	// with, by credentials secret name.
	bearer map[string]string
	app    *gotwi.Client // the app's bearer token
}

// New returns a client. It does no I/O: secrets are read on the first call.
func New(cfg Config) (*Client, error) {
	if cfg.Secrets == nil {
		return nil, errors.New("xapi: Config.Secrets is required")
	}
	if cfg.AppSecret == "" {
		return nil, errors.New("xapi: Config.AppSecret is required")
	}
	var target *url.URL
	if cfg.BaseURL != "" {
		u, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("xapi: base URL %q is not an http(s) URL", cfg.BaseURL)
		}
		target = u
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = NewHTTPClient()
	}
	copied := *hc
	next := copied.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	copied.Transport = &transport{target: target, next: next}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Client{secrets: cfg.Secrets, appSecret: cfg.AppSecret, http: &copied, log: log, lookupAs: cfg.LookupAs,
		oauth2: cfg.OAuth2, clients: map[string]*gotwi.Client{}, bearer: map[string]string{}}, nil
}

// NewHTTPClient returns an HTTP client with the timeouts calls to X need:
// 5 s to connect and for TLS, 10 s for the answer's headers, 15 s in all.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   16,
			ForceAttemptHTTP2:     true,
		},
	}
}

// xHosts are the hosts gotwi addresses.
var xHosts = map[string]bool{"api.twitter.com": true, "api.x.com": true}

// transport sends X's requests to the configured base URL and notes each
// answer's status and headers for the error mapping.
type transport struct {
	target *url.URL // nil: X itself
	next   http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req
	if t.target != nil && xHosts[req.URL.Host] {
		out = req.Clone(req.Context())
		out.URL.Scheme, out.URL.Host = t.target.Scheme, t.target.Host
		if p := t.target.Path; p != "" {
			out.URL.Path = p + out.URL.Path
			if out.URL.RawPath != "" {
				out.URL.RawPath = p + out.URL.RawPath
			}
		}
		out.Host = ""
	}
	resp, err := t.next.RoundTrip(out)
	if rec, ok := req.Context().Value(recorderKey{}).(*recorder); ok && resp != nil {
		rec.status, rec.header = resp.StatusCode, resp.Header.Clone()
	}
	return resp, err
}

// recorder holds the status and headers of a call's answer.
type recorder struct {
	status int
	header http.Header
}

type recorderKey struct{}

// gotwiFor returns the gotwi client of the handle whose credentials the
// named secret holds, building it (and reading the secrets) on first use.
func (c *Client) gotwiFor(ctx context.Context, secretName string) (*gotwi.Client, error) {
	gc, _, err := c.gotwiRefusing(ctx, secretName, "")
	return gc, err
}

// gotwiRefusing is gotwiFor when X refused the OAuth 2.0 access token
// refused (a 401): such a handle's client is built with a newer one. It
// also returns the access token the client holds ("" for OAuth 1.0a).
func (c *Client) gotwiRefusing(ctx context.Context, secretName, refused string) (*gotwi.Client, string, error) {
	c.mu.Lock()
	gc, bearer := c.clients[secretName], c.bearer[secretName]
	c.mu.Unlock()
	if gc != nil && bearer == "" {
		return gc, "", nil
	}
	raw, err := c.secrets.Get(ctx, secretName)
	if err != nil {
		return nil, "", fmt.Errorf("brand credentials: %w", err)
	}
	if secrets.IsOAuth2(raw) {
		return c.oauth2Client(ctx, secretName, refused, gc, bearer)
	}
	gc, err = c.oauth1Client(ctx, secretName)
	return gc, "", err
}

// oauth1Client returns the gotwi client of an OAuth 1.0a handle.
func (c *Client) oauth1Client(ctx context.Context, secretName string) (*gotwi.Client, error) {
	app, err := c.secrets.App(ctx, c.appSecret)
	if err != nil {
		return nil, fmt.Errorf("app credentials: %w", err)
	}
	user, err := c.secrets.User(ctx, secretName)
	if err != nil {
		return nil, fmt.Errorf("brand credentials: %w", err)
	}
	gc, err := gotwi.NewClient(&gotwi.NewClientInput{
		HTTPClient:           c.http,
		AuthenticationMethod: gotwi.AuthenMethodOAuth1UserContext,
		OAuthToken:           user.AccessToken,
		OAuthTokenSecret:     user.AccessTokenSecret,
		APIKey:               app.ConsumerKey,
		APIKeySecret:         app.ConsumerSecret,
	})
	if err != nil {
		return nil, fmt.Errorf("gotwi client: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if existing := c.clients[secretName]; existing != nil && c.bearer[secretName] == "" {
		return existing, nil
	}
	c.clients[secretName] = gc
	delete(c.bearer, secretName)
	return gc, nil
}

// oauth2Client returns the gotwi client of an OAuth 2.0 handle, with its
// current access token (refreshed when it is about to expire or was
// refused). A refresh X refuses is X's 401 to the call.
func (c *Client) oauth2Client(ctx context.Context, secretName, refused string, gc *gotwi.Client, built string) (*gotwi.Client, string, error) {
	if c.oauth2 == nil {
		return nil, "", fmt.Errorf("brand credentials: %s holds OAuth 2.0 tokens and no refresher is configured", secretName)
	}
	tok, err := c.oauth2.AccessToken(ctx, secretName, refused)
	if errors.Is(err, xauth.ErrRefused) {
		return nil, "", &Error{Op: "refresh token", StatusCode: http.StatusUnauthorized, Title: "Unauthorized",
			Detail: strings.TrimPrefix(err.Error(), "xauth: "), Err: err}
	}
	if err != nil {
		return nil, "", fmt.Errorf("brand credentials: %w", err)
	}
	if gc != nil && tok == built {
		return gc, tok, nil
	}
	gc, err = gotwi.NewClientWithAccessToken(&gotwi.NewClientWithAccessTokenInput{HTTPClient: c.http, AccessToken: tok})
	if err != nil {
		return nil, "", fmt.Errorf("gotwi client: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clients[secretName], c.bearer[secretName] = gc, tok
	return gc, tok, nil
}

// forget drops the handle's gotwi client and the cached secrets it was
// built from, so the next call re-reads them.
func (c *Client) forget(secretName string) {
	c.mu.Lock()
	delete(c.clients, secretName)
	delete(c.bearer, secretName)
	c.mu.Unlock()
	c.secrets.Invalidate(secretName)
	c.secrets.Invalidate(c.appSecret)
}

// do runs one call as the handle. When X answers 401 it re-reads the
// credentials and tries once more.
func (c *Client) do(ctx context.Context, op string, auth BrandAuth, call func(ctx context.Context, gc *gotwi.Client) error) error {
	if auth.CredentialsSecret == "" {
		return fmt.Errorf("xapi: %s: the brand handle has no credentials secret", op)
	}
	refused := ""
	for attempt := 1; ; attempt++ {
		gc, bearer, err := c.gotwiRefusing(ctx, auth.CredentialsSecret, refused)
		if _, ok := AsError(err); ok {
			return err
		}
		if err != nil {
			return fmt.Errorf("xapi: %s: %w", op, err)
		}
		rec := &recorder{}
		start := time.Now()
		err = mapError(op, call(context.WithValue(ctx, recorderKey{}, rec), gc), rec)
		c.log.Debug("x call", "op", op, "x_user_id", auth.XUserID, "status", rec.status, "ms", time.Since(start).Milliseconds(), "ok", err == nil)
		if err == nil {
			return nil
		}
		if IsUnauthorized(err) && attempt == 1 {
			c.log.Info("x refused the credentials; re-reading them", "op", op, "x_user_id", auth.XUserID, "secret", auth.CredentialsSecret)
			refused = bearer
			c.forget(auth.CredentialsSecret)
			continue
		}
		return err
	}
}

// mapError turns what gotwi returned into an *Error where X answered or
// could not be reached.
func mapError(op string, err error, rec *recorder) error {
	if err == nil {
		return nil
	}
	var ge *gotwi.GotwiError
	if errors.As(err, &ge) && ge.OnAPI {
		e := &Error{Op: op, StatusCode: ge.StatusCode, Title: ge.Title, Detail: ge.Detail, Type: ge.Type}
		for _, ae := range ge.APIErrors {
			d := ErrorDetail{Message: ae.Message}
			for name, values := range ae.Parameters {
				d.Parameter = name
				if len(values) > 0 {
					d.Value = values[0]
				}
			}
			e.Errors = append(e.Errors, d)
		}
		readProblemBody(e)
		if ri := ge.RateLimitInfo; ri != nil && ri.ResetAt != nil {
			e.RetryAt = *ri.ResetAt
		}
		if e.RetryAt.IsZero() && e.StatusCode == http.StatusTooManyRequests {
			e.RetryAt = resetHeader(rec.header)
		}
		return e
	}
	var ue *url.Error
	if errors.As(err, &ue) && rec.status == 0 {
		return &Error{Op: op, Err: err}
	}
	if rec.status != 0 && (rec.status < 200 || rec.status > 299) {
		// X answered an error gotwi could not read (a body that is not
		// the JSON it says it is).
		e := &Error{Op: op, StatusCode: rec.status, Title: http.StatusText(rec.status), Err: err}
		if rec.status == http.StatusTooManyRequests {
			e.RetryAt = resetHeader(rec.header)
		}
		return e
	}
	return fmt.Errorf("xapi: %s: %w", op, err)
}

// readProblemBody fills in X's problem fields from an answer gotwi kept as
// text: gotwi decodes only application/json bodies, and X may answer
// application/problem+json (its OpenAPI lists both).
func readProblemBody(e *Error) {
	if e.Type != "" || len(e.Errors) != 1 || !strings.HasPrefix(strings.TrimSpace(e.Errors[0].Message), "{") {
		return
	}
	var p struct {
		Type, Title, Detail string
	}
	if json.Unmarshal([]byte(e.Errors[0].Message), &p) != nil || p.Type == "" {
		return
	}
	e.Type, e.Title, e.Detail = p.Type, p.Title, p.Detail
	e.Errors = nil
}

// resetHeader reads x-rate-limit-reset (epoch seconds).
func resetHeader(h http.Header) time.Time {
	secs, err := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}
	}
	return time.Unix(secs, 0)
}

// SnowflakeTime returns the creation time encoded in an X id (a snowflake),
// and false for an id that is not one.
func SnowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n>>22 == 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(n>>22) + 1288834974657).UTC(), true
}
