package support

import "context"

// XUser is an account on X as a lookup returns it.
type XUser struct {
	ID       string
	Username string
	Name     string
}

// XUsers looks accounts up on X.
type XUsers interface {
	// LookupUser finds the account with this username (no leading '@'); an
	// unknown one is an error with code ETwitterUserNotFound.
	LookupUser(ctx context.Context, username string) (XUser, error)
}
