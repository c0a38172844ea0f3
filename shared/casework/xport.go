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
	Retweet(ctx context.Context, as *BrandHandle, tweetXID string) error
	UndoRetweet(ctx context.Context, as *BrandHandle, tweetXID string) error
	Follow(ctx context.Context, as *BrandHandle, userXID string) (FollowAnswer, error)
	Unfollow(ctx context.Context, as *BrandHandle, userXID string) error
	// FindTweets returns the X ids of the brand handle's Tweets an earlier
	// attempt may have posted, newest first.
	FindTweets(ctx context.Context, as *BrandHandle, a SendAttempt) ([]string, error)
}

// XChat is what the outbound rules need to send an X Chat DM as a brand
// handle: the recipient's public keys, the brand identity in X's engine
// (key changes and encryption, with keys it opens in memory only) and X's
// chat endpoints. The X adapter implements it and reports X's refusals and
// outages as *XFailure; a brand handle without usable keys is an error with
// code EHandleChatKeysMissing.
type XChat interface {
	// RecipientKeys returns the user's registered X Chat public keys,
	// newest version first, each key binding verified by X's engine (a
	// record that fails it is an error with code EChatKeysUnverified); a
	// user who registered none has none.
	RecipientKeys(ctx context.Context, as *BrandHandle, userXID string) ([]ChatPublicKey, error)
	// BrandKeyVersion is the public-key version the brand handle's X Chat
	// identity signs with.
	BrandKeyVersion(ctx context.Context, as *BrandHandle) (string, error)
	// PrepareKeyChange makes a fresh conversation key for the brand's 1:1
	// conversation with the recipient, wrapped to both identities and
	// signed by the brand: a ChatKey with its Change, not yet on X.
	PrepareKeyChange(ctx context.Context, as *BrandHandle, recipient ChatPublicKey) (*ChatKey, error)
	// PostKeyChange posts the brand's prepared change to X (posting the
	// same change again is the same change) and returns X's sequence id.
	PostKeyChange(ctx context.Context, as *BrandHandle, k *ChatKey) (string, error)
	// Encrypt encrypts and signs text for the conversation under the key k.
	Encrypt(ctx context.Context, as *BrandHandle, k *ChatKey, text string) (*ChatPayload, error)
	// Send posts the recorded payload unchanged: X takes an identical
	// repost as the same message.
	Send(ctx context.Context, as *BrandHandle, p *ChatPayload) error
}

// ChatPublicKey is one registered X Chat public-key version of a user, as
// X answers it (base64 SPKI keys).
type ChatPublicKey struct {
	UserID                     string
	Version                    string
	PublicKey                  string
	SigningPublicKey           string
	IdentityPublicKeySignature string
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
	// XCreditsExhausted: the app's pay-per-use credits are spent (402, or
	// 429 usage-capped): no call to X succeeds until someone adds credits.
	XCreditsExhausted
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
