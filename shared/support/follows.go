package support

import (
	"context"
	"log/slog"
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
	cust, err := s.twitterCustomer(ctx, customerID)
	if err != nil {
		return nil, false, err
	}
	h, err := s.connectedHandle(ctx, handleID)
	if err != nil {
		return nil, false, err
	}
	current, err := s.store.Follow(ctx, cust.ID, h.ID)
	if err != nil {
		return nil, false, err
	}
	if current.Pending == "" && current.BrandFollowsCustomer == (action == ActionFollow) {
		return &BrandFollow{Handle: *h, State: current}, false, nil
	}
	now := s.clock()
	kind := CmdFollow
	if action == ActionUnfollow {
		kind = CmdUnfollow
	}
	cmd := Command{ID: NewID(now), Kind: kind, HandleID: h.ID, CustomerID: cust.ID, CreatedAt: now}
	if err := s.acceptWork(ctx, cmd); err != nil {
		return nil, false, err
	}
	if err := s.store.SetFollowPending(ctx, cust.ID, h.ID, action, agentOf(ctx)); err != nil {
		return nil, false, err
	}
	if err := s.outbox.Enqueue(ctx, cmd); err != nil {
		s.forgetWork(ctx, cmd)
		if cerr := s.store.SetFollowPending(context.WithoutCancel(ctx), cust.ID, h.ID, "", Agent{}); cerr != nil {
			slog.ErrorContext(ctx, "pending follow left recorded after its command could not be queued",
				"customer_id", cust.ID, "handle_id", h.ID, "enqueue_err", err, "undo_err", cerr)
		}
		return nil, false, enqueueFailed(string(action), err)
	}
	f, err := s.store.Follow(ctx, cust.ID, h.ID)
	if err != nil {
		return nil, false, err
	}
	return &BrandFollow{Handle: *h, State: f}, true, nil
}
