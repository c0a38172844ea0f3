package outbound

import (
	"context"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/xapi"
)

// Activity is what the worker needs from X for the brand handles' X
// Activity API subscriptions; *xapi.Client implements it.
type Activity interface {
	// Subscriptions lists the app's subscriptions, signed as the handle.
	Subscriptions(ctx context.Context, auth xapi.BrandAuth) ([]casework.XSubscription, error)
	// CreateSubscription subscribes the handle to one event type; a
	// duplicate is an error for which xapi.IsConflict is true.
	CreateSubscription(ctx context.Context, auth xapi.BrandAuth, eventType, tag, webhookID string) (casework.XSubscription, error)
	// AppSubscriptions lists them with the app's bearer token.
	AppSubscriptions(ctx context.Context) ([]casework.XSubscription, error)
	// DeleteSubscription deletes one with the app's bearer token.
	DeleteSubscription(ctx context.Context, id string) error
}

// SubscriptionConfig is the deployment's side of the subscriptions.
type SubscriptionConfig struct {
	// WebhookID is the deployment's webhook on X (config.XWebhookID);
	// without it subscribing fails, saying so.
	WebhookID string
	// Tag labels the deployment's subscriptions (casework.SubscriptionTag).
	Tag string
}

// SyncSubscriptions is casework.SyncSubscriptions through X's client: it
// makes X hold the brand handle's subscriptions on webhookID (with prune,
// and no more), and returns the event types X holds and the subscriptions
// it deleted. It is `make x-subscriptions`'.
func SyncSubscriptions(ctx context.Context, x Activity, auth xapi.BrandAuth, webhookID, tag string, prune bool) (have []string, pruned []casework.XSubscription, err error) {
	h := &casework.BrandHandle{XUserID: auth.XUserID, CredentialsSecret: auth.CredentialsSecret}
	return casework.SyncSubscriptions(ctx, &xAdapter{activity: x}, h, casework.SubscriptionTarget{WebhookID: webhookID, Tag: tag}, prune)
}
