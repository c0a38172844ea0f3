package casework

import (
	"context"
	"strings"

	"github.com/acme/twitter-cases/shared/twtext"
)

// NewCase asks for a Twitter case started by an agent.
type NewCase struct {
	CustomerID string
	// HandleID is the brand handle that sends the first Tweet; "" picks the
	// deployment's only brand handle (an error when there are several).
	HandleID string
	// Text is the first Tweet; it must mention the customer's handle.
	Text string
}

// CreateCase starts a Twitter case with a customer: it checks the text
// (Tweet rules), that the customer has a Twitter handle and is mentioned in
// the text, and that the brand handle is connected; then it writes the case
// (status open: an agent is working on it), its first message (out, tweet,
// queued, with its work) and queues the Tweet. DynamoDB calls: 3 (customer,
// case, message; brand handles cached).
func (s *Service) CreateCase(ctx context.Context, in NewCase) (*Case, *Message, error) {
	in.Text = CleanText(in.Text)
	var v validation
	if strings.TrimSpace(in.CustomerID) == "" {
		v.add("customer_id", "required", "Name the customer the case is with.")
	}
	if in.Text == "" {
		v.add("text", "required", "Write the case's first Tweet.")
	}
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	if _, err := s.judgeText(ModeMention, in.Text); err != nil {
		return nil, nil, err
	}
	cust, err := twitterCustomer(ctx, s.store, in.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	if !Mentions(in.Text, cust.Twitter.Handle) {
		return nil, nil, refusal("text", ECustomerNotMentioned,
			"A case's first Tweet must mention the customer: start it with @"+cust.Twitter.Handle+".")
	}
	h, err := s.sendingHandle(ctx, in.HandleID)
	if err != nil {
		return nil, nil, err
	}

	now := s.clock()
	c := &Case{
		ID: NewID(now), CustomerID: cust.ID, HandleID: h.ID, Channel: ChannelTweet, Status: CaseOpen, Account: cust.accountCopy(),
		CreatedAt: now, UpdatedAt: now, LastActivityAt: now, CustomerTweetKnown: true,
	}
	m := &Message{
		ID: NewID(now), CaseID: c.ID, Direction: DirectionOut, Kind: KindTweet, Text: in.Text, Status: StatusQueued,
		Author: Author{HandleID: h.ID, ScreenName: h.ScreenName}, SentBy: agentOf(ctx), CreatedAt: now,
		Price: s.pricing.PostPrice(in.Text, false),
	}
	if err := checkBudget(ctx, s.store, h, m.Price, now); err != nil {
		return nil, nil, err
	}
	c.NoteParties(cust, h)
	c.NoteMessage(m)
	cmd := Command{ID: m.ID, Kind: CmdTweet, HandleID: h.ID, CaseID: c.ID, MessageID: m.ID, CreatedAt: now}
	if _, err := s.dispatch(ctx, cmd, "message", func(ctx context.Context, w Work) (bool, error) {
		if err := s.store.PutCase(ctx, c); err != nil {
			return false, err
		}
		return true, s.store.QueueMessage(ctx, m, w)
	}, s.failUnqueued(m)); err != nil {
		return nil, nil, err
	}
	return c, m, nil
}

// sendingHandle returns the connected brand handle id names, or the only
// brand handle of the deployment when id is "".
func (s *Service) sendingHandle(ctx context.Context, id string) (*BrandHandle, error) {
	if id != "" {
		return connectedHandle(ctx, s.store, id)
	}
	all, err := s.store.ListHandles(ctx)
	if err != nil {
		return nil, err
	}
	switch len(all) {
	case 0:
		return nil, refusal("handle_id", EBrandHandleRequired, "No brand handle is registered yet.")
	case 1:
		if err := all[0].CanAct(); err != nil {
			return nil, err
		}
		return &all[0], nil
	}
	return nil, refusal("handle_id", EBrandHandleRequired, "There are several brand handles: choose the one that sends.")
}

// Mentions reports whether text @mentions handle (case-insensitively), by
// twitter-text's mention extraction.
func Mentions(text, handle string) bool {
	for _, name := range twtext.ExtractMentions(text) {
		if strings.EqualFold(name, handle) {
			return true
		}
	}
	return false
}
