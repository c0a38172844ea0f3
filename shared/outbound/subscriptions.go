package outbound

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/xapi"
)

// Activity is what the worker needs from X for the brand handles' X
// Activity API subscriptions; *xapi.Client implements it.
type Activity interface {
	// Subscriptions lists the app's subscriptions, signed as the handle.
	Subscriptions(ctx context.Context, auth xapi.BrandAuth) ([]support.XSubscription, error)
	// CreateSubscription subscribes the handle to one event type; a
	// duplicate is an error for which xapi.IsConflict is true.
	CreateSubscription(ctx context.Context, auth xapi.BrandAuth, eventType, tag, webhookID string) (support.XSubscription, error)
	// AppSubscriptions lists them with the app's bearer token.
	AppSubscriptions(ctx context.Context) ([]support.XSubscription, error)
	// DeleteSubscription deletes one with the app's bearer token.
	DeleteSubscription(ctx context.Context, id string) error
}

// SubscriptionConfig is the deployment's side of the subscriptions.
type SubscriptionConfig struct {
	// WebhookID is the deployment's webhook on X (config.XWebhookID);
	// without it subscribing fails, saying so.
	WebhookID string
	// Tag labels the deployment's subscriptions (support.SubscriptionTag).
	Tag string
}

// SyncSubscriptions makes X hold, for the brand handle, a subscription on
// webhookID to every event type in support.SubscribedEventTypes: it lists
// what X has, creates what is missing (a duplicate X refuses counts as
// made) and, with prune, deletes the deployment's extras. It returns the
// event types X now holds and the subscriptions it deleted. It is the
// outbound worker's subscribe command and `make x-subscriptions`.
func SyncSubscriptions(ctx context.Context, x Activity, auth xapi.BrandAuth, webhookID, tag string, prune bool) (have []string, pruned []support.XSubscription, err error) {
	if webhookID == "" {
		return nil, nil, support.Errorf(support.EValidation, "No X webhook id is configured (X_WEBHOOK_ID, the stack's xWebhookId): run make x-webhook and set it.")
	}
	subs, err := x.Subscriptions(ctx, auth)
	if err != nil {
		return nil, nil, err
	}
	missing, extra := support.SubscriptionPlan(subs, auth.XUserID, webhookID)
	for _, et := range missing {
		if _, err := x.CreateSubscription(ctx, auth, et, tag, webhookID); err != nil && !xapi.IsConflict(err) {
			return nil, nil, fmt.Errorf("subscribe %s: %w", et, err)
		}
	}
	if prune {
		for _, s := range extra {
			if err := x.DeleteSubscription(ctx, s.ID); err != nil && !xapi.IsNotFound(err) {
				return nil, pruned, fmt.Errorf("delete subscription %s: %w", s.ID, err)
			}
			pruned = append(pruned, s)
		}
	}
	return slices.Clone(support.SubscribedEventTypes), pruned, nil
}

// subscribe executes a subscribe command and records the outcome on the
// handle: active, or failed with X's reason (after the retries, for X's
// transient failures).
func (w *Worker) subscribe(ctx context.Context, cmd support.Command) error {
	if w.activity == nil {
		return errors.New("outbound: no X Activity API client configured")
	}
	h, err := w.store.GetHandle(ctx, cmd.HandleID)
	if support.ErrorCode(err) == support.ENotFound {
		return nil // removed meanwhile: its unsubscribe command follows
	}
	if err != nil {
		return err
	}
	if h.Status != support.HandleConnected {
		_, err := support.SetHandleSubscriptions(ctx, w.store, h.ID, support.Subscriptions{Status: support.SubsFailed,
			Detail: fmt.Sprintf("@%s is disconnected from X; reconnect it.", h.ScreenName), UpdatedAt: w.now()})
		return err
	}
	auth := xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}
	have, _, err := SyncSubscriptions(ctx, w.activity, auth, w.subs.WebhookID, w.subs.Tag, false)
	if err != nil {
		if r := w.retryLater(ctx, err); r != nil {
			return r
		}
		w.log.InfoContext(ctx, "subscriptions refused", "handle_id", h.ID, "err", err)
		_, serr := support.SetHandleSubscriptions(ctx, w.store, h.ID, support.Subscriptions{Status: support.SubsFailed,
			Detail: reason(err), UpdatedAt: w.now()})
		return serr
	}
	_, err = support.SetHandleSubscriptions(ctx, w.store, h.ID, support.Subscriptions{Status: support.SubsActive, EventTypes: have, UpdatedAt: w.now()})
	return err
}

// unsubscribe deletes the deployment's subscriptions of a removed brand
// handle (the app's bearer token: the handle's own credentials may be
// revoked or gone).
func (w *Worker) unsubscribe(ctx context.Context, cmd support.Command) error {
	if w.activity == nil {
		return errors.New("outbound: no X Activity API client configured")
	}
	subs, err := w.activity.AppSubscriptions(ctx)
	if err == nil {
		for _, s := range subs {
			if s.UserID != cmd.XUserID || s.WebhookID != w.subs.WebhookID {
				continue
			}
			if err = w.activity.DeleteSubscription(ctx, s.ID); xapi.IsNotFound(err) {
				err = nil
			}
			if err != nil {
				break
			}
		}
	}
	if err == nil {
		return nil
	}
	if r := w.retryLater(ctx, err); r != nil {
		return r
	}
	// Nothing to record it on: the handle is gone. make x-subscriptions
	// --prune lists and removes what is left.
	w.log.ErrorContext(ctx, "subscriptions of a removed brand handle could not be deleted", "handle_id", cmd.HandleID, "x_user_id", cmd.XUserID, "err", err)
	return nil
}

// reason is what to show for a failure: X's reason, or the product's.
func reason(err error) string {
	var appErr *support.Error
	if errors.As(err, &appErr) {
		return appErr.Message
	}
	if xe, ok := xapi.AsError(err); ok {
		return xe.Reason()
	}
	return err.Error()
}

// retryLater returns the retry a failed subscription call deserves, or nil
// when it should be given up on: X refused, or this is the queue's last
// delivery of the command (so the failure is recorded before SQS
// dead-letters it).
func (w *Worker) retryLater(ctx context.Context, err error) error {
	o, _, _, retryAt := classify(err, w.now())
	switch {
	case o == permanentFailure || lastChance(ctx):
		return nil
	case o == rateLimited:
		return &retry{after: max(retryAt.Sub(w.now()), time.Second), cause: err}
	}
	return &retry{after: min(w.backoff(1), maxBackoff), cause: err}
}
