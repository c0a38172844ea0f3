package sample

import (
	"context"
	"fmt"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// seededAt is the time the sample data claims to have been created; fixed,
// so seeding again writes nothing new and follow events from a real run
// (always later) win over it.
var seededAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Seed registers the sample brand handles and customers in the store
// unless they exist; running it again changes nothing. The customers'
// phones are found by their digits as written (see SeedWithPhones).
func Seed(ctx context.Context, store casework.Store) error {
	return SeedWithPhones(ctx, store, nil)
}

// SeedWithPhones is Seed with the customers' phone search keys made by
// phones (casework.IndexPhones), as the console writes them, so their
// national forms find them too.
func SeedWithPhones(ctx context.Context, store casework.Store, phones casework.Phones) error {
	for _, b := range Brands {
		h := casework.BrandHandle{ID: b.HandleID, ScreenName: b.ScreenName, XUserID: b.XUserID,
			CredentialsSecret: b.Secret, CreatedAt: seededAt, UpdatedAt: seededAt}
		h.Normalize()
		if err := h.Validate(); err != nil {
			return fmt.Errorf("seed: brand handle %s: %w", b.ScreenName, err)
		}
		if err := createOnce(store.PutHandle(ctx, &h)); err != nil {
			return fmt.Errorf("seed: brand handle %s: %w", b.ScreenName, err)
		}
	}
	for _, sc := range Customers {
		c := casework.Customer{ID: sc.ID, Name: sc.Name, Emails: []string{sc.Email}, Phones: []string{sc.Phone},
			CreatedAt: seededAt, UpdatedAt: seededAt}
		if sc.Handle != "" {
			c.Twitter = &casework.TwitterAccount{Handle: sc.Handle, XUserID: sc.XUser}
		}
		c.Normalize()
		casework.IndexPhones(&c, phones)
		if err := c.Validate(); err != nil {
			return fmt.Errorf("seed: customer %s: %w", sc.Name, err)
		}
		if err := createOnce(store.PutCustomer(ctx, &c)); err != nil {
			return fmt.Errorf("seed: customer %s: %w", sc.Name, err)
		}
		for _, follows := range sc.Follows {
			b, ok := brandByName(follows)
			if !ok {
				return fmt.Errorf("seed: customer %s follows unknown brand %s", sc.Name, follows)
			}
			if _, err := store.SetCustomerFollowsBrand(ctx, sc.ID, b.HandleID, true, seededAt); err != nil {
				return fmt.Errorf("seed: follow: %w", err)
			}
		}
	}
	return nil
}

// createOnce treats "already exists" as success: the sample record is there.
func createOnce(err error) error {
	if casework.ErrorCode(err) == casework.EConflict {
		return nil
	}
	return err
}

func brandByName(screenName string) (Brand, bool) {
	for _, b := range Brands {
		if b.ScreenName == screenName {
			return b, true
		}
	}
	return Brand{}, false
}
