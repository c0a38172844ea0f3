package casework

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// X user ids are a customer's identity on X; screen names are not: X lets
// an account rename itself and passes a released screen name on to another
// account. So when X says a screen name belongs to an X user id (an event,
// or the look-up behind a handle an agent sets), a customer still holding
// that screen name under another X user id holds it stale: it gives the
// screen name up (keeping it among its PreviousHandles, and its X user id,
// cases and history), and the write that needed the name goes ahead.

// putCustomerFromX writes c, whose X account X itself has just named (a
// handle from an event or a look-up), taking its screen name from a
// customer who holds it stale (a recycled screen name). Any other conflict
// (the X user id held by another customer, a lost race) is returned as the
// store gave it.
func putCustomerFromX(ctx context.Context, store CustomerStore, c *Customer, now time.Time) error {
	for attempt := 0; ; attempt++ {
		err := store.PutCustomer(ctx, c)
		if ErrorCode(err) != EConflict || c.Twitter == nil || c.Twitter.Handle == "" || attempt == 2 {
			return err
		}
		released, rerr := releaseRecycledHandle(ctx, store, c.ID, *c.Twitter, now)
		if rerr != nil {
			return fmt.Errorf("%w (freeing @%s: %w)", err, c.Twitter.Handle, rerr)
		}
		if !released {
			return err
		}
	}
}

// releaseRecycledHandle takes the screen name of acct away from the
// customer who holds it under another X user id (other than customerID),
// and reports whether there was one. Each call frees at most one customer,
// so a caller retrying on its result ends.
func releaseRecycledHandle(ctx context.Context, store CustomerStore, customerID string, acct TwitterAccount, now time.Time) (bool, error) {
	holder, err := store.CustomerByHandle(ctx, acct.Handle)
	if ErrorCode(err) == ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if holder.ID == customerID || !holdsStale(holder, acct) {
		return false, nil
	}
	_, err = UpdateCustomer(ctx, store, holder, func(h *Customer) bool {
		if !holdsStale(h, acct) {
			return false
		}
		h.SetTwitter(&TwitterAccount{XUserID: h.Twitter.XUserID})
		h.UpdatedAt = now
		return true
	})
	if err != nil {
		return false, err
	}
	return true, nil
}

// holdsStale reports whether c shows acct's screen name under another X user id.
func holdsStale(c *Customer, acct TwitterAccount) bool {
	return c.Twitter != nil && strings.EqualFold(c.Twitter.Handle, acct.Handle) && c.Twitter.XUserID != acct.XUserID
}
