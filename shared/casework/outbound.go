package casework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// MaxFaultAttempts is how many transient failures (X's 5xx, timeouts, a
// store failing) of a command are retried before the work fails. Rate
// limits do not count: they have their own budget.
const MaxFaultAttempts = 6

// DefaultRateLimitBudget is how long a command may wait for X's rate limits
// before it fails with x_rate_limited: an answer that cannot go out within
// an hour is better shown as failed, so an agent can decide what to do.
const DefaultRateLimitBudget = time.Hour

// MaxRetryWait is the longest wait after a transient failure.
const MaxRetryWait = 5 * time.Minute

// clockSkew is how far X's clock and ours may disagree: the look-up of what
// an earlier attempt posted allows for it on both sides of the window.
const clockSkew = 30 * time.Second

// Failure codes of outgoing work that only the outbound rules give (the
// others are application codes: EHandleDisconnected, EDMNotAllowed,
// ECustomerHasNoTwitterHandle, ENotRetweetable, the same whether the
// console API or the worker finds the failure).
const (
	MsgXUnavailable = "x_unavailable"
	MsgXRateLimited = "x_rate_limited"
	MsgXDuplicate   = "x_duplicate"
	MsgXNotFound    = "x_not_found"
	MsgXRefused     = "x_refused"
)

// Delivery is one delivery of a command by the queue.
type Delivery struct {
	// Attempt counts the command's deliveries, this one included.
	Attempt int
	// Last is the queue's last delivery: every failure is final, so that
	// it is recorded before the queue dead-letters the command.
	Last bool
	// MaxReceives is how many deliveries the queue gives a message before
	// it dead-letters it (0: not known). A rate limit waits on the same
	// message while enough of them are left for the faults the command
	// may still meet (MaxFaultAttempts), then on a copy of the command
	// queued again (OutboundDeps.Outbox), whose deliveries start again,
	// so waiting out X's limits for the whole rate-limit budget never
	// runs the message into the dead-letter queue.
	MaxReceives int
}

// requeuesRateLimits reports whether a rate limit on this delivery is
// waited out on a copy of the command queued again rather than on this
// message: when no more deliveries are left than the faults still allowed.
func (d Delivery) requeuesRateLimits() bool {
	return d.MaxReceives > 0 && d.MaxReceives-d.Attempt <= MaxFaultAttempts
}

// RetryLater is the error of a command that should be delivered again
// after After (X's rate-limit reset, or the backoff after a fault).
type RetryLater struct {
	After time.Duration
	Cause error
}

// Error implements the error interface.
func (r *RetryLater) Error() string { return fmt.Sprintf("retry in %s: %v", r.After, r.Cause) }

// Unwrap returns the failure that is retried.
func (r *RetryLater) Unwrap() error { return r.Cause }

// errSuperseded: a later command carries the command's work now (a newer
// request, or the reconciler's re-queue), so this one stops.
var errSuperseded = errors.New("superseded by a later command")

// errRequeued: the command was queued again to wait out X's rate limit
// (a copy with the same id, held back until X's reset), so this delivery
// of it is done and its work goes on with the copy.
var errRequeued = errors.New("queued again to wait for X's rate-limit reset")

// errNotYet: the command carries a NotBefore still to come.
var errNotYet = errors.New("held back until its NotBefore")

// OutboundDeps are what the outbound rules need.
type OutboundDeps struct {
	Store Store
	X     XActions
	// Chat sends Direct Messages through X Chat; nil fails every DM with
	// handle_chat_keys_missing.
	Chat XChat
	// Activity manages the brand handles' X Activity API subscriptions;
	// nil fails the subscription commands.
	Activity XActivity
	// Subscriptions is the deployment's webhook and tag.
	Subscriptions SubscriptionTarget
	// Clock tells the time; nil means time.Now.
	Clock  func() time.Time
	Logger *slog.Logger
	// Backoff is the wait before the next attempt after the n-th fault;
	// nil means RetryBackoff.
	Backoff func(faults int) time.Duration
	// RateLimitBudget bounds a run of rate limits; 0 means DefaultRateLimitBudget.
	RateLimitBudget time.Duration
	// Pricing prices Retweets and follows for the spend and the budget
	// (a message carries its own price); zero means DefaultPricing.
	Pricing Pricing
	// CreditsPause is how long no call is made to X after X said the
	// app's credits are spent; 0 means DefaultCreditsPause.
	CreditsPause time.Duration
	// Outbox is the outbound queue, where a command waiting out a long run
	// of rate limits is queued again (Delivery.MaxReceives); nil waits on
	// the same message, spending the queue's deliveries.
	Outbox Outbox
}

// SubscriptionTarget is the deployment's side of the subscriptions.
type SubscriptionTarget struct {
	// WebhookID is the deployment's webhook on X; without it subscribing
	// fails, saying so.
	WebhookID string
	// Tag labels the deployment's subscriptions (SubscriptionTag).
	Tag string
}

// Outbound holds the rules of outgoing work, beside Inbound: what each
// command does on X and records, what X's answer means, when to try again
// and when to give up. The outbound worker only hands it the queue's
// commands; the X adapter only speaks to X.
//
// Every failure has one code whatever the moment it is found: a brand
// handle that cannot act is handle_disconnected (disconnected here, or X
// refusing its credentials, which disconnects it), a customer without a
// handle customer_has_no_twitter_handle, a DM the customer does not accept
// dm_not_allowed (X's refusal also records that the customer does not
// follow), a Tweet that cannot be Retweeted not_retweetable (X not having
// it any more); X's own refusals are x_duplicate, x_not_found, x_refused,
// its outages x_unavailable after MaxFaultAttempts faults, its rate limits
// x_rate_limited after the rate-limit budget.
type Outbound struct {
	store      Store
	x          XActions
	chat       XChat
	activity   XActivity
	target     SubscriptionTarget
	now        func() time.Time
	log        *slog.Logger
	backoff    func(int) time.Duration
	rateBudget time.Duration
	outbox     Outbox
	pricing    Pricing
	// creditsPause is how long calls to X stop when the credits are spent;
	// pause is the worker's copy of the app-wide pause.
	creditsPause time.Duration
	pause        creditsPause
}

// NewOutbound returns the outbound rules on their dependencies.
func NewOutbound(d OutboundDeps) *Outbound {
	o := &Outbound{store: d.Store, x: d.X, chat: d.Chat, activity: d.Activity, target: d.Subscriptions, now: d.Clock,
		log: d.Logger, backoff: d.Backoff, rateBudget: d.RateLimitBudget, outbox: d.Outbox, pricing: d.Pricing}
	if o.pricing.Prices == nil {
		o.pricing = DefaultPricing
	}
	o.creditsPause = d.CreditsPause
	if o.creditsPause <= 0 {
		o.creditsPause = DefaultCreditsPause
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.backoff == nil {
		o.backoff = RetryBackoff
	}
	if o.rateBudget <= 0 {
		o.rateBudget = DefaultRateLimitBudget
	}
	return o
}

// RetryBackoff is the wait before the next attempt after the n-th
// transient failure: 2, 4, 8... seconds, at most MaxRetryWait.
func RetryBackoff(n int) time.Duration {
	return min(time.Duration(1<<min(max(n, 0), 8))*time.Second, MaxRetryWait)
}

// Execute does one delivery of a command: it acts on X and records the
// outcome, then resolves the command's work. It returns a *RetryLater when
// the command should come back later, nil when it is done (or superseded
// by a later command for the same work, or queued again to wait out X's
// rate limit), any other error when the store failed. A command whose
// NotBefore is still to come does nothing and comes back then.
func (o *Outbound) Execute(ctx context.Context, cmd Command, d Delivery) error {
	if wait := cmd.NotBefore.Sub(o.now()); wait > 0 {
		return &RetryLater{After: wait, Cause: errNotYet}
	}
	var err error
	switch cmd.Kind {
	case CmdTweet, CmdDM:
		err = o.send(ctx, cmd, d)
	case CmdRetweet, CmdUnretweet:
		err = o.retweet(ctx, cmd, d)
	case CmdFollow, CmdUnfollow:
		err = o.follow(ctx, cmd, d)
	case CmdSubscribe:
		err = o.subscribe(ctx, cmd, d)
	case CmdUnsubscribe:
		err = o.unsubscribe(ctx, cmd, d)
	default:
		return fmt.Errorf("unknown command kind %q", cmd.Kind)
	}
	if errors.Is(err, errSuperseded) {
		o.log.InfoContext(ctx, "command superseded by a later one", "command", cmd.ID, "kind", cmd.Kind)
		return nil
	}
	if errors.Is(err, errRequeued) {
		return nil
	}
	if err != nil {
		return err
	}
	return o.store.ResolveWork(ctx, cmd)
}

// ---- what a failure means ----

// judgement is what a failed step means: the code and reason to give up
// with, and whether trying again may help.
type judgement struct {
	code, reason string
	transient    bool
	rateLimited  bool
	retryAt      time.Time
	// disconnects: X refused the brand handle's credentials.
	disconnects bool
	// credits: X said the app's credits are spent (calls to X pause).
	credits bool
}

// judge reads a failed step: an application error is final with its code,
// X's failures are what their kind says, anything else (a store failing)
// is transient.
func judge(err error, now time.Time) judgement {
	var appErr *Error
	if errors.As(err, &appErr) {
		return judgement{code: appErr.Code, reason: appErr.Message}
	}
	var xf *XFailure
	if !errors.As(err, &xf) {
		return judgement{code: MsgXUnavailable, reason: "X did not answer; it may be down.", transient: true}
	}
	switch xf.Kind {
	case XRateLimited:
		at := xf.RetryAt
		if at.IsZero() {
			at = now.Add(time.Minute)
		}
		return judgement{code: MsgXRateLimited, reason: xf.Reason, rateLimited: true, retryAt: at}
	case XUnavailable:
		return judgement{code: MsgXUnavailable, reason: "X did not answer; it may be down.", transient: true}
	case XUnauthorized:
		return judgement{code: EHandleDisconnected, disconnects: true,
			reason: "X refused the brand handle's credentials (" + xf.Reason + "); it is disconnected until reconnected."}
	case XDuplicate:
		return judgement{code: MsgXDuplicate, reason: xf.Reason}
	case XNotFound:
		return judgement{code: MsgXNotFound, reason: xf.Reason}
	case XDMNotAllowed:
		return judgement{code: EDMNotAllowed, reason: xf.Reason}
	case XNoChatKeys:
		return judgement{code: ECustomerHasNoChatKeys,
			reason: "The customer has not set up X Chat yet (no encryption keys on X), so a Direct Message cannot be encrypted to them (X: " + xf.Reason + ")."}
	case XChatKeysRejected:
		return judgement{code: EHandleChatKeysRevoked,
			reason: "X refused the brand handle's X Chat keys (" + xf.Reason + "); provision them again with make x-chat-keys."}
	case XCreditsExhausted:
		return judgement{code: ECreditsExhausted, credits: true, reason: "X says the app's pay-per-use credits are spent (X: " + xf.Reason + "): nothing was sent. " +
			"Add credits in X's Developer Console, then send again."}
	case XAccessForbidden:
		return judgement{code: EXAccessForbids, reason: "X refused this for the app's access (X: " + xf.Reason + "). " +
			"On self-serve access X restricts replies and programmatic @mentions to people who summoned the brand: send a Direct Message instead, where the customer accepts one."}
	}
	return judgement{code: MsgXRefused, reason: xf.Reason}
}

// decide tells what a failed step means for the command: a *RetryLater to
// hand back, or the judgement to give up with. Faults count against
// MaxFaultAttempts and rate limits against the rate-limit budget, both on
// the command's work; on the last delivery every failure is final. A
// command whose work another command carries now gets errSuperseded.
func (o *Outbound) decide(ctx context.Context, cmd Command, d Delivery, failed error) (*judgement, error) {
	now := o.now()
	j := judge(failed, now)
	if j.credits {
		var xf *XFailure
		if errors.As(failed, &xf) {
			o.noteCreditsExhausted(ctx, xf)
		}
	}
	if !j.transient && !j.rateLimited || j.transient && d.Last {
		return &j, o.disconnect(ctx, cmd, j)
	}
	due := j.retryAt
	if j.transient {
		due = now.Add(MaxRetryWait) // the retry comes back by then at the latest
	}
	work, err := o.store.NoteRetry(ctx, cmd, due, j.transient, now)
	if ErrorCode(err) == EConflict {
		return nil, errSuperseded
	}
	if err != nil {
		return nil, err
	}
	if j.rateLimited {
		if d.Last || j.retryAt.After(work.RateLimitedSince.Add(o.rateBudget)) {
			j.reason = fmt.Sprintf("X's rate limit: %s (X allows the next try at %s; waited since %s).",
				j.reason, j.retryAt.UTC().Format(time.RFC3339), work.RateLimitedSince.UTC().Format(time.RFC3339))
			return &j, nil
		}
		after := max(j.retryAt.Sub(now), time.Second)
		if o.outbox != nil && d.requeuesRateLimits() {
			return nil, o.requeue(ctx, cmd, now.Add(after), failed)
		}
		return nil, &RetryLater{After: after, Cause: failed}
	}
	if work.Faults >= MaxFaultAttempts {
		return &j, nil
	}
	return nil, &RetryLater{After: min(o.backoff(work.Faults), MaxRetryWait), Cause: failed}
}

// requeue queues a copy of the rate-limited command, held back until X's
// reset (NotBefore), and returns errRequeued: this delivery is done, and
// the copy's deliveries start from one, as the queue counts them. The copy
// has the command's id, so the work (already noted, with the time the run
// of rate limits began) stays the command's, and goes to the back of the
// command's FIFO group: only after a run of rate limits long enough for
// this (Delivery.MaxReceives) may a later command of the group, one that X
// does not refuse, go out before it. If the copy cannot be queued, this
// message waits for the reset itself, and queues the copy next time.
func (o *Outbound) requeue(ctx context.Context, cmd Command, at time.Time, failed error) error {
	next := cmd
	next.NotBefore = at
	if err := o.outbox.Enqueue(ctx, next); err != nil {
		o.log.WarnContext(ctx, "rate-limited command not queued again; it waits on its message", "command", cmd.ID, "kind", cmd.Kind, "err", err)
		return &RetryLater{After: max(at.Sub(o.now()), time.Second), Cause: failed}
	}
	o.log.InfoContext(ctx, "rate-limited command queued again until X's reset", "command", cmd.ID, "kind", cmd.Kind,
		"not_before", at.UTC().Format(time.RFC3339))
	return errRequeued
}

// disconnect records that X refused the brand handle's credentials.
func (o *Outbound) disconnect(ctx context.Context, cmd Command, j judgement) error {
	if !j.disconnects {
		return nil
	}
	o.log.WarnContext(ctx, "X refused the brand handle's credentials; disconnected", "handle_id", cmd.HandleID)
	return DisconnectHandle(ctx, o.store, cmd.HandleID, o.now())
}

// ---- messages ----

// send posts a message's Tweet or DM. Before calling X the message is
// marked sending (with the time). A Tweet's delivery that finds it still
// sending first looks on X for what the earlier attempt may have posted
// (adopt); a DM's posts the X Chat payload recorded before its first call
// (postChat). Either way a message never makes a second Tweet or DM, nor
// takes another's.
func (o *Outbound) send(ctx context.Context, cmd Command, d Delivery) error {
	m, err := o.store.GetMessage(ctx, cmd.CaseID, cmd.MessageID)
	if ErrorCode(err) == ENotFound {
		// Its request died before writing it: nothing to send.
		o.log.WarnContext(ctx, "command for a message that does not exist", "case", cmd.CaseID, "message", cmd.MessageID)
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status == StatusSent || m.Status == StatusFailed {
		return nil // done before: a redelivery
	}
	xid, err := o.post(ctx, cmd, m)
	if err != nil {
		return o.sendFailed(ctx, cmd, d, m, err)
	}
	// X has it: its price is spent, once (the message's id) however often
	// this runs, before the message says sent, so that a crash in between
	// is found again by the adoption.
	if err := o.spent(ctx, m.ID, cmd.HandleID, o.messagePrice(m)); err != nil {
		return err
	}
	if xid == "" {
		return nil // adopted what an earlier attempt posted
	}
	taken, err := o.record(ctx, m, xid)
	if err != nil {
		return err
	}
	if taken {
		// Another message adopted this very Tweet or DM while ours was on
		// its way (same text, same target, within the same seconds).
		o.log.ErrorContext(ctx, "X id of a message just sent is held by another message", "message", m.ID, "kind", m.Kind, "x_id", xid)
		return o.fail(ctx, m, Errorf(EConflict, "X's %s %s, sent for this message, is recorded on another message with the same text.", m.Kind, xid))
	}
	return nil
}

// post checks that the brand handle can act and the DM's recipient can be
// reached, adopts what an earlier attempt posted (then it returns ""), or
// marks the message sending and posts it, returning X's id.
func (o *Outbound) post(ctx context.Context, cmd Command, m *Message) (string, error) {
	brand, err := connectedHandle(ctx, o.store, cmd.HandleID)
	if err != nil {
		return "", err
	}
	switch m.Kind {
	case KindTweet:
	case KindDM:
		cust, err := o.recipient(ctx, m.CaseID)
		if err != nil {
			return "", err
		}
		return o.postChat(ctx, m, brand, cust.Twitter.XUserID)
	default:
		return "", Errorf(EValidation, "A %s message cannot be sent.", m.Kind)
	}
	if m.Status == StatusSending {
		if done, err := o.adopt(ctx, m, brand); err != nil || done {
			return "", err
		}
	}
	if err := o.checkPause(ctx); err != nil {
		return "", err
	}
	if err := o.checkBudget(ctx, brand, o.messagePrice(m)); err != nil {
		return "", err
	}
	m.Status, m.AttemptedAt = StatusSending, o.now()
	if err := o.store.PutMessage(ctx, m); err != nil {
		return "", err
	}
	return o.x.PostTweet(ctx, brand, m.Text, m.InReplyToXID)
}

// ---- X Chat DMs ----

// errPayloadRace: another delivery wrote the message while this one
// recorded its X Chat payload; the retry reads the message again and sends
// what it holds. (Not an application error: it is retried, never final.)
var errPayloadRace = errors.New("the message changed while its X Chat payload was being recorded")

// postChat sends a DM through X Chat, exactly once across retries,
// crashes and the reconciler: a message without a payload is encrypted
// and its payload (with the signed message_id, claimed as the message's X
// id) recorded in one conditional write before the first call to X; every
// delivery after that posts the recorded payload unchanged, which X takes
// as the same message. It returns the message_id once X has it.
func (o *Outbound) postChat(ctx context.Context, m *Message, brand *BrandHandle, to string) (string, error) {
	if o.chat == nil {
		return "", Errorf(EHandleChatKeysMissing, "This deployment cannot send X Chat messages (no X Chat engine configured).")
	}
	if m.Chat == nil || m.Chat.EncodedMessageCreateEvent == "" {
		p, err := o.encryptChat(ctx, brand, to, m.Text)
		if err != nil {
			return "", err
		}
		next := *m
		next.Chat, next.XID = p, p.MessageID
		next.Status, next.AttemptedAt = StatusSending, o.now()
		if err := o.store.PutMessage(ctx, &next); err != nil {
			if ErrorCode(err) == EConflict {
				return "", fmt.Errorf("%w: %v", errPayloadRace, err)
			}
			return "", err
		}
		*m = next
		o.log.InfoContext(ctx, "X Chat payload recorded", "message", m.ID, "message_id", p.MessageID,
			"conversation", p.ConversationID, "key_version", p.ConversationKeyVersion)
	}
	if err := o.chat.Send(ctx, brand, m.Chat); err != nil {
		return "", err
	}
	return m.Chat.MessageID, nil
}

// encryptChat encrypts text for the customer: it reads the customer's
// public keys (their binding verified), takes the conversation's newest
// key when it still reaches both identities, or prepares a new one and
// records it before X sees it, posts a change X does not hold yet (the
// recorded one, so a retry makes no second key), and encrypts under it.
func (o *Outbound) encryptChat(ctx context.Context, brand *BrandHandle, to, text string) (*ChatPayload, error) {
	keys, err := o.chat.RecipientKeys(ctx, brand, to)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, Errorf(ECustomerHasNoChatKeys,
			"The customer has not set up X Chat yet (no encryption keys on X), so a Direct Message cannot be encrypted to them; it can be sent once they have.")
	}
	recipient := keys[0]
	brandVersion, err := o.chat.BrandKeyVersion(ctx, brand)
	if err != nil {
		return nil, err
	}
	conv := ChatConversationID(brand.XUserID, to)
	stored, err := o.store.ChatKeys(ctx, brand.XUserID, conv)
	if err != nil {
		return nil, err
	}
	k := reusableChatKey(stored, brandVersion, recipient)
	if k == nil {
		if k, err = o.chat.PrepareKeyChange(ctx, brand, recipient); err != nil {
			return nil, err
		}
		k.CreatedAt, k.UpdatedAt = o.now(), o.now()
		if err := o.store.PutChatKey(ctx, k); err != nil {
			return nil, err
		}
		o.log.InfoContext(ctx, "X Chat conversation key prepared", "conversation", conv, "key_version", k.KeyVersion)
	}
	if !k.Accepted() {
		seq, err := o.chat.PostKeyChange(ctx, brand, k)
		if err != nil {
			return nil, err
		}
		k.SequenceID, k.UpdatedAt = seq, o.now()
		if err := o.store.PutChatKey(ctx, k); err != nil && ErrorCode(err) != EConflict {
			return nil, err
		}
	}
	return o.chat.Encrypt(ctx, brand, k, text)
}

// reusableChatKey is the conversation's newest key when a message can
// still be encrypted under it: wrapped to the brand's current identity
// (or to an identity not known) and, for a change the brand prepared, to
// the recipient's newest public-key version. Older keys are never taken:
// a message goes under the newest key, or a new one.
func reusableChatKey(stored []ChatKey, brandVersion string, recipient ChatPublicKey) *ChatKey {
	if len(stored) == 0 {
		return nil
	}
	k := stored[0]
	if k.BrandKeyVersion != "" && k.BrandKeyVersion != brandVersion {
		return nil
	}
	if k.Change != nil {
		reaches := false
		for _, p := range k.Change.ParticipantKeys {
			if p.UserID == recipient.UserID && p.PublicKeyVersion == recipient.Version {
				reaches = true
			}
		}
		if !reaches {
			return nil
		}
	} else if !k.Accepted() {
		return nil
	}
	return &k
}

// sendFailed retries the message later, or fails it; a DM X refused for
// lack of a follow also records that the customer does not follow the
// brand handle (as of now), so DM is no longer offered.
func (o *Outbound) sendFailed(ctx context.Context, cmd Command, d Delivery, m *Message, failed error) error {
	j, err := o.decide(ctx, cmd, d, failed)
	if j == nil {
		var r *RetryLater
		if (errors.As(err, &r) || errors.Is(err, errRequeued)) && isXKind(failed, XRateLimited) {
			// X did nothing, so the next attempt need not look for the Tweet.
			if _, uerr := UpdateMessage(ctx, o.store, m, func(m *Message) bool {
				changed := m.Status == StatusSending
				m.Status = StatusQueued
				return changed
			}); uerr != nil {
				return uerr
			}
		}
		return err
	}
	if err != nil {
		return err
	}
	if j.code == EDMNotAllowed {
		var xf *XFailure
		if errors.As(failed, &xf) {
			c, err := o.store.GetCase(ctx, m.CaseID)
			if err != nil {
				return err
			}
			if _, err := o.store.SetCustomerFollowsBrand(ctx, c.CustomerID, cmd.HandleID, false, o.now()); err != nil {
				return err
			}
			j.reason = "The customer does not accept Direct Messages from this brand handle (X: " + xf.Reason + ")."
		}
	}
	if o.chat != nil && (j.code == EHandleChatKeysMissing || j.code == EHandleChatKeysRevoked) {
		// GET /v1/handles says so until the keys are provisioned again.
		st := ChatIdentity{Status: ChatKeysMissing, Detail: j.reason, UpdatedAt: o.now()}
		if j.code == EHandleChatKeysRevoked {
			st.Status = ChatKeysRevoked
		}
		o.log.WarnContext(ctx, "brand handle's X Chat keys unusable", "handle_id", cmd.HandleID, "code", j.code)
		if _, err := SetHandleChatIdentity(ctx, o.store, cmd.HandleID, st); err != nil {
			return err
		}
	}
	return o.fail(ctx, m, &Error{Code: j.code, Message: j.reason})
}

// recipient is the customer of the case with the X account the case talks
// to (Case.Account, whatever the customer's handle is now), or, for a case
// not yet bound to one, the customer's own, which it must have.
func (o *Outbound) recipient(ctx context.Context, caseID string) (*Customer, error) {
	c, err := o.store.GetCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if c.Account != nil && c.Account.XUserID != "" {
		cust, err := activeCustomer(ctx, o.store, c.CustomerID)
		if err != nil {
			return nil, err
		}
		cust.Twitter = c.accountCopy()
		return cust, nil
	}
	return twitterCustomer(ctx, o.store, c.CustomerID)
}

// adopt looks on X for the Tweet an earlier attempt of m may have made
// and records the first one no other message holds; it reports whether m
// is now done. (A DM needs no look: its recorded X Chat payload is posted
// again, and X takes it as the same message.)
func (o *Outbound) adopt(ctx context.Context, m *Message, brand *BrandHandle) (bool, error) {
	a := SendAttempt{Text: m.Text, InReplyToXID: m.InReplyToXID, From: m.AttemptedAt.Add(-clockSkew), To: o.now().Add(clockSkew)}
	ids, err := o.x.FindTweets(ctx, brand, a)
	if err != nil {
		return false, err
	}
	for _, xid := range ids {
		holder, err := o.store.MessageByXID(ctx, m.Kind, xid)
		switch {
		case ErrorCode(err) == ENotFound:
		case err != nil:
			return false, err
		case holder.ID != m.ID || holder.CaseID != m.CaseID:
			continue // another message's Tweet or DM
		}
		taken, err := o.record(ctx, m, xid)
		if err != nil {
			return false, err
		}
		if !taken {
			o.log.InfoContext(ctx, "adopted what an earlier attempt sent", "message", m.ID, "kind", m.Kind, "x_id", xid)
			return true, nil
		}
	}
	return false, nil
}

// record marks m sent with X's id, claiming the id (a conditional write);
// it reports taken when another message holds the id, and changes nothing
// then. A message already sent by another path (the webhook's echo) is
// left as it is.
func (o *Outbound) record(ctx context.Context, m *Message, xid string) (taken bool, err error) {
	for range maxUpdateAttempts {
		if m.Status == StatusSent {
			return false, nil
		}
		next := *m
		next.Status, next.XID, next.Error, next.SentAt = StatusSent, xid, nil, o.now()
		if c := next.Chat; c != nil {
			// On X now: the encrypted payload is of no further use.
			next.Chat = &ChatPayload{ConversationID: c.ConversationID, MessageID: c.MessageID, ConversationKeyVersion: c.ConversationKeyVersion}
		}
		err := o.store.PutMessage(ctx, &next)
		if err == nil {
			*m = next
			return false, nil
		}
		if ErrorCode(err) != EConflict {
			return false, err
		}
		cur, err := o.store.GetMessage(ctx, m.CaseID, m.ID)
		if err != nil {
			return false, err
		}
		if cur.Version == m.Version {
			return true, nil // our version was current: the X id is another message's
		}
		*m = *cur
	}
	return false, Errorf(EConflict, "The message %s kept changing.", m.ID)
}

// fail records the message as failed with a reason.
func (o *Outbound) fail(ctx context.Context, m *Message, reason error) error {
	code, detail := ErrorCode(reason), ErrorMessage(reason)
	o.log.InfoContext(ctx, "message failed", "message", m.ID, "code", code)
	_, err := UpdateMessage(ctx, o.store, m, func(m *Message) bool {
		if m.Status == StatusSent || m.Status == StatusFailed {
			return false
		}
		m.Status, m.Error = StatusFailed, &MessageError{Code: code, Detail: detail}
		return true
	})
	return err
}

// ---- Retweets ----

// retweet Retweets a customer's Tweet, or undoes it, and makes the
// message's Retweet set say what is now true on X. A Retweet X refuses for
// good is taken back, with the reason; X not having the Tweet any more is
// not_retweetable, as the console API says of a deleted Tweet.
func (o *Outbound) retweet(ctx context.Context, cmd Command, d Delivery) error {
	m, err := o.store.GetMessage(ctx, cmd.CaseID, cmd.MessageID)
	if ErrorCode(err) == ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	undo := cmd.Kind == CmdUnretweet
	price := o.pricing.CommandPrice(cmd.Kind, "", false)
	brand, err := connectedHandle(ctx, o.store, cmd.HandleID)
	if err == nil {
		err = o.checkPause(ctx)
	}
	if err == nil && !undo {
		err = o.checkBudget(ctx, brand, price)
	}
	if err == nil {
		if undo {
			err = o.x.UndoRetweet(ctx, brand, m.XID)
		} else {
			err = o.x.Retweet(ctx, brand, m.XID)
		}
		if err == nil {
			err = o.spent(ctx, cmd.ID, cmd.HandleID, price)
		}
	}
	if err == nil {
		if undo {
			_, err = o.store.RemoveRetweet(ctx, cmd.CaseID, cmd.MessageID, cmd.HandleID)
		} else {
			_, err = o.store.AddRetweet(ctx, cmd.CaseID, cmd.MessageID, Retweet{HandleID: cmd.HandleID, At: o.now()})
		}
		return err
	}
	j, err := o.decide(ctx, cmd, d, err)
	if j == nil {
		return err
	}
	if undo {
		// Nothing to take back: the record went when the agent asked, and
		// X refusing an undo leaves no Retweet we know of.
		o.log.WarnContext(ctx, "undo retweet refused", "message", m.ID, "code", j.code)
		return err
	}
	if j.code == MsgXNotFound {
		j.code, j.reason = ENotRetweetable, "The Tweet is not on X any more, so it cannot be Retweeted (X: "+j.reason+")."
	}
	o.log.InfoContext(ctx, "retweet refused; taking it back", "message", m.ID, "code", j.code)
	_, rerr := o.store.RefuseRetweet(ctx, cmd.CaseID, cmd.MessageID, RetweetRefusal{
		HandleID: cmd.HandleID, Error: MessageError{Code: j.code, Detail: j.reason}, At: o.now()})
	return errors.Join(err, rerr)
}

// ---- follows ----

// follow follows or unfollows the customer and records the new state. A
// protected account answers a follow with a follow request: the follow
// stays pending until X's follow event says the customer accepted it. A
// follow refused for good clears the pending action.
func (o *Outbound) follow(ctx context.Context, cmd Command, d Delivery) error {
	follows := cmd.Kind == CmdFollow
	var ans FollowAnswer
	cust, err := o.store.GetCustomer(ctx, cmd.CustomerID)
	if err != nil {
		return err
	}
	price := o.pricing.CommandPrice(cmd.Kind, "", false)
	brand, err := connectedHandle(ctx, o.store, cmd.HandleID)
	if err == nil {
		_, err = twitterCustomer(ctx, o.store, cust.ID)
	}
	if err == nil {
		err = o.checkPause(ctx)
	}
	if err == nil && follows {
		err = o.checkBudget(ctx, brand, price)
	}
	if err == nil {
		if follows {
			ans, err = o.x.Follow(ctx, brand, cust.Twitter.XUserID)
		} else {
			err = o.x.Unfollow(ctx, brand, cust.Twitter.XUserID)
		}
		if err == nil {
			err = o.spent(ctx, cmd.ID, cmd.HandleID, price)
		}
	}
	if err != nil {
		j, err := o.decide(ctx, cmd, d, err)
		if j == nil {
			return err
		}
		o.log.InfoContext(ctx, "follow refused", "customer", cust.ID, "follow", follows, "code", j.code)
		return errors.Join(err, o.store.SetFollowPending(ctx, cust.ID, cmd.HandleID, "", Agent{}))
	}
	if follows && ans.Pending && !ans.Following {
		o.log.InfoContext(ctx, "follow request sent to a protected account", "customer", cust.ID, "handle", cmd.HandleID)
		// The request recorded it pending already, unless it died first
		// (the reconciler's case) or X's follow event came in meanwhile.
		f, err := o.store.Follow(ctx, cust.ID, cmd.HandleID)
		if err != nil || f.BrandFollowsCustomer || f.Pending == ActionFollow {
			return err
		}
		return o.store.SetFollowPending(ctx, cust.ID, cmd.HandleID, ActionFollow, Agent{})
	}
	_, err = o.store.SetBrandFollowsCustomer(ctx, cust.ID, cmd.HandleID, follows, o.now())
	return err
}

// ---- subscriptions ----

// subscribe brings the brand handle's subscriptions to what the product
// needs (creating what is missing, deleting the deployment's extras of the
// handle) and records the outcome on the handle: active, or failed with
// the reason (after the retries, for X's outages and rate limits).
func (o *Outbound) subscribe(ctx context.Context, cmd Command, d Delivery) error {
	if o.activity == nil {
		return errors.New("no X Activity API client configured")
	}
	h, err := o.store.GetHandle(ctx, cmd.HandleID)
	if ErrorCode(err) == ENotFound {
		return nil // removed meanwhile: its unsubscribe command follows
	}
	if err != nil {
		return err
	}
	var have []string
	if err = h.CanAct(); err == nil {
		// The handle's own path migrates it too: the deployment's
		// subscriptions of this user that are no longer wanted (dm.* since
		// X Chat) are deleted.
		var pruned []XSubscription
		have, pruned, err = SyncSubscriptions(ctx, o.activity, h, o.target, true)
		for _, p := range pruned {
			o.log.InfoContext(ctx, "subscription no longer wanted deleted", "handle_id", h.ID, "event_type", p.EventType, "subscription", p.ID)
		}
	}
	state := Subscriptions{Status: SubsActive, EventTypes: have, UpdatedAt: o.now()}
	if err != nil {
		j, derr := o.decide(ctx, cmd, d, err)
		if j == nil {
			return derr
		}
		o.log.InfoContext(ctx, "subscriptions refused", "handle_id", h.ID, "code", j.code, "err", err)
		state = Subscriptions{Status: SubsFailed, Detail: j.reason, UpdatedAt: o.now()}
		err = derr
	}
	_, serr := SetHandleSubscriptions(ctx, o.store, h.ID, state)
	return errors.Join(err, serr)
}

// unsubscribe deletes the deployment's subscriptions of a removed brand
// handle (the app's bearer token: the handle's own credentials may be
// revoked or gone).
func (o *Outbound) unsubscribe(ctx context.Context, cmd Command, d Delivery) error {
	if o.activity == nil {
		return errors.New("no X Activity API client configured")
	}
	subs, err := o.activity.AppSubscriptions(ctx)
	if err == nil {
		for _, s := range subs {
			if s.UserID != cmd.XUserID || s.WebhookID != o.target.WebhookID {
				continue
			}
			if err = o.activity.DeleteSubscription(ctx, s.ID); isXKind(err, XNotFound) {
				err = nil
			}
			if err != nil {
				break
			}
		}
	}
	if err == nil {
		return nil
	}
	j, derr := o.decide(ctx, cmd, d, err)
	if j == nil {
		return derr
	}
	// Nothing to record it on: the handle is gone. make x-subscriptions
	// PRUNE=1 lists and removes what is left.
	o.log.ErrorContext(ctx, "subscriptions of a removed brand handle could not be deleted", "handle_id", cmd.HandleID,
		"x_user_id", cmd.XUserID, "code", j.code, "err", err)
	return derr
}

// SyncSubscriptions makes X hold, for the brand handle, a subscription on
// the target's webhook to every event type in SubscribedEventTypes: it
// lists what X has, creates what is missing (a duplicate X refuses counts
// as made) and, with prune, deletes the deployment's extras. It returns the
// event types X now holds and the subscriptions it deleted. It is the
// subscribe command's and `make x-subscriptions`'.
func SyncSubscriptions(ctx context.Context, x XActivity, h *BrandHandle, target SubscriptionTarget, prune bool) (have []string, pruned []XSubscription, err error) {
	if target.WebhookID == "" {
		return nil, nil, Errorf(EValidation, "No X webhook id is configured (X_WEBHOOK_ID, the stack's xWebhookId): run make x-webhook and set it.")
	}
	subs, err := x.Subscriptions(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	missing, extra := SubscriptionPlan(subs, h.XUserID, target.WebhookID)
	for _, et := range missing {
		if err := x.CreateSubscription(ctx, h, et, target.Tag, target.WebhookID); err != nil && !isXKind(err, XConflict) {
			return nil, nil, fmt.Errorf("subscribe %s: %w", et, err)
		}
	}
	if prune {
		for _, s := range extra {
			if err := x.DeleteSubscription(ctx, s.ID); err != nil && !isXKind(err, XNotFound) {
				return nil, pruned, fmt.Errorf("delete subscription %s: %w", s.ID, err)
			}
			pruned = append(pruned, s)
		}
	}
	return slices.Clone(SubscribedEventTypes), pruned, nil
}

// isXKind reports whether err is X's failure of that kind.
func isXKind(err error, kind XFailureKind) bool {
	var xf *XFailure
	return errors.As(err, &xf) && xf.Kind == kind
}

// ---- spend ----

// messagePrice is what sending m costs: its price as queued, else (a
// message queued before prices were kept) a Post or DM at list price.
func (o *Outbound) messagePrice(m *Message) Price {
	if m.Price.Kind != "" {
		return m.Price
	}
	if m.Kind == KindDM {
		return o.pricing.price(PriceDM)
	}
	return o.pricing.PostPrice(m.Text, false)
}

// checkBudget is the worker's own check of the brand handle's monthly
// budget right before X is called: other sends may have spent it since
// the request was accepted.
func (o *Outbound) checkBudget(ctx context.Context, h *BrandHandle, price Price) error {
	return checkBudget(ctx, o.store, h, price, o.now())
}

// spent records a completed call's price against the brand handle, once
// per id (a retry records nothing more).
func (o *Outbound) spent(ctx context.Context, id, handleID string, price Price) error {
	if price.Kind == "" {
		return nil
	}
	if _, err := o.store.RecordSpend(ctx, Spend{ID: id, HandleID: handleID, Price: price, At: o.now()}); err != nil {
		return fmt.Errorf("record the spend of %s: %w", id, err)
	}
	return nil
}
