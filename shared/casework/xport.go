package casework

import (
	"context"
	"time"
)

// XActions is what the outbound rules need X to do, signed as a brand
// handle (its X user id and credentials secret). The X adapter implements
// it and reports X's refusals and outages as *XFailure; any other error
// counts as X not answering.
type XActions interface {
	// PostTweet posts a Tweet, in reply to inReplyToXID when not "", and
	// returns its X id.
	PostTweet(ctx context.Context, as *BrandHandle, text, inReplyToXID string) (string, error)
	// SendDM sends a Direct Message to the X user and returns its event id.
	SendDM(ctx context.Context, as *BrandHandle, toXUserID, text string) (string, error)
	Retweet(ctx context.Context, as *BrandHandle, tweetXID string) error
	UndoRetweet(ctx context.Context, as *BrandHandle, tweetXID string) error
	Follow(ctx context.Context, as *BrandHandle, userXID string) (FollowAnswer, error)
	Unfollow(ctx context.Context, as *BrandHandle, userXID string) error
	// FindTweets returns the X ids of the brand handle's Tweets an earlier
	// attempt may have posted, newest first.
	FindTweets(ctx context.Context, as *BrandHandle, a SendAttempt) ([]string, error)
	// FindDMs does the same for Direct Messages to the X user.
	FindDMs(ctx context.Context, as *BrandHandle, toXUserID string, a SendAttempt) ([]string, error)
}

// XActivity is what the outbound rules need of X's Activity API for the
// brand handles' subscriptions; the X adapter implements it.
type XActivity interface {
	// Subscriptions lists the app's subscriptions, signed as the handle.
	Subscriptions(ctx context.Context, as *BrandHandle) ([]XSubscription, error)
	// CreateSubscription subscribes the handle to one event type; X
	// refusing a duplicate is an XFailure of kind XConflict.
	CreateSubscription(ctx context.Context, as *BrandHandle, eventType, tag, webhookID string) error
	// AppSubscriptions lists them with the app's bearer token.
	AppSubscriptions(ctx context.Context) ([]XSubscription, error)
	// DeleteSubscription deletes one with the app's bearer token.
	DeleteSubscription(ctx context.Context, id string) error
}

// SendAttempt is what an earlier attempt to send a message may have
// posted: its text, the Tweet it replied to, and when.
type SendAttempt struct {
	Text         string
	InReplyToXID string
	From, To     time.Time
}

// FollowAnswer is X's answer to a follow: following now, or a follow
// request a protected account has to accept.
type FollowAnswer struct {
	Following, Pending bool
}

// XFailureKind says what kind of answer X gave to a call that did not do
// what was asked.
type XFailureKind int

// The kinds of X's failures the outbound rules tell apart.
const (
	// XUnavailable: X failed (5xx), timed out or could not be reached; it
	// may or may not have acted.
	XUnavailable XFailureKind = iota
	// XRateLimited: X did nothing; RetryAt says when it allows the next try.
	XRateLimited
	// XUnauthorized: X refused the brand handle's credentials.
	XUnauthorized
	// XDuplicate: X refused a Tweet as a duplicate of one the user posted.
	XDuplicate
	// XNotFound: what the call names is not on X (or hidden).
	XNotFound
	// XDMNotAllowed: the recipient does not take Direct Messages from the sender.
	XDMNotAllowed
	// XConflict: what the call creates exists already.
	XConflict
	// XNoChatKeys: the recipient has registered no X Chat keys.
	XNoChatKeys
	// XChatKeysRejected: X refused the brand handle's X Chat keys or
	// signature (a key version X no longer holds for it).
	XChatKeysRejected
	// XRefused: any other refusal.
	XRefused
	// XAccessForbidden: the app's X access does not allow the call (X's
	// 403 client-forbidden, or its refusal of a reply the Post's author did
	// not summon, or of a programmatic @mention, on self-serve access).
	XAccessForbidden
)

// XFailure is a failed call to X as the X adapter reports it.
type XFailure struct {
	Kind XFailureKind
	// Reason is X's own explanation, fit to show.
	Reason string
	// RetryAt is when X allows the next try (XRateLimited; zero when X did not say).
	RetryAt time.Time
	// Err is X's error.
	Err error
}

// Error implements the error interface.
func (f *XFailure) Error() string {
	if f.Err != nil {
		return f.Err.Error()
	}
	return f.Reason
}

// Unwrap returns X's error.
func (f *XFailure) Unwrap() error { return f.Err }
