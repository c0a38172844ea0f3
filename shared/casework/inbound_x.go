package casework

import (
	"context"
	"errors"
)

// XUserState is an X account as a brand handle sees it on X: who it is,
// and how it and the brand handle follow each other.
type XUserState struct {
	Account XAccount
	// FollowsBrand: the account follows the brand handle.
	FollowsBrand bool
	// BrandFollows: the brand handle follows the account.
	BrandFollows bool
}

// XPeople is what the inbound rules ask X about a user an event names,
// signed as a brand handle; the X adapter implements it. An account X
// does not know is an error with code ETwitterUserNotFound; X refusing the
// brand handle's credentials is an *XFailure of kind XUnauthorized.
type XPeople interface {
	UserState(ctx context.Context, as *BrandHandle, xUserID string) (XUserState, error)
}

// WithX lets the rules ask X what an event leaves out (see completeParty)
// and returns in. Without it, events are applied as X delivered them.
func (in *Inbound) WithX(x XPeople) *Inbound {
	in.x = x
	return in
}

// askX asks X, as the brand handle, about the user. ok is false when X
// cannot answer for good (X has no such account, the brand handle is
// disconnected or X refuses its credentials, no X is configured): the
// event is then applied as delivered. Any other failure is returned, so
// the event is tried again later (and ends in the dead-letter queue
// rather than half-applied).
func (in *Inbound) askX(ctx context.Context, brand *BrandHandle, xUserID string) (st XUserState, ok bool, err error) {
	if in.x == nil || brand == nil || brand.Status == HandleDisconnected || xUserID == "" {
		return XUserState{}, false, nil
	}
	st, err = in.x.UserState(ctx, brand, xUserID)
	var xf *XFailure
	switch {
	case err == nil:
		return st, true, nil
	case ErrorCode(err) == ETwitterUserNotFound:
		in.log.WarnContext(ctx, "X has no such account; applying the event as delivered", "x_user", xUserID)
		return XUserState{}, false, nil
	case errors.As(err, &xf) && xf.Kind == XUnauthorized:
		in.log.WarnContext(ctx, "X refused the brand handle's credentials; applying the event as delivered", "brand", brand.ScreenName, "x_user", xUserID)
		return XUserState{}, false, nil
	}
	return XUserState{}, false, err
}

// completeParty completes the customer an event names when X delivered
// them without a screen name (a Post without includes.users, a DM without
// its users map) and no customer with a handle has their X user id yet:
// it asks X (GET /2/users/:id as the brand handle) before any rule
// decides, so a customer is never made nameless from a partial delivery.
// A customer already known with a handle costs no call.
func (in *Inbound) completeParty(ctx context.Context, brand *BrandHandle, brands brands, ev Event, rec Recalled) error {
	var party *XAccount
	switch {
	case ev.Type == EventTweet && ev.Tweet != nil:
		party = &ev.Tweet.Author
	case ev.Type == EventDM && ev.DM != nil:
		party = &ev.DM.Sender
	case (ev.Type == EventFollow || ev.Type == EventUnfollow) && ev.Follow != nil:
		party = &ev.Follow.Source
		if brands.of(party.ID) != nil {
			party = &ev.Follow.Target
		}
	}
	if party == nil || party.ID == "" || party.ScreenName != "" || brands.of(party.ID) != nil {
		return nil
	}
	if c := rec.Customer; c != nil && c.Twitter != nil && c.Twitter.XUserID == party.ID && c.Twitter.Handle != "" {
		return nil
	}
	st, ok, err := in.askX(ctx, brand, party.ID)
	if err != nil || !ok {
		return err
	}
	party.ScreenName = st.Account.ScreenName
	if party.Name == "" {
		party.Name = st.Account.Name
	}
	return nil
}
