package xsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

// The X app's side of the X Activity API (XAA) and the V2 webhooks, as X
// documents them (docs.x.com "X Activity API", "V2 Webhooks API", and X's
// OpenAPI document, ../shared/reference/x-api-activity-openapi.json):
//
//   - POST /oauth2/token: the client-credentials grant (HTTP Basic with the
//     consumer key and secret, grant_type=client_credentials) gives the
//     app's bearer token, the same one until the app's keys change.
//   - /2/webhooks: register (X runs a CRC GET against the URL at once and
//     refuses a URL that fails it: CrcValidationFailed), list, re-check
//     (PUT: records validity; an invalid webhook receives nothing) and
//     delete. At most Options.WebhookLimit webhooks (X: 1 on self-serve).
//   - /2/activity/subscriptions: create (user context or bearer; private
//     events only for the authenticated user's own id), list (user context
//     or bearer, with meta.total_subscriptions), update tag or webhook_id
//     and delete (bearer only), at most Options.SubscriptionLimit per app
//     (X: 1,500 on self-serve). A second subscription with the same event
//     type, filter and webhook is refused with 409 (DuplicateSubscription).
//   - POST /2/webhooks/replay (bearer): redelivers to the webhook every event
//     delivered or tried in a window of the last 24 hours, duplicates
//     included.
//
// Every event reaches a webhook only through a subscription of the user it
// is for to its event type that names a valid webhook: subscriptionFor is
// that one decision, whatever the delivery format.

// Endpoint keys of the app endpoints (see Options.RateLimits).
const (
	EndpointToken               = "POST /oauth2/token"
	EndpointCreateWebhook       = "POST /2/webhooks"
	EndpointListWebhooks        = "GET /2/webhooks"
	EndpointValidateWebhook     = "PUT /2/webhooks/:webhook_id"
	EndpointDeleteWebhook       = "DELETE /2/webhooks/:webhook_id"
	EndpointReplay              = "POST /2/webhooks/replay"
	EndpointCreateSubscription  = "POST /2/activity/subscriptions"
	EndpointListSubscriptions   = "GET /2/activity/subscriptions"
	EndpointDeleteSubscription  = "DELETE /2/activity/subscriptions/:subscription_id"
	EndpointDeleteSubscriptions = "DELETE /2/activity/subscriptions"
	EndpointUpdateSubscription  = "PUT /2/activity/subscriptions/:subscription_id"
)

// X's limits per app on self-serve access.
const (
	DefaultSubscriptionLimit = 1500
	DefaultWebhookLimit      = 1
	// replayWindow is how far back a replay may reach.
	replayWindow = 24 * time.Hour
)

// eventTypes are the event types X accepts for a subscription (X's OpenAPI
// document's enum; chat.conversation_join is the deprecated alias).
var eventTypes = []string{
	"profile.update.bio", "profile.update.profile_picture", "profile.update.banner_picture",
	"profile.update.screenname", "profile.update.geo", "profile.update.url", "profile.update.verified_badge",
	"profile.update.affiliate_badge", "profile.update.handle", "news.new", "follow.follow", "follow.unfollow",
	"spaces.start", "spaces.end", "broadcast.start", "broadcast.end", "broadcast.chat",
	"chat.received", "chat.sent", "chat.conversation.join", "chat.conversation_join",
	"chat.conversation.member_added", "chat.conversation.member_removed", "chat.conversation.admin_added",
	"chat.conversation.admin_removed", "chat.update.group_name", "chat.update.restrictions",
	"dm.sent", "dm.received", "dm.indicate_typing", "dm.read",
	"post.create", "post.delete", "post.mention.create", "post.reply.create", "post.quote.create", "post.repost.create",
	"like.create", "mute.mute", "mute.unmute", "block.block", "block.unblock",
}

// privateEvent reports whether an event type is private: only the user
// (with their own token) can subscribe to it.
func privateEvent(eventType string) bool {
	for _, p := range []string{"post.", "dm.", "like.", "chat.", "mute.", "block."} {
		if strings.HasPrefix(eventType, p) {
			return true
		}
	}
	return false
}

// webhookConfig is a webhook the app registered.
type webhookConfig struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Valid     bool      `json:"valid"`
	CreatedAt time.Time `json:"created_at"`
}

// subscription is one XAA subscription of the app.
type subscription struct {
	ID        string    `json:"id"`
	EventType string    `json:"event_type"`
	UserID    string    `json:"user_id,omitempty"`
	Direction string    `json:"direction,omitempty"`
	Keyword   string    `json:"keyword,omitempty"`
	Tag       string    `json:"tag,omitempty"`
	WebhookID string    `json:"webhook_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// appConfig is what the app has set up on X; Reset keeps it, as X keeps an
// app's webhooks and subscriptions whatever its users do.
type appConfig struct {
	webhooks []*webhookConfig
	subs     []*subscription
	replays  int
}

// seedApp registers Options.WebhookURL, valid, and subscribes every sample
// brand handle to the product's event types on it: a deployment after
// `make x-webhook` and the product's own subscriptions. Called by New.
func (s *Sim) seedApp() {
	if s.opts.WebhookURL == "" {
		return
	}
	now := s.stamp()
	hook := &webhookConfig{ID: s.ids.next(now), URL: s.opts.WebhookURL, Valid: true, CreatedAt: now}
	s.app.webhooks = append(s.app.webhooks, hook)
	types := casework.SubscribedEventTypes
	if s.opts.LegacyDMs {
		// X before 9 December 2026: a deployment of then was subscribed to
		// the legacy DM events too.
		types = append(slices.Clone(types), xaaDMReceived, "dm.sent")
	}
	for _, b := range sample.Brands {
		for _, et := range types {
			s.app.subs = append(s.app.subs, &subscription{ID: s.ids.next(now), EventType: et, UserID: b.XUserID,
				Tag: "xsim", WebhookID: hook.ID, CreatedAt: now, UpdatedAt: now})
		}
	}
}

// subscriptionFor is the one delivery decision: the subscription through
// which an event of one of the event types (the first that matches) for
// the user reaches a webhook, or nil when X would deliver it nowhere (no
// subscription, or one without a webhook or on an invalid one). Called
// with s.mu held.
func (s *Sim) subscriptionFor(userID string, eventTypes ...string) (*subscription, *webhookConfig) {
	for _, et := range eventTypes {
		for _, sub := range s.app.subs {
			if sub.UserID != userID || sub.EventType != et || sub.WebhookID == "" {
				continue
			}
			if hook := s.webhook(sub.WebhookID); hook != nil && hook.Valid {
				return sub, hook
			}
		}
	}
	return nil, nil
}

func (s *Sim) webhook(id string) *webhookConfig {
	for _, h := range s.app.webhooks {
		if h.ID == id {
			return h
		}
	}
	return nil
}

// WebhookID returns the id of the webhook registered for url, or "".
func (s *Sim) WebhookID(url string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.app.webhooks {
		if h.URL == url {
			return h.ID
		}
	}
	return ""
}

// Subscriptions returns the event types the user is subscribed to, sorted.
func (s *Sim) Subscriptions(userID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, sub := range s.app.subs {
		if sub.UserID == userID {
			out = append(out, sub.EventType)
		}
	}
	slices.Sort(out)
	return out
}

// BearerToken is the app's bearer token, as POST /oauth2/token gives it.
func (s *Sim) BearerToken() string {
	m := hmac.New(sha256.New, []byte(s.opts.ConsumerSecret))
	m.Write([]byte(s.opts.ConsumerKey))
	return "AAAAAAAAAAAAAAAAAAAAA" + hex.EncodeToString(m.Sum(nil))[:40]
}

// --- authentication ------------------------------------------------------

// authKinds says which kinds of credentials an app endpoint takes.
type authKinds int

const (
	authUser   authKinds = 1 << iota // OAuth 1.0a user context
	authBearer                       // OAuth 2.0 app-only bearer token
)

// X's answers to credentials of a kind an endpoint does not take.
var (
	errAppOnlyForbidden = &xError{status: http.StatusForbidden, body: problem{Title: "Unsupported Authentication",
		Detail: "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
		Type:   "https://api.twitter.com/2/problems/unsupported-authentication", Status: http.StatusForbidden}}
	errUserForbidden = &xError{status: http.StatusForbidden, body: problem{Title: "Unsupported Authentication",
		Detail: "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].",
		Type:   "https://api.twitter.com/2/problems/unsupported-authentication", Status: http.StatusForbidden}}
)

// appCall is one call to an app endpoint: user is nil when the app's bearer
// token authenticated it.
type appCall struct {
	*call
	bearer bool
}

type appHandler func(c *appCall) (int, any)

// appAPI wraps an app endpoint as api wraps a user endpoint, taking the
// kinds of credentials X takes there.
func (s *Sim) appAPI(endpoint string, kinds authKinds, h appHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(body) > maxBody {
			writeJSON(w, http.StatusBadRequest, invalidRequest("", "", "The request body could not be read.").body)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		rec := s.record(r, body)
		status, out := s.serveApp(w, r, body, endpoint, kinds, rec, h)
		rec.Status = status
		writeJSON(w, status, out)
	})
}

func (s *Sim) serveApp(w http.ResponseWriter, r *http.Request, body []byte, endpoint string, kinds authKinds, rec *APICall, h appHandler) (int, any) {
	c := &appCall{call: &call{r: r, body: body}}
	limitKey := "app"
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.st.byBearer[strings.TrimSpace(tok)] == nil &&
		s.st.oauth2.byAccess[strings.TrimSpace(tok)] == nil {
		if !hmac.Equal([]byte(strings.TrimSpace(tok)), []byte(s.BearerToken())) {
			return errUnauthorized.status, errUnauthorized.body
		}
		rec.Auth = "bearer"
		if kinds&authBearer == 0 {
			return fail(errAppOnlyForbidden)
		}
		c.bearer = true
	} else {
		u, kind, _, why := s.authenticateUser(r, body)
		if u == nil {
			s.log.Debug("xsim: unauthorized", "method", r.Method, "path", r.URL.Path, "reason", why)
			return errUnauthorized.status, errUnauthorized.body
		}
		rec.Auth, rec.UserID, rec.Username = kind, u.ID, u.Username
		if kinds&authUser == 0 {
			return fail(errUserForbidden)
		}
		c.user, limitKey = u, u.ID
	}
	if f := s.takeFault(r.URL.Path); f != nil {
		return fail(statusProblem(f.Status))
	}
	win, ok := s.rateLimit(limitKey, endpoint)
	if !ok {
		setRateHeaders(w.Header(), win.limit, 0, win.reset)
		return errTooMany.status, errTooMany.body
	}
	setRateHeaders(w.Header(), win.limit, win.limit-win.used, win.reset)
	return h(c)
}

// POST /oauth2/token (Basic consumer key:secret, grant_type=client_credentials)
func (s *Sim) tokenHandler(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.record(r, body)
	rec.Auth = "basic"
	status, out := s.token(r, body)
	rec.Status = status
	writeJSON(w, status, out)
}

// v1Errors is the error body of X's v1.1-era endpoints such as /oauth2/token.
type v1Errors struct {
	Errors []v1Error `json:"errors"`
}

type v1Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Label   string `json:"label,omitempty"`
}

func (s *Sim) token(r *http.Request, body []byte) (int, any) {
	badCreds := v1Errors{Errors: []v1Error{{Code: 99, Message: "Unable to verify your credentials", Label: "authenticity_token_error"}}}
	key, secret, ok := r.BasicAuth()
	if ok {
		// The key and secret are form-encoded before they are joined (RFC 6749 2.3.1).
		k, err1 := url.QueryUnescape(key)
		sec, err2 := url.QueryUnescape(secret)
		ok = err1 == nil && err2 == nil &&
			hmac.Equal([]byte(k), []byte(s.opts.ConsumerKey)) && hmac.Equal([]byte(sec), []byte(s.opts.ConsumerSecret))
	}
	if !ok {
		return http.StatusForbidden, badCreds
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("grant_type") == "" {
		return http.StatusForbidden, v1Errors{Errors: []v1Error{{Code: 170, Message: "Missing required parameter: grant_type", Label: "forbidden_missing_parameter"}}}
	}
	if form.Get("grant_type") != "client_credentials" {
		return http.StatusForbidden, v1Errors{Errors: []v1Error{{Code: 170, Message: "Missing required parameter: grant_type", Label: "forbidden_missing_parameter"}}}
	}
	return http.StatusOK, map[string]string{"token_type": "bearer", "access_token": s.BearerToken()}
}

// --- webhooks -------------------------------------------------------------

type webhookJSON struct {
	CreatedAt string `json:"created_at"`
	ID        string `json:"id"`
	URL       string `json:"url"`
	Valid     bool   `json:"valid"`
}

func hookJSON(h *webhookConfig) webhookJSON {
	return webhookJSON{CreatedAt: h.CreatedAt.UTC().Format(time.RFC3339Nano), ID: h.ID, URL: h.URL, Valid: h.Valid}
}

// webhookRefusal is X's answer when a webhook call fails for a reason X
// names (CrcValidationFailed, UrlValidationFailed, DuplicateUrlFailed,
// WebhookLimitExceeded, WebhookIdInvalid).
func webhookRefusal(status int, reason, detail string) *xError {
	return &xError{status: status, body: map[string]any{
		"errors": []map[string]string{{"message": reason}},
		"title":  http.StatusText(status), "detail": detail, "type": typeInvalidRequest, "status": status,
	}}
}

// validWebhookURL applies X's rules: https, no port, at most 200 characters.
// The simulator also takes http on a loopback host, so the local run and
// the tests can register themselves.
func validWebhookURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || len(raw) > 200 || u.Host == "" {
		return false
	}
	host := u.Hostname()
	loopback := host == "127.0.0.1" || host == "localhost" || host == "::1"
	switch {
	case loopback:
		return u.Scheme == "http" || u.Scheme == "https"
	case u.Scheme != "https" || u.Port() != "":
		return false
	}
	return true
}

// POST /2/webhooks {url}
func (s *Sim) createWebhookAPI(c *appCall) (int, any) {
	var in struct {
		URL string `json:"url"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	if !validWebhookURL(in.URL) {
		return fail(webhookRefusal(http.StatusBadRequest, "UrlValidationFailed", "The callback URL provided does not meet requirements (https, no port)."))
	}
	for _, h := range s.app.webhooks {
		if h.URL == in.URL {
			return fail(webhookRefusal(http.StatusConflict, "DuplicateUrlFailed", "A webhook is already registered by your application for the provided callback URL."))
		}
	}
	if len(s.app.webhooks) >= cmpOr(s.opts.WebhookLimit, DefaultWebhookLimit) {
		return fail(webhookRefusal(http.StatusForbidden, "WebhookLimitExceeded", "Your application has reached the maximum number of allowed webhook configurations."))
	}
	if err := s.crc(c.r.Context(), in.URL); err != nil {
		s.log.Info("xsim: webhook failed its CRC check", "url", in.URL, "err", err)
		return fail(webhookRefusal(http.StatusBadRequest, "CrcValidationFailed", "The callback URL did not respond correctly to the CRC check: "+err.Error()))
	}
	now := s.stamp()
	h := &webhookConfig{ID: s.ids.next(now), URL: in.URL, Valid: true, CreatedAt: now}
	s.app.webhooks = append(s.app.webhooks, h)
	return http.StatusOK, map[string]any{"data": hookJSON(h)}
}

// GET /2/webhooks
func (s *Sim) listWebhooksAPI(c *appCall) (int, any) {
	data := []webhookJSON{}
	for _, h := range s.app.webhooks {
		data = append(data, hookJSON(h))
	}
	return http.StatusOK, map[string]any{"data": data, "meta": map[string]int{"result_count": len(data)}}
}

func (s *Sim) webhookFromPath(c *appCall) (*webhookConfig, *xError) {
	id := c.r.PathValue("webhook_id")
	if !isID(id) {
		return nil, invalidID("webhook_id", id)
	}
	h := s.webhook(id)
	if h == nil {
		return nil, webhookRefusal(http.StatusNotFound, "WebhookIdInvalid", "The provided webhook_id was not found or is not associated with your app.")
	}
	return h, nil
}

// PUT /2/webhooks/:webhook_id: a CRC check now; the answer's valid is the outcome.
func (s *Sim) validateWebhookAPI(c *appCall) (int, any) {
	h, xe := s.webhookFromPath(c)
	if xe != nil {
		return fail(xe)
	}
	err := s.crc(c.r.Context(), h.URL)
	h.Valid = err == nil
	if err != nil {
		s.log.Info("xsim: webhook failed its CRC check; marked invalid", "webhook_id", h.ID, "err", err)
	}
	return http.StatusOK, map[string]any{"data": map[string]bool{"valid": h.Valid}}
}

// DELETE /2/webhooks/:webhook_id
func (s *Sim) deleteWebhookAPI(c *appCall) (int, any) {
	h, xe := s.webhookFromPath(c)
	if xe != nil {
		return fail(xe)
	}
	s.app.webhooks = slices.DeleteFunc(s.app.webhooks, func(w *webhookConfig) bool { return w == h })
	return http.StatusOK, map[string]any{"data": map[string]bool{"deleted": true}}
}

// POST /2/webhooks/replay {webhook_id, from_date, to_date} (yyyymmddhhmm, UTC, inclusive)
func (s *Sim) replayAPI(c *appCall) (int, any) {
	var in struct {
		WebhookID string `json:"webhook_id"`
		FromDate  string `json:"from_date"`
		ToDate    string `json:"to_date"`
	}
	if xe := decodeBody(c.body, &in); xe != nil {
		return fail(xe)
	}
	if !isID(in.WebhookID) {
		return fail(invalidID("webhook_id", in.WebhookID))
	}
	from, err1 := time.Parse("200601021504", in.FromDate)
	to, err2 := time.Parse("200601021504", in.ToDate)
	switch {
	case err1 != nil || len(in.FromDate) != 12:
		return fail(invalidRequest("from_date", in.FromDate, "The `from_date` value ["+in.FromDate+"] does not match ^[0-9]{12}$ (yyyymmddhhmm, UTC)"))
	case err2 != nil || len(in.ToDate) != 12:
		return fail(invalidRequest("to_date", in.ToDate, "The `to_date` value ["+in.ToDate+"] does not match ^[0-9]{12}$ (yyyymmddhhmm, UTC)"))
	case to.Before(from):
		return fail(invalidRequest("to_date", in.ToDate, "The `to_date` must not be before the `from_date`."))
	case from.Before(time.Now().Add(-replayWindow).Truncate(time.Minute)):
		return fail(invalidRequest("from_date", in.FromDate, "The `from_date` must be within the last 24 hours."))
	}
	h := s.webhook(in.WebhookID)
	if h == nil {
		return fail(webhookRefusal(http.StatusNotFound, "WebhookIdInvalid", "The provided webhook_id was not found or is not associated with your app."))
	}
	n := s.hooks.replay(h.ID, h.URL, from, to.Add(time.Minute))
	s.app.replays++
	now := s.stamp()
	s.log.Info("xsim: replay job", "webhook_id", h.ID, "from", from, "to", to, "events", n)
	return http.StatusOK, map[string]any{"data": map[string]string{
		"job_id": strconv.Itoa(s.app.replays) + s.ids.next(now)[8:], "created_at": now.Format(time.RFC3339Nano)}}
}

// --- subscriptions ------------------------------------------------------

type subFilterJSON struct {
	UserID    string `json:"user_id,omitempty"`
	Direction string `json:"direction,omitempty"`
	Keyword   string `json:"keyword,omitempty"`
}

type subscriptionJSON struct {
	CreatedAt      string        `json:"created_at"`
	EventType      string        `json:"event_type"`
	Filter         subFilterJSON `json:"filter"`
	SubscriptionID string        `json:"subscription_id"`
	Tag            string        `json:"tag,omitempty"`
	UpdatedAt      string        `json:"updated_at"`
	WebhookID      string        `json:"webhook_id,omitempty"`
}

func subJSON(sub *subscription) subscriptionJSON {
	return subscriptionJSON{CreatedAt: sub.CreatedAt.Format(time.RFC3339Nano), EventType: sub.EventType,
		Filter:         subFilterJSON{UserID: sub.UserID, Direction: sub.Direction, Keyword: sub.Keyword},
		SubscriptionID: sub.ID, Tag: sub.Tag, UpdatedAt: sub.UpdatedAt.Format(time.RFC3339Nano), WebhookID: sub.WebhookID}
}

// strictJSON decodes a body that may hold only v's fields (X's
// additionalProperties: false).
func strictJSON(body []byte, v any) *xError {
	if xe := decodeBody(body, v); xe != nil {
		return xe
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidRequest("", "", "Request body has a field this endpoint does not take: "+err.Error())
	}
	return nil
}

// POST /2/activity/subscriptions {event_type, filter: {user_id, direction?, keyword?}, tag?, webhook_id?}
func (s *Sim) createSubscriptionAPI(c *appCall) (int, any) {
	var in struct {
		EventType string         `json:"event_type"`
		Filter    *subFilterJSON `json:"filter"`
		Tag       *string        `json:"tag"`
		WebhookID string         `json:"webhook_id"`
	}
	if xe := strictJSON(c.body, &in); xe != nil {
		return fail(xe)
	}
	if in.EventType == "chat.conversation_join" {
		in.EventType = "chat.conversation.join"
	}
	switch {
	case !slices.Contains(eventTypes, in.EventType):
		return fail(invalidRequest("event_type", in.EventType, "The `event_type` value ["+in.EventType+"] is not one of the supported event types."))
	case in.Filter == nil:
		return fail(invalidRequest("filter", "", "The `filter` field is required."))
	case in.Filter.Direction != "" && in.Filter.Direction != "inbound" && in.Filter.Direction != "outbound":
		return fail(invalidRequest("filter.direction", in.Filter.Direction, "The `filter.direction` value must be inbound or outbound."))
	case in.Tag != nil && (len(*in.Tag) < 1 || len(*in.Tag) > 200):
		return fail(invalidRequest("tag", *in.Tag, "The `tag` must be 1 to 200 characters."))
	case in.WebhookID != "" && !isID(in.WebhookID):
		return fail(invalidID("webhook_id", in.WebhookID))
	case in.WebhookID != "" && s.webhook(in.WebhookID) == nil:
		return fail(webhookRefusal(http.StatusBadRequest, "WebhookIdInvalid", "The provided webhook_id was not found or is not associated with your app."))
	}
	uid := in.Filter.UserID
	if in.EventType != "news.new" {
		if !isID(uid) {
			return fail(invalidRequest("filter.user_id", uid, "The `filter.user_id` value ["+uid+"] does not match ^[0-9]{1,19}$"))
		}
		if s.st.users[uid] == nil {
			return fail(invalidRequest("filter.user_id", uid, "The `filter.user_id` ["+uid+"] is not a user."))
		}
	}
	if privateEvent(in.EventType) && (c.user == nil || c.user.ID != uid) {
		return fail(&xError{status: http.StatusForbidden, body: problem{Title: "Forbidden",
			Detail: "Private events (" + in.EventType + ") can only be subscribed with the OAuth user token of the user in filter.user_id, who has authorised the app.",
			Type:   "https://api.twitter.com/2/problems/not-authorized-for-resource", Status: http.StatusForbidden}})
	}
	for _, sub := range s.app.subs {
		if sub.EventType == in.EventType && sub.UserID == uid && sub.Direction == in.Filter.Direction &&
			sub.Keyword == in.Filter.Keyword && sub.WebhookID == in.WebhookID {
			return fail(&xError{status: http.StatusConflict, body: map[string]any{
				"errors": []map[string]string{{"message": "DuplicateSubscription", "subscription_id": sub.ID}},
				"title":  "Conflict", "type": "about:blank", "status": http.StatusConflict,
				"detail": fmt.Sprintf("A subscription to %s with this filter and webhook already exists: %s.", in.EventType, sub.ID)}})
		}
	}
	if limit := cmpOr(s.opts.SubscriptionLimit, DefaultSubscriptionLimit); len(s.app.subs) >= limit {
		return fail(&xError{status: http.StatusForbidden, body: map[string]any{
			"errors": []map[string]string{{"message": "SubscriptionLimitExceeded"}},
			"title":  "Forbidden", "type": "about:blank", "status": http.StatusForbidden,
			"detail": fmt.Sprintf("Your application has reached its limit of %d subscriptions.", limit)}})
	}
	now := s.stamp()
	sub := &subscription{ID: s.ids.next(now), EventType: in.EventType, UserID: uid, Direction: in.Filter.Direction,
		Keyword: in.Filter.Keyword, WebhookID: in.WebhookID, CreatedAt: now, UpdatedAt: now}
	if in.Tag != nil {
		sub.Tag = *in.Tag
	}
	s.app.subs = append(s.app.subs, sub)
	total := len(s.app.subs)
	return http.StatusOK, map[string]any{"data": map[string]any{"subscription": subJSON(sub)},
		"meta": map[string]int{"total_subscriptions": total}}
}

// pageTokenEncoding is X's base32hex pagination token alphabet.
var pageTokenEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// GET /2/activity/subscriptions[?max_results=&pagination_token=]
func (s *Sim) listSubscriptionsAPI(c *appCall) (int, any) {
	q := c.r.URL.Query()
	max := 100
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return fail(invalidRequest("max_results", v, "The `max_results` query parameter value ["+v+"] is not between 1 and 1000"))
		}
		max = n
	}
	start := 0
	if tok := q.Get("pagination_token"); tok != "" {
		raw, err := pageTokenEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimLeft(string(raw), "0"))
		if err != nil || len(tok) < 16 || (err2 != nil && strings.Trim(string(raw), "0") != "") {
			return fail(invalidRequest("pagination_token", tok, "The `pagination_token` query parameter value ["+tok+"] is not valid"))
		}
		start = n
	}
	data := []subscriptionJSON{}
	for i := start; i < len(s.app.subs) && len(data) < max; i++ {
		data = append(data, subJSON(s.app.subs[i]))
	}
	meta := map[string]any{"total_subscriptions": len(s.app.subs), "result_count": len(data)}
	if next := start + len(data); next < len(s.app.subs) {
		meta["next_token"] = pageTokenEncoding.EncodeToString([]byte(fmt.Sprintf("%010d", next)))
	}
	return http.StatusOK, map[string]any{"data": data, "meta": meta}
}

func subscriptionNotFound(id string) *xError {
	return &xError{status: http.StatusNotFound, body: map[string]any{
		"title": "Not Found Error", "type": typeNotFound, "status": http.StatusNotFound,
		"detail":        "Could not find subscription with subscription_id: [" + id + "].",
		"resource_type": "subscription", "resource_id": id, "parameter": "subscription_id", "value": id}}
}

func (s *Sim) removeSubscription(id string) bool {
	n := len(s.app.subs)
	s.app.subs = slices.DeleteFunc(s.app.subs, func(sub *subscription) bool { return sub.ID == id })
	return len(s.app.subs) < n
}

// DELETE /2/activity/subscriptions/:subscription_id
func (s *Sim) deleteSubscriptionAPI(c *appCall) (int, any) {
	id := c.r.PathValue("subscription_id")
	if !isID(id) {
		return fail(invalidID("subscription_id", id))
	}
	if !s.removeSubscription(id) {
		return fail(subscriptionNotFound(id))
	}
	return http.StatusOK, map[string]any{"data": map[string]bool{"deleted": true},
		"meta": map[string]int{"total_subscriptions": len(s.app.subs)}}
}

// DELETE /2/activity/subscriptions?ids=a,b (1 to 100 ids)
func (s *Sim) deleteSubscriptionsAPI(c *appCall) (int, any) {
	raw := c.r.URL.Query().Get("ids")
	ids := strings.Split(raw, ",")
	if raw == "" || len(ids) > 100 {
		return fail(invalidRequest("ids", raw, "The `ids` query parameter must hold 1 to 100 subscription ids."))
	}
	data := []map[string]any{}
	errs := []map[string]string{}
	for _, id := range ids {
		switch {
		case !isID(id):
			errs = append(errs, map[string]string{"subscription_id": id, "reason": "InvalidSubscriptionId", "message": "Not a subscription id."})
		case s.removeSubscription(id):
			data = append(data, map[string]any{"subscription_id": id, "deleted": true})
		default:
			errs = append(errs, map[string]string{"subscription_id": id, "reason": "SubscriptionNotFound", "message": "No such subscription."})
		}
	}
	out := map[string]any{"data": data, "meta": map[string]int{"total_subscriptions": len(s.app.subs)}}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	return http.StatusOK, out
}

// PUT /2/activity/subscriptions/:subscription_id {tag?, webhook_id?}
func (s *Sim) updateSubscriptionAPI(c *appCall) (int, any) {
	id := c.r.PathValue("subscription_id")
	if !isID(id) {
		return fail(invalidID("subscription_id", id))
	}
	var in struct {
		Tag       *string `json:"tag"`
		WebhookID *string `json:"webhook_id"`
	}
	if xe := strictJSON(c.body, &in); xe != nil {
		return fail(xe)
	}
	var sub *subscription
	for _, x := range s.app.subs {
		if x.ID == id {
			sub = x
		}
	}
	switch {
	case sub == nil:
		return fail(subscriptionNotFound(id))
	case in.Tag != nil && (len(*in.Tag) < 1 || len(*in.Tag) > 200):
		return fail(invalidRequest("tag", *in.Tag, "The `tag` must be 1 to 200 characters."))
	case in.WebhookID != nil && (!isID(*in.WebhookID) || s.webhook(*in.WebhookID) == nil):
		return fail(webhookRefusal(http.StatusBadRequest, "WebhookIdInvalid", "The provided webhook_id was not found or is not associated with your app."))
	}
	if in.Tag != nil {
		sub.Tag = *in.Tag
	}
	if in.WebhookID != nil {
		sub.WebhookID = *in.WebhookID
	}
	sub.UpdatedAt = s.stamp()
	return http.StatusOK, map[string]any{"data": map[string]any{"subscription": subJSON(sub), "total_subscriptions": len(s.app.subs)}}
}

func cmpOr(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// basicAuth is the Authorization header of the client-credentials grant.
func basicAuth(key, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(key)+":"+url.QueryEscape(secret)))
}
