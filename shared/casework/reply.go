package casework

import (
	"cmp"
	"context"
	"slices"
)

// ModeOption is one way a brand handle can reply: its mode, its limit and
// the text the reply box starts with.
type ModeOption struct {
	Mode      TextMode
	MaxLength int
	Prefill   string
	// Reason says why a DM is offered (DMReason); "" for a mention.
	Reason DMReason
	// Permit says, for a mention, whether X allows it to the default
	// target (InReplyTo) on the deployment's access, and when not why;
	// unused for a DM, which is offered only where allowed.
	Permit MentionPermit
	// Price is what sending the prefill costs on X; PriceWithURL what a
	// mention costs once it holds a URL (X bills 13 times more).
	Price, PriceWithURL Price
}

// HandleOptions are the reply modes one brand handle offers.
type HandleOptions struct {
	Handle BrandHandle
	Modes  []ModeOption
	// DMUnavailable says why no Direct Message is offered although the
	// customer accepts the brand handle's DMs (they have no X Chat keys
	// yet); nil otherwise.
	DMUnavailable *ModeUnavailable
}

// ReplyOptions is everything the console needs to draw a case's reply box.
type ReplyOptions struct {
	// Handles are the connected brand handles, the case's own first.
	Handles []HandleOptions
	// InReplyTo is the Tweet a mention replies to unless the agent picks
	// another: the customer's latest Tweet in the case, else the brand's
	// latest (see Service.defaultTarget); nil when there is none.
	InReplyTo *Message
}

// ReplyOptions tells, for each connected brand handle, which modes a reply
// in the case may use: a mention always (the deployment's Tweet limit,
// prefilled with "@handle "), a Direct Message only where the customer
// accepts that brand handle's DMs (X's receives_your_dm, asked of X as the
// brand handle at most once per DMReachTTL; until X answers, a follow
// stands for it) or has written to it by DM (MaxDMLength, no prefill, and
// the reason). Every DM the product sends is an X Chat message (legacy DMs
// are retired, even before X's XChatCutover), so a customer X says has no
// X Chat keys cannot be sent one
// (X's API encrypts to the recipient's registered keys; X's
// MessageCreateEvent has an is_pending_public_key flag, but X documents no
// way for an API client to send to a user without keys, and X's engine
// always sets it false), so the DM is not offered and DMUnavailable says
// so (customer_has_no_chat_keys), until X lists their keys: the agent
// answers by mention meanwhile, rather than a DM waiting an unknown time.
func (s *Service) ReplyOptions(ctx context.Context, caseID string) (*ReplyOptions, error) {
	c, err := s.store.GetCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	cust, follows, err := activeCustomerFollows(ctx, s.store, c.CustomerID)
	if err != nil {
		return nil, err
	}
	acct, err := caseAccount(c, cust)
	if err != nil {
		return nil, err
	}
	handles, err := s.store.ListHandles(ctx)
	if err != nil {
		return nil, err
	}
	latest, err := s.defaultTarget(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	// The case's own brand handle first, then the others in store order.
	slices.SortStableFunc(handles, func(a, b BrandHandle) int {
		switch {
		case a.ID == c.HandleID && b.ID != c.HandleID:
			return -1
		case b.ID == c.HandleID && a.ID != c.HandleID:
			return 1
		}
		return 0
	})
	out := &ReplyOptions{Handles: []HandleOptions{}, InReplyTo: latest}
	for _, h := range handles {
		if h.Status != HandleConnected {
			continue
		}
		permit, err := s.mentionPermit(ctx, &h, latest)
		if err != nil {
			return nil, err
		}
		prefill := "@" + acct.Handle + " "
		ho := HandleOptions{Handle: h, Modes: []ModeOption{
			{Mode: ModeMention, MaxLength: s.tweetMax, Prefill: prefill, Permit: permit,
				Price: s.pricing.PostPrice(prefill, permit.Summoned), PriceWithURL: s.pricing.price(PricePostURL)},
		}}
		f := FollowState{CustomerID: cust.ID, HandleID: h.ID}
		if i := slices.IndexFunc(follows, func(f FollowState) bool { return f.HandleID == h.ID }); i >= 0 {
			f = follows[i]
		}
		f = s.reach(ctx, f, &h, acct.XUserID)
		switch {
		case !f.AllowsDM():
		case f.Reach != nil && !f.Reach.ChatKeys:
			ho.DMUnavailable = &ModeUnavailable{Code: ECustomerHasNoChatKeys, Detail: "@" + acct.Handle +
				" has not set up X Chat yet (no encryption keys on X), so no Direct Message can be encrypted to them; a DM is offered once X lists their keys. Reply by mention meanwhile."}
		default:
			ho.Modes = append(ho.Modes, ModeOption{Mode: ModeDM, MaxLength: MaxDMLength, Reason: f.DMReason()})
		}
		for i := range ho.Modes {
			if ho.Modes[i].Mode == ModeDM {
				ho.Modes[i].Price = s.pricing.price(PriceDM)
			}
		}
		out.Handles = append(out.Handles, ho)
	}
	return out, nil
}

// ReplyRequest asks for a reply in a case.
type ReplyRequest struct {
	CaseID string
	Mode   TextMode
	// HandleID is the brand handle that replies; "" means the case's own.
	HandleID string
	Text     string
	// InReplyToMessageID picks the Tweet of the case a mention replies to;
	// "" means the customer's latest Tweet in the case. Not for DMs.
	InReplyToMessageID string
}

// Reply queues a reply in a case. A mention is a Tweet in reply to the
// customer's latest Tweet in the case, else (a case an agent started) to
// the brand's latest Tweet in it, or to the Tweet the agent picked (which
// must be a Tweet of the case that is on X). When the case has no Tweet on
// X to reply to, the mention is a new Tweet; then, and when it replies to
// the brand's own Tweet, it must mention the customer, or it reaches no one.
// A Direct Message is allowed only when the customer follows the brand
// handle or has written to it by DM, up to MaxDMLength characters. Text is judged before
// anything is written. The case's activity moves to now (and a new case
// becomes open); then the message is written queued and its command queued.
func (s *Service) Reply(ctx context.Context, in ReplyRequest) (*Message, error) {
	in.Text = CleanText(in.Text)
	if err := s.checkReply(in); err != nil {
		return nil, err
	}
	p, err := s.replyParties(ctx, in)
	if err != nil {
		return nil, err
	}
	m, cmd, err := s.draftReply(ctx, in, p)
	if err != nil {
		return nil, err
	}
	if err := checkBudget(ctx, s.store, p.h, m.Price, m.CreatedAt); err != nil {
		return nil, err
	}
	if err := s.queueReply(ctx, p, m, cmd); err != nil {
		return nil, err
	}
	return m, nil
}

// replyParties are the case a reply goes to, its customer and the brand
// handle that replies.
type replyParties struct {
	c    *Case
	cust *Customer
	// acct is the X account the case talks to (Case.Account, else the
	// customer's own).
	acct *TwitterAccount
	h    *BrandHandle
}

// checkReply judges what a reply request says by itself, before anything
// is read: its mode, that a DM replies to no Tweet, and its text.
// Every malformed member is named at once (issue 14 item 7): a missing
// text is required (400), as for a new case; text the rules refuse (white
// space only, too long) is judged once the request is well-formed (422).
func (s *Service) checkReply(in ReplyRequest) error {
	var v validation
	switch {
	case !in.Mode.Valid():
		v.add("mode", "invalid", "A reply's mode is mention or dm.")
	case in.Mode == ModeDM && in.InReplyToMessageID != "":
		v.add("in_reply_to_message_id", "invalid", "A Direct Message does not reply to a Tweet.")
	}
	if in.Text == "" {
		v.add("text", "required", "Write the reply.")
	}
	if err := v.err(); err != nil {
		return err
	}
	_, err := s.judgeText(in.Mode, in.Text)
	return err
}

// replyParties reads the case, its customer and the X account the case
// talks to (caseCustomer) and the replying brand handle (the case's own unless the request
// names one; it must be connected).
func (s *Service) replyParties(ctx context.Context, in ReplyRequest) (replyParties, error) {
	var p replyParties
	var err error
	if p.c, err = s.store.GetCase(ctx, in.CaseID); err != nil {
		return p, err
	}
	if p.cust, p.acct, err = s.caseCustomer(ctx, p.c); err != nil {
		return p, err
	}
	handleID := cmp.Or(in.HandleID, p.c.HandleID)
	p.h, err = connectedHandle(ctx, s.store, handleID)
	return p, err
}

// draftReply makes the reply's message (queued) and command: a DM when the
// customer allows one, else a mention replying to its target Tweet (the
// customer's latest, else the brand's latest: defaultTarget), or a new
// Tweet; a new Tweet, or a reply under the brand's own, must mention the
// customer, or it reaches no one.
func (s *Service) draftReply(ctx context.Context, in ReplyRequest, p replyParties) (*Message, Command, error) {
	now := s.clock()
	m := &Message{
		ID: NewID(now), CaseID: p.c.ID, Direction: DirectionOut, Kind: KindTweet, Text: in.Text, Status: StatusQueued,
		Author: Author{HandleID: p.h.ID, ScreenName: p.h.ScreenName}, SentBy: agentOf(ctx), CreatedAt: now,
	}
	cmd := Command{ID: m.ID, Kind: CmdTweet, HandleID: p.h.ID, CaseID: p.c.ID, MessageID: m.ID, CreatedAt: now}
	switch in.Mode {
	case ModeDM:
		if err := s.dmAllowed(ctx, p.cust, p.acct, p.h); err != nil {
			return nil, cmd, err
		}
		m.Price = s.pricing.price(PriceDM)
		m.Kind, cmd.Kind, cmd.CustomerID = KindDM, CmdDM, p.cust.ID
	case ModeMention:
		target, err := s.replyTarget(ctx, p.c, in.InReplyToMessageID)
		if err != nil {
			return nil, cmd, err
		}
		switch {
		case target == nil && !Mentions(in.Text, p.acct.Handle):
			return nil, cmd, refusal("text", ECustomerNotMentioned,
				"The case has no Tweet on X to reply to yet, so the Tweet must mention the customer: start it with @"+p.acct.Handle+".")
		case target != nil && target.Direction != DirectionIn && !Mentions(in.Text, p.acct.Handle):
			return nil, cmd, refusal("text", ECustomerNotMentioned,
				"A reply under the brand's own Tweet reaches the customer only if it mentions them: start it with @"+p.acct.Handle+".")
		}
		permit, err := s.mentionPermit(ctx, p.h, target)
		if err != nil {
			return nil, cmd, err
		}
		if !permit.Allowed {
			return nil, cmd, s.notSummoned(permit)
		}
		m.Price = s.pricing.PostPrice(in.Text, permit.Summoned)
		if target != nil {
			m.InReplyToMessageID, m.InReplyToXID = target.ID, target.XID
		}
	}
	return m, cmd, nil
}

// dmAllowed is the DM rule: the customer follows the brand handle or has
// written to it by Direct Message; otherwise EDMNotAllowed.
func (s *Service) dmAllowed(ctx context.Context, cust *Customer, acct *TwitterAccount, h *BrandHandle) error {
	f, err := s.store.Follow(ctx, cust.ID, h.ID)
	if err != nil {
		return err
	}
	if !f.AllowsDM() {
		return Errorf(EDMNotAllowed, "@%s does not follow @%s and has not written to it by Direct Message, so @%s cannot send them one; reply by mention.",
			acct.Handle, h.ScreenName, h.ScreenName)
	}
	return nil
}

// queueReply moves the case's activity to the reply (a new case becomes
// open, the inbox row shows the reply), then writes the message and
// queues its command (Service.dispatch).
func (s *Service) queueReply(ctx context.Context, p replyParties, m *Message, cmd Command) error {
	if err := s.noteReply(ctx, p, m); err != nil {
		return err
	}
	_, err := s.dispatch(ctx, cmd, "message", func(ctx context.Context, w Work) (bool, error) {
		return true, s.store.QueueMessage(ctx, m, w)
	}, s.failUnqueued(m))
	return err
}

// noteReply moves the case's activity and inbox row to the reply m without
// contending with other replies to the case (issue 21 item 6: 50 agents
// replying at once got 36 conflicts from versioned writes of the case).
// Usually that is one unversioned write (CaseStore.NoteCaseActivity),
// which concurrent replies cannot make fail. Only a case that is new (the
// first reply opens it) or shows other names for its parties is written
// on its version, read again on a conflict: once another reply has opened
// it, the rest take the unversioned write.
func (s *Service) noteReply(ctx context.Context, p replyParties, m *Message) error {
	activityOnly := false
	change := func(c *Case) (bool, error) {
		probe := *c
		if c.Status != CaseNew && !probe.NoteParties(p.cust, p.h) {
			activityOnly = true
			return false, nil
		}
		activityOnly = false
		if c.Status == CaseNew {
			c.Status = CaseOpen
		}
		c.Touch(m.CreatedAt)
		c.NoteParties(p.cust, p.h)
		c.NoteMessage(m)
		return true, nil
	}
	if _, err := UpdateCase(ctx, s.store, p.c, change); err != nil || !activityOnly {
		return err
	}
	last := LastMessage{ID: m.ID, Direction: m.Direction, Kind: m.Kind, FirstLine: FirstLine(m.Text), CreatedAt: m.CreatedAt}
	_, err := s.store.NoteCaseActivity(ctx, p.c.ID, last)
	return err
}

// replyTarget returns the Tweet a mention replies to: the one picked (it
// must be a Tweet of the case that is on X), else the default target (see
// defaultTarget; the case's CustomerTweet when it is known, with no read),
// or nil when there is none.
func (s *Service) replyTarget(ctx context.Context, c *Case, pickedID string) (*Message, error) {
	caseID := c.ID
	if pickedID == "" {
		if c.CustomerTweetKnown && c.CustomerTweet != nil {
			return &Message{ID: c.CustomerTweet.MessageID, CaseID: c.ID, Direction: DirectionIn, Kind: KindTweet,
				XID: c.CustomerTweet.XID, Status: StatusReceived}, nil
		}
		return s.defaultTarget(ctx, caseID)
	}
	if !ValidID(pickedID) {
		return nil, refusal("in_reply_to_message_id", ENotFound, "The case has no such message.")
	}
	m, err := s.store.GetMessage(ctx, caseID, pickedID)
	if ErrorCode(err) == ENotFound {
		return nil, refusal("in_reply_to_message_id", ENotFound, "The case has no message "+pickedID+".")
	}
	if err != nil {
		return nil, err
	}
	if !m.onX() {
		return nil, refusal("in_reply_to_message_id", EInvalidReplyTarget, "A mention can only reply to a Tweet of the case that is on X.")
	}
	return m, nil
}

// defaultTarget returns the Tweet a mention replies to unless the agent
// picks another: the customer's latest Tweet in the case that is on X; in
// a case with none yet (one an agent started), the latest of the brand's
// own Tweets in the case that is on X, so the follow-up is threaded under
// the conversation instead of standing alone; nil when there is neither
// (the first Tweet not on X yet). It reads the case's messages newest
// first, so it usually stops at the first page however long the case.
func (s *Service) defaultTarget(ctx context.Context, caseID string) (*Message, error) {
	var brand *Message
	page := PageRequest{Limit: 20}
	for {
		p, err := s.store.RecentMessagesOfCase(ctx, caseID, page)
		if err != nil {
			return nil, err
		}
		for i := range p.Items {
			m := &p.Items[i]
			if !m.onX() {
				continue
			}
			if m.Direction == DirectionIn {
				return m, nil
			}
			if brand == nil {
				brand = m
			}
		}
		if p.NextCursor == "" {
			return brand, nil
		}
		page.Cursor, page.Limit = p.NextCursor, MaxPageLimit
	}
}

// caseCustomer reads the case's customer and the X account the case talks
// to: the one it is bound to (see Case.Account), else the customer's
// current one; a case with neither is ECustomerHasNoTwitterHandle.
func (s *Service) caseCustomer(ctx context.Context, c *Case) (*Customer, *TwitterAccount, error) {
	cust, err := s.customer(ctx, c.CustomerID)
	if err != nil {
		return nil, nil, err
	}
	acct, err := caseAccount(c, cust)
	if err != nil {
		return nil, nil, err
	}
	return cust, acct, nil
}

// caseAccount is the X account case c talks to: the one it is bound to
// (see Case.Account), else its customer cust's current one; a case with
// neither is ECustomerHasNoTwitterHandle.
func caseAccount(c *Case, cust *Customer) (*TwitterAccount, error) {
	acct := c.Account
	if acct == nil || acct.Handle == "" || acct.XUserID == "" {
		if err := checkTwitter(cust); err != nil {
			return nil, err
		}
		acct = cust.Twitter
	}
	return acct, nil
}
