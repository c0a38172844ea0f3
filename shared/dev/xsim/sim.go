// Package xsim simulates the part of the X API v2 the product uses, for the
// local run and for tests that drive the real client code (gotwi) against
// it: Tweets, replies, Retweets, follows, user and Tweet lookups, a user's
// Tweets and Direct Messages, with X's response and error bodies (Tweet text
// with '&', '<' and '>' as HTML entities, as X returns it), OAuth 1.0a
// signature checks, per-user rate limits with X's headers, and Account
// Activity webhook deliveries signed as X signs them.
//
// # Users
//
// The simulator starts with the users of package sample: the brand handles
// (with the OAuth tokens their secrets hold, open to Direct Messages from
// anyone, and subscribed to the webhook) and the customers with an X account
// (closed to Direct Messages except from accounts they follow), following
// whom sample says they follow. POST /sim/reset returns to exactly that.
//
// # OAuth 1.0a
//
// Every /2/ request must carry an OAuth 1.0a Authorization header signed
// with HMAC-SHA1 (RFC 5849) by the simulated app's consumer secret and the
// user's token secret. The client signs the URL it addresses, which is X's
// (https://api.twitter.com/...): gotwi's endpoints are fixed to that host,
// and the product reaches the simulator through a transport that rewrites
// only the scheme and host of the request after it has been signed. So the
// simulator rebuilds the signature base string with the canonical base URI
// https://api.twitter.com and the request's path, never its own host.
// Query parameters, the oauth_ parameters of the header and, for form
// bodies, the body's parameters are signed; JSON bodies are not (as on X).
//
// # Control routes
//
// The /sim/ routes (LOCAL.md) stand for what users do in X's own apps and
// let tests and scripts look inside: create users, Tweet, send DMs, follow,
// delete Tweets, read the API calls made and the webhook deliveries, inject
// faults and reset.
package xsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

// CanonicalBaseURL is the base URI the simulator verifies OAuth signatures
// against, whatever host it is reached at.
const CanonicalBaseURL = "https://api.twitter.com"

// Endpoint keys name the simulated endpoints, e.g. in Options.RateLimits.
const (
	EndpointCreateTweet = "POST /2/tweets"
	EndpointDeleteTweet = "DELETE /2/tweets/:id"
	EndpointLookupTweet = "GET /2/tweets/:id"
	EndpointRetweet     = "POST /2/users/:id/retweets"
	EndpointUndoRetweet = "DELETE /2/users/:id/retweets/:source_tweet_id"
	EndpointFollow      = "POST /2/users/:id/following"
	EndpointUnfollow    = "DELETE /2/users/:source_user_id/following/:target_user_id"
	EndpointLookupUser  = "GET /2/users/by/username/:username"
	EndpointUserByID    = "GET /2/users/:id"
	EndpointUserTweets  = "GET /2/users/:id/tweets"
	EndpointSendDM      = "POST /2/dm_conversations/with/:participant_id/messages"
	EndpointDMEvents    = "GET /2/dm_conversations/with/:participant_id/dm_events"
)

// DefaultRateLimit is each endpoint's default number of requests per user
// and window: far above X's own, so only tests that lower it meet it.
const DefaultRateLimit = 1000

// Options configure a simulator. The zero value is the local run's: the
// sample app's consumer key and secret, no webhook, the real clock.
type Options struct {
	// ConsumerKey and ConsumerSecret are the simulated app's; the secret
	// verifies OAuth signatures and signs webhook deliveries. Empty means
	// sample.ConsumerKey and sample.ConsumerSecret.
	ConsumerKey    string
	ConsumerSecret string
	// WebhookURL, when set, is registered as the app's webhook from the
	// start (valid) and the sample brand handles are subscribed on it to
	// every event type the product uses (casework.SubscribedEventTypes), so
	// their events reach it at once. Without it the app has no webhook and
	// no subscription until it makes them through /2/webhooks and
	// /2/activity/subscriptions, as the local run does.
	WebhookURL string
	// SubscriptionLimit and WebhookLimit are the app's limits (default
	// X's self-serve ones: DefaultSubscriptionLimit, DefaultWebhookLimit).
	SubscriptionLimit int
	WebhookLimit      int
	// Format is how events are delivered: FormatXAA (the default, X
	// Activity envelopes) or FormatAAA (Account Activity payloads), as
	// X_SIM_FORMAT says (ParseFormat).
	Format Format
	// Clock gives the time of Tweets, DMs and events; nil means time.Now.
	// Webhook retries and OAuth timestamp checks use the real time.
	Clock func() time.Time
	// Logger receives the simulator's logs; nil means slog.Default().
	Logger *slog.Logger
	// WebhookClient delivers webhook events; nil means a client with a
	// 3-second timeout (X's limit for a webhook's answer).
	WebhookClient *http.Client
	// DeliveryAttempts is how often an event is tried before it is given
	// up (default 4: the first try and three retries). DeliveryBackoff is
	// the wait before the first retry, doubled after each (default 1s).
	DeliveryAttempts int
	DeliveryBackoff  time.Duration
	// RateLimits overrides per-user request limits by endpoint key
	// (EndpointCreateTweet...); other endpoints allow DefaultRateLimit.
	// RateLimitWindow is the window's length (default 15 minutes).
	RateLimits      map[string]int
	RateLimitWindow time.Duration
	// LegacyDMs keeps X's legacy Direct Messages as they were before X
	// retired them on 9 December 2026: /2/dm_conversations answers, DMs are
	// delivered as dm.* events (direct_message_events with FormatAAA), and
	// POST /sim/users/{username}/dms sends a legacy DM. False, the default,
	// is X after that day: the legacy endpoints answer 410 Gone, nothing is
	// delivered as a DM, and a simulated user's DM is an X Chat message.
	LegacyDMs bool
	// ChatClients gives each simulated user an X Chat client of its own
	// (keys made by X's engine), which POST /sim/users/{username}/dms
	// encrypts with and GET /sim/users/{username}/chat decrypts with; nil
	// means no user has one (those routes answer 501).
	ChatClients ChatClientFactory
	// TimestampWindow, when positive, refuses OAuth timestamps further than
	// that from the real time, as X does; zero accepts any timestamp.
	TimestampWindow time.Duration
	// Access is the simulated app's X access (AccessSelfServe or
	// AccessEnterprise, see access.go), whose rules the API enforces. ""
	// is Enterprise: X's API without the self-serve restrictions, what
	// the simulator answered before they existed. The local run sets it
	// from X_ACCESS.
	Access string
	// OAuth2ClientID and OAuth2ClientSecret are the app's OAuth 2.0 client
	// credentials (a confidential client, oauth2.go); empty means
	// DefaultOAuth2ClientID and DefaultOAuth2ClientSecret.
	OAuth2ClientID     string
	OAuth2ClientSecret string
	// CallbackURLs are the app's OAuth 2.0 callback URLs, matched exactly;
	// none means any http or https URL is taken.
	CallbackURLs []string
	// AccessTokenLifetime is how long OAuth 2.0 access tokens last (0:
	// X's two hours); PUT /sim/oauth2 changes it at run time.
	AccessTokenLifetime time.Duration
}

// Sim is a running X simulator. It is safe for concurrent use.
type Sim struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	hooks  *deliverer
	mux    *http.ServeMux
	closer sync.Once

	mu       sync.Mutex
	credits  *int64 // the app's credit balance in millionths of a dollar; nil: unlimited
	st       *state
	app      appConfig
	ids      idGen
	calls    []*APICall
	callSeq  int
	faults   []*fault
	limits   map[limitKey]*limitWindow
	nonces   map[string]time.Time
	lastSeen time.Time
	xaaSeq   int64
	// compliance is the app's batch compliance jobs (compliance.go).
	compliance complianceState
	// tokenLifetime, when set by PUT /sim/oauth2, overrides
	// Options.AccessTokenLifetime.
	tokenLifetime time.Duration
	// clients are the simulated users' X Chat clients, by user id, and
	// devices what Persist keeps of them.
	clients map[string]ChatClient
	devices map[string]device

	// saveMu serialises saves; statePath is the file Persist keeps the
	// state in ("" : not kept).
	saveMu    sync.Mutex
	statePath string
}

// New returns a simulator holding the sample users. It starts no goroutine
// and opens no connection until it has something to deliver.
func New(opts Options) *Sim {
	if opts.ConsumerKey == "" {
		opts.ConsumerKey = sample.ConsumerKey
	}
	if opts.ConsumerSecret == "" {
		opts.ConsumerSecret = sample.ConsumerSecret
	}
	if opts.DeliveryAttempts <= 0 {
		opts.DeliveryAttempts = 4
	}
	if opts.DeliveryBackoff <= 0 {
		opts.DeliveryBackoff = time.Second
	}
	if opts.RateLimitWindow <= 0 {
		opts.RateLimitWindow = 15 * time.Minute
	}
	s := &Sim{opts: opts, log: opts.Logger, now: opts.Clock}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	client := opts.WebhookClient
	if client == nil {
		client = &http.Client{Timeout: 3 * time.Second}
	}
	s.hooks = newDeliverer(opts.ConsumerSecret, client, opts.DeliveryAttempts, opts.DeliveryBackoff, s.log)
	s.resetLocked()
	s.seedApp()
	s.mux = s.routes()
	s.provisionChatClients()
	return s
}

// Handler returns the simulator's HTTP handler: the /2/ API and the /sim/
// control routes (saving the state after changes once Persist was called).
func (s *Sim) Handler() http.Handler { return s.persisting(s.mux) }

// Start listens on addr (e.g. "127.0.0.1:8081"; port 0 picks a free one) and
// serves until ctx is done, then shuts the server down and closes the
// simulator. It returns the base URL once it is listening.
func (s *Sim) Start(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("xsim: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("xsim: serve", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
		s.Close()
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops webhook deliveries; events not yet delivered are dropped.
func (s *Sim) Close() {
	s.closer.Do(s.hooks.close)
}

// Reset forgets everything but the sample users and their follows: Tweets,
// DMs, other users, recorded calls, deliveries, faults and rate-limit
// counters. Ids keep increasing, so none is ever reused. The app's
// webhooks and subscriptions stay, as on X.
func (s *Sim) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.hooks.reset()
	s.provisionChatClientsLocked()
}

func (s *Sim) resetLocked() {
	s.st = newState()
	s.clients, s.devices = map[string]ChatClient{}, map[string]device{}
	s.calls = nil
	s.faults = nil
	s.limits = map[limitKey]*limitWindow{}
	s.nonces = map[string]time.Time{}
	s.compliance = complianceState{}
}

// UserID returns the id of the user with that username (any case, optional
// '@'), or "" when there is none.
func (s *Sim) UserID(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.userByName(username); u != nil {
		return u.ID
	}
	return ""
}

// stamp is the simulated time, in UTC, to the millisecond as X keeps it.
func (s *Sim) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// twepoch is the start of X's snowflake ids (2010-11-04T01:42:54.657Z).
const twepoch = 1288834974657

// idGen makes snowflake-like ids: milliseconds since twepoch shifted left by
// 22 bits, always increasing, whatever the clock says.
type idGen struct{ last uint64 }

func (g *idGen) next(now time.Time) string {
	ms := now.UnixMilli() - twepoch
	if ms < 0 {
		ms = 0
	}
	id := uint64(ms) << 22
	if id <= g.last {
		id = g.last + 1
	}
	g.last = id
	return strconv.FormatUint(id, 10)
}

// isID reports whether s is an X id as X validates path ids: 1 to 19 digits.
func isID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isUsername reports whether s matches X's ^[A-Za-z0-9_]{1,15}$.
func isUsername(s string) bool {
	if s == "" || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func trimAt(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "@")
	return strings.TrimPrefix(s, "＠")
}
