package casework

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/acme/twitter-cases/shared/twtext"
)

// EventRetention is how long the record of an applied X event (and of a
// deletion that arrived before its Tweet) is kept: far longer than X retries
// a delivery.
const EventRetention = 7 * 24 * time.Hour

// Inbound applies what arrives from X to cases, customers, brand handles and
// follow state: the rules of PRODUCT.md's "What arrives from X".
//
// Every event is applied exactly once in effect: each step is idempotent on
// its own (ids derived from X's ids, conditional writes), so a redelivery or
// a crash half-way changes nothing the second time, and a processed-event
// record skips repeats cheaply. Decisions where X's behaviour leaves a choice:
//   - Arrival order does not split a customer's thread. A Tweet that
//     replies to (or quotes) a Tweet of one of the customer's cases joins
//     that case; any other starts or joins the case of its conversation
//     for its customer, whose id is derived from the two alone
//     (ThreadCaseID: X's conversation_id, the thread's first Post), so a
//     reply delivered before its parent, and the parent after it, meet in
//     one case as two copies of one event would: the second finds the
//     case the first wrote. A reply whose parent is unknown joins the case
//     holding the conversation's first Post when there is one (a thread
//     an agent started). Nothing is merged afterwards and no write
//     depends on another, so a crash between steps leaves what a retry
//     completes. What may still split: a Post that arrives after its
//     replies and itself joins an older case (it replies to a Tweet of a
//     case that is not the conversation's first), and, in the Account
//     Activity format (no conversation_id), threads over three levels
//     delivered in reverse.
//   - A reply to a Tweet of a case joins that case only if its author is the
//     case's customer; anyone else's reply starts a case of their own.
//   - Retweets are not recorded; a quote Tweet is treated like a reply to
//     the quoted Tweet (it joins that Tweet's case, or starts one).
//   - A Direct Message joins the customer's DM case with the brand handle
//     unless that case is closed (a resolved one reopens); after a closed
//     one it starts a new case.
//   - An event is read whole before any rule decides on it: a customer X
//     delivered without a screen name (a Post without includes.users),
//     and whom no customer with a handle has yet, is asked of X as the
//     brand handle (see completeParty, with WithX); while X cannot answer
//     the event is retried, never half-applied. A Post or DM without its
//     time is dated by its snowflake id (package activity).
//   - X users unknown to us become customers when they Tweet at, DM, follow
//     or are followed by a brand handle (a follow is what later allows DMs);
//     a known customer whose screen name changed on X gets the new handle
//     (the old one kept as a previous handle). Screen names are taken as X
//     sends them (older accounts have up to 20 characters); one X cannot
//     give leaves the customer without a handle rather than the event lost.
//   - X user ids are the identity: a screen name X has passed on to another
//     account makes a customer of its own, and the customer who held it
//     gives it up (see putCustomerFromX).
//   - No brand handle is ever a customer. A Tweet or DM by any registered
//     brand handle (not only the one a copy was delivered for) only
//     confirms an outgoing message (it becomes sent); one that matches no
//     message is left alone. Follows between brand handles are ignored.
//   - X delivers a copy of an event per brand handle it concerns, under one
//     event id; the result never depends on which copy comes first. A
//     customer's Tweet addressing several brand handles makes one case, not
//     one per brand handle: it joins the case of the Tweet it replies to,
//     else starts a case with the brand handle it replies to, else the
//     first brand handle it mentions (see addressedBrand). Agents may
//     answer it from any brand handle.
//   - A deletion records a tombstone (on the record of the Tweet's event)
//     before it looks for the Tweet's message, and a Tweet looks for the
//     tombstone before it writes its message and again, in the same step,
//     when it marks its event applied, so a deleted Tweet's text is gone
//     whatever the interleaving; a deletion that arrives first keeps the
//     Tweet out.
//   - Favorites are recorded on a message of a case, by brand handle id or
//     customer id; others are ignored.
//   - A brand handle's change of @handle (X Activity only) renames it.
//   - Follow state is the last one X knows, whatever order events come
//     in. X Activity's follows and unfollows carry no time (they are dated
//     by when the webhook received them): one that agrees with what is
//     recorded is recorded as it is, and one that would change it (a
//     real change, or a late or replayed event) is checked with X first
//     (see settleFollow: one user read as the brand handle), and X's
//     answer is recorded, dated by the answer, so no event received
//     before it can undo it. Account Activity's follows carry X's time
//     and are ordered by it. Should the state still be wrong, a DM X
//     refuses for lack of a follow corrects it (the outbound worker).
//   - Handle changes carry no time either: the last received wins.
//   - Events carry the same ids in both of X's formats (the Tweet's or
//     DM's id), so a Tweet delivered as AAA and as XAA, or as a mention and
//     a reply, or replayed, is applied once.
type Inbound struct {
	store Store
	x     XPeople // nil: nothing is asked of X
	now   func() time.Time
	log   *slog.Logger
	chat  ChatDeps // X Chat events (inbound_chat.go)
}

// NewInbound returns an Inbound writing to store; now and log may be nil.
func NewInbound(store Store, now func() time.Time, log *slog.Logger) *Inbound {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Inbound{store: store, now: now, log: log}
}

// Apply applies one event. An error means it should be tried again later.
//
// It starts with one recall of the store (the event's record, and the
// message and customer the event names) and ends by marking the event
// processed, which for a Tweet also says whether its deletion was
// recorded meanwhile.
func (in *Inbound) Apply(ctx context.Context, ev Event) error {
	brand, err := in.brandFor(ctx, ev)
	if err != nil {
		return fmt.Errorf("inbound: %s: %w", ev.ID, err)
	}
	brands, err := in.brandsOf(ctx)
	if err != nil {
		return fmt.Errorf("inbound: %s: %w", ev.ID, err)
	}
	if err := in.completeAuthor(ctx, brand, ev); skipRule(err) != "" {
		if _, err := in.store.MarkEventProcessed(ctx, TweetEventID(ev.Tweet.ID), in.now().Add(EventRetention)); err != nil {
			return fmt.Errorf("inbound: mark %s applied: %w", ev.ID, err)
		}
		in.logSkip(ctx, ev, brand, skipRule(err))
		return nil
	} else if err != nil {
		return wrapEvent(ev, err)
	}
	id := ev.ID
	if ev.Type == EventTweet && ev.Tweet != nil {
		id = TweetEventID(ev.Tweet.ID) // the record its deletion marks too
	}
	rec, err := in.store.RecallEvent(ctx, recallOf(id, ev, brands))
	if err != nil {
		return fmt.Errorf("inbound: %s: %w", ev.ID, err)
	}
	if rec.Event.Processed {
		in.log.DebugContext(ctx, "event already applied", "event", ev.ID)
		if ev.Type == EventTweet && rec.Event.Deleted {
			// Its deletion was recorded: make sure the text is gone, in
			// case removing it failed after the event was marked.
			err = in.removeDeletedText(ctx, ev.Tweet.ID, in.now())
		}
		return wrapEvent(ev, err)
	}
	if err := in.completeParty(ctx, brand, brands, ev, rec); err != nil {
		return wrapEvent(ev, err)
	}
	var written *Message // a Tweet's message, to honour a later deletion
	switch ev.Type {
	case EventTweet:
		written, err = in.applyTweet(ctx, brand, brands, ev.Tweet, rec)
	case EventDM:
		err = in.applyDM(ctx, brands, ev.DM, rec)
	case EventFollow, EventUnfollow:
		err = in.applyFollow(ctx, brands, ev.Follow, ev.Type == EventFollow, ev.At, rec)
	case EventTweetDelete:
		err = in.applyDelete(ctx, ev.Delete, ev.At)
	case EventFavorite:
		err = in.applyFavorite(ctx, ev.Favorite)
	case EventRevoke:
		err = in.applyRevoke(ctx, brand)
	case EventHandleRename:
		err = in.applyRename(ctx, brand, ev.Rename)
	case EventChat:
		err = in.applyChat(ctx, brand, brands, ev.Chat, rec)
	default:
		err = skip(SkipTypeUnhandled)
	}
	rule := skipRule(err)
	if rule != "" {
		err = nil
	}
	if err != nil {
		return wrapEvent(ev, err)
	}
	before, err := in.store.MarkEventProcessed(ctx, id, in.now().Add(EventRetention))
	if err != nil {
		return fmt.Errorf("inbound: mark %s applied: %w", ev.ID, err)
	}
	in.countDelivery(ctx, brand, brands, ev)
	// A deletion recorded after the recall and before this mark found no
	// message, or found it before its text was written: remove it now.
	// (One recorded after this mark finds the message itself.)
	if written != nil && before.Deleted && !written.Deleted {
		if err := in.markDeleted(ctx, written, in.now()); err != nil {
			return wrapEvent(ev, err)
		}
	}
	if rule != "" {
		in.logSkip(ctx, ev, brand, rule)
		return nil
	}
	in.log.InfoContext(ctx, "event applied", "event", ev.ID, "type", ev.Type, "brand", brand.ScreenName)
	return nil
}

func wrapEvent(ev Event, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("inbound: %s: %w", ev.ID, err)
}

// recallOf is what applying ev asks the store first: its record (id), the
// message of its Tweet or DM, and the customer among its parties.
func recallOf(id string, ev Event, brands brands) Recall {
	r := Recall{EventID: id}
	customer := func(a XAccount) {
		if brands.of(a.ID) == nil {
			r.XUserID = a.ID
		}
	}
	switch {
	case ev.Type == EventTweet && ev.Tweet != nil:
		r.MessageKind, r.MessageXID = KindTweet, ev.Tweet.ID
		customer(ev.Tweet.Author)
	case ev.Type == EventDM && ev.DM != nil:
		r.MessageKind, r.MessageXID = KindDM, ev.DM.ID
		customer(ev.DM.Sender)
	case (ev.Type == EventFollow || ev.Type == EventUnfollow) && ev.Follow != nil:
		customer(ev.Follow.Source)
		if r.XUserID == "" {
			customer(ev.Follow.Target)
		}
	case ev.Type == EventChat && ev.Chat != nil:
		chatRecall(&r, ev.Chat, brands)
	}
	return r
}

// TweetEventID is the id of the event that brings the Tweet with X id
// tweetID, in either of X's formats; the record of that event also holds
// the Tweet's tombstone.
func TweetEventID(tweetID string) string { return "tweet:" + tweetID }

// brandFor finds the subscribed brand handle the event was delivered for.
// An unknown one is an error: the subscription and the deployment disagree,
// and the message must end in the dead-letter queue, not vanish.
func (in *Inbound) brandFor(ctx context.Context, ev Event) (*BrandHandle, error) {
	h, err := in.store.HandleByXUserID(ctx, ev.ForUserID)
	if ErrorCode(err) == ENotFound {
		return nil, fmt.Errorf("no brand handle has X user id %q: %w", ev.ForUserID, err)
	}
	return h, err
}

// applyTweet threads a customer's Tweet into a case and returns its
// message (nil when it makes none). The message is written before its
// case is told of it (a new case is written once, with the message on its
// summary), so a crash in between leaves a message that the redelivery
// finds (rec.Message) and completes.
func (in *Inbound) applyTweet(ctx context.Context, brand *BrandHandle, brands brands, tw *Tweet, rec Recalled) (*Message, error) {
	if brands.of(tw.Author.ID) != nil {
		return nil, in.confirmOutgoing(ctx, KindTweet, tw.ID, tw.CreatedAt)
	}
	if tw.RetweetOfID != "" {
		return nil, skip(SkipRetweet)
	}
	parentXID := tw.InReplyToID
	if parentXID == "" {
		parentXID = tw.QuotedID
	}
	addressed := brands.addressedBrand(tw, brand)
	if addressed == nil {
		return nil, skip(SkipNotAddressed)
	}
	if rec.Message != nil {
		return rec.Message, in.completeTweet(ctx, rec.Message, tw, addressed, rec)
	}
	if len(tw.EditOf) > 0 {
		// An edited Post is a new Post naming its history: the message of
		// an earlier version shows it, never a second message or case.
		if m, err := in.applyEdit(ctx, tw); m != nil || err != nil {
			return m, err
		}
	}
	if rec.Event.Deleted {
		return nil, skip(SkipDeletedFirst) // keep it out
	}
	cust, err := in.customerFor(ctx, tw.Author, rec, true)
	if err != nil {
		return nil, err
	}
	var c *Case
	var parent *Message
	parentUnknown := false
	if parentXID != "" {
		parent, err = in.store.MessageByXID(ctx, KindTweet, parentXID)
		if err != nil && ErrorCode(err) != ENotFound {
			return nil, err
		}
		parentUnknown = parent == nil
		if parent != nil {
			pc, err := in.store.GetCase(ctx, parent.CaseID)
			if err != nil && ErrorCode(err) != ENotFound {
				return nil, err
			}
			if pc != nil && pc.CustomerID == cust.ID {
				c = pc
			} else {
				parent = nil
			}
		}
	}
	var caseID string
	if c == nil {
		if c, caseID, err = in.threadCase(ctx, tw, cust, parentUnknown); err != nil {
			return nil, err
		}
	}
	if c != nil {
		caseID = c.ID
	}
	m := &Message{
		ID: DerivedID(tw.CreatedAt, "msg:tweet:"+tw.ID), CaseID: caseID, Direction: DirectionIn, Kind: KindTweet,
		Text: CleanText(tw.Text), Status: StatusReceived, XID: tw.ID, InReplyToXID: parentXID, QuotedXID: tw.QuotedID,
		Author: Author{CustomerID: cust.ID, ScreenName: tw.Author.ScreenName}, CreatedAt: tw.CreatedAt,
	}
	m.URLs, m.Media = slices.Clone(tw.URLs), slices.Clone(tw.Media)
	if parent != nil {
		m.InReplyToMessageID = parent.ID
	}
	if err := in.store.PutMessage(ctx, m); ErrorCode(err) == EConflict {
		// Written already: by a copy of this event applied at the same
		// moment, maybe into another case. Complete that one.
		known, err := in.store.MessageByXID(ctx, KindTweet, tw.ID)
		if err != nil {
			return nil, err
		}
		return known, in.completeTweet(ctx, known, tw, addressed, rec)
	} else if err != nil {
		return nil, err
	}
	from := xAccountOf(tw.Author)
	if c != nil {
		return m, in.noteOnCase(ctx, c, m, cust, addressed, from)
	}
	now := in.now()
	c = &Case{ID: caseID, CustomerID: cust.ID, HandleID: addressed.ID, Channel: ChannelTweet, Status: CaseNew,
		CreatedAt: now, UpdatedAt: now, LastActivityAt: tw.CreatedAt, CustomerTweetKnown: true}
	in.note(c, m, cust, addressed, from)
	if err := in.store.PutCase(ctx, c); ErrorCode(err) == EConflict {
		// Another copy of this event created it: note the message there.
		if c, err = in.store.GetCase(ctx, caseID); err != nil {
			return nil, err
		}
		return m, in.noteOnCase(ctx, c, m, cust, addressed, from)
	} else if err != nil {
		return nil, err
	}
	return m, nil
}

// threadRoot is the X id of the conversation a customer's Tweet belongs
// to: X's conversation_id (the id of the thread's first Post); without it
// (Account Activity), the Tweet it replies to when that is the author's
// own, else the Tweet itself.
func threadRoot(tw *Tweet) string {
	switch {
	case tw.ConversationID != "":
		return tw.ConversationID
	case tw.InReplyToID != "" && tw.InReplyToUserID != "" && tw.InReplyToUserID == tw.Author.ID:
		return tw.InReplyToID
	}
	return tw.ID
}

// ThreadCaseID is the id of the case a customer's Tweets in the
// conversation rootXID start: derived from the conversation and the
// customer alone (its time from the root's snowflake id), so every Tweet
// of theirs in it, arriving in any order, starts or finds the same case.
func ThreadCaseID(rootXID, customerID string) string {
	at, ok := SnowflakeTime(rootXID)
	if !ok {
		at = time.UnixMilli(0)
	}
	return DerivedID(at, "case:thread:"+rootXID+":"+customerID)
}

// SnowflakeTime is the creation time in an X snowflake id (every id since
// November 2010: milliseconds since X's epoch above bit 22).
func SnowflakeTime(id string) (time.Time, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n>>22 == 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(n>>22) + 1288834974657).UTC(), true
}

// threadCase is the case a customer's Tweet tw joins when no case of
// theirs holds the Tweet it replies to (nil when it starts one), and the
// id of the case it starts: the case of its conversation for the
// customer (ThreadCaseID), which the conversation's other Tweets of theirs
// start or join under the same id whatever their order. A Tweet whose
// parent is not known yet (parentUnknown) first looks for the
// conversation's first Post: when a case of the customer holds it (a
// conversation an agent started from the console), it joins that case.
func (in *Inbound) threadCase(ctx context.Context, tw *Tweet, cust *Customer, parentUnknown bool) (*Case, string, error) {
	root := threadRoot(tw)
	if parentUnknown && root != tw.ID && root != tw.InReplyToID && root != tw.QuotedID {
		m, err := in.store.MessageByXID(ctx, KindTweet, root)
		if err != nil && ErrorCode(err) != ENotFound {
			return nil, "", err
		}
		if m != nil {
			c, err := in.store.GetCase(ctx, m.CaseID)
			if err != nil && ErrorCode(err) != ENotFound {
				return nil, "", err
			}
			if c != nil && c.CustomerID == cust.ID {
				return c, c.ID, nil
			}
		}
	}
	return nil, ThreadCaseID(root, cust.ID), nil
}

// completeTweet finishes a Tweet whose message was written by an earlier
// attempt or a concurrent copy: its case is made (when the attempt
// stopped before) or told of the message.
func (in *Inbound) completeTweet(ctx context.Context, m *Message, tw *Tweet, addressed *BrandHandle, rec Recalled) error {
	cust, err := in.customerFor(ctx, tw.Author, rec, rec.Customer != nil)
	if err != nil {
		return err
	}
	from := xAccountOf(tw.Author)
	c, err := in.store.GetCase(ctx, m.CaseID)
	if ErrorCode(err) == ENotFound && m.Author.CustomerID != "" {
		now := in.now()
		c = &Case{ID: m.CaseID, CustomerID: m.Author.CustomerID, HandleID: addressed.ID, Channel: ChannelTweet, Status: CaseNew,
			CreatedAt: now, UpdatedAt: now, LastActivityAt: m.CreatedAt}
		in.note(c, m, cust, addressed, from)
		if err = in.store.PutCase(ctx, c); ErrorCode(err) != EConflict {
			return err
		}
		c, err = in.store.GetCase(ctx, m.CaseID)
	}
	if err != nil {
		return err
	}
	return in.noteOnCase(ctx, c, m, cust, addressed, from)
}

func (in *Inbound) applyDM(ctx context.Context, brands brands, dm *DM, rec Recalled) error {
	if brands.of(dm.Sender.ID) != nil {
		return in.confirmOutgoing(ctx, KindDM, dm.ID, dm.CreatedAt)
	}
	brand := brands.of(dm.Recipient.ID)
	if brand == nil {
		return skip(SkipDMNotToBrand)
	}
	cust, err := in.customerFor(ctx, dm.Sender, rec, true)
	if err != nil {
		return err
	}
	if known := rec.Message; known != nil {
		// Written by an earlier attempt (its case was found or made
		// first): make sure the case was told of it.
		c, err := in.store.GetCase(ctx, known.CaseID)
		if err != nil {
			return err
		}
		return in.noteOnCase(ctx, c, known, cust, brand, xAccountOf(dm.Sender))
	}
	c, err := in.dmCase(ctx, cust.ID, brand.ID, dm)
	if err != nil {
		return err
	}
	// The customer started (or continued) a conversation, which the brand
	// handle may now answer by DM whether or not they follow it.
	if err := in.store.SetCustomerWroteByDM(ctx, cust.ID, brand.ID, dm.CreatedAt); err != nil {
		return err
	}
	m := &Message{
		ID: DerivedID(dm.CreatedAt, "msg:dm:"+dm.ID), CaseID: c.ID, Direction: DirectionIn, Kind: KindDM,
		Text: CleanText(dm.Text), Status: StatusReceived, XID: dm.ID,
		Author: Author{CustomerID: cust.ID, ScreenName: dm.Sender.ScreenName}, CreatedAt: dm.CreatedAt,
	}
	if err := in.store.PutMessage(ctx, m); err != nil && ErrorCode(err) != EConflict {
		return err
	}
	return in.noteOnCase(ctx, c, m, cust, brand, xAccountOf(dm.Sender))
}

// dmCase returns the case a customer's DM to the brand handle joins,
// starting one when there is none or the last one is closed. The case is
// written before the pointer to it; a case that loses the race for the
// pointer is removed again while it is still empty.
func (in *Inbound) dmCase(ctx context.Context, customerID, handleID string, dm *DM) (*Case, error) {
	for attempt := 0; attempt < 5; attempt++ {
		current, err := in.store.DMCase(ctx, customerID, handleID)
		if err != nil && ErrorCode(err) != ENotFound {
			return nil, err
		}
		if current != nil && current.Status != CaseClosed && current.TalksTo(dm.Sender.ID) {
			return current, nil
		}
		prev := ""
		if current != nil {
			prev = current.ID
		}
		c, err := in.createCase(ctx, DerivedID(dm.CreatedAt, "case:dm:"+dm.ID), customerID, handleID, ChannelDM, dm.CreatedAt)
		if err != nil {
			return nil, err
		}
		err = in.store.SetDMCase(ctx, customerID, handleID, c.ID, prev)
		if err == nil {
			return c, nil
		}
		if ErrorCode(err) != EConflict {
			return nil, err
		}
		// The pointer moved. If it moved to this very case (the same DM being
		// applied twice at once), join it; otherwise another DM won: drop our
		// case while it is still untouched, and look again.
		winner, err := in.store.DMCase(ctx, customerID, handleID)
		if err != nil && ErrorCode(err) != ENotFound {
			return nil, err
		}
		if winner != nil && winner.ID == c.ID {
			return winner, nil
		}
		if err := in.store.DeleteCase(ctx, c.ID, c.Version); err != nil && ErrorCode(err) != EConflict {
			return nil, err
		}
	}
	return nil, Errorf(EConflict, "The DM case of customer %s kept changing.", customerID)
}

func (in *Inbound) applyFollow(ctx context.Context, brands brands, f *FollowEvent, follows bool, at time.Time, rec Recalled) error {
	source, target := brands.of(f.Source.ID), brands.of(f.Target.ID)
	switch {
	case target != nil && source == nil:
		cust, err := in.customerFor(ctx, f.Source, rec, f.Source.ID != "")
		if err != nil {
			return err
		}
		follows, at, err = in.settleFollow(ctx, target, cust.ID, f, follows, at,
			func(s FollowState) bool { return s.CustomerFollowsBrand }, func(x XUserState) bool { return x.FollowsBrand })
		if err != nil {
			return err
		}
		_, err = in.store.SetCustomerFollowsBrand(ctx, cust.ID, target.ID, follows, at)
		return err
	case source != nil && target == nil:
		cust, err := in.customerFor(ctx, f.Target, rec, f.Target.ID != "")
		if err != nil {
			return err
		}
		follows, at, err = in.settleFollow(ctx, source, cust.ID, f, follows, at,
			func(s FollowState) bool { return s.BrandFollowsCustomer }, func(x XUserState) bool { return x.BrandFollows })
		if err != nil {
			return err
		}
		_, err = in.store.SetBrandFollowsCustomer(ctx, cust.ID, source.ID, follows, at)
		return err
	}
	return skip(SkipFollowNoCustomer) // between two brand handles, or concerning none
}

// applyDelete records the deletion (a tombstone) first and only then looks
// for the Tweet's message, so a Tweet being applied at the same moment
// either is found here or finds the tombstone after writing its message
// (honourTombstone); the tombstone also keeps a Tweet still on its way out.
func (in *Inbound) applyDelete(ctx context.Context, d *TweetDeletion, at time.Time) error {
	if _, err := in.store.MarkEventDeleted(ctx, TweetEventID(d.TweetID), in.now().Add(EventRetention)); err != nil {
		return err
	}
	return in.removeDeletedText(ctx, d.TweetID, at)
}

// removeDeletedText removes the text of the message of a Tweet deleted on
// X at at, if there is one.
func (in *Inbound) removeDeletedText(ctx context.Context, tweetID string, at time.Time) error {
	m, err := in.store.MessageByXID(ctx, KindTweet, tweetID)
	if ErrorCode(err) == ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return in.markDeleted(ctx, m, at) // also when deleted already: its case may not know yet
}

// applyEdit finds the message of an earlier version of the edited Post tw
// (the latest first) and makes it show tw; nil when none is kept.
func (in *Inbound) applyEdit(ctx context.Context, tw *Tweet) (*Message, error) {
	for i := len(tw.EditOf) - 1; i >= 0; i-- {
		m, err := in.store.MessageByXID(ctx, KindTweet, tw.EditOf[i])
		if ErrorCode(err) == ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		m, err = UpdateMessage(ctx, in.store, m, func(m *Message) bool { return m.ApplyEdit(tw) })
		if err != nil {
			return nil, err
		}
		c, err := in.store.GetCase(ctx, m.CaseID)
		if err != nil {
			return m, err
		}
		_, err = UpdateCase(ctx, in.store, c, func(c *Case) (bool, error) {
			if lm := c.Summary.LastMessage; (lm == nil || lm.ID != m.ID) && (c.CustomerTweet == nil || c.CustomerTweet.MessageID != m.ID) {
				return false, nil
			}
			return c.NoteMessage(m), nil
		})
		return m, err
	}
	return nil, nil
}

// markDeleted removes the text of a message deleted on X at at, and from
// its case's summary when it is the case's last message or CustomerTweet.
func (in *Inbound) markDeleted(ctx context.Context, m *Message, at time.Time) error {
	_, err := removeContent(ctx, in.store, m, ReasonDeleted, at, at)
	return err
}

func (in *Inbound) applyFavorite(ctx context.Context, f *Favorite) error {
	m, err := in.store.MessageByXID(ctx, KindTweet, f.TweetID)
	if ErrorCode(err) == ENotFound {
		return skip(SkipFavoriteUnknown) // not a Tweet of any case
	}
	if err != nil {
		return err
	}
	by := ""
	if h, err := in.store.HandleByXUserID(ctx, f.User.ID); err == nil {
		by = h.ID
	} else if ErrorCode(err) != ENotFound {
		return err
	} else if c, err := in.store.CustomerByXUserID(ctx, f.User.ID); err == nil {
		by = c.ID
	} else if ErrorCode(err) != ENotFound {
		return err
	}
	if by == "" {
		return skip(SkipFavoriteUnknown)
	}
	_, err = in.store.AddFavorite(ctx, m.CaseID, m.ID, by)
	return err
}

func (in *Inbound) applyRevoke(ctx context.Context, brand *BrandHandle) error {
	return DisconnectHandle(ctx, in.store, brand.ID, in.now())
}

// applyRename gives the brand handle the screen name X says it now has
// (X Activity's profile.update.handle), so replies and the console show
// the handle that reaches it. Renames carry no time: the last received
// wins.
func (in *Inbound) applyRename(ctx context.Context, brand *BrandHandle, r *HandleRename) error {
	if r == nil || r.UserID != brand.XUserID || r.After == "" {
		return nil
	}
	for attempt := 0; attempt < 5; attempt++ {
		if brand.ScreenName == r.After {
			return nil
		}
		old := brand.ScreenName
		brand.ScreenName, brand.UpdatedAt = r.After, in.now()
		err := in.store.PutHandle(ctx, brand)
		if err == nil {
			in.log.InfoContext(ctx, "brand handle renamed on X", "handle", brand.ID, "from", old, "to", r.After)
			return nil
		}
		if ErrorCode(err) != EConflict {
			return err
		}
		if brand, err = in.store.GetHandle(ctx, brand.ID); err != nil {
			return err
		}
	}
	return Errorf(EConflict, "The brand handle %s kept changing.", brand.ID)
}

// confirmOutgoing marks the outgoing message with this X id sent, if there is one.
func (in *Inbound) confirmOutgoing(ctx context.Context, kind MessageKind, xid string, at time.Time) error {
	m, err := in.store.MessageByXID(ctx, kind, xid)
	if ErrorCode(err) == ENotFound {
		return skip(SkipOwnUnmatched)
	}
	if err != nil {
		return err
	}
	if m.Direction != DirectionOut {
		return nil
	}
	_, err = UpdateMessage(ctx, in.store, m, func(m *Message) bool {
		if m.Status == StatusSent {
			return false
		}
		m.Status, m.Error = StatusSent, nil
		if m.SentAt.IsZero() {
			m.SentAt = at
		}
		return true
	})
	return err
}

// customerFor returns the customer with the X account, else the customer
// an agent took it from (FormerXUserIDs), making one from what X says of
// the user when there is neither. rec is the event's recall, and asked
// whether it asked for this account (then its answer, a moment ago, is
// taken: a nil Customer means there was none, and MayBeFormer false that
// no customer had it before).
func (in *Inbound) customerFor(ctx context.Context, u XAccount, rec Recalled, asked bool) (*Customer, error) {
	recalled, mayBeFormer := rec.Customer, rec.MayBeFormer
	for attempt := 0; attempt < 3; attempt++ {
		c, err := recalled, error(nil)
		if attempt > 0 || !asked {
			c, err = in.store.CustomerByXUserID(ctx, u.ID)
		} else if c == nil {
			err = Errorf(ENotFound, "No customer has the X user id %s.", u.ID)
		}
		if err == nil {
			in.followRename(ctx, c, u)
			return c, nil
		}
		if ErrorCode(err) != ENotFound {
			return nil, err
		}
		// An account an agent replaced on its customer is still theirs:
		// its conversations are in that customer's cases.
		if attempt > 0 || !asked || mayBeFormer {
			if c, err := in.store.CustomerByFormerXUserID(ctx, u.ID); err == nil {
				return c, nil
			} else if ErrorCode(err) != ENotFound {
				return nil, err
			}
		}
		now := in.now()
		c = &Customer{ID: NewID(now), Name: CleanText(u.Name), CreatedAt: now, UpdatedAt: now, Twitter: xAccountOf(u)}
		c.Normalize()
		if c.Name == "" {
			c.Name = cmp.Or(c.Twitter.Handle, "X user "+u.ID)
		}
		err = putCustomerFromX(ctx, in.store, c, now)
		if ErrorCode(err) != EConflict {
			return c, err
		}
		// Someone else made the customer at the same moment: read theirs.
	}
	return nil, Errorf(EConflict, "The customer for X user %s could not be created.", u.ID)
}

// followRename updates the customer's handle when X says the account now
// has another screen name, so replies mention the name that reaches them.
// It is best effort: a lost race or a handle still recorded for someone
// else leaves the customer as it was, for the next event to try again.
func (in *Inbound) followRename(ctx context.Context, c *Customer, u XAccount) {
	acct := xAccountOf(u)
	if acct.Handle == "" || c.Twitter == nil || c.Twitter.XUserID != u.ID || c.Twitter.Handle == acct.Handle {
		return
	}
	before := *c
	c.SetTwitter(acct)
	c.UpdatedAt = in.now()
	if err := putCustomerFromX(ctx, in.store, c, c.UpdatedAt); err != nil {
		*c = before
		in.log.WarnContext(ctx, "customer's new screen name not recorded", "customer", c.ID, "code", ErrorCode(err), "err", err)
		return
	}
	in.log.InfoContext(ctx, "customer renamed on X", "customer", c.ID)
}

// createCase creates a case with a derived id, or returns the one a previous
// attempt created.
func (in *Inbound) createCase(ctx context.Context, id, customerID, handleID string, ch Channel, at time.Time) (*Case, error) {
	now := in.now()
	c := &Case{ID: id, CustomerID: customerID, HandleID: handleID, Channel: ch, Status: CaseNew,
		CreatedAt: now, UpdatedAt: now, LastActivityAt: at, CustomerTweetKnown: true}
	err := in.store.PutCase(ctx, c)
	if ErrorCode(err) == EConflict {
		return in.store.GetCase(ctx, id)
	}
	return c, err
}

// note records a customer's message on its case: the activity, reopening
// a resolved or closed case, and the message and the customer's name and
// handle on its summary; a case not yet bound to an X account is bound to
// the author's (from). It reports whether the case changed.
func (in *Inbound) note(c *Case, m *Message, cust *Customer, brand *BrandHandle, from *TwitterAccount) bool {
	before := *c
	c.Reopen(in.now())
	c.Touch(m.CreatedAt)
	summarised := c.NoteParties(cust, brand)
	summarised = c.NoteMessage(m) || summarised
	bind := c.Account == nil && from != nil && from.XUserID != ""
	if bind {
		a := *from
		c.Account = &a
	}
	return bind || summarised || c.Status != before.Status || !c.LastActivityAt.Equal(before.LastActivityAt)
}

// noteOnCase notes a written message on its case c (as read a moment
// ago; a case changed since is read again) and writes the case when that
// changed it.
func (in *Inbound) noteOnCase(ctx context.Context, c *Case, m *Message, cust *Customer, brand *BrandHandle, from *TwitterAccount) error {
	_, err := UpdateCase(ctx, in.store, c, func(c *Case) (bool, error) {
		return in.note(c, m, cust, brand, from), nil
	})
	return err
}

// xAccountOf is the X account of a user as an event names it: the screen
// name as X sends it, or none when X sent nothing usable (the customer is
// still found by X user id, and an agent can add the handle).
func xAccountOf(u XAccount) *TwitterAccount {
	handle, _ := twtext.NormalizeXScreenName(u.ScreenName)
	return &TwitterAccount{Handle: handle, XUserID: u.ID}
}

// countDelivery adds what X billed for delivering the event to the brand
// handle's month (Pricing.EventPrice), once: it runs only after the
// event's first application was marked. A failure is logged, not retried
// (the event is applied): the month's inbound cost is then one event short.
func (in *Inbound) countDelivery(ctx context.Context, brand *BrandHandle, brands brands, ev Event) {
	price := DefaultPricing.EventPrice(ev, func(id string) bool { return brands.of(id) != nil })
	if price.Amount <= 0 {
		return
	}
	if err := in.store.AddSpend(ctx, brand.ID, in.now(), price); err != nil {
		in.log.WarnContext(ctx, "the cost of a delivered event was not counted", "event", ev.ID, "err", err)
	}
}
