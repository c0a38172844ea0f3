package casework

import (
	"context"
	"log/slog"
	"time"
)

// DMReach is what X says about the brand handle sending a customer a
// Direct Message, asked as the brand handle: whether the customer accepts
// its DMs (X's user field receives_your_dm) and whether the customer has
// X Chat keys to encrypt to (GET /2/users/{id}/public_keys), and when X
// was asked.
type DMReach struct {
	ReceivesDM bool
	ChatKeys   bool
	CheckedAt  time.Time
}

// DMReachTTL is how long X's answer on reaching a customer by DM is used
// before the reply options ask again. X's receives_your_dm changes when the
// customer changes a setting or a follow, and a look-up costs a user read
// per brand handle on X's pay-per-use prices: an hour keeps a busy case's
// reply box to one look-up per hour and brand handle while a changed
// setting shows within the hour (a follow event, or the customer writing
// by DM, counts at once; a DM X refuses says why on the message).
const DMReachTTL = time.Hour

// XChatCutover is when X ends legacy Direct Messages (XCHAT.md): from then
// on every DM is an X Chat message, end-to-end encrypted to the
// recipient's registered keys. Before it X still takes unencrypted DMs, but
// the product no longer sends any: its DMs need the customer's X Chat keys
// on either side of the date (ReplyOptions).
var XChatCutover = time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)

// XReach asks X, as a brand handle, whether it can reach an X user by
// Direct Message; the X adapter implements it.
type XReach interface {
	DMReach(ctx context.Context, as *BrandHandle, xUserID string) (DMReach, error)
}

// Fresh reports whether the answer was given within DMReachTTL of now.
func (r *DMReach) Fresh(now time.Time) bool {
	return r != nil && !r.CheckedAt.IsZero() && now.Sub(r.CheckedAt) < DMReachTTL
}

// ModeUnavailable says why a brand handle offers no Direct Message: a
// stable code and words an agent can act on.
type ModeUnavailable struct {
	Code   string
	Detail string
}

// reach returns the follow state of the customer with the brand handle,
// with X's answer on reaching them by DM asked again when it is older than
// DMReachTTL or than the latest follow or unfollow X reported (and X is
// configured). X failing to answer leaves the state
// as recorded: the reply box still opens, on what the product knew.
func (s *Service) reach(ctx context.Context, f FollowState, h *BrandHandle, xUserID string) FollowState {
	now := s.now()
	if s.xreach == nil || xUserID == "" || f.Reach.Fresh(now) && !f.Reach.CheckedAt.Before(f.CustomerFollowsAt) {
		return f
	}
	r, err := s.xreach.DMReach(ctx, h, xUserID)
	if err != nil {
		slog.WarnContext(ctx, "X not asked whether the customer accepts DMs; using what is recorded", "handle", h.ID,
			"x_user_id", xUserID, "code", ErrorCode(err), "err", err)
		return f
	}
	r.CheckedAt = now
	if err := s.store.SetDMReach(ctx, f.CustomerID, f.HandleID, r); err != nil {
		slog.WarnContext(ctx, "X's answer on DMs not recorded; asked again next time", "handle", h.ID, "err", err)
	}
	f.Reach = &r
	return f
}
