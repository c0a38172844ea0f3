package casework

import (
	"fmt"
	"net/url"
)

// XAccess is the kind of access the deployment's X app has, which decides
// what X allows it to do (XPLATFORM.md, "Access tiers").
type XAccess string

// The kinds of X access. Self-serve (pay-per-use credits) is the default:
// it is what a new X app gets, and the stricter of the two.
const (
	AccessSelfServe  XAccess = "self-serve"
	AccessEnterprise XAccess = "enterprise"
)

// DefaultXAccess is the X access of a deployment that names none.
const DefaultXAccess = AccessSelfServe

// ParseXAccess reads an X access setting; "" is DefaultXAccess.
func ParseXAccess(s string) (XAccess, error) {
	switch a := XAccess(s); a {
	case "":
		return DefaultXAccess, nil
	case AccessSelfServe, AccessEnterprise:
		return a, nil
	}
	return "", fmt.Errorf("X access %q: want %q or %q", s, AccessSelfServe, AccessEnterprise)
}

// AllowsFollow reports whether X lets the app follow and unfollow through
// the API: Enterprise only since 16 April 2026 (X's changelog: "Following,
// Likes, and Quote-Posts via the API have been removed from all
// self-serve tiers").
func (a XAccess) AllowsFollow() bool { return a == AccessEnterprise }

// RepliesNeedSummons reports whether X lets the app reply to a Post only
// when its author summoned the replying account (@mentioned it or quoted
// one of its Posts): self-serve only, since 23 February 2026.
func (a XAccess) RepliesNeedSummons() bool { return a != AccessEnterprise }

// EXAccessForbids: the deployment's X access does not allow the action
// (following through the API on self-serve access); the problem carries
// x_access and a link that does it on x.com (intent_url).
const EXAccessForbids = "x_access_forbids"

// followIntentURL is X's follow Web Intent for the user: opened in a
// browser signed in to x.com as the brand handle, it follows them. X's
// page (x-for-websites/follow-button/guides/web-intent-follow-button)
// recommends user_id over screen_name, which may change; screen_name is
// added for people reading the link.
func followIntentURL(screenName, userID string) string {
	q := url.Values{}
	q.Set("screen_name", screenName)
	q.Set("user_id", userID)
	return "https://x.com/intent/follow?" + q.Encode()
}

// profileURL is the user's page on x.com, where the brand handle, signed
// in, unfollows them (X has no unfollow Web Intent).
func profileURL(screenName string) string {
	return "https://x.com/" + url.PathEscape(screenName)
}
