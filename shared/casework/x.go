package casework

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

// Phones reads phone numbers in the deployment's default region (package
// phone implements it with libphonenumber's metadata). Only the code that
// writes customers' phones needs it: searches use the keys it made.
type Phones interface {
	// Keys returns the keys a phone number as written is found by: "+"
	// and its E.164 digits ("+15550100001"), its national significant
	// number ("5550100001") and the digits of its national format in the
	// default region ("02079460958" in GB); false when s is not a
	// possible phone number there.
	Keys(s string) ([]string, bool)
}
