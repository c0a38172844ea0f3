package casework

import (
	"context"
	"slices"
)

// Retweet has the brand handle Retweet a customer's Tweet in a case. The
// Retweet is recorded at once (AddRetweet, atomic), so the message shows it
// and a second request, even a concurrent one, changes nothing and queues
// nothing (queued false). The outbound worker removes the record if X
// refuses the Retweet. Only a customer's Tweet that is on X can be
// Retweeted (Message.Retweetable).
func (s *Service) Retweet(ctx context.Context, caseID, messageID, handleID string) (m *Message, queued bool, err error) {
	m, h, err := s.retweetable(ctx, caseID, messageID, handleID)
	if err != nil {
		return nil, false, err
	}
	now := s.clock()
	rt := Retweet{HandleID: h.ID, By: agentOf(ctx), At: now}
	cmd := Command{ID: NewID(now), Kind: CmdRetweet, HandleID: h.ID, CaseID: caseID, MessageID: messageID, CreatedAt: now}
	if m.RetweetedByHandle(h.ID) {
		return m, false, nil
	}
	if err := checkBudget(ctx, s.store, h, s.pricing.CommandPrice(CmdRetweet, "", false), now); err != nil {
		return nil, false, err
	}
	queued, err = s.dispatch(ctx, cmd, "Retweet", func(ctx context.Context, w Work) (bool, error) {
		return s.store.QueueRetweet(ctx, caseID, messageID, rt, w)
	}, func(ctx context.Context) error {
		_, err := s.store.RemoveRetweet(ctx, caseID, messageID, h.ID)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if !queued { // recorded meanwhile by another request
		m, err = s.store.GetMessage(ctx, caseID, messageID)
		return m, false, err
	}
	m.RetweetedBy = append(m.RetweetedBy, h.ID)
	m.Retweets = append(slices.DeleteFunc(m.Retweets, func(r Retweet) bool { return r.HandleID == h.ID }), rt)
	return m, true, nil
}

// Unretweet undoes a brand handle's Retweet: the record goes at once
// (RemoveRetweet, atomic) and an unretweet command is queued (queued
// true). With no Retweet recorded it answers from that state and queues
// nothing (queued false): a call to X that undoes nothing still spends its
// rate limit and its price. If queuing fails, the record is put back.
func (s *Service) Unretweet(ctx context.Context, caseID, messageID, handleID string) (m *Message, queued bool, err error) {
	m, h, err := s.retweetable(ctx, caseID, messageID, handleID)
	if err != nil {
		return nil, false, err
	}
	now := s.clock()
	cmd := Command{ID: NewID(now), Kind: CmdUnretweet, HandleID: h.ID, CaseID: caseID, MessageID: messageID, CreatedAt: now}
	queued, err = s.dispatch(ctx, cmd, "undoing of the Retweet", func(ctx context.Context, w Work) (bool, error) {
		return s.store.QueueUnretweet(ctx, caseID, messageID, h.ID, w)
	}, func(ctx context.Context) error {
		_, err := s.store.AddRetweet(ctx, caseID, messageID, Retweet{HandleID: h.ID, By: agentOf(ctx), At: now})
		return err
	})
	if err != nil {
		return nil, false, err
	}
	m.RetweetedBy = slices.DeleteFunc(m.RetweetedBy, func(id string) bool { return id == h.ID })
	m.Retweets = slices.DeleteFunc(m.Retweets, func(r Retweet) bool { return r.HandleID == h.ID })
	return m, queued, nil
}

// retweetable reads the message and the brand handle of a (un)Retweet and
// checks that the message can be Retweeted and the handle can act on X.
// DynamoDB calls: 2 GetItem (a missing case is a missing message).
func (s *Service) retweetable(ctx context.Context, caseID, messageID, handleID string) (*Message, *BrandHandle, error) {
	m, err := s.store.GetMessage(ctx, caseID, messageID)
	if err != nil {
		return nil, nil, err
	}
	if err := m.Retweetable(); err != nil {
		return nil, nil, err
	}
	h, err := connectedHandle(ctx, s.store, handleID)
	if err != nil {
		return nil, nil, err
	}
	return m, h, nil
}
