package casework

import (
	"context"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/twtext"
)

// HandleStatus says whether a brand handle can act on X.
type HandleStatus string

// Brand handle statuses.
const (
	HandleConnected    HandleStatus = "connected"
	HandleDisconnected HandleStatus = "disconnected"
)

// BrandHandle is one of the company's own X accounts.
type BrandHandle struct {
	ID         string
	ScreenName string
	XUserID    string
	// CredentialsSecret names the Secrets Manager secret (name or ARN) that
	// holds the handle's OAuth 1.0a token and secret; never the values.
	CredentialsSecret string
	Status            HandleStatus
	// Subscriptions is the state of its X Activity API subscriptions; nil
	// when the product never asked X for them (a handle registered before
	// subscriptions existed: make x-subscriptions creates them).
	Subscriptions *Subscriptions
	// XChat is what the product knows of the handle's X Chat identity
	// (never its keys); nil when it was never provisioned.
	XChat *ChatIdentity
	// MonthlyBudget caps what the handle may spend on X in a UTC month
	// (sends, Retweets, follows; checked before X is called); 0: no cap.
	MonthlyBudget Micros
	// Version counts the handle's writes, for optimistic concurrency.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CanAct reports whether the brand handle may act on X: an
// EHandleDisconnected error unless it is connected.
func (h *BrandHandle) CanAct() error {
	if h.Status != HandleConnected {
		return Errorf(EHandleDisconnected, "The brand handle @%s is disconnected from X; reconnect it first.", h.ScreenName)
	}
	return nil
}

// DisconnectHandle records that the brand handle can no longer act on X
// (its access was revoked, or X refused its credentials), as of at; it
// stays so until reconnected. A handle already disconnected is left alone.
func DisconnectHandle(ctx context.Context, store HandleStore, id string, at time.Time) error {
	for range maxUpdateAttempts {
		h, err := store.GetHandle(ctx, id)
		if err != nil || h.Status == HandleDisconnected {
			return err
		}
		h.Status, h.UpdatedAt = HandleDisconnected, at
		if err = store.PutHandle(ctx, h); ErrorCode(err) != EConflict {
			return err
		}
	}
	return keptChanging("The brand handle %s kept changing.", id)
}

// Normalize strips a leading '@' and surrounding space, in place.
func (h *BrandHandle) Normalize() {
	h.ScreenName = strings.TrimPrefix(strings.TrimSpace(h.ScreenName), "@")
	h.XUserID = strings.TrimSpace(h.XUserID)
	h.CredentialsSecret = strings.TrimSpace(h.CredentialsSecret)
	if h.Status == "" {
		h.Status = HandleConnected
	}
}

// Validate reports what is wrong with a normalised brand handle.
func (h *BrandHandle) Validate() error {
	var v validation
	if _, ok := twtext.NormalizeHandle(h.ScreenName); !ok {
		v.add("screen_name", EInvalidHandle, "A screen name is 1 to 15 letters, digits or underscores.")
	}
	if !isXID(h.XUserID) {
		v.add("x_user_id", "invalid", "An X user id is a string of digits.")
	}
	if h.CredentialsSecret == "" {
		v.add("credentials_secret", "required", "Name the Secrets Manager secret that holds the handle's credentials.")
	}
	if h.Status != HandleConnected && h.Status != HandleDisconnected {
		v.add("status", "invalid", "A status is connected or disconnected.")
	}
	return v.err()
}

// isXID reports whether s looks like an X id: 1 to 20 decimal digits.
func isXID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
