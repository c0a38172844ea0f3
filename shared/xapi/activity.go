package xapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/michimani/gotwi"

	"github.com/acme/twitter-cases/shared/casework"
)

// The X Activity API's subscriptions and the V2 webhooks, called through
// gotwi's CallAPI with the adapter's own parameter type (gotwi has no types
// for them). Creating and listing subscriptions is signed as a brand handle
// (OAuth 1.0a user context: X lets only the user subscribe their private
// events); deleting subscriptions, the webhooks and replays use the app's
// bearer token, which gotwi obtains from the consumer key and secret with
// the client-credentials grant (POST /oauth2/token).
const (
	subscriptionsEndpoint = "https://api.twitter.com/2/activity/subscriptions"
	subscriptionEndpoint  = "https://api.twitter.com/2/activity/subscriptions/:subscription_id"
	webhooksEndpoint      = "https://api.twitter.com/2/webhooks"
	webhookEndpoint       = "https://api.twitter.com/2/webhooks/:webhook_id"
	replayEndpoint        = "https://api.twitter.com/2/webhooks/replay"
)

// maxSubscriptionPages bounds a listing (1,000 subscriptions a page): X's
// Enterprise limit is 75,000 per app.
const maxSubscriptionPages = 100

// IsConflict reports whether X refused to create something that already
// exists (409: a duplicate subscription, a webhook URL already registered).
func IsConflict(err error) bool {
	e, ok := AsError(err)
	return ok && e.StatusCode == http.StatusConflict
}

// params is a CallAPI parameter set: path parameters, a query (signed, for
// OAuth 1.0a) and an optional JSON body (not signed).
type params struct {
	accessToken string
	path        map[string]string
	query       url.Values
	body        any
}

func (p *params) SetAccessToken(token string) { p.accessToken = token }
func (p *params) AccessToken() string         { return p.accessToken }

func (p *params) ResolveEndpoint(endpointBase string) string {
	for k, v := range p.path {
		if v == "" {
			return ""
		}
		endpointBase = strings.Replace(endpointBase, ":"+k, url.PathEscape(v), 1)
	}
	if len(p.query) > 0 {
		endpointBase += "?" + p.query.Encode()
	}
	return endpointBase
}

func (p *params) Body() (io.Reader, error) {
	if p.body == nil {
		return nil, nil
	}
	b, err := json.Marshal(p.body)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(string(b)), nil
}

func (p *params) ParameterMap() map[string]string {
	m := map[string]string{}
	for k, vs := range p.query {
		if len(vs) > 0 {
			m[k] = vs[0]
		}
	}
	return m
}

// appClient returns the gotwi client of the app's bearer token, obtaining
// the token on first use.
func (c *Client) appClient(ctx context.Context) (*gotwi.Client, error) {
	c.mu.Lock()
	gc := c.app
	c.mu.Unlock()
	if gc != nil {
		return gc, nil
	}
	app, err := c.secrets.App(ctx, c.appSecret)
	if err != nil {
		return nil, fmt.Errorf("app credentials: %w", err)
	}
	gc, err = gotwi.NewClient(&gotwi.NewClientInput{
		HTTPClient:           c.http,
		AuthenticationMethod: gotwi.AuthenMethodOAuth2BearerToken,
		APIKey:               app.ConsumerKey,
		APIKeySecret:         app.ConsumerSecret,
	})
	if err != nil {
		return nil, mapError("bearer token", err, &recorder{})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.app == nil {
		c.app = gc
	}
	return c.app, nil
}

// doApp runs one call with the app's bearer token. When X answers 401 it
// gets a new token (re-reading the app's credentials) and tries once more.
func (c *Client) doApp(ctx context.Context, op string, call func(ctx context.Context, gc *gotwi.Client) error) error {
	for attempt := 1; ; attempt++ {
		gc, err := c.appClient(ctx)
		if err != nil {
			if _, ok := AsError(err); ok {
				return err
			}
			return fmt.Errorf("xapi: %s: %w", op, err)
		}
		rec := &recorder{}
		start := time.Now()
		err = mapError(op, call(context.WithValue(ctx, recorderKey{}, rec), gc), rec)
		c.log.Debug("x call", "op", op, "auth", "bearer", "status", rec.status, "ms", time.Since(start).Milliseconds(), "ok", err == nil)
		if err == nil {
			return nil
		}
		if IsUnauthorized(err) && attempt == 1 {
			c.mu.Lock()
			c.app = nil
			c.mu.Unlock()
			c.secrets.Invalidate(c.appSecret)
			continue
		}
		return err
	}
}

type subscriptionJSON struct {
	SubscriptionID string `json:"subscription_id"`
	EventType      string `json:"event_type"`
	Filter         struct {
		UserID string `json:"user_id"`
	} `json:"filter"`
	Tag       string `json:"tag"`
	WebhookID string `json:"webhook_id"`
}

func (s subscriptionJSON) subscription() casework.XSubscription {
	return casework.XSubscription{ID: s.SubscriptionID, EventType: s.EventType, UserID: s.Filter.UserID, Tag: s.Tag, WebhookID: s.WebhookID}
}

type listSubscriptionsOut struct {
	Data []subscriptionJSON `json:"data"`
	Meta struct {
		NextToken string `json:"next_token"`
	} `json:"meta"`
	partialErrors
}

// listSubscriptions reads every page of the app's subscriptions with one
// kind of credentials.
func (c *Client) listSubscriptions(ctx context.Context, do func(op string, call func(ctx context.Context, gc *gotwi.Client) error) error) ([]casework.XSubscription, error) {
	var out []casework.XSubscription
	token := ""
	for page := 0; page < maxSubscriptionPages; page++ {
		q := url.Values{"max_results": {"1000"}}
		if token != "" {
			q.Set("pagination_token", token)
		}
		var res listSubscriptionsOut
		if err := do("list subscriptions", func(ctx context.Context, gc *gotwi.Client) error {
			res = listSubscriptionsOut{}
			return gc.CallAPI(ctx, subscriptionsEndpoint, "GET", &params{query: q}, &res)
		}); err != nil {
			return nil, err
		}
		for _, s := range res.Data {
			out = append(out, s.subscription())
		}
		if token = res.Meta.NextToken; token == "" {
			return out, nil
		}
	}
	return out, fmt.Errorf("xapi: list subscriptions: more than %d pages", maxSubscriptionPages)
}

// Subscriptions lists the app's X Activity API subscriptions, signed as the
// brand handle (GET /2/activity/subscriptions).
func (c *Client) Subscriptions(ctx context.Context, auth BrandAuth) ([]casework.XSubscription, error) {
	return c.listSubscriptions(ctx, func(op string, call func(ctx context.Context, gc *gotwi.Client) error) error {
		return c.do(ctx, op, auth, call)
	})
}

// AppSubscriptions lists the app's subscriptions with its bearer token.
func (c *Client) AppSubscriptions(ctx context.Context) ([]casework.XSubscription, error) {
	return c.listSubscriptions(ctx, func(op string, call func(ctx context.Context, gc *gotwi.Client) error) error {
		return c.doApp(ctx, op, call)
	})
}

// CreateSubscription subscribes the brand handle (signing as it) to one
// event type for filter.user_id = its X user id, with a tag and a webhook
// (POST /2/activity/subscriptions). X's refusal of a duplicate is an
// *Error for which IsConflict is true.
func (c *Client) CreateSubscription(ctx context.Context, auth BrandAuth, eventType, tag, webhookID string) (casework.XSubscription, error) {
	if auth.XUserID == "" || eventType == "" {
		return casework.XSubscription{}, errors.New("xapi: create subscription: no user id or event type")
	}
	in := map[string]any{"event_type": eventType, "filter": map[string]string{"user_id": auth.XUserID}}
	if tag != "" {
		in["tag"] = tag
	}
	if webhookID != "" {
		in["webhook_id"] = webhookID
	}
	var res struct {
		Data *struct {
			Subscription subscriptionJSON `json:"subscription"`
		} `json:"data"`
		partialErrors
	}
	err := c.do(ctx, "create subscription", auth, func(ctx context.Context, gc *gotwi.Client) error {
		if err := gc.CallAPI(ctx, subscriptionsEndpoint, "POST", &params{body: in}, &res); err != nil {
			return err
		}
		if res.Data == nil || res.Data.Subscription.SubscriptionID == "" {
			return partialError("create subscription", res.Errors)
		}
		return nil
	})
	if err != nil {
		return casework.XSubscription{}, err
	}
	return res.Data.Subscription.subscription(), nil
}

// DeleteSubscription removes one subscription with the app's bearer token
// (DELETE /2/activity/subscriptions/:id); one X does not know is an
// *Error for which IsNotFound is true.
func (c *Client) DeleteSubscription(ctx context.Context, id string) error {
	return c.doApp(ctx, "delete subscription", func(ctx context.Context, gc *gotwi.Client) error {
		var res struct {
			Data *struct {
				Deleted bool `json:"deleted"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, subscriptionEndpoint, "DELETE", &params{path: map[string]string{"subscription_id": id}}, &res); err != nil {
			return err
		}
		if res.Data == nil || !res.Data.Deleted {
			return partialError("delete subscription", res.Errors)
		}
		return nil
	})
}

// Webhook is one of the app's webhooks as X lists it.
type Webhook struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Valid bool   `json:"valid"`
}

// Webhooks lists the app's webhooks (GET /2/webhooks, bearer token).
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var res struct {
		Data []Webhook `json:"data"`
		partialErrors
	}
	err := c.doApp(ctx, "list webhooks", func(ctx context.Context, gc *gotwi.Client) error {
		return gc.CallAPI(ctx, webhooksEndpoint, "GET", &params{}, &res)
	})
	return res.Data, err
}

// CreateWebhook registers a webhook URL (POST /2/webhooks, bearer token);
// X checks it with a CRC request before it answers, and refuses it
// (CrcValidationFailed) when the check fails.
func (c *Client) CreateWebhook(ctx context.Context, webhookURL string) (Webhook, error) {
	var res struct {
		Data *Webhook `json:"data"`
		partialErrors
	}
	err := c.doApp(ctx, "create webhook", func(ctx context.Context, gc *gotwi.Client) error {
		if err := gc.CallAPI(ctx, webhooksEndpoint, "POST", &params{body: map[string]string{"url": webhookURL}}, &res); err != nil {
			return err
		}
		if res.Data == nil || res.Data.ID == "" {
			return partialError("create webhook", res.Errors)
		}
		return nil
	})
	if err != nil {
		return Webhook{}, err
	}
	return *res.Data, nil
}

// DeleteWebhook removes one of the app's webhooks (DELETE /2/webhooks/:id,
// bearer token); one X does not know is an *Error for which IsNotFound is
// true.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.doApp(ctx, "delete webhook", func(ctx context.Context, gc *gotwi.Client) error {
		var res struct {
			Data *struct {
				Deleted bool `json:"deleted"`
			} `json:"data"`
			partialErrors
		}
		if err := gc.CallAPI(ctx, webhookEndpoint, "DELETE", &params{path: map[string]string{"webhook_id": id}}, &res); err != nil {
			return err
		}
		if res.Data == nil || !res.Data.Deleted {
			return partialError("delete webhook", res.Errors)
		}
		return nil
	})
}

// ValidateWebhook asks X to run the CRC check on the webhook now
// (PUT /2/webhooks/:id, bearer token) and reports whether it passed.
func (c *Client) ValidateWebhook(ctx context.Context, id string) (bool, error) {
	var res struct {
		Data *struct {
			Valid bool `json:"valid"`
		} `json:"data"`
		partialErrors
	}
	err := c.doApp(ctx, "validate webhook", func(ctx context.Context, gc *gotwi.Client) error {
		if err := gc.CallAPI(ctx, webhookEndpoint, "PUT", &params{path: map[string]string{"webhook_id": id}}, &res); err != nil {
			return err
		}
		if res.Data == nil {
			return partialError("validate webhook", res.Errors)
		}
		return nil
	})
	return err == nil && res.Data.Valid, err
}

// ReplayLayout is the format of a replay window's ends: yyyymmddhhmm, UTC.
const ReplayLayout = "200601021504"

// Replay asks X to redeliver to the webhook every event of the window
// [from, to] (whole minutes, UTC) again (POST /2/webhooks/replay, bearer
// token) and returns the replay job's id.
func (c *Client) Replay(ctx context.Context, webhookID string, from, to time.Time) (string, error) {
	in := map[string]string{"webhook_id": webhookID, "from_date": from.UTC().Format(ReplayLayout), "to_date": to.UTC().Format(ReplayLayout)}
	var res struct {
		Data *struct {
			JobID string `json:"job_id"`
		} `json:"data"`
		partialErrors
	}
	err := c.doApp(ctx, "replay", func(ctx context.Context, gc *gotwi.Client) error {
		if err := gc.CallAPI(ctx, replayEndpoint, "POST", &params{body: in}, &res); err != nil {
			return err
		}
		if res.Data == nil || res.Data.JobID == "" {
			return partialError("replay", res.Errors)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return res.Data.JobID, nil
}
