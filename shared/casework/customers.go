package casework

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/acme/twitter-cases/shared/twtext"
)

// BrandFollow is who follows whom between a customer and one brand handle.
type BrandFollow struct {
	Handle BrandHandle
	State  FollowState
}

// CustomerDetails is a customer with the follow state for every brand handle.
type CustomerDetails struct {
	Customer Customer
	// Follows has one entry per brand handle (the zero state where nothing
	// is recorded), in the order of ListHandles.
	Follows []BrandFollow
}

// NewCustomer asks for a new customer.
type NewCustomer struct {
	Name   string
	Emails []string
	Phones []string
	// TwitterHandle, when not "", is looked up on X like SetTwitterHandle does.
	TwitterHandle string
}

// CreateCustomer validates and stores a new customer; a Twitter handle is
// looked up on X first (ETwitterUserNotFound when X does not know it).
func (s *Service) CreateCustomer(ctx context.Context, in NewCustomer) (*CustomerDetails, error) {
	now := s.clock()
	c := &Customer{ID: NewID(now), Name: in.Name, Emails: in.Emails, Phones: in.Phones, CreatedAt: now, UpdatedAt: now}
	if in.TwitterHandle != "" {
		c.Twitter = &TwitterAccount{Handle: in.TwitterHandle}
	}
	contactErr := ValidateContacts(in.Emails, in.Phones)
	c.Normalize()
	if contactErr != nil {
		// Bad contact data is 422; a bad name (a malformed request) as well
		// makes it 400, every bad field listed.
		rest := *c
		rest.Emails, rest.Phones = nil, nil
		if err := rest.Validate(); err != nil {
			return nil, withFields(err, contactErr)
		}
		return nil, contactErr
	}
	IndexPhones(c, s.phones)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Twitter != nil {
		u, err := s.lookupXUser(ctx, c.Twitter.Handle)
		if err != nil {
			return nil, err
		}
		c.Twitter = twitterAccountOf(u, c.Twitter.Handle)
	}
	if err := putCustomerFromX(ctx, s.store, c, now); err != nil {
		return nil, err
	}
	return s.details(ctx, c)
}

// Customer returns a customer with its follow state per brand handle.
func (s *Service) Customer(ctx context.Context, id string) (*CustomerDetails, error) {
	c, follows, err := activeCustomerFollows(ctx, s.store, id)
	if err != nil {
		return nil, err
	}
	return s.detailsWith(ctx, c, follows)
}

// details adds the follow state per brand handle. Calls: 2 Query (1
// with the brand handles cached).
func (s *Service) details(ctx context.Context, c *Customer) (*CustomerDetails, error) {
	follows, err := s.store.FollowsOf(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return s.detailsWith(ctx, c, follows)
}

// detailsWith is details with the customer's follow states already read.
func (s *Service) detailsWith(ctx context.Context, c *Customer, follows []FollowState) (*CustomerDetails, error) {
	handles, err := s.store.ListHandles(ctx)
	if err != nil {
		return nil, err
	}
	d := &CustomerDetails{Customer: *c, Follows: make([]BrandFollow, 0, len(handles))}
	for _, h := range handles {
		f := FollowState{CustomerID: c.ID, HandleID: h.ID}
		if i := slices.IndexFunc(follows, func(f FollowState) bool { return f.HandleID == h.ID }); i >= 0 {
			f = follows[i]
		}
		d.Follows = append(d.Follows, BrandFollow{Handle: h, State: f})
	}
	return d, nil
}

// MaxSearchLength bounds a customer search (the longest e-mail address is
// 254 characters).
const MaxSearchLength = 320

// SearchCustomers finds customers by what q looks like: a Twitter handle
// ("@" and a screen name of up to 20 characters) exactly, an e-mail (contains "@") exactly and
// case-insensitively, a phone number (only digits and + - ( ) . and spaces)
// by the number it is (see customersByPhone), and otherwise a name: every
// word of q must start a word of the customer's name, case-insensitively.
// A single word that is a valid handle also finds the customer with that
// handle, first on the first page (see customersByName). Only name
// searches have more than one page.
func (s *Service) SearchCustomers(ctx context.Context, q string, page PageRequest) (Page[Customer], error) {
	q = strings.TrimSpace(q)
	var found []Customer
	var err error
	switch {
	case q == "":
		return Page[Customer]{}, fieldError("q", "required", "Search by name, e-mail, phone or @handle.")
	case len(q) > MaxSearchLength:
		return Page[Customer]{}, fieldError("q", "invalid", "A search is at most "+strconv.Itoa(MaxSearchLength)+" bytes.")
	case strings.HasPrefix(q, "@") && isXHandle(q):
		var c *Customer
		c, err = s.customerByHandle(ctx, q)
		if c != nil {
			found = []Customer{*c}
		}
	case strings.Contains(q, "@"):
		found, err = s.store.CustomersByEmail(ctx, q)
	case looksLikePhone(q):
		found, err = s.customersByPhone(ctx, q)
	default:
		return s.customersByName(ctx, q, page)
	}
	if err != nil {
		return Page[Customer]{}, err
	}
	if found == nil {
		found = []Customer{}
	}
	return Page[Customer]{Items: found}, nil
}

// customerByHandle is the customer with the Twitter handle, or nil.
func (s *Service) customerByHandle(ctx context.Context, handle string) (*Customer, error) {
	c, err := s.store.CustomerByHandle(ctx, handle)
	if ErrorCode(err) == ENotFound {
		return nil, nil
	}
	return c, err
}

// customersByPhone finds the customers with the phone number q by its
// search keys (PhoneSearchKeys) against those stored with each customer
// (IndexPhones), exactly: "5550100001", "(555) 010-0001", "1 555 010 0001"
// and "+1 555 010 0001" all find the customer written with any of them in
// a US deployment. Calls: one store look-up per key (1 or 2).
func (s *Service) customersByPhone(ctx context.Context, q string) ([]Customer, error) {
	out := []Customer{}
	for _, k := range PhoneSearchKeys(q) {
		found, err := s.store.CustomersByPhone(ctx, k)
		if err != nil {
			return nil, err
		}
		for _, c := range found {
			if !slices.ContainsFunc(out, func(o Customer) bool { return o.ID == c.ID }) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// customersByName asks the store for the longest word of q as a prefix and
// keeps the customers whose name also matches the other words. When q is
// one word that is a valid handle, the customer with that handle (if any)
// comes first on the first page, which then holds at most limit-1 name
// matches (at least one), and is left out of every page of name matches.
func (s *Service) customersByName(ctx context.Context, q string, page PageRequest) (Page[Customer], error) {
	var byHandle *Customer
	if handle, ok := twtext.NormalizeHandle(q); ok {
		var err error
		if byHandle, err = s.customerByHandle(ctx, handle); err != nil {
			return Page[Customer]{}, err
		}
	}
	words := (&Customer{Name: q}).NameWords()
	if len(words) == 0 {
		return Page[Customer]{Items: []Customer{}}, nil
	}
	if byHandle != nil && page.Cursor == "" {
		page.Limit = max(1, cmp.Or(page.Limit, DefaultPageLimit)-1)
	}
	longest := slices.MaxFunc(words, func(a, b string) int { return cmp.Compare(len(a), len(b)) })
	p, err := s.store.CustomersByNamePrefix(ctx, longest, page)
	if err != nil {
		return p, err
	}
	p.Items = slices.DeleteFunc(p.Items, func(c Customer) bool {
		if byHandle != nil && c.ID == byHandle.ID {
			return true
		}
		names := c.NameWords()
		for _, w := range words {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, w) }) {
				return true
			}
		}
		return false
	})
	if byHandle != nil && page.Cursor == "" {
		p.Items = slices.Insert(p.Items, 0, *byHandle)
	}
	return p, nil
}

// isXHandle reports whether q is a screen name as X may send it, up to 20
// characters: customers with older accounts are found by handle too.
func isXHandle(q string) bool {
	_, ok := twtext.NormalizeXScreenName(q)
	return ok
}

// looksLikePhone reports whether q is written like a phone number.
func looksLikePhone(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-(). ", r):
		default:
			return false
		}
	}
	return digits > 0
}

// SetTwitterHandle adds or changes a customer's Twitter handle: the handle
// must be valid (EInvalidHandle), X must know it (ETwitterUserNotFound), and
// no other customer may have that X account (EConflict). Another customer
// still showing the handle under another X user id gives it up (X recycled
// the screen name; see putCustomerFromX). When the X account changes, the
// follow states recorded for the old one are reset to nobody follows
// anybody; when it stays, the old screen name becomes a previous handle.
func (s *Service) SetTwitterHandle(ctx context.Context, customerID, handle string) (*CustomerDetails, error) {
	name, ok := twtext.NormalizeHandle(handle)
	if !ok {
		return nil, &Error{Code: EInvalidHandle, Message: "A Twitter handle is an optional @ and 1 to 15 letters, digits or underscores.",
			Fields: []FieldError{{Name: "handle", Code: EInvalidHandle, Detail: "A Twitter handle is an optional @ and 1 to 15 letters, digits or underscores."}}}
	}
	c, follows, err := activeCustomerFollows(ctx, s.store, customerID)
	if err != nil {
		return nil, err
	}
	u, err := s.lookupXUser(ctx, name)
	if err != nil {
		return nil, err
	}
	oldXID, _ := twitterIDs(c)
	c.SetTwitter(twitterAccountOf(u, name))
	c.UpdatedAt = s.clock()
	if err := putCustomerFromX(ctx, s.store, c, c.UpdatedAt); err != nil {
		return nil, err
	}
	if oldXID != "" && oldXID != u.ID {
		if err := s.resetFollows(ctx, c.ID); err != nil {
			return nil, err
		}
		return s.details(ctx, c)
	}
	// The same X account, or a first one: the follow states read with the
	// customer still hold.
	return s.detailsWith(ctx, c, follows)
}

// RemoveTwitterHandle forgets a customer's Twitter handle and resets the
// follow states recorded for it.
func (s *Service) RemoveTwitterHandle(ctx context.Context, customerID string) (*CustomerDetails, error) {
	c, err := s.customer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if c.Twitter != nil {
		c.SetTwitter(nil)
		c.UpdatedAt = s.clock()
		if err := s.store.PutCustomer(ctx, c); err != nil {
			return nil, err
		}
		if err := s.resetFollows(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return s.details(ctx, c)
}

// resetFollows records, as of now, that nobody follows anybody between the
// customer and every brand handle with a record (and clears pending actions).
func (s *Service) resetFollows(ctx context.Context, customerID string) error {
	follows, err := s.store.FollowsOf(ctx, customerID)
	if err != nil {
		return err
	}
	now := s.clock()
	for _, f := range follows {
		if _, err := s.store.SetCustomerFollowsBrand(ctx, customerID, f.HandleID, false, now); err != nil {
			return err
		}
		if _, err := s.store.SetBrandFollowsCustomer(ctx, customerID, f.HandleID, false, now); err != nil {
			return err
		}
	}
	return nil
}

func twitterIDs(c *Customer) (xid, handle string) {
	if c.Twitter == nil {
		return "", ""
	}
	return c.Twitter.XUserID, c.Twitter.Handle
}

// twitterAccountOf is the account X found, under X's spelling of the handle.
func twitterAccountOf(u XUser, asked string) *TwitterAccount {
	handle, ok := twtext.NormalizeXScreenName(u.Username)
	if !ok {
		handle = asked
	}
	return &TwitterAccount{Handle: handle, XUserID: u.ID}
}
