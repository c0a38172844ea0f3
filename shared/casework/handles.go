package casework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
)

// NewHandle asks to register a brand handle.
type NewHandle struct {
	ScreenName string
	XUserID    string
	// CredentialsSecret names the Secrets Manager secret with its OAuth credentials.
	CredentialsSecret string
}

// HandlePatch changes a brand handle: a new credentials secret, and/or its
// status (connected reconnects a disconnected or revoked handle). Nil
// fields stay as they are.
type HandlePatch struct {
	CredentialsSecret *string
	Status            *HandleStatus
	// MonthlyBudget sets the handle's monthly budget on X (0 removes it).
	MonthlyBudget *Micros
}

// Credentials checks a brand handle's credentials secret before the
// product relies on it.
type Credentials interface {
	// CheckCredentials reads the named secret and checks that it holds an
	// access token and secret. A secret that is missing, unreadable or
	// malformed is an *Error with code EValidation (the caller names the
	// field); any other error means the check could not be made.
	CheckCredentials(ctx context.Context, secretName string) error
}

// Handles lists the deployment's brand handles, by screen name.
func (s *Service) Handles(ctx context.Context) ([]BrandHandle, error) {
	return s.store.ListHandles(ctx)
}

// RegisterHandle validates and stores a new brand handle, connected, and
// asks the outbound worker to create its X Activity API subscriptions
// (state pending; failed at once when the command cannot be queued). An X
// user id that another brand handle has is EConflict (a revoked handle is
// reconnected with PATCH, not registered again); a credentials secret that
// cannot be used is ECredentialsUnusable on credentials_secret.
func (s *Service) RegisterHandle(ctx context.Context, in NewHandle) (*BrandHandle, error) {
	now := s.clock()
	h := &BrandHandle{ID: NewID(now), ScreenName: in.ScreenName, XUserID: in.XUserID,
		CredentialsSecret: in.CredentialsSecret, Status: HandleConnected, CreatedAt: now, UpdatedAt: now}
	h.Normalize()
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkCredentials(ctx, h.CredentialsSecret); err != nil {
		return nil, err
	}
	if other, err := s.store.HandleByXUserID(ctx, h.XUserID); err == nil {
		return nil, Errorf(EConflict, "The X account %s is already the brand handle @%s (%s); change or reconnect it with PATCH /v1/handles/%s.",
			h.XUserID, other.ScreenName, other.ID, other.ID)
	} else if ErrorCode(err) != ENotFound {
		return nil, err
	}
	h.Subscriptions = &Subscriptions{Status: SubsPending, UpdatedAt: now}
	if err := s.store.PutHandle(ctx, h); err != nil {
		return nil, err
	}
	if err := s.queueSubscribe(ctx, h); err != nil {
		slog.WarnContext(ctx, "brand handle registered, its subscriptions could not be queued", "handle_id", h.ID, "err", err)
	}
	return h, nil
}

// UpdateHandle applies a patch to a brand handle: a new credentials secret
// (checked) and/or a new status. Reconnecting a handle, or giving it new
// credentials, checks the credentials and asks for its subscriptions again.
func (s *Service) UpdateHandle(ctx context.Context, id string, p HandlePatch) (*BrandHandle, error) {
	if p.CredentialsSecret == nil && p.Status == nil && p.MonthlyBudget == nil {
		return nil, &Error{Code: EValidation, Message: "Give credentials_secret, status, monthly_budget_usd or several.",
			Fields: []FieldError{{Name: "status", Code: "required", Detail: "Nothing to change."}}}
	}
	h, err := s.store.GetHandle(ctx, id)
	if err != nil {
		return nil, err
	}
	next := *h
	if p.CredentialsSecret != nil {
		next.CredentialsSecret = *p.CredentialsSecret
	}
	if p.Status != nil {
		next.Status = *p.Status
	}
	if p.MonthlyBudget != nil {
		if *p.MonthlyBudget < 0 {
			return nil, fieldError("monthly_budget_usd", "invalid", "A monthly budget is an amount of US dollars, 0 for none.")
		}
		next.MonthlyBudget = *p.MonthlyBudget
	}
	next.Normalize()
	if err := next.Validate(); err != nil {
		return nil, err
	}
	resubscribe := next.Status == HandleConnected && (h.Status != HandleConnected || next.CredentialsSecret != h.CredentialsSecret)
	if next.Status == HandleConnected && (resubscribe || p.CredentialsSecret != nil) {
		if err := s.checkCredentials(ctx, next.CredentialsSecret); err != nil {
			return nil, err
		}
	}
	if next == *h {
		return h, nil
	}
	next.UpdatedAt = s.clock()
	if resubscribe {
		next.Subscriptions = &Subscriptions{Status: SubsPending, UpdatedAt: next.UpdatedAt}
	}
	if err := s.store.PutHandle(ctx, &next); err != nil {
		return nil, err
	}
	if resubscribe {
		if err := s.queueSubscribe(ctx, &next); err != nil {
			slog.WarnContext(ctx, "brand handle updated, its subscriptions could not be queued", "handle_id", next.ID, "err", err)
		}
	}
	return &next, nil
}

// SubscribeHandle asks the outbound worker to bring a connected brand
// handle's X Activity API subscriptions to what the product needs (state
// pending). The worker lists first, so asking again is safe.
func (s *Service) SubscribeHandle(ctx context.Context, id string) (*BrandHandle, error) {
	h, err := connectedHandle(ctx, s.store, id)
	if err != nil {
		return nil, err
	}
	pending := &Subscriptions{Status: SubsPending, UpdatedAt: s.clock()}
	if h.Subscriptions != nil {
		pending.EventTypes = h.Subscriptions.EventTypes
	}
	if h, err = s.SetSubscriptions(ctx, id, *pending); err != nil {
		return nil, err
	}
	return h, s.queueSubscribe(ctx, h)
}

// DeleteHandle removes a brand handle and asks the outbound worker to
// delete its X Activity API subscriptions of this deployment's webhook.
// The command is queued first: when that fails nothing is removed
// (EUnavailable). The handle's cases and messages stay, readable; its X
// account can be registered again.
func (s *Service) DeleteHandle(ctx context.Context, id string) error {
	h, err := s.store.GetHandle(ctx, id)
	if err != nil {
		return err
	}
	now := s.clock()
	cmd := Command{ID: NewID(now), Kind: CmdUnsubscribe, HandleID: h.ID, XUserID: h.XUserID, CreatedAt: now}
	if err := s.outbox.Enqueue(ctx, cmd); err != nil {
		return fmt.Errorf("%w: %w", Errorf(EUnavailable, "Removing @%s's subscriptions on X could not be queued, so nothing was removed; try again.", h.ScreenName), err)
	}
	return s.store.DeleteHandle(ctx, h.ID, h.Version)
}

// SetSubscriptions records the state of a brand handle's subscriptions,
// whatever else changed on it meanwhile.
func (s *Service) SetSubscriptions(ctx context.Context, id string, st Subscriptions) (*BrandHandle, error) {
	return SetHandleSubscriptions(ctx, s.store, id, st)
}

// SetHandleSubscriptions records the state of a brand handle's
// subscriptions in the store (read, change, conditional write; again on a
// lost race): the outbound worker's and the ops commands' way to report.
func SetHandleSubscriptions(ctx context.Context, store HandleStore, id string, st Subscriptions) (*BrandHandle, error) {
	st.EventTypes = slices.Sorted(slices.Values(st.EventTypes))
	for range maxUpdateAttempts {
		h, err := store.GetHandle(ctx, id)
		if err != nil {
			return nil, err
		}
		h.Subscriptions = &st
		err = store.PutHandle(ctx, h)
		if err == nil {
			return h, nil
		}
		if ErrorCode(err) != EConflict {
			return nil, err
		}
	}
	return nil, keptChanging("The brand handle %s kept changing.", id)
}

// queueSubscribe queues the subscribe command of a handle whose state is
// pending; when that fails the state becomes failed (so nothing looks
// pending that was never queued) and the error is EUnavailable.
func (s *Service) queueSubscribe(ctx context.Context, h *BrandHandle) error {
	now := s.clock()
	err := s.outbox.Enqueue(ctx, Command{ID: NewID(now), Kind: CmdSubscribe, HandleID: h.ID, XUserID: h.XUserID, CreatedAt: now})
	if err == nil {
		return nil
	}
	failed := Subscriptions{Status: SubsFailed, Detail: "The subscriptions could not be queued for X; reconnect the handle (PATCH) or run make x-subscriptions.", UpdatedAt: now}
	if h.Subscriptions != nil {
		failed.EventTypes = h.Subscriptions.EventTypes
	}
	if updated, serr := s.SetSubscriptions(context.WithoutCancel(ctx), h.ID, failed); serr == nil {
		*h = *updated
	}
	return enqueueFailed("subscriptions", err)
}

// checkCredentials checks a credentials secret through Deps.Credentials
// (nil: no check): unusable is a field error on credentials_secret, a
// failed check EUnavailable.
func (s *Service) checkCredentials(ctx context.Context, name string) error {
	if s.creds == nil {
		return nil
	}
	err := s.creds.CheckCredentials(ctx, name)
	if err == nil {
		return nil
	}
	var appErr *Error
	if errors.As(err, &appErr) && appErr.Code == EValidation {
		return &Error{Code: ECredentialsUnusable, Message: "The credentials secret cannot be used: " + appErr.Message,
			Fields: []FieldError{{Name: "credentials_secret", Code: ECredentialsUnusable, Detail: appErr.Message}}}
	}
	return fmt.Errorf("%w: %w", Errorf(EUnavailable, "The credentials secret %s could not be checked; try again.", name), err)
}
