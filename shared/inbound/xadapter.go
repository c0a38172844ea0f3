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
}

// XPeople adapts X's client to casework.XPeople, signing as the brand
// handle and reading X's refusal of its credentials into an XFailure. It
// decides nothing.
func XPeople(x X) casework.XPeople { return xPeople{x} }

type xPeople struct{ x X }

func (p xPeople) UserState(ctx context.Context, as *casework.BrandHandle, xUserID string) (casework.XUserState, error) {
	u, err := p.x.UserByID(ctx, xapi.BrandAuth{XUserID: as.XUserID, CredentialsSecret: as.CredentialsSecret}, xUserID)
	if err != nil {
		if xapi.IsUnauthorized(err) {
			return casework.XUserState{}, &casework.XFailure{Kind: casework.XUnauthorized, Err: err}
		}
		return casework.XUserState{}, err
	}
	return casework.XUserState{Account: casework.XAccount{ID: u.ID, ScreenName: u.Username, Name: u.Name},
		FollowsBrand: u.FollowsBrand, BrandFollows: u.BrandFollows}, nil
}
