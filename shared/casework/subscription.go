package casework

import (
	"slices"
	"time"
)

// SubscribedEventTypes are the X Activity API event types the product
// subscribes every brand handle to (filter user_id = the handle's X id):
// exactly the ones the inbound rules apply, so a deployment pays for no
// event it ignores. Direct Messages are X Chat's chat.received and
// chat.sent (chat.sent is not billed): X sends no dm.* events after 9
// December 2026, and a handle's subscriptions to them are pruned by its
// next subscribe command or `make x-subscriptions` (the migration). oauth.revoke is not among them: X cannot subscribe it
// per user; it reaches the app's webhook for every user who revokes it.
var SubscribedEventTypes = []string{
	"post.mention.create",
	"post.reply.create",
	"post.quote.create",
	"post.repost.create",
	"post.create",
	"post.delete",
	"chat.received",
	"chat.sent",
	"follow.follow",
	"follow.unfollow",
	"like.create",
	"profile.update.handle",
}

// SubscriptionStatus says where a brand handle's X Activity API
// subscriptions stand.
type SubscriptionStatus string

// Subscription statuses of a brand handle.
const (
	// SubsPending: the outbound worker has been asked to create them.
	SubsPending SubscriptionStatus = "pending"
	// SubsActive: X holds every subscription in SubscribedEventTypes.
	SubsActive SubscriptionStatus = "active"
	// SubsFailed: X refused (Detail says why) or could not be reached
	// after every retry.
	SubsFailed SubscriptionStatus = "failed"
)

// Subscriptions is the state of a brand handle's subscriptions on X.
type Subscriptions struct {
	Status SubscriptionStatus
	// Detail is X's reason when Status is failed.
	Detail string
	// EventTypes are the event types X holds a subscription for, sorted.
	EventTypes []string
	UpdatedAt  time.Time
}

// XSubscription is one X Activity API subscription as X lists it.
type XSubscription struct {
	ID        string
	EventType string
	// UserID is the subscription's filter.user_id.
	UserID    string
	Tag       string
	WebhookID string
}

// SubscriptionPlan compares what X holds for one user with what the
// deployment (its webhook id) should have: the event types to create, and
// the deployment's subscriptions of that user that are not wanted (repeats
// of one event type beyond the first, or types the product does not use).
// Subscriptions of other webhooks (another deployment's) are left alone.
func SubscriptionPlan(have []XSubscription, userID, webhookID string) (missing []string, extra []XSubscription) {
	seen := map[string]bool{}
	for _, s := range have {
		if s.UserID != userID || s.WebhookID != webhookID {
			continue
		}
		if seen[s.EventType] || !slices.Contains(SubscribedEventTypes, s.EventType) {
			extra = append(extra, s)
			continue
		}
		seen[s.EventType] = true
	}
	for _, et := range SubscribedEventTypes {
		if !seen[et] {
			missing = append(missing, et)
		}
	}
	return missing, extra
}

// SubscriptionTag is the tag the deployment's subscriptions carry: it names
// the stage, so a delivery says which deployment asked for it.
func SubscriptionTag(stage string) string {
	if stage == "" {
		stage = "local"
	}
	return "twitter-cases-" + stage
}
