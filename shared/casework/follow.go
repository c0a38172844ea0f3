package casework

import "time"

// FollowState is who follows whom between one customer and one brand handle.
type FollowState struct {
	CustomerID string
	HandleID   string
	// BrandFollowsCustomer: the brand handle follows the customer on X.
	BrandFollowsCustomer bool
	// CustomerFollowsBrand: the customer follows the brand handle on X,
	// which is what allows Direct Messages.
	CustomerFollowsBrand bool
	// Pending is a follow or unfollow the team asked for that X has not yet confirmed.
	Pending FollowAction
	// RequestedBy is the agent who last asked for a follow or unfollow,
	// RequestedAction what they asked and RequestedAt when.
	RequestedBy     Agent
	RequestedAction FollowAction
	RequestedAt     time.Time
	// BrandFollowsAt and CustomerFollowsAt are the times of the events that
	// set each direction, so an older event arriving late changes nothing.
	BrandFollowsAt    time.Time
	CustomerFollowsAt time.Time
	// CustomerDMAt is when the customer last wrote to the brand handle by
	// Direct Message (zero: never), which opens a conversation the brand
	// handle may answer by DM.
	CustomerDMAt time.Time
	// Reach is what X last said about messaging the customer as the brand
	// handle (see DMReach); nil when never asked.
	Reach *DMReach
}

// DMReason says why a Direct Message from the brand handle to the customer
// is allowed.
type DMReason string

// Why a DM is allowed (PRODUCT.md, "Reply in a case"). X lets an account
// message anyone who follows it, and answer anyone who wrote to it: the
// conversation a customer started stays open to the brand handle with no
// time limit (X's 24-hour window only grants extra rate-limit allowance),
// until the customer blocks the brand or leaves the conversation, which X
// then refuses and the message records.
const (
	DMNotAllowed        DMReason = ""
	DMCustomerFollows   DMReason = "customer_follows"
	DMCustomerWroteByDM DMReason = "customer_wrote_by_dm"
	// DMCustomerAcceptsDMs: X says the customer accepts the brand handle's
	// DMs (receives_your_dm), whatever the follows.
	DMCustomerAcceptsDMs DMReason = "customer_accepts_dms"
)

// FollowAction is a follow or an unfollow.
type FollowAction string

// Follow actions.
const (
	ActionFollow   FollowAction = "follow"
	ActionUnfollow FollowAction = "unfollow"
)

// DMReason says why the brand handle may send the customer a Direct
// Message: the customer follows it (unless X, asked since that follow,
// says they do not accept its DMs), has written to it by DM (a
// conversation the customer started, which X lets the brand answer), or X
// says they accept its DMs (Reach, receives_your_dm); DMNotAllowed
// otherwise.
func (f FollowState) DMReason() DMReason {
	xSaysNo := f.Reach != nil && !f.Reach.ReceivesDM && !f.Reach.CheckedAt.Before(f.CustomerFollowsAt)
	switch {
	case f.CustomerFollowsBrand && !xSaysNo:
		return DMCustomerFollows
	case !f.CustomerDMAt.IsZero():
		return DMCustomerWroteByDM
	case f.Reach != nil && f.Reach.ReceivesDM:
		return DMCustomerAcceptsDMs
	}
	return DMNotAllowed
}

// AllowsDM reports whether the brand handle may send the customer a Direct
// Message (see DMReason).
func (f FollowState) AllowsDM() bool {
	return f.DMReason() != DMNotAllowed
}
