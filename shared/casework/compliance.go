package casework

import (
	"context"
	"fmt"
	"time"
)

// What X's batch compliance jobs report (XPLATFORM.md "Compliance"): a
// job's type, and a result's reason.
const (
	ComplianceTweets = "tweets"
	ComplianceUsers  = "users"

	ReasonDeleted     = "deleted"
	ReasonBounced     = "bounced"
	ReasonProtected   = "protected"
	ReasonSuspended   = "suspended"
	ReasonDeactivated = "deactivated"
	ReasonScrubGeo    = "scrub_geo"
)

// ComplianceResult is one line of a compliance job's results: the Post or
// user ID needs action for Reason since RedactedAt.
type ComplianceResult struct {
	ID         string
	Action     string
	Reason     string
	CreatedAt  time.Time
	RedactedAt time.Time
}

// ComplianceOutcome is what applying one result did.
type ComplianceOutcome struct {
	// Changed counts the messages and customers the result changed: 0
	// when it was applied already, or names nothing the product keeps.
	Changed int
	// Rule names why nothing changed, for the log ("" when something did).
	Rule string
}

// ComplianceApplier applies batch compliance results with the rules a
// webhook deletion follows. It is safe to apply a result again: what was
// removed stays removed and changes nothing.
type ComplianceApplier struct {
	store interface {
		CustomerStore
		CaseStore
		MessageStore
	}
	now func() time.Time
}

// NewComplianceApplier returns an applier writing to store; now nil means time.Now.
func NewComplianceApplier(store Store, now func() time.Time) *ComplianceApplier {
	if now == nil {
		now = time.Now
	}
	return &ComplianceApplier{store: store, now: now}
}

// Apply applies one result of a job of type typ (ComplianceTweets or
// ComplianceUsers).
func (a *ComplianceApplier) Apply(ctx context.Context, typ string, r ComplianceResult) (ComplianceOutcome, error) {
	switch typ {
	case ComplianceTweets:
		return a.applyTweet(ctx, r)
	case ComplianceUsers:
		return a.applyUser(ctx, r)
	}
	return ComplianceOutcome{}, fmt.Errorf("compliance: unknown job type %q", typ)
}

func (a *ComplianceApplier) applyTweet(ctx context.Context, r ComplianceResult) (ComplianceOutcome, error) {
	switch r.Reason {
	case ReasonDeleted, ReasonBounced, ReasonProtected, ReasonSuspended, ReasonDeactivated:
	case ReasonScrubGeo:
		// The product keeps no geo data of a Post (no place, no
		// coordinates): nothing to scrub.
		return ComplianceOutcome{Rule: "no_geo_kept"}, nil
	default:
		return ComplianceOutcome{Rule: "reason_unknown"}, nil
	}
	m, err := a.store.MessageByXID(ctx, KindTweet, r.ID)
	if ErrorCode(err) == ENotFound {
		return ComplianceOutcome{Rule: "post_not_kept"}, nil
	}
	if err != nil {
		return ComplianceOutcome{}, err
	}
	changed, err := removeContent(ctx, a.store, m, r.Reason, r.RedactedAt, a.now())
	if err != nil || !changed {
		return ComplianceOutcome{Rule: "applied_already"}, err
	}
	return ComplianceOutcome{Changed: 1}, nil
}

// applyUser records the account's state on the customer who has (or had)
// it, and removes the content of that customer's Posts.
func (a *ComplianceApplier) applyUser(ctx context.Context, r ComplianceResult) (ComplianceOutcome, error) {
	switch r.Reason {
	case ReasonDeleted, ReasonDeactivated, ReasonSuspended, ReasonProtected:
	default:
		return ComplianceOutcome{Rule: "reason_unknown"}, nil
	}
	c, err := a.store.CustomerByXUserID(ctx, r.ID)
	if ErrorCode(err) == ENotFound {
		c, err = a.store.CustomerByFormerXUserID(ctx, r.ID)
	}
	if ErrorCode(err) == ENotFound {
		return ComplianceOutcome{Rule: "user_not_kept"}, nil
	}
	if err != nil {
		return ComplianceOutcome{}, err
	}
	out := ComplianceOutcome{}
	current := c.Twitter != nil && c.Twitter.XUserID == r.ID
	if current {
		now := a.now()
		var changed bool
		c, err = UpdateCustomer(ctx, a.store, c, func(c *Customer) bool {
			if c.XStatus == r.Reason && c.XStatusRedactedAt.Equal(r.RedactedAt) {
				return false
			}
			c.XStatus, c.XStatusRedactedAt, c.XStatusAppliedAt, c.UpdatedAt = r.Reason, r.RedactedAt, now, now
			changed = true
			return true
		})
		if err != nil {
			return out, fmt.Errorf("compliance: customer %s: %w", c.ID, err)
		}
		if changed {
			out.Changed++
		}
	}
	// The customer's Posts on X (not their DMs, which X's compliance does
	// not cover, nor the brand's replies).
	n, err := a.removeCustomerPosts(ctx, c.ID, r)
	out.Changed += n
	if out.Changed == 0 && err == nil {
		out.Rule = "applied_already"
	}
	return out, err
}

// removeCustomerPosts removes the content of every Post the customer wrote
// in any case, a page at a time.
func (a *ComplianceApplier) removeCustomerPosts(ctx context.Context, customerID string, r ComplianceResult) (int, error) {
	n := 0
	casePage := PageRequest{Limit: 50}
	for {
		cases, err := a.store.CasesOfCustomer(ctx, customerID, "", casePage)
		if err != nil {
			return n, fmt.Errorf("compliance: cases of customer %s: %w", customerID, err)
		}
		for _, cs := range cases.Items {
			msgPage := PageRequest{Limit: 100}
			for {
				msgs, err := a.store.MessagesOfCase(ctx, cs.ID, msgPage)
				if err != nil {
					return n, fmt.Errorf("compliance: messages of case %s: %w", cs.ID, err)
				}
				for i := range msgs.Items {
					m := &msgs.Items[i]
					if m.Kind != KindTweet || m.Author.CustomerID != customerID || m.Deleted {
						continue
					}
					changed, err := removeContent(ctx, a.store, m, r.Reason, r.RedactedAt, a.now())
					if err != nil {
						return n, err
					}
					if changed {
						n++
					}
				}
				if msgs.NextCursor == "" {
					break
				}
				msgPage.Cursor = msgs.NextCursor
			}
		}
		if cases.NextCursor == "" {
			return n, nil
		}
		casePage.Cursor = cases.NextCursor
	}
}

// removeContent removes a message's content for reason (MarkRemoved), and
// from its case's summary when it is the case's last message or
// CustomerTweet (also when removed already: its case may not know yet). It
// reports whether the message changed.
func removeContent(ctx context.Context, store interface {
	CaseStore
	MessageStore
}, m *Message, reason string, redactedAt, now time.Time) (bool, error) {
	changed := false
	m, err := UpdateMessage(ctx, store, m, func(m *Message) bool {
		changed = m.MarkRemoved(reason, redactedAt, now)
		return changed
	})
	if err != nil {
		return false, err
	}
	c, err := store.GetCase(ctx, m.CaseID)
	if err != nil {
		return changed, err
	}
	_, err = UpdateCase(ctx, store, c, func(c *Case) (bool, error) {
		if lm := c.Summary.LastMessage; (lm == nil || lm.ID != m.ID) && (c.CustomerTweet == nil || c.CustomerTweet.MessageID != m.ID) {
			return false, nil
		}
		return c.NoteMessage(m), nil
	})
	return changed, err
}
