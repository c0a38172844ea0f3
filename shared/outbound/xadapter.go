package outbound

import (
	"context"
	"net/http"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/xapi"
)

// xAdapter is the X adapter of the outbound rules: casework.XActions and
// casework.XActivity on X's client, signed as the brand handle, with X's
// errors read into casework.XFailure. It decides nothing.
type xAdapter struct {
	x        X
	activity Activity
}

var (
	_ casework.XActions  = (*xAdapter)(nil)
	_ casework.XActivity = (*xAdapter)(nil)
)

func auth(h *casework.BrandHandle) xapi.BrandAuth {
	return xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}
}

// failure reads an error of X's client: X's answers become a
// casework.XFailure of their kind (the error itself is kept); anything else
// (a context ended, a bug) is returned as it is.
func failure(err error) error {
	xe, ok := xapi.AsError(err)
	if err == nil || !ok {
		return err
	}
	f := &casework.XFailure{Kind: casework.XRefused, Reason: xe.Reason(), Err: err}
	switch {
	case xapi.IsCreditsExhausted(err):
		f.Kind = casework.XCreditsExhausted
	case xapi.IsRateLimited(err):
		f.Kind, f.RetryAt = casework.XRateLimited, xapi.RetryAt(err)
	case xapi.IsRetryable(err):
		f.Kind = casework.XUnavailable
	case xapi.IsUnauthorized(err):
		f.Kind = casework.XUnauthorized
	case xapi.IsDMNotAllowed(err):
		f.Kind = casework.XDMNotAllowed
	case xapi.IsNoChatKeys(err):
		f.Kind = casework.XNoChatKeys
	case xapi.IsChatKeysRejected(err):
		f.Kind = casework.XChatKeysRejected
	case xapi.IsAccessForbidden(err):
		f.Kind = casework.XAccessForbidden
	case xapi.IsDuplicate(err):
		f.Kind = casework.XDuplicate
	case xapi.IsNotFound(err):
		f.Kind = casework.XNotFound
	case xapi.IsConflict(err):
		f.Kind = casework.XConflict
	case xe.StatusCode == 0 || xe.StatusCode >= http.StatusInternalServerError:
		f.Kind = casework.XUnavailable
	}
	return f
}

func (a *xAdapter) PostTweet(ctx context.Context, as *casework.BrandHandle, text, inReplyToXID string) (string, error) {
	tw, err := a.x.CreateTweet(ctx, auth(as), text, inReplyToXID)
	return tw.ID, failure(err)
}

func (a *xAdapter) Retweet(ctx context.Context, as *casework.BrandHandle, tweetXID string) error {
	return failure(a.x.Retweet(ctx, auth(as), tweetXID))
}

func (a *xAdapter) UndoRetweet(ctx context.Context, as *casework.BrandHandle, tweetXID string) error {
	return failure(a.x.UndoRetweet(ctx, auth(as), tweetXID))
}

func (a *xAdapter) Follow(ctx context.Context, as *casework.BrandHandle, userXID string) (casework.FollowAnswer, error) {
	res, err := a.x.Follow(ctx, auth(as), userXID)
	return casework.FollowAnswer{Following: res.Following, Pending: res.PendingFollow}, failure(err)
}

func (a *xAdapter) Unfollow(ctx context.Context, as *casework.BrandHandle, userXID string) error {
	return failure(a.x.Unfollow(ctx, auth(as), userXID))
}

func attempt(a casework.SendAttempt) xapi.Attempt {
	return xapi.Attempt{Text: a.Text, InReplyToTweetID: a.InReplyToXID, From: a.From, To: a.To}
}

func (a *xAdapter) FindTweets(ctx context.Context, as *casework.BrandHandle, at casework.SendAttempt) ([]string, error) {
	ids, err := a.x.FindTweets(ctx, auth(as), attempt(at))
	return ids, failure(err)
}

func (a *xAdapter) Subscriptions(ctx context.Context, as *casework.BrandHandle) ([]casework.XSubscription, error) {
	subs, err := a.activity.Subscriptions(ctx, auth(as))
	return subs, failure(err)
}

func (a *xAdapter) CreateSubscription(ctx context.Context, as *casework.BrandHandle, eventType, tag, webhookID string) error {
	_, err := a.activity.CreateSubscription(ctx, auth(as), eventType, tag, webhookID)
	return failure(err)
}

func (a *xAdapter) AppSubscriptions(ctx context.Context) ([]casework.XSubscription, error) {
	subs, err := a.activity.AppSubscriptions(ctx)
	return subs, failure(err)
}

func (a *xAdapter) DeleteSubscription(ctx context.Context, id string) error {
	return failure(a.activity.DeleteSubscription(ctx, id))
}
