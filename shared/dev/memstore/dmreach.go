package memstore

import (
	"context"
	"fmt"

	"github.com/acme/twitter-cases/shared/casework"
)

// SetDMReach records X's answer on reaching the customer by DM as the
// brand handle, unless a later one is recorded.
func (s *Store) SetDMReach(ctx context.Context, customerID, handleID string, r casework.DMReach) error {
	if r.CheckedAt.IsZero() {
		return fmt.Errorf("memstore: set dm reach of customer %s and brand handle %s: %w", customerID, handleID,
			invalid("checked_at", "X's answer needs its time."))
	}
	defer s.lock()()
	if old := s.follows[pair{customerID, handleID}]; old != nil && old.Reach != nil && !old.Reach.CheckedAt.Before(r.CheckedAt) {
		return nil
	}
	r.CheckedAt = utc(r.CheckedAt)
	s.record(customerID, handleID).Reach = &r
	return nil
}
