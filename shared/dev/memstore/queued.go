package memstore

import (
	"context"
	"fmt"

	"github.com/acme/twitter-cases/shared/casework"
)

// QueueMessage puts the message and records w (the DynamoDB store writes
// both in one item; here a failed put records no work).
func (s *Store) QueueMessage(ctx context.Context, m *casework.Message, w casework.Work) error {
	if err := s.PutMessage(ctx, m); err != nil {
		return err
	}
	return s.PutWork(ctx, w)
}

// QueueRetweet records the Retweet and, when it is new, w.
func (s *Store) QueueRetweet(ctx context.Context, caseID, id string, rt casework.Retweet, w casework.Work) (bool, error) {
	added, err := s.AddRetweet(ctx, caseID, id, rt)
	if err != nil || !added {
		return false, err
	}
	return true, s.PutWork(ctx, w)
}

// QueueUnretweet forgets the Retweet and, when there was one, records w.
func (s *Store) QueueUnretweet(ctx context.Context, caseID, id, handleID string, w casework.Work) (bool, error) {
	removed, err := s.RemoveRetweet(ctx, caseID, id, handleID)
	if err != nil || !removed {
		return false, err
	}
	return true, s.PutWork(ctx, w)
}

// QueueFollow records the pending follow or unfollow and w, and returns
// the follow state.
func (s *Store) QueueFollow(ctx context.Context, customerID, handleID string, action casework.FollowAction, by casework.Agent, w casework.Work) (casework.FollowState, error) {
	if action == "" {
		return casework.FollowState{}, fmt.Errorf("memstore: queue follow of customer %s and brand handle %s: %w", customerID, handleID,
			invalid("action", "A follow action is follow or unfollow."))
	}
	if err := s.SetFollowPending(ctx, customerID, handleID, action, by); err != nil {
		return casework.FollowState{}, err
	}
	if err := s.PutWork(ctx, w); err != nil {
		return casework.FollowState{}, err
	}
	return s.Follow(ctx, customerID, handleID)
}
