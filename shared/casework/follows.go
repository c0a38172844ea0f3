package casework

import (
	"context"
	"fmt"
	"slices"
)

// Follow has the brand handle follow the customer on X: it records the
// pending follow and queues a follow command (queued true). X's answer
// arrives later (the follow event clears the pending action). The customer
// must have a Twitter handle. When the brand handle already follows the
// customer and nothing is pending, it answers from that state and queues
// nothing (queued false): a call to X that changes nothing still spends its
// rate limit and its price. While a follow or unfollow is pending, asking
// queues again (following on X is idempotent).
func (s *Service) Follow(ctx context.Context, customerID, handleID string) (*BrandFollow, bool, error) {
	return s.changeFollow(ctx, customerID, handleID, ActionFollow)
}

// Unfollow is Follow the other way round: nothing is queued when the brand
// handle does not follow the customer and nothing is pending.
func (s *Service) Unfollow(ctx context.Context, customerID, handleID string) (*BrandFollow, bool, error) {
	return s.changeFollow(ctx, customerID, handleID, ActionUnfollow)
}

func (s *Service) changeFollow(ctx context.Context, customerID, handleID string, action FollowAction) (*BrandFollow, bool, error) {
	cust, follows, err := activeCustomerFollows(ctx, s.store, customerID)
	if err != nil {
		return nil, false, err
	}
	if err := checkTwitter(cust); err != nil {
		return nil, false, err
	}
	h, err := connectedHandle(ctx, s.store, handleID)
	if err != nil {
		return nil, false, err
	}
	current := FollowState{CustomerID: cust.ID, HandleID: h.ID}
	if i := slices.IndexFunc(follows, func(f FollowState) bool { return f.HandleID == h.ID }); i >= 0 {
		current = follows[i]
	}
	if current.Pending == "" && current.BrandFollowsCustomer == (action == ActionFollow) {
		return &BrandFollow{Handle: *h, State: current}, false, nil
	}
	if !s.access.AllowsFollow() {
		return nil, false, followForbidden(s.access, h, cust.Twitter, action)
	}
	now := s.clock()
	kind := CmdFollow
	if action == ActionUnfollow {
		kind = CmdUnfollow
	} else if err := checkBudget(ctx, s.store, h, s.pricing.CommandPrice(CmdFollow, "", false), now); err != nil {
		return nil, false, err
	}
	cmd := Command{ID: NewID(now), Kind: kind, HandleID: h.ID, CustomerID: cust.ID, CreatedAt: now}
	var f FollowState
	if _, err := s.dispatch(ctx, cmd, string(action), func(ctx context.Context, w Work) (bool, error) {
		var err error
		f, err = s.store.QueueFollow(ctx, cust.ID, h.ID, action, agentOf(ctx), w)
		return err == nil, err
	}, func(ctx context.Context) error {
		return s.store.SetFollowPending(ctx, cust.ID, h.ID, "", Agent{})
	}); err != nil {
		return nil, false, err
	}
	return &BrandFollow{Handle: *h, State: f}, true, nil
}

// followForbidden is the refusal of a follow or unfollow the deployment's
// X access does not allow: it says why and links to x.com, where an agent
// signed in as the brand handle does it by hand (a follow Web Intent, or
// the customer's profile for an unfollow).
func followForbidden(access XAccess, h *BrandHandle, acct *TwitterAccount, action FollowAction) error {
	link, how := followIntentURL(acct.Handle, acct.XUserID), "follow"
	if action == ActionUnfollow {
		link, how = profileURL(acct.Handle), "unfollow"
	}
	return &Error{Code: EXAccessForbids,
		Message: fmt.Sprintf("X allows following and unfollowing through its API on Enterprise access only, and this deployment's X app has %s access. "+
			"Signed in to x.com as @%s, %s @%s there: %s", access, h.ScreenName, how, acct.Handle, link),
		Extra: map[string]any{"x_access": string(access), "action": string(action), "intent_url": link}}
}
