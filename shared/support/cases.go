package support

import (
	"context"
	"strings"
)

// CaseFilter narrows a list of cases: to one customer's, to one status, or both.
type CaseFilter struct {
	CustomerID string
	Status     CaseStatus
}

// Cases lists cases, newest activity first. Without a customer the status
// is required: the store has an index per customer and per status, and no
// list of every case.
func (s *Service) Cases(ctx context.Context, f CaseFilter, page PageRequest) (Page[Case], error) {
	f.CustomerID = strings.TrimSpace(f.CustomerID)
	if f.Status != "" && !f.Status.Valid() {
		return Page[Case]{}, fieldError("status", "invalid", "A status is one of new, open, pending, resolved, closed.")
	}
	switch {
	case f.CustomerID != "":
		return s.store.CasesOfCustomer(ctx, f.CustomerID, f.Status, page)
	case f.Status != "":
		return s.store.CasesByStatus(ctx, f.Status, page)
	}
	return Page[Case]{}, fieldError("status", "required", "List cases by customer_id, by status, or both.")
}

// Case returns a case and one page of its messages, oldest first.
func (s *Service) Case(ctx context.Context, id string, page PageRequest) (*Case, Page[Message], error) {
	c, err := s.store.GetCase(ctx, id)
	if err != nil {
		return nil, Page[Message]{}, err
	}
	msgs, err := s.store.MessagesOfCase(ctx, id, page)
	if err != nil {
		return nil, Page[Message]{}, err
	}
	return c, msgs, nil
}

// Messages returns a page of a case's messages, oldest first; a case that
// does not exist is ENotFound.
func (s *Service) Messages(ctx context.Context, caseID string, page PageRequest) (Page[Message], error) {
	_, msgs, err := s.Case(ctx, caseID, page)
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
	return UpdateCase(ctx, s.store, c, func(c *Case) (bool, error) { return true, c.MoveTo(status, now) })
}
