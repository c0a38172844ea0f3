package support

import (
	"slices"
	"time"
)

// CaseStatus is where a case stands.
type CaseStatus string

// Case statuses.
const (
	CaseNew      CaseStatus = "new"
	CaseOpen     CaseStatus = "open"
	CasePending  CaseStatus = "pending"
	CaseResolved CaseStatus = "resolved"
	CaseClosed   CaseStatus = "closed"
)

// CaseStatuses lists every status, in the order a case usually moves through them.
var CaseStatuses = []CaseStatus{CaseNew, CaseOpen, CasePending, CaseResolved, CaseClosed}

// transitions holds, for each status, the statuses a case may move to.
// A case never goes back to new; resolved and closed cases can be reopened
// (by an agent, or by the customer writing again).
var transitions = map[CaseStatus][]CaseStatus{
	CaseNew:      {CaseOpen, CasePending, CaseResolved, CaseClosed},
	CaseOpen:     {CasePending, CaseResolved, CaseClosed},
	CasePending:  {CaseOpen, CaseResolved, CaseClosed},
	CaseResolved: {CaseOpen, CaseClosed},
	CaseClosed:   {CaseOpen},
}

// Valid reports whether s is a known status.
func (s CaseStatus) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanMoveTo reports whether a case in status s may move to status to;
// staying in the same status is always allowed.
func (s CaseStatus) CanMoveTo(to CaseStatus) bool {
	return s == to && s.Valid() || slices.Contains(transitions[s], to)
}

// Channel says how a case talks to its customer.
type Channel string

// Case channels: a conversation of public Tweets, or of Direct Messages.
const (
	ChannelTweet Channel = "tweet"
	ChannelDM    Channel = "dm"
)

// Case is one conversation with one customer, handled from one brand handle.
type Case struct {
	ID         string
	CustomerID string
	HandleID   string
	Channel    Channel
	Status     CaseStatus
	// Version counts the case's writes, for optimistic concurrency.
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LastActivityAt time.Time
}

// MoveTo changes the case's status if the transition is allowed.
func (c *Case) MoveTo(to CaseStatus, now time.Time) error {
	if !to.Valid() {
		return &Error{Code: EValidation, Message: "Unknown case status.",
			Fields: []FieldError{{Name: "status", Code: "invalid", Detail: "A status is one of new, open, pending, resolved, closed."}}}
	}
	if !c.Status.CanMoveTo(to) {
		return Errorf(EInvalidTransition, "A %s case cannot become %s.", c.Status, to)
	}
	if c.Status != to {
		c.Status = to
		c.UpdatedAt = now
	}
	return nil
}

// Reopen makes a resolved or closed case open again, as a new message from
// the customer does; it reports whether the status changed.
func (c *Case) Reopen(now time.Time) bool {
	if c.Status != CaseResolved && c.Status != CaseClosed {
		return false
	}
	c.Status = CaseOpen
	c.UpdatedAt = now
	return true
}

// Touch records activity at t; activity never moves backwards, so events
// applied out of order leave the newest time.
func (c *Case) Touch(t time.Time) {
	if t.After(c.LastActivityAt) {
		c.LastActivityAt = t
	}
	if t.After(c.UpdatedAt) {
		c.UpdatedAt = t
	}
}
