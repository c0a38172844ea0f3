package support

import (
	"context"
	"log/slog"
)

// Follow has the brand handle follow the customer on X: it records the
// pending follow and queues a follow command. X's answer arrives later
// (the follow event clears the pending action). The customer must have a
// Twitter handle. Asking again queues again: following on X is idempotent.
func (s *Service) Follow(ctx context.Context, customerID, handleID string) (*BrandFollow, error) {
	return s.changeFollow(ctx, customerID, handleID, ActionFollow)
}

// Unfollow is Follow the other way round.
func (s *Service) Unfollow(ctx context.Context, customerID, handleID string) (*BrandFollow, error) {
	return s.changeFollow(ctx, customerID, handleID, ActionUnfollow)
}

func (s *Service) changeFollow(ctx context.Context, customerID, handleID string, action FollowAction) (*BrandFollow, error) {
	cust, err := s.twitterCustomer(ctx, customerID)
	if err != nil {
		return nil, err
	}
	h, err := s.connectedHandle(ctx, handleID)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetFollowPending(ctx, cust.ID, h.ID, action, agentOf(ctx)); err != nil {
		return nil, err
	}
	now := s.clock()
	kind := CmdFollow
	if action == ActionUnfollow {
		kind = CmdUnfollow
	}
	cmd := Command{ID: NewID(now), Kind: kind, HandleID: h.ID, CustomerID: cust.ID, CreatedAt: now}
	if err := s.outbox.Enqueue(ctx, cmd); err != nil {
		if cerr := s.store.SetFollowPending(context.WithoutCancel(ctx), cust.ID, h.ID, "", Agent{}); cerr != nil {
			slog.ErrorContext(ctx, "pending follow left recorded after its command could not be queued",
				"customer_id", cust.ID, "handle_id", h.ID, "enqueue_err", err, "undo_err", cerr)
		}
		return nil, enqueueFailed(string(action), err)
	}
	f, err := s.store.Follow(ctx, cust.ID, h.ID)
	if err != nil {
		return nil, err
	}
	return &BrandFollow{Handle: *h, State: f}, nil
}
