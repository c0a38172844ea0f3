package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// FollowsOf returns the follow state of a customer with every brand handle
// there is a record for, by handle id.
func (s *Store) FollowsOf(ctx context.Context, customerID string) ([]casework.FollowState, error) {
	defer s.lock()()
	out := []casework.FollowState{}
	for k, f := range s.follows {
		if k.customerID == customerID {
			out = append(out, copyFollow(f))
		}
	}
	slices.SortFunc(out, func(a, b casework.FollowState) int { return cmp.Compare(a.HandleID, b.HandleID) })
	return out, nil
}

// Follow returns the follow state of one pair; with no record, the zero
// state (nobody follows anybody).
func (s *Store) Follow(ctx context.Context, customerID, handleID string) (casework.FollowState, error) {
	defer s.lock()()
	if f, ok := s.follows[pair{customerID, handleID}]; ok {
		return copyFollow(f), nil
	}
	return casework.FollowState{CustomerID: customerID, HandleID: handleID}, nil
}

// record returns the follow record of a pair, made when there is none.
func (s *Store) record(customerID, handleID string) *casework.FollowState {
	k := pair{customerID, handleID}
	if s.follows[k] == nil {
		s.follows[k] = &casework.FollowState{CustomerID: customerID, HandleID: handleID}
	}
	return s.follows[k]
}

// SetCustomerFollowsBrand records a follow or unfollow by the customer at
// at, unless an event as new or newer is recorded; it reports whether it
// changed the record.
func (s *Store) SetCustomerFollowsBrand(ctx context.Context, customerID, handleID string, follows bool, at time.Time) (bool, error) {
	return s.setFollows(customerID, handleID, follows, at, false)
}

// SetBrandFollowsCustomer records a follow or unfollow by the brand handle
// at at, unless an event as new or newer is recorded, and then clears the
// pending action; it reports whether it changed the record.
func (s *Store) SetBrandFollowsCustomer(ctx context.Context, customerID, handleID string, follows bool, at time.Time) (bool, error) {
	return s.setFollows(customerID, handleID, follows, at, true)
}

func (s *Store) setFollows(customerID, handleID string, follows bool, at time.Time, brand bool) (bool, error) {
	if at.IsZero() {
		return false, fmt.Errorf("memstore: set follows of customer %s and brand handle %s: %w", customerID, handleID,
			invalid("at", "A follow event needs its time."))
	}
	defer s.lock()()
	old := s.follows[pair{customerID, handleID}]
	recorded := func(f *casework.FollowState) time.Time {
		if brand {
			return f.BrandFollowsAt
		}
		return f.CustomerFollowsAt
	}
	if old != nil && !recorded(old).IsZero() && !recorded(old).Before(at) {
		return false, nil
	}
	f := s.record(customerID, handleID)
	if brand {
		f.BrandFollowsCustomer, f.BrandFollowsAt, f.Pending = follows, utc(at), ""
	} else {
		f.CustomerFollowsBrand, f.CustomerFollowsAt = follows, utc(at)
	}
	return true, nil
}

// SetCustomerWroteByDM records the time of the customer's DM to the brand
// handle unless a later one is recorded.
func (s *Store) SetCustomerWroteByDM(ctx context.Context, customerID, handleID string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("memstore: set customer_dm_at of customer %s and brand handle %s: %w", customerID, handleID,
			invalid("at", "A DM needs its time."))
	}
	defer s.lock()()
	if old := s.follows[pair{customerID, handleID}]; old != nil && !old.CustomerDMAt.IsZero() && !old.CustomerDMAt.Before(at) {
		return nil
	}
	s.record(customerID, handleID).CustomerDMAt = utc(at)
	return nil
}

// SetFollowPending records a follow or unfollow asked of X by the agent
// by, and when (the store's clock); "" clears the pending action of an
// existing record only.
func (s *Store) SetFollowPending(ctx context.Context, customerID, handleID string, action casework.FollowAction, by casework.Agent) error {
	switch action {
	case "":
		defer s.lock()()
		if f := s.follows[pair{customerID, handleID}]; f != nil {
			f.Pending = ""
		}
		return nil
	case casework.ActionFollow, casework.ActionUnfollow:
		at := utc(s.now())
		defer s.lock()()
		f := s.record(customerID, handleID)
		f.Pending, f.RequestedAction, f.RequestedAt, f.RequestedBy = action, action, at, by
		return nil
	}
	return fmt.Errorf("memstore: set pending follow of customer %s and brand handle %s: %w", customerID, handleID,
		invalid("action", "A follow action is follow or unfollow."))
}

// CustomerFollows reads a customer and its follow states at once.
func (s *Store) CustomerFollows(ctx context.Context, customerID string) (*casework.Customer, []casework.FollowState, error) {
	defer s.lock()()
	c, ok := s.customers[customerID]
	if !ok {
		return nil, nil, fmt.Errorf("memstore: get customer %s: %w", customerID, notFound("No customer has the id %s.", customerID))
	}
	out := []casework.FollowState{}
	for k, f := range s.follows {
		if k.customerID == customerID {
			out = append(out, copyFollow(f))
		}
	}
	slices.SortFunc(out, func(a, b casework.FollowState) int { return cmp.Compare(a.HandleID, b.HandleID) })
	return copyCustomer(c), out, nil
}
