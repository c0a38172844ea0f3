package casework

import (
	"context"
	"errors"
	"fmt"
	"time"
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

// XPostAuthors is what the inbound rules ask X of a Post delivered
// without its author; an XPeople that also implements it is asked.
type XPostAuthors interface {
	// PostAuthor returns the X user id of the Post's author; a Post X
	// does not have (deleted) is an error with code ENotFound.
	PostAuthor(ctx context.Context, as *BrandHandle, postID string) (string, error)
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

// settleFollow decides what a follow or unfollow event f of the pair
// (customer, brand) records, in the direction recorded reads and onX
// answers: follows at at, as the event says, unless the event carries no
// time of X's own and would change what is recorded. Such an event may
// be late or replayed (X Activity's follow.* events have no timestamp, and
// a re-delivery has a new event_uuid), so X is asked (GET /2/users/:id as
// the brand handle: its connection_status) and X's answer is recorded,
// dated now: events received before the answer cannot undo it. When X
// cannot answer for good, the event is taken as it is; while X fails, the
// event is retried.
func (in *Inbound) settleFollow(ctx context.Context, brand *BrandHandle, customerID string, f *FollowEvent, follows bool, at time.Time,
	recorded func(FollowState) bool, onX func(XUserState) bool) (bool, time.Time, error) {
	if !f.Untimed || in.x == nil {
		return follows, at, nil
	}
	st, err := in.store.Follow(ctx, customerID, brand.ID)
	if err != nil {
		return false, time.Time{}, err
	}
	if recorded(st) == follows {
		return follows, at, nil // agrees with what is recorded: nothing to settle
	}
	party := f.Source.ID
	if party == brand.XUserID {
		party = f.Target.ID
	}
	x, ok, err := in.askX(ctx, brand, party)
	if err != nil || !ok {
		return follows, at, err
	}
	if onX(x) != follows {
		in.log.InfoContext(ctx, "follow event disagrees with X; X's state recorded", "brand", brand.ScreenName, "customer", customerID,
			"event_says", follows, "x_says", onX(x))
	}
	return onX(x), in.now(), nil
}

// completeAuthor gives a Post delivered without its author's id (no
// author_id) the one X says (GET /2/tweets/:id as the brand handle),
// before the event is recalled by its parties. A Post X no longer has is
// skipped (SkipPostGone: it was deleted, and its text must not be kept);
// without X to ask, the event fails, to end in the dead-letter queue.
func (in *Inbound) completeAuthor(ctx context.Context, brand *BrandHandle, ev Event) error {
	if ev.Type != EventTweet || ev.Tweet == nil || ev.Tweet.Author.ID != "" {
		return nil
	}
	x, ok := in.x.(XPostAuthors)
	if !ok || brand == nil || brand.Status == HandleDisconnected {
		return fmt.Errorf("Post %s has no author_id, and X cannot be asked", ev.Tweet.ID)
	}
	id, err := x.PostAuthor(ctx, brand, ev.Tweet.ID)
	if ErrorCode(err) == ENotFound {
		return skip(SkipPostGone)
	}
	if err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("X gave Post %s no author", ev.Tweet.ID)
	}
	ev.Tweet.Author.ID = id
	return nil
}
