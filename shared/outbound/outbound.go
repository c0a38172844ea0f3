// Package outbound is the outbound worker: it executes the commands the
// console API queues on the outbound FIFO queue (Tweets, mention replies,
// Direct Messages, Retweets, follows) through the X adapter, and records
// the results: a message sent with X's id or failed with X's reason, the
// Retweet set, the follow state.
//
// Delivery rules:
//   - Idempotent: a command whose work is recorded as done does nothing.
//     Once a command is done its support.Work is resolved, so the
//     reconciler (package reconcile) leaves it alone.
//   - No second Tweet or DM, and never another message's: before calling X
//     the message is marked sending (with the time). A command that finds
//     its message still sending may have reached X before the worker died,
//     so it first asks X for the brand handle's Tweets (or its DMs with the
//     customer) that this message may have made: created since that
//     attempt, replying to the same Tweet, with the same text once t.co
//     links are read as the URLs they stand for. It adopts the first one no
//     other message holds (the X id is claimed by a conditional write, see
//     support.MessageStore.PutMessage) and sends only when there is none.
//   - 429: the SQS message comes back after X's x-rate-limit-reset (its
//     visibility is changed). Waiting for X's limit spends no fault
//     attempt: a run of rate limits is bounded in time (RateLimitBudget),
//     and past it, or when X's reset comes after it, the message fails
//     with x_rate_limited and X's reason.
//   - 5xx and timeouts: retried with exponential backoff (through the
//     visibility timeout) until MaxAttempts of them, counted on the work
//     (not SQS's receive count, which rate limits and blocked groups
//     raise too), then the message is failed with x_unavailable.
//   - Other 4xx (duplicate content, DM not allowed...): failed with X's
//     detail at once, no retry. A DM X refuses because the customer does
//     not accept DMs from the brand handle fails with dm_not_allowed (the
//     code the API gives before queueing) and records that the customer
//     does not follow the brand handle.
//   - A follow of a protected account is a follow request: it stays
//     pending until X confirms it with the follow event the webhook
//     delivers when the customer accepts (see support.Inbound).
//   - On the queue's last delivery (MaxReceives) every failure is final,
//     so a command reaches the dead-letter queue only when even its failure
//     cannot be recorded.
//
// The queue is FIFO, grouped per case (messages), per message and brand
// handle (Retweets) and per customer and brand handle (follows). After a
// failure in a batch, the later commands of the same group are reported as
// failures too (and held back as long), so order within a group holds;
// other groups' commands go on, so one customer's fault delays no one else.
package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/xapi"
)

// MaxAttempts is how many transient failures (5xx, timeouts) of a command
// the worker retries before it records the message as failed. Rate limits
// do not count.
const MaxAttempts = 6

// DefaultRateLimitBudget is how long a command may wait for X's rate limits
// before it fails with x_rate_limited: an answer that cannot go out within
// an hour is better shown as failed, so an agent can decide what to do.
const DefaultRateLimitBudget = time.Hour

// clockSkew is how far X's clock and ours may disagree: the look-up of what
// an earlier attempt posted allows for it on both sides of the window.
const clockSkew = 30 * time.Second

// X is what the worker needs from X; *xapi.Client implements it.
type X interface {
	CreateTweet(ctx context.Context, auth xapi.BrandAuth, text, inReplyToTweetID string) (xapi.TweetResult, error)
	SendDM(ctx context.Context, auth xapi.BrandAuth, participantID, text string) (xapi.DMResult, error)
	Retweet(ctx context.Context, auth xapi.BrandAuth, tweetID string) error
	UndoRetweet(ctx context.Context, auth xapi.BrandAuth, tweetID string) error
	Follow(ctx context.Context, auth xapi.BrandAuth, targetUserID string) (xapi.FollowResult, error)
	Unfollow(ctx context.Context, auth xapi.BrandAuth, targetUserID string) error
	// FindTweets returns the ids of the brand handle's Tweets the attempt
	// may have posted, newest first.
	FindTweets(ctx context.Context, auth xapi.BrandAuth, a xapi.Attempt) ([]string, error)
	// FindDMs does the same for Direct Messages to the participant.
	FindDMs(ctx context.Context, auth xapi.BrandAuth, participantID string, a xapi.Attempt) ([]string, error)
}

// outcome is what a failed call to X means for the command.
type outcome int

const (
	// permanentFailure: X refused; trying again will not help.
	permanentFailure outcome = iota
	// transientFailure: a 5xx, a timeout, a broken connection, or our own
	// store failing; X may or may not have acted.
	transientFailure
	// rateLimited: X did nothing; try again after the reset time.
	rateLimited
)

// classify tells what a failed call means, with the reason to record on
// the message and, when rate limited, when to try again.
func classify(err error, now time.Time) (o outcome, code, detail string, retryAt time.Time) {
	var appErr *support.Error
	if errors.As(err, &appErr) {
		return permanentFailure, appErr.Code, appErr.Message, time.Time{}
	}
	xe, isX := xapi.AsError(err)
	switch {
	case xapi.IsRateLimited(err):
		retryAt = xapi.RetryAt(err)
		if retryAt.IsZero() {
			retryAt = now.Add(time.Minute)
		}
		return rateLimited, "x_rate_limited", xe.Reason(), retryAt
	case !isX || xapi.IsRetryable(err):
		return transientFailure, "x_unavailable", "X did not answer; it may be down.", time.Time{}
	case xapi.IsUnauthorized(err):
		return permanentFailure, "x_unauthorized", xe.Reason(), time.Time{}
	case xapi.IsDuplicate(err):
		return permanentFailure, "x_duplicate", xe.Reason(), time.Time{}
	case xapi.IsNotFound(err):
		return permanentFailure, "x_not_found", xe.Reason(), time.Time{}
	}
	return permanentFailure, "x_refused", xe.Reason(), time.Time{}
}

// Delayer changes when a received SQS message becomes visible again.
type Delayer interface {
	Delay(ctx context.Context, receiptHandle string, d time.Duration) error
}

// Worker executes outbound commands.
type Worker struct {
	store       support.Store
	x           X
	activity    Activity
	subs        SubscriptionConfig
	delay       Delayer
	now         func() time.Time
	log         *slog.Logger
	backoff     func(attempt int) time.Duration
	rateBudget  time.Duration
	maxReceives int
}

// Deps are the worker's dependencies.
type Deps struct {
	Store support.Store
	X     X
	// Activity manages the brand handles' X Activity API subscriptions;
	// nil means X, when it implements Activity (*xapi.Client does).
	Activity Activity
	// Subscriptions is the deployment's webhook id and tag.
	Subscriptions SubscriptionConfig
	Delayer       Delayer
	Now           func() time.Time
	Logger        *slog.Logger
	// Backoff is the wait before attempt n+1 after the n-th transient
	// failure; nil means 2^n seconds, at most five minutes.
	Backoff func(attempt int) time.Duration
	// RateLimitBudget bounds a run of rate limits; 0 means
	// DefaultRateLimitBudget.
	RateLimitBudget time.Duration
	// MaxReceives is the queue's maximum receive count: on that delivery
	// every failure is final. 0 means queues.Outbound's.
	MaxReceives int
}

// New returns a worker.
func New(d Deps) *Worker {
	w := &Worker{store: d.Store, x: d.X, activity: d.Activity, subs: d.Subscriptions, delay: d.Delayer, now: d.Now, log: d.Logger, backoff: d.Backoff,
		rateBudget: d.RateLimitBudget, maxReceives: d.MaxReceives}
	if a, ok := d.X.(Activity); ok && w.activity == nil {
		w.activity = a
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.backoff == nil {
		w.backoff = backoff
	}
	if w.rateBudget <= 0 {
		w.rateBudget = DefaultRateLimitBudget
	}
	if w.maxReceives <= 0 {
		w.maxReceives = queues.Outbound.MaxReceiveCount
	}
	return w
}

// retry asks for the SQS message to come back after a while.
type retry struct {
	after time.Duration
	cause error
}

func (r *retry) Error() string { return fmt.Sprintf("retry in %s: %v", r.after, r.cause) }
func (r *retry) Unwrap() error { return r.cause }

// errSuperseded: a later command carries the command's work now (a newer
// request, or the reconciler's re-queue), so this one stops retrying.
var errSuperseded = errors.New("outbound: superseded by a later command")

// Handle executes a batch of commands in order and reports the messages to
// deliver again: a failed command and the later ones of its group, each
// held back as long as the failed one.
func (w *Worker) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	held := map[string]time.Duration{} // group → how long its failed command waits
	for _, rec := range batch.Records {
		group := groupOf(rec)
		after, blocked := held[group]
		if !blocked {
			err := w.handleOne(ctx, rec)
			if err == nil {
				continue
			}
			var r *retry
			if errors.As(err, &r) {
				after = r.after
			} else {
				after = w.backoff(sqsqueue.ReceiveCount(rec))
			}
			held[group] = after
			w.log.WarnContext(ctx, "command not done; will retry", "message_id", rec.MessageId, "group", group, "after", after, "err", err)
		}
		if w.delay != nil && rec.ReceiptHandle != "" {
			if derr := w.delay.Delay(ctx, rec.ReceiptHandle, after); derr != nil {
				w.log.WarnContext(ctx, "could not delay the retry", "message_id", rec.MessageId, "err", derr)
			}
		}
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
	}
	return resp, nil
}

// groupOf is the record's FIFO message group: SQS's attribute, else the
// command's own GroupID, else the record alone.
func groupOf(rec events.SQSMessage) string {
	if g := rec.Attributes["MessageGroupId"]; g != "" {
		return g
	}
	var cmd support.Command
	if json.Unmarshal([]byte(rec.Body), &cmd) == nil && cmd.ID != "" {
		return cmd.GroupID()
	}
	return "record-" + rec.MessageId
}

func (w *Worker) handleOne(ctx context.Context, rec events.SQSMessage) error {
	var cmd support.Command
	if err := json.Unmarshal([]byte(rec.Body), &cmd); err != nil || cmd.ID == "" {
		// It will never parse: after the retries it lands in the DLQ.
		return fmt.Errorf("outbound: unreadable command in message %s: %v", rec.MessageId, err)
	}
	receives := sqsqueue.ReceiveCount(rec)
	ctx = withLastChance(ctx, receives >= w.maxReceives)
	log := w.log.With("command", cmd.ID, "kind", cmd.Kind, "receives", receives)
	var err error
	switch cmd.Kind {
	case support.CmdTweet, support.CmdDM:
		err = w.send(ctx, cmd)
	case support.CmdRetweet, support.CmdUnretweet:
		err = w.retweet(ctx, cmd)
	case support.CmdFollow, support.CmdUnfollow:
		err = w.follow(ctx, cmd)
	case support.CmdSubscribe:
		err = w.subscribe(ctx, cmd)
	case support.CmdUnsubscribe:
		err = w.unsubscribe(ctx, cmd)
	default:
		err = fmt.Errorf("outbound: unknown command kind %q", cmd.Kind)
	}
	if errors.Is(err, errSuperseded) {
		log.InfoContext(ctx, "command superseded by a later one")
		return nil
	}
	if err == nil {
		err = w.store.ResolveWork(ctx, cmd)
	}
	if err != nil {
		return fmt.Errorf("outbound: %s %s: %w", cmd.Kind, cmd.ID, err)
	}
	log.InfoContext(ctx, "command done")
	return nil
}

type lastChanceKey struct{}

// withLastChance marks the queue's last delivery of the command, on which
// every failure is final.
func withLastChance(ctx context.Context, last bool) context.Context {
	return context.WithValue(ctx, lastChanceKey{}, last)
}

func lastChance(ctx context.Context) bool {
	last, _ := ctx.Value(lastChanceKey{}).(bool)
	return last
}

// maxBackoff is the longest wait after a transient failure.
const maxBackoff = 5 * time.Minute

// backoff is the wait before the next attempt after a transient failure:
// 2, 4, 8... seconds, at most maxBackoff.
func backoff(attempt int) time.Duration {
	d := time.Duration(1<<min(max(attempt, 0), 8)) * time.Second
	return min(d, maxBackoff)
}

// send posts a message's Tweet or DM.
func (w *Worker) send(ctx context.Context, cmd support.Command) error {
	m, err := w.store.GetMessage(ctx, cmd.CaseID, cmd.MessageID)
	if support.ErrorCode(err) == support.ENotFound {
		// Its request died before writing it: nothing to send.
		w.log.WarnContext(ctx, "command for a message that does not exist", "case", cmd.CaseID, "message", cmd.MessageID)
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status == support.StatusSent || m.Status == support.StatusFailed {
		return nil // done before: a redelivery
	}
	brand, err := w.brand(ctx, cmd.HandleID)
	if err != nil {
		return w.fail(ctx, m, err)
	}
	var cust *support.Customer // a DM's recipient
	switch m.Kind {
	case support.KindTweet:
	case support.KindDM:
		if cust, err = w.recipient(ctx, m.CaseID); err != nil {
			return w.xFailure(ctx, cmd, m, err)
		}
	default:
		return w.fail(ctx, m, support.Errorf(support.EValidation, "A %s message cannot be sent.", m.Kind))
	}
	if m.Status == support.StatusSending {
		// A previous attempt may have reached X: look before sending again.
		done, err := w.adopt(ctx, m, brand, cust)
		if err != nil {
			return w.xFailure(ctx, cmd, m, err)
		}
		if done {
			return nil
		}
	}
	m.Status, m.AttemptedAt = support.StatusSending, w.now()
	if err := w.store.PutMessage(ctx, m); err != nil {
		return err
	}
	var xid string
	if m.Kind == support.KindTweet {
		var tw xapi.TweetResult
		tw, err = w.x.CreateTweet(ctx, brand, m.Text, m.InReplyToXID)
		xid = tw.ID
	} else {
		var dm xapi.DMResult
		dm, err = w.x.SendDM(ctx, brand, cust.Twitter.XUserID, m.Text)
		xid = dm.EventID
	}
	if xapi.IsDMNotAllowed(err) {
		return w.dmRefused(ctx, cmd, m, cust, err)
	}
	if err != nil {
		return w.xFailure(ctx, cmd, m, err)
	}
	taken, err := w.record(ctx, m, xid)
	if err != nil {
		return err
	}
	if taken {
		// Another message adopted this very Tweet or DM while ours was on
		// its way (same text, same target, within the same seconds).
		w.log.ErrorContext(ctx, "X id of a message just sent is held by another message", "message", m.ID, "kind", m.Kind, "x_id", xid)
		return w.fail(ctx, m, support.Errorf(support.EConflict,
			"X's %s %s, sent for this message, is recorded on another message with the same text.", m.Kind, xid))
	}
	return nil
}

// adopt looks on X for the Tweet or DM an earlier attempt of m may have
// made and records the first one no other message holds; it reports
// whether m is now done.
func (w *Worker) adopt(ctx context.Context, m *support.Message, brand xapi.BrandAuth, cust *support.Customer) (bool, error) {
	a := xapi.Attempt{Text: m.Text, InReplyToTweetID: m.InReplyToXID, From: m.AttemptedAt.Add(-clockSkew), To: w.now().Add(clockSkew)}
	var ids []string
	var err error
	if m.Kind == support.KindTweet {
		ids, err = w.x.FindTweets(ctx, brand, a)
	} else {
		ids, err = w.x.FindDMs(ctx, brand, cust.Twitter.XUserID, a)
	}
	if err != nil {
		return false, err
	}
	for _, xid := range ids {
		holder, err := w.store.MessageByXID(ctx, m.Kind, xid)
		switch {
		case support.ErrorCode(err) == support.ENotFound:
		case err != nil:
			return false, err
		case holder.ID != m.ID || holder.CaseID != m.CaseID:
			continue // another message's Tweet or DM
		}
		taken, err := w.record(ctx, m, xid)
		if err != nil || !taken {
			if err == nil {
				w.log.InfoContext(ctx, "adopted what an earlier attempt sent", "message", m.ID, "kind", m.Kind, "x_id", xid)
			}
			return err == nil, err
		}
	}
	return false, nil
}

// record marks m sent with X's id, claiming the id (a conditional write);
// it reports taken when another message holds the id, and changes nothing
// then. A message already sent by another path (the webhook's echo) is
// left as it is.
func (w *Worker) record(ctx context.Context, m *support.Message, xid string) (taken bool, err error) {
	for range 8 {
		if m.Status == support.StatusSent {
			return false, nil
		}
		next := *m
		next.Status, next.XID, next.Error, next.SentAt = support.StatusSent, xid, nil, w.now()
		err := w.store.PutMessage(ctx, &next)
		if err == nil {
			*m = next
			return false, nil
		}
		if support.ErrorCode(err) != support.EConflict {
			return false, err
		}
		cur, err := w.store.GetMessage(ctx, m.CaseID, m.ID)
		if err != nil {
			return false, err
		}
		if cur.Version == m.Version {
			return true, nil // our version was current: the X id is another message's
		}
		*m = *cur
	}
	return false, support.Errorf(support.EConflict, "The message %s kept changing.", m.ID)
}

// dmRefused records X's refusal of a DM for lack of a follow: the customer
// does not follow the brand handle (as of now), and the message fails with
// dm_not_allowed.
func (w *Worker) dmRefused(ctx context.Context, cmd support.Command, m *support.Message, cust *support.Customer, xerr error) error {
	if _, err := w.store.SetCustomerFollowsBrand(ctx, cust.ID, cmd.HandleID, false, w.now()); err != nil {
		return err
	}
	reason := ""
	if xe, ok := xapi.AsError(xerr); ok {
		reason = " (X: " + xe.Reason() + ")"
	}
	return w.fail(ctx, m, support.Errorf(support.EDMNotAllowed,
		"@%s does not accept Direct Messages from this brand handle: they do not follow it%s.", cust.Twitter.Handle, reason))
}

// xFailure decides what a failed call to X means for the message: a retry
// later, or the message failed with X's reason.
func (w *Worker) xFailure(ctx context.Context, cmd support.Command, m *support.Message, err error) error {
	r, giveUp, derr := w.decide(ctx, cmd, err)
	if derr != nil {
		return derr
	}
	if giveUp != nil {
		return w.fail(ctx, m, giveUp)
	}
	if o, _, _, _ := classify(err, w.now()); o == rateLimited {
		// X did nothing, so the next attempt need not look for the Tweet.
		if _, err := support.UpdateMessage(ctx, w.store, m, func(m *support.Message) bool {
			changed := m.Status == support.StatusSending
			m.Status = support.StatusQueued
			return changed
		}); err != nil {
			return err
		}
	}
	return r
}

// fail records the message as failed with a reason.
func (w *Worker) fail(ctx context.Context, m *support.Message, reason error) error {
	code, detail := support.ErrorCode(reason), support.ErrorMessage(reason)
	w.log.InfoContext(ctx, "message failed", "message", m.ID, "code", code)
	_, err := support.UpdateMessage(ctx, w.store, m, func(m *support.Message) bool {
		if m.Status == support.StatusSent || m.Status == support.StatusFailed {
			return false
		}
		m.Status, m.Error = support.StatusFailed, &support.MessageError{Code: code, Detail: detail}
		return true
	})
	return err
}

func (w *Worker) brand(ctx context.Context, handleID string) (xapi.BrandAuth, error) {
	h, err := w.store.GetHandle(ctx, handleID)
	if err != nil {
		return xapi.BrandAuth{}, err
	}
	if h.Status != support.HandleConnected {
		return xapi.BrandAuth{}, support.Errorf(support.EHandleDisconnected, "@%s is disconnected from X.", h.ScreenName)
	}
	return xapi.BrandAuth{XUserID: h.XUserID, CredentialsSecret: h.CredentialsSecret}, nil
}

// recipient is the customer of the case, who must still have a Twitter handle.
func (w *Worker) recipient(ctx context.Context, caseID string) (*support.Customer, error) {
	c, err := w.store.GetCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	cust, err := w.store.GetCustomer(ctx, c.CustomerID)
	if err != nil {
		return nil, err
	}
	if !cust.HasTwitter() {
		return nil, support.Errorf(support.ECustomerHasNoTwitterHandle, "The customer has no Twitter handle any more.")
	}
	return cust, nil
}

// retweet Retweets a customer's Tweet, or undoes it, and makes the
// message's Retweet set say what is now true on X. When X refuses a
// Retweet for good it is taken back.
func (w *Worker) retweet(ctx context.Context, cmd support.Command) error {
	m, err := w.store.GetMessage(ctx, cmd.CaseID, cmd.MessageID)
	if support.ErrorCode(err) == support.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	undo := cmd.Kind == support.CmdUnretweet
	brand, err := w.brand(ctx, cmd.HandleID)
	if err == nil {
		if undo {
			err = w.x.UndoRetweet(ctx, brand, m.XID)
		} else {
			err = w.x.Retweet(ctx, brand, m.XID)
		}
	}
	if err == nil {
		if undo {
			_, err = w.store.RemoveRetweet(ctx, cmd.CaseID, cmd.MessageID, cmd.HandleID)
		} else {
			_, err = w.store.AddRetweet(ctx, cmd.CaseID, cmd.MessageID, support.Retweet{HandleID: cmd.HandleID, At: w.now()})
		}
		return err
	}
	r, giveUp, derr := w.decide(ctx, cmd, err)
	if derr != nil {
		return derr
	}
	if giveUp == nil {
		return r
	}
	if undo {
		// Nothing to take back: the record went when the agent asked, and
		// X refusing an undo leaves no Retweet we know of.
		w.log.WarnContext(ctx, "undo retweet refused", "message", m.ID, "code", giveUp.Code)
		return nil
	}
	w.log.InfoContext(ctx, "retweet refused; taking it back", "message", m.ID, "code", giveUp.Code)
	_, err = w.store.RefuseRetweet(ctx, cmd.CaseID, cmd.MessageID, support.RetweetRefusal{
		HandleID: cmd.HandleID, Error: support.MessageError{Code: giveUp.Code, Detail: giveUp.Message}, At: w.now()})
	return err
}

// follow follows or unfollows the customer and records the new state. A
// protected account answers a follow with a follow request: the follow
// stays pending until X's follow event says the customer accepted it.
func (w *Worker) follow(ctx context.Context, cmd support.Command) error {
	follows := cmd.Kind == support.CmdFollow
	cust, err := w.store.GetCustomer(ctx, cmd.CustomerID)
	if err != nil {
		return err
	}
	brand, err := w.brand(ctx, cmd.HandleID)
	if err == nil && !cust.HasTwitter() {
		err = support.Errorf(support.ECustomerHasNoTwitterHandle, "The customer has no Twitter handle.")
	}
	var res xapi.FollowResult
	if err == nil {
		if follows {
			res, err = w.x.Follow(ctx, brand, cust.Twitter.XUserID)
		} else {
			err = w.x.Unfollow(ctx, brand, cust.Twitter.XUserID)
		}
	}
	if err != nil {
		r, giveUp, derr := w.decide(ctx, cmd, err)
		if derr != nil {
			return derr
		}
		if giveUp == nil {
			return r
		}
		w.log.InfoContext(ctx, "follow refused", "customer", cust.ID, "follow", follows, "code", giveUp.Code)
		return w.store.SetFollowPending(ctx, cust.ID, cmd.HandleID, "", support.Agent{})
	}
	if follows && res.PendingFollow && !res.Following {
		w.log.InfoContext(ctx, "follow request sent to a protected account", "customer", cust.ID, "handle", cmd.HandleID)
		// The request recorded it pending already, unless it died first
		// (the reconciler's case) or X's follow event came in meanwhile.
		f, err := w.store.Follow(ctx, cust.ID, cmd.HandleID)
		if err != nil || f.BrandFollowsCustomer || f.Pending == support.ActionFollow {
			return err
		}
		return w.store.SetFollowPending(ctx, cust.ID, cmd.HandleID, support.ActionFollow, support.Agent{})
	}
	_, err = w.store.SetBrandFollowsCustomer(ctx, cust.ID, cmd.HandleID, follows, w.now())
	return err
}

// decide tells what a failed call to X means for the command: a retry
// (returned as the error to hand back), or the reason to give up with.
// Transient failures count against MaxAttempts and rate limits against
// the rate-limit budget, both on the command's work; on the queue's last
// delivery every failure is final. A command whose work another command
// carries now gets errSuperseded.
func (w *Worker) decide(ctx context.Context, cmd support.Command, err error) (retryErr error, giveUp *support.Error, _ error) {
	now := w.now()
	o, code, detail, retryAt := classify(err, now)
	giveUp = &support.Error{Code: code, Message: detail}
	if o == permanentFailure {
		return nil, giveUp, nil
	}
	last := lastChance(ctx)
	if o == transientFailure && last {
		return nil, giveUp, nil
	}
	due := retryAt
	if o == transientFailure {
		due = now.Add(maxBackoff) // the retry comes back by then at the latest
	}
	work, nerr := w.store.NoteRetry(ctx, cmd, due, o == transientFailure, now)
	if support.ErrorCode(nerr) == support.EConflict {
		return nil, nil, errSuperseded
	}
	if nerr != nil {
		return nil, nil, nerr
	}
	switch o {
	case rateLimited:
		deadline := work.RateLimitedSince.Add(w.rateBudget)
		if last || retryAt.After(deadline) {
			giveUp.Message = fmt.Sprintf("X's rate limit: %s (X allows the next try at %s; waited since %s).",
				detail, retryAt.UTC().Format(time.RFC3339), work.RateLimitedSince.UTC().Format(time.RFC3339))
			return nil, giveUp, nil
		}
		return &retry{after: max(retryAt.Sub(now), time.Second), cause: err}, nil, nil
	default:
		if work.Faults >= MaxAttempts {
			return nil, giveUp, nil
		}
		return &retry{after: min(w.backoff(work.Faults), maxBackoff), cause: err}, nil, nil
	}
}
