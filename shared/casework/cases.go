package casework

import (
	"context"
	"slices"
	"strings"
	"time"
)

// CaseFilter narrows a list of cases: to one customer's, to some statuses,
// or both; and to the cases active after a moment.
type CaseFilter struct {
	CustomerID string
	// Statuses are the statuses listed (any of them); none means every
	// status, which needs a customer.
	Statuses []CaseStatus
	// ActiveAfter, when not zero, keeps only the cases whose last activity
	// is in its millisecond or later: what a console polling its inbox asks
	// for (it gets the newest case it saw again, and whatever is newer).
	ActiveAfter time.Time
}

// Cases lists cases, newest activity first. Without a customer at least
// one status is required (the store has an index per customer and per
// status, and no list of every case); a customer's cases take at most one
// status and no ActiveAfter.
func (s *Service) Cases(ctx context.Context, f CaseFilter, page PageRequest) (Page[Case], error) {
	f.CustomerID = strings.TrimSpace(f.CustomerID)
	for _, st := range f.Statuses {
		if !st.Valid() {
			return Page[Case]{}, fieldError("status", "invalid", "A status is one of new, open, pending, resolved, closed (several separated by commas).")
		}
	}
	slices.Sort(f.Statuses)
	f.Statuses = slices.Compact(f.Statuses)
	switch {
	case f.CustomerID != "":
		if !ValidID(f.CustomerID) {
			return Page[Case]{Items: []Case{}}, nil // no customer has that id, so no case either
		}
		if len(f.Statuses) > 1 {
			return Page[Case]{}, fieldError("status", "invalid", "A customer's cases are listed with at most one status.")
		}
		if !f.ActiveAfter.IsZero() {
			return Page[Case]{}, fieldError("updated_since", "invalid", "updated_since lists cases by status, not a customer's.")
		}
		var st CaseStatus
		if len(f.Statuses) == 1 {
			st = f.Statuses[0]
		}
		return s.store.CasesOfCustomer(ctx, f.CustomerID, st, page)
	case len(f.Statuses) > 0:
		return s.store.RecentCases(ctx, f.Statuses, f.ActiveAfter, page)
	}
	return Page[Case]{}, fieldError("status", "required", "List cases by customer_id, by status, or both.")
}

// Order is the order a case's messages are listed in.
type Order string

// Message orders: oldest first (the default) or newest first, so a console
// can open a long case at its end.
const (
	OldestFirst Order = "asc"
	NewestFirst Order = "desc"
)

// ParseOrder reads an order as the API writes it: "" is OldestFirst; anything
// but "asc" and "desc" is a validation error on the field order.
func ParseOrder(s string) (Order, error) {
	switch o := Order(s); o {
	case "":
		return OldestFirst, nil
	case OldestFirst, NewestFirst:
		return o, nil
	}
	return "", fieldError("order", "invalid", "order is asc (oldest first, the default) or desc (newest first).")
}

// Case returns a case and one page of its messages in order (oldest first
// when order is ""). A page's cursor continues in the order it was read in.
func (s *Service) Case(ctx context.Context, id string, order Order, page PageRequest) (*Case, Page[Message], error) {
	c, err := s.store.GetCase(ctx, id)
	if err != nil {
		return nil, Page[Message]{}, err
	}
	var msgs Page[Message]
	if order == NewestFirst {
		msgs, err = s.store.RecentMessagesOfCase(ctx, id, page)
	} else {
		msgs, err = s.store.MessagesOfCase(ctx, id, page)
	}
	if err != nil {
		return nil, Page[Message]{}, err
	}
	return c, msgs, nil
}

// Messages returns a page of a case's messages in order; a case that does
// not exist is ENotFound.
func (s *Service) Messages(ctx context.Context, caseID string, order Order, page PageRequest) (Page[Message], error) {
	_, msgs, err := s.Case(ctx, caseID, order, page)
	return msgs, err
}

// SetCaseStatus moves a case to status if CaseStatus.CanMoveTo allows it
// (EInvalidTransition otherwise), retrying when the case changed meanwhile.
func (s *Service) SetCaseStatus(ctx context.Context, id string, status CaseStatus) (*Case, error) {
	if !status.Valid() {
		return nil, fieldError("status", "invalid", "A status is one of new, open, pending, resolved, closed.")
	}
	c, err := s.store.GetCase(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	by := agentOf(ctx)
	return UpdateCase(ctx, s.store, c, func(c *Case) (bool, error) { return true, c.MoveToBy(status, now, by) })
}
