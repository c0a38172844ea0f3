package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/acme/twitter-cases/shared/casework"
)

// handleKey is how a customer's handle is compared: without @ or spaces, in lower case.
func handleKey(handle string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(handle), "@"))
}

func twitterOf(c *casework.Customer) (xid, handle string) {
	if c == nil || c.Twitter == nil {
		return "", ""
	}
	return c.Twitter.XUserID, c.Twitter.Handle
}

// PutCustomer creates or updates a customer on its version; an X user id
// or handle another customer holds is an EConflict.
func (s *Store) PutCustomer(ctx context.Context, c *casework.Customer) error {
	if c == nil || c.ID == "" {
		return fmt.Errorf("memstore: put customer: %w", invalid("id", "A customer needs an id."))
	}
	defer s.lock()()
	xid, handle := twitterOf(c)
	for id, other := range s.customers {
		if id == c.ID {
			continue
		}
		oxid, ohandle := twitterOf(other)
		if xid != "" && oxid == xid {
			return fmt.Errorf("memstore: put customer %s: %w", c.ID, conflict("The X user id %s belongs to another customer.", xid))
		}
		if handle != "" && ohandle != "" && handleKey(ohandle) == handleKey(handle) {
			return fmt.Errorf("memstore: put customer %s: %w", c.ID, conflict("The Twitter handle @%s belongs to another customer.", handle))
		}
	}
	old, ok := s.customers[c.ID]
	var stored int64
	if ok {
		stored = old.Version
	}
	if err := checkVersion(ok, stored, c.Version, "customer"); err != nil {
		return fmt.Errorf("memstore: put customer %s: %w", c.ID, err)
	}
	c.Version++
	s.customers[c.ID] = copyCustomer(c)
	return nil
}

// GetCustomer reads a customer.
func (s *Store) GetCustomer(ctx context.Context, id string) (*casework.Customer, error) {
	defer s.lock()()
	c, ok := s.customers[id]
	if !ok {
		return nil, fmt.Errorf("memstore: get customer %s: %w", id, notFound("No customer has the id %s.", id))
	}
	return copyCustomer(c), nil
}

// customersWhere lists the customers matching, by id.
func (s *Store) customersWhere(match func(*casework.Customer) bool) []casework.Customer {
	defer s.lock()()
	out := []casework.Customer{}
	for _, c := range s.customers {
		if match(c) {
			out = append(out, *copyCustomer(c))
		}
	}
	slices.SortFunc(out, func(a, b casework.Customer) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// CustomersByEmail finds the customers with this e-mail, case-insensitively, by id.
func (s *Store) CustomersByEmail(ctx context.Context, email string) ([]casework.Customer, error) {
	want := casework.NormalizeEmail(email)
	if want == "" {
		return []casework.Customer{}, nil
	}
	return s.customersWhere(func(c *casework.Customer) bool {
		return slices.ContainsFunc(c.Emails, func(e string) bool { return casework.NormalizeEmail(e) == want })
	}), nil
}

// CustomersByPhone finds the customers with this phone search key among
// their casework.Customer.IndexedPhoneKeys, exactly, by id.
func (s *Store) CustomersByPhone(ctx context.Context, key string) ([]casework.Customer, error) {
	if key == "" {
		return []casework.Customer{}, nil
	}
	return s.customersWhere(func(c *casework.Customer) bool {
		return c.MergedInto == "" && slices.Contains(c.IndexedPhoneKeys(), key)
	}), nil
}

// CustomersByNamePrefix finds the customers with a name word that starts
// with prefix, case-insensitively, ordered by their first such word, then id.
func (s *Store) CustomersByNamePrefix(ctx context.Context, prefix string, req casework.PageRequest) (casework.Page[casework.Customer], error) {
	prefix = casework.SearchFold(strings.TrimSpace(prefix))
	if prefix == "" {
		return casework.Page[casework.Customer]{Items: []casework.Customer{}}, nil
	}
	var items []keyed[casework.Customer]
	func() {
		defer s.lock()()
		for _, c := range s.customers {
			words := c.NameWords()
			if i := slices.IndexFunc(words, func(w string) bool { return strings.HasPrefix(w, prefix) }); i >= 0 {
				items = append(items, keyed[casework.Customer]{key: words[i] + "#" + c.ID, item: *copyCustomer(c)})
			}
		}
	}()
	p, err := page("customers-named:"+prefix, items, req, false)
	if err != nil {
		return p, fmt.Errorf("memstore: customers by name prefix %q: %w", prefix, err)
	}
	return p, nil
}

// CustomerByXUserID finds the customer with this X user id.
func (s *Store) CustomerByXUserID(ctx context.Context, xUserID string) (*casework.Customer, error) {
	found := s.customersWhere(func(c *casework.Customer) bool {
		xid, _ := twitterOf(c)
		return xUserID != "" && xid == xUserID
	})
	if len(found) == 0 {
		return nil, fmt.Errorf("memstore: customer by X user id %s: %w", xUserID, notFound("No customer has the X user id %s.", xUserID))
	}
	return &found[0], nil
}

// CustomerByFormerXUserID finds the customer, not merged, most recently
// updated, that lists the X user id among its FormerXUserIDs.
func (s *Store) CustomerByFormerXUserID(ctx context.Context, xUserID string) (*casework.Customer, error) {
	found := s.customersWhere(func(c *casework.Customer) bool {
		return xUserID != "" && c.MergedInto == "" && slices.Contains(c.FormerXUserIDs, xUserID)
	})
	if len(found) == 0 {
		return nil, fmt.Errorf("memstore: customer by former X user id %s: %w", xUserID, notFound("No customer had the X user id %s.", xUserID))
	}
	latest := slices.MaxFunc(found, func(a, b casework.Customer) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	return &latest, nil
}

// CustomerByHandle finds the customer with this Twitter handle,
// case-insensitively (a leading @ is ignored).
func (s *Store) CustomerByHandle(ctx context.Context, handle string) (*casework.Customer, error) {
	want := handleKey(handle)
	found := s.customersWhere(func(c *casework.Customer) bool {
		_, h := twitterOf(c)
		return want != "" && h != "" && handleKey(h) == want
	})
	if len(found) == 0 {
		return nil, fmt.Errorf("memstore: customer by handle %s: %w", handle, notFound("No customer has the Twitter handle %s.", handle))
	}
	return &found[0], nil
}
