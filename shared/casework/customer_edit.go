package casework

import (
	"context"
	"fmt"
	"slices"
)

// CustomerPatch changes some of a customer's fields, as a JSON merge patch
// (RFC 7396) does: a nil field is left as it is; a list replaces the whole
// list (an empty one clears it).
type CustomerPatch struct {
	Name   *string
	Emails *[]string
	Phones *[]string
}

// PatchCustomer applies a patch to a customer, normalised and validated as
// CreateCustomer does, retrying on a concurrent write. The store keeps the
// search look-ups in step: those of the new values are written before the
// customer, those of dropped values removed after it (readers check every
// look-up against the customer, so one left by a failed write finds
// nothing). The Twitter handle is changed with SetTwitterHandle, not here.
func (s *Service) PatchCustomer(ctx context.Context, id string, p CustomerPatch) (*CustomerDetails, error) {
	c, err := s.customer(ctx, id)
	if err != nil {
		return nil, err
	}
	var invalid error
	c, err = UpdateCustomer(ctx, s.store, c, func(c *Customer) bool {
		before := *c
		if p.Name != nil {
			c.Name = *p.Name
		}
		if p.Emails != nil {
			c.Emails = slices.Clone(*p.Emails)
		}
		if p.Phones != nil {
			c.Phones = slices.Clone(*p.Phones)
		}
		c.Normalize()
		IndexPhones(c, s.phones)
		if invalid = c.Validate(); invalid != nil {
			return false
		}
		if c.Name == before.Name && slices.Equal(c.Emails, before.Emails) && slices.Equal(c.Phones, before.Phones) {
			return false
		}
		c.UpdatedAt = s.clock()
		return true
	})
	if invalid != nil {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	return s.details(ctx, c)
}

// customer reads a customer the console may act on (activeCustomer).
func (s *Service) customer(ctx context.Context, id string) (*Customer, error) {
	return activeCustomer(ctx, s.store, id)
}

// activeCustomer reads a customer that may be acted on: one merged into
// another is ECustomerMerged, naming the survivor.
func activeCustomer(ctx context.Context, store CustomerStore, id string) (*Customer, error) {
	if err := checkID("customer", id); err != nil {
		return nil, err
	}
	c, err := store.GetCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkActive(c); err != nil {
		return nil, err
	}
	return c, nil
}

// activeCustomerFollows is activeCustomer that also returns the
// customer's follow states, read with it (FollowStore.CustomerFollows).
func activeCustomerFollows(ctx context.Context, store FollowStore, id string) (*Customer, []FollowState, error) {
	if err := checkID("customer", id); err != nil {
		return nil, nil, err
	}
	c, follows, err := store.CustomerFollows(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkActive(c); err != nil {
		return nil, nil, err
	}
	return c, follows, nil
}

// checkActive is ECustomerMerged, naming the survivor, for a customer
// merged into another; nil for one that may be acted on.
func checkActive(c *Customer) error {
	if c.MergedInto != "" {
		return &Error{Code: ECustomerMerged, Message: fmt.Sprintf("The customer %s was merged into %s.", c.ID, c.MergedInto),
			Extra: map[string]any{"merged_into": c.MergedInto}}
	}
	return nil
}

// MergeCustomers merges the customer fromID into survivorID: the survivor
// keeps its name and gains the other's e-mails and phones, its Twitter
// handle (when the survivor has none) with the follow state of every
// brand handle, its cases and its DM conversations; the merged customer
// then answers ECustomerMerged naming the survivor. Two customers with
// different X accounts are EDifferentXAccounts: an X user id is one
// person's identity, and each case stays with its account.
//
// Without transactions the steps are ordered so that a merge that stops
// half-way is finished by asking again (every step is idempotent, and a
// customer already merged into the survivor is merged again): (1) the
// survivor gains the e-mails and phones, (2) the merged customer is
// marked, dropping its look-ups and releasing its X account, (3) the
// survivor takes the X account, (4) the follow state, cases and DM
// conversations move.
func (s *Service) MergeCustomers(ctx context.Context, survivorID, fromID string) (*CustomerDetails, error) {
	if fromID == "" {
		return nil, fieldError("from", "required", "Name the customer to merge into this one.")
	}
	if fromID == survivorID {
		return nil, refusal("from", EMergeIntoItself, "A customer cannot be merged into itself.")
	}
	survivor, err := s.customer(ctx, survivorID)
	if err != nil {
		return nil, err
	}
	if !ValidID(fromID) {
		return nil, refusal("from", ENotFound, "No customer has that id.")
	}
	from, err := s.store.GetCustomer(ctx, fromID)
	if ErrorCode(err) == ENotFound {
		return nil, refusal("from", ENotFound, "No customer has the id "+fromID+".")
	}
	if err != nil {
		return nil, err
	}
	if from.MergedInto != "" && from.MergedInto != survivorID {
		return nil, Errorf(EConflict, "The customer %s was already merged into %s.", fromID, from.MergedInto)
	}
	if survivor.HasTwitter() && from.Twitter != nil && from.Twitter.XUserID != "" && from.Twitter.XUserID != survivor.Twitter.XUserID {
		return nil, Errorf(EDifferentXAccounts, "%s (@%s) and %s (@%s) are different X accounts, so they are different customers.",
			survivor.Name, survivor.Twitter.Handle, from.Name, from.Twitter.Handle)
	}
	now := s.clock()
	takesTwitter := survivor.Twitter == nil && from.Twitter != nil

	// (1) The survivor gains the e-mails and phones.
	survivor, err = UpdateCustomer(ctx, s.store, survivor, func(c *Customer) bool {
		emails, phones, former := union(c.Emails, from.Emails), union(c.Phones, from.Phones), union(c.FormerXUserIDs, from.FormerXUserIDs)
		if slices.Equal(emails, c.Emails) && slices.Equal(phones, c.Phones) && slices.Equal(former, c.FormerXUserIDs) {
			return false
		}
		c.Emails, c.Phones, c.FormerXUserIDs, c.UpdatedAt = emails, phones, former, now
		IndexPhones(c, s.phones)
		return true
	})
	if err != nil {
		return nil, err
	}
	// (2) The merged customer keeps its name and the pointer only.
	twitter, previous := from.Twitter, from.PreviousHandles
	from, err = UpdateCustomer(ctx, s.store, from, func(c *Customer) bool {
		if c.MergedInto == survivorID && c.Twitter == nil && len(c.Emails) == 0 && len(c.Phones) == 0 && len(c.FormerXUserIDs) == 0 {
			return false
		}
		if twitter == nil {
			twitter, previous = c.Twitter, c.PreviousHandles
		}
		c.MergedInto, c.Twitter, c.PreviousHandles, c.Emails, c.Phones, c.PhoneKeys, c.FormerXUserIDs, c.UpdatedAt = survivorID, nil, nil, nil, nil, nil, nil, now
		return true
	})
	if err != nil {
		return nil, err
	}
	// (3) The survivor takes the X account.
	if takesTwitter && twitter != nil {
		survivor, err = UpdateCustomer(ctx, s.store, survivor, func(c *Customer) bool {
			if c.Twitter != nil {
				return false
			}
			acct := *twitter
			c.Twitter, c.PreviousHandles, c.UpdatedAt = &acct, slices.Clone(previous), now
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	// (4) Follow state, cases and DM conversations.
	if takesTwitter {
		if err := s.moveFollows(ctx, fromID, survivorID); err != nil {
			return nil, err
		}
	}
	if err := s.moveCases(ctx, fromID, survivorID); err != nil {
		return nil, err
	}
	return s.details(ctx, survivor)
}

// moveFollows copies the follow state of every brand handle from one
// customer to another, with the times X reported it (a direction never
// reported stays as it is).
func (s *Service) moveFollows(ctx context.Context, fromID, toID string) error {
	follows, err := s.store.FollowsOf(ctx, fromID)
	if err != nil {
		return err
	}
	for _, f := range follows {
		if !f.CustomerFollowsAt.IsZero() {
			if _, err := s.store.SetCustomerFollowsBrand(ctx, toID, f.HandleID, f.CustomerFollowsBrand, f.CustomerFollowsAt); err != nil {
				return err
			}
		}
		if !f.BrandFollowsAt.IsZero() {
			if _, err := s.store.SetBrandFollowsCustomer(ctx, toID, f.HandleID, f.BrandFollowsCustomer, f.BrandFollowsAt); err != nil {
				return err
			}
		}
		if f.Pending != "" {
			if err := s.store.SetFollowPending(ctx, toID, f.HandleID, f.Pending, f.RequestedBy); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveCases gives every case of one customer to another, and the DM
// conversations with each brand handle that the other has none of.
func (s *Service) moveCases(ctx context.Context, fromID, toID string) error {
	page := PageRequest{Limit: MaxPageLimit}
	for {
		p, err := s.store.CasesOfCustomer(ctx, fromID, "", page)
		if err != nil {
			return err
		}
		for i := range p.Items {
			_, err := UpdateCase(ctx, s.store, &p.Items[i], func(c *Case) (bool, error) {
				if c.CustomerID != fromID {
					return false, nil
				}
				c.CustomerID = toID
				return true, nil
			})
			if err != nil {
				return err
			}
		}
		if p.NextCursor == "" {
			break
		}
		page.Cursor = p.NextCursor
	}
	handles, err := s.store.ListHandles(ctx)
	if err != nil {
		return err
	}
	for _, h := range handles {
		dm, err := s.store.DMCase(ctx, fromID, h.ID)
		if ErrorCode(err) == ENotFound {
			continue
		}
		if err != nil {
			return err
		}
		err = s.store.SetDMCase(ctx, toID, h.ID, dm.ID, "")
		if err != nil && ErrorCode(err) != EConflict { // EConflict: the survivor has its own
			return err
		}
	}
	return nil
}

// union is a followed by the members of b it lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
