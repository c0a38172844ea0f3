package inbound

import (
	"context"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/xapi"
)

// X is what the inbound rules ask of X's client: a user by id, as a
// brand handle sees them.
type X interface {
	UserByID(ctx context.Context, auth xapi.BrandAuth, id string) (xapi.UserState, error)
	LookupTweet(ctx context.Context, auth xapi.BrandAuth, tweetID string) (xapi.Tweet, error)
}

// XPeople adapts X's client to casework.XPeople, signing as the brand
// handle and reading X's refusal of its credentials into an XFailure. It
// decides nothing.
func XPeople(x X) casework.XPeople { return xPeople{x} }

type xPeople struct{ x X }

func auth(as *casework.BrandHandle) xapi.BrandAuth {
	return xapi.BrandAuth{XUserID: as.XUserID, CredentialsSecret: as.CredentialsSecret}
}

// failure reads X's refusal of the brand handle's credentials into an
// XFailure; any other error is returned as it is.
func failure(err error) error {
	if err != nil && xapi.IsUnauthorized(err) {
		return &casework.XFailure{Kind: casework.XUnauthorized, Err: err}
	}
	return err
}

func (p xPeople) PostAuthor(ctx context.Context, as *casework.BrandHandle, postID string) (string, error) {
	tw, err := p.x.LookupTweet(ctx, auth(as), postID)
	if xapi.IsNotFound(err) {
		return "", casework.Errorf(casework.ENotFound, "X has no Post %s.", postID)
	}
	return tw.AuthorID, failure(err)
}

func (p xPeople) UserState(ctx context.Context, as *casework.BrandHandle, xUserID string) (casework.XUserState, error) {
	u, err := p.x.UserByID(ctx, auth(as), xUserID)
	if err != nil {
		return casework.XUserState{}, failure(err)
	}
	return casework.XUserState{Account: casework.XAccount{ID: u.ID, ScreenName: u.Username, Name: u.Name},
		FollowsBrand: u.FollowsBrand, BrandFollows: u.BrandFollows}, nil
}
