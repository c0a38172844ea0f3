package support

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
}

// FollowAction is a follow or an unfollow.
type FollowAction string

// Follow actions.
const (
	ActionFollow   FollowAction = "follow"
	ActionUnfollow FollowAction = "unfollow"
)

// AllowsDM reports whether Direct Messages are allowed: only where the
// customer follows the brand handle.
func (f FollowState) AllowsDM() bool {
	return f.CustomerFollowsBrand
}
