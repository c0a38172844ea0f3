package casework

import (
	"context"
	"errors"

	"github.com/acme/twitter-cases/shared/emf"
)

// The rules by which an event from X is applied without making or changing
// a message: each skip is logged with its rule (and never the event's
// text) and counted as the metric MetricInboundSkipped with the dimension
// "rule", so a drop is visible and an unexpected rise can alarm.
const (
	// SkipRetweet: a Retweet of someone's Tweet (Retweets are not recorded).
	SkipRetweet = "retweet"
	// SkipNotAddressed: a Tweet that mentions, replies to and quotes no
	// brand handle.
	SkipNotAddressed = "not_addressed_to_brand"
	// SkipDeletedFirst: a Tweet whose deletion arrived before it.
	SkipDeletedFirst = "deleted_before_arrival"
	// SkipOwnUnmatched: a brand handle's own Tweet or DM that matches no
	// outgoing message (posted on X directly, not through the product).
	SkipOwnUnmatched = "own_message_unmatched"
	// SkipDMNotToBrand: a DM whose recipient is no brand handle.
	SkipDMNotToBrand = "dm_not_to_brand"
	// SkipFollowNoCustomer: a follow between two brand handles, or
	// concerning none.
	SkipFollowNoCustomer = "follow_without_customer"
	// SkipFavoriteUnknown: a like of a Tweet of no case, or by someone
	// who is neither a brand handle nor a customer.
	SkipFavoriteUnknown = "favorite_unknown"
	// SkipPostGone: a Post delivered without its author that X no
	// longer has (deleted before it could be asked).
	SkipPostGone = "post_gone_from_x"
	// SkipTypeUnhandled: an event type the rules do not know.
	SkipTypeUnhandled = "event_type_unhandled"
	// SkipTypeNotUsed: an X Activity event type the product does not use
	// (read receipts, typing, profile changes but the handle, …), which
	// the webhook acknowledges without queueing (the inbound worker, for
	// one queued before).
	SkipTypeNotUsed = "event_type_not_used"
)

// MetricInboundSkipped is the metric counting events the rules skipped.
const MetricInboundSkipped = "InboundEventsSkipped"

// skipped is what a rule returns to say it applied the event by doing
// nothing, and why: Apply marks the event applied, logs and counts it.
type skipped struct{ rule string }

func (s *skipped) Error() string { return "skipped: " + s.rule }

// skip reports that the event is skipped under rule.
func skip(rule string) error { return &skipped{rule: rule} }

// skipRule returns the rule of a skip, or "" for any other error.
func skipRule(err error) string {
	var s *skipped
	if errors.As(err, &s) {
		return s.rule
	}
	return ""
}

// logSkip logs and counts the event skipped under rule: its id, type,
// brand handle and the rule, never its text.
func (in *Inbound) logSkip(ctx context.Context, ev Event, brand *BrandHandle, rule string) {
	emf.Count(ctx, in.log, "event skipped", MetricInboundSkipped, []string{"rule"},
		"event", ev.ID, "type", string(ev.Type), "brand", brand.ScreenName, "rule", rule)
}
