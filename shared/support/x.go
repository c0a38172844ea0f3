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

// Phones reads phone numbers in the deployment's default region (package
// phone implements it with libphonenumber's metadata).
type Phones interface {
	// E164 returns the number in E.164 form ("+15550100001") when s is a
	// possible phone number, international or national in the default
	// region, and false otherwise.
	E164(s string) (string, bool)
}
