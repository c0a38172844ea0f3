package outbound

import (
	"context"
	"net/http"

	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/xapi"
)

// xAdapter is the X adapter of the outbound rules: support.XActions and
// support.XActivity on X's client, signed as the brand handle, with X's
// errors read into support.XFailure. It decides nothing.
type xAdapter struct {
	x        X
	activity Activity
}

var (
	_ support.XActions  = (*xAdapter)(nil)
	_ support.XActivity = (*xAdapter)(nil)
)

func auth(h *support.BrandHandle) xapi.BrandAuth {
	return xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}
}

// failure reads an error of X's client: X's answers become a
// support.XFailure of their kind (the error itself is kept); anything else
// (a context ended, a bug) is returned as it is.
func failure(err error) error {
	xe, ok := xapi.AsError(err)
	if err == nil || !ok {
		return err
	}
	f := &support.XFailure{Kind: support.XRefused, Reason: xe.Reason(), Err: err}
	switch {
	case xapi.IsRateLimited(err):
		f.Kind, f.RetryAt = support.XRateLimited, xapi.RetryAt(err)
	case xapi.IsRetryable(err):
		f.Kind = support.XUnavailable
	case xapi.IsUnauthorized(err):
		f.Kind = support.XUnauthorized
	case xapi.IsDMNotAllowed(err):
		f.Kind = support.XDMNotAllowed
	case xapi.IsDuplicate(err):
		f.Kind = support.XDuplicate
	case xapi.IsNotFound(err):
		f.Kind = support.XNotFound
	case xapi.IsConflict(err):
		f.Kind = support.XConflict
	case xe.StatusCode == 0 || xe.StatusCode >= http.StatusInternalServerError:
		f.Kind = support.XUnavailable
	}
	return f
}

func (a *xAdapter) PostTweet(ctx context.Context, as *support.BrandHandle, text, inReplyToXID string) (string, error) {
	tw, err := a.x.CreateTweet(ctx, auth(as), text, inReplyToXID)
	return tw.ID, failure(err)
}

func (a *xAdapter) SendDM(ctx context.Context, as *support.BrandHandle, toXUserID, text string) (string, error) {
	dm, err := a.x.SendDM(ctx, auth(as), toXUserID, text)
	return dm.EventID, failure(err)
}

func (a *xAdapter) Retweet(ctx context.Context, as *support.BrandHandle, tweetXID string) error {
	return failure(a.x.Retweet(ctx, auth(as), tweetXID))
}

func (a *xAdapter) UndoRetweet(ctx context.Context, as *support.BrandHandle, tweetXID string) error {
	return failure(a.x.UndoRetweet(ctx, auth(as), tweetXID))
}

func (a *xAdapter) Follow(ctx context.Context, as *support.BrandHandle, userXID string) (support.FollowAnswer, error) {
	res, err := a.x.Follow(ctx, auth(as), userXID)
	return support.FollowAnswer{Following: res.Following, Pending: res.PendingFollow}, failure(err)
}

func (a *xAdapter) Unfollow(ctx context.Context, as *support.BrandHandle, userXID string) error {
	return failure(a.x.Unfollow(ctx, auth(as), userXID))
}

func attempt(a support.SendAttempt) xapi.Attempt {
	return xapi.Attempt{Text: a.Text, InReplyToTweetID: a.InReplyToXID, From: a.From, To: a.To}
}

func (a *xAdapter) FindTweets(ctx context.Context, as *support.BrandHandle, at support.SendAttempt) ([]string, error) {
	ids, err := a.x.FindTweets(ctx, auth(as), attempt(at))
	return ids, failure(err)
}

func (a *xAdapter) FindDMs(ctx context.Context, as *support.BrandHandle, toXUserID string, at support.SendAttempt) ([]string, error) {
	ids, err := a.x.FindDMs(ctx, auth(as), toXUserID, attempt(at))
	return ids, failure(err)
}

func (a *xAdapter) Subscriptions(ctx context.Context, as *support.BrandHandle) ([]support.XSubscription, error) {
	subs, err := a.activity.Subscriptions(ctx, auth(as))
	return subs, failure(err)
}

func (a *xAdapter) CreateSubscription(ctx context.Context, as *support.BrandHandle, eventType, tag, webhookID string) error {
	_, err := a.activity.CreateSubscription(ctx, auth(as), eventType, tag, webhookID)
	return failure(err)
}

func (a *xAdapter) AppSubscriptions(ctx context.Context) ([]support.XSubscription, error) {
	subs, err := a.activity.AppSubscriptions(ctx)
	return subs, failure(err)
}

func (a *xAdapter) DeleteSubscription(ctx context.Context, id string) error {
	return failure(a.activity.DeleteSubscription(ctx, id))
}
