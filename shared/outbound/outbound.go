// Package outbound is the outbound worker: it executes the commands the
// console API queues on the outbound FIFO queue (Tweets, mention replies,
// Direct Messages, Retweets, follows) through the X adapter, and records
// the results: a message sent with X's id or failed with X's reason, the
// Retweet set, the follow state.
//
// Delivery rules:
//   - Idempotent: a command whose work is recorded as done does nothing.
//   - No second Tweet or DM: before calling X the message is marked sending
//     (with the time). A command that finds its message still sending may
//     have reached X before the worker died, so it first asks X for the
//     brand handle's recent Tweets (or its DMs with the customer) and
//     adopts a match instead of sending again.
//   - 429: the SQS message comes back after X's x-rate-limit-reset (its
//     visibility is changed) and is reported as a batch item failure.
//   - 5xx and timeouts: retried with exponential backoff (through the
//     visibility timeout) until MaxAttempts, then the message is failed.
//   - Other 4xx (duplicate content, DM not allowed...): failed with X's
//     detail at once, no retry.
//   - Only when even the failure cannot be recorded does the SQS message
//     stay failed until the queue moves it to the dead-letter queue.
//
// The queue is FIFO: after the first failure in a batch, that message and
// every later one are reported as failures, so order within a group holds.
package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/xapi"
)

// MaxAttempts is how many deliveries of a command the worker retries X's
// transient failures for, before it records the message as failed. It is
// below the queue's maximum receive count, so the failure is recorded before
// SQS dead-letters the message.
const MaxAttempts = 6

// X is what the worker needs from X; *xapi.Client implements it.
type X interface {
	CreateTweet(ctx context.Context, auth xapi.BrandAuth, text, inReplyToTweetID string) (xapi.TweetResult, error)
	SendDM(ctx context.Context, auth xapi.BrandAuth, participantID, text string) (xapi.DMResult, error)
	Retweet(ctx context.Context, auth xapi.BrandAuth, tweetID string) error
	UndoRetweet(ctx context.Context, auth xapi.BrandAuth, tweetID string) error
	Follow(ctx context.Context, auth xapi.BrandAuth, targetUserID string) (xapi.FollowResult, error)
	Unfollow(ctx context.Context, auth xapi.BrandAuth, targetUserID string) error
	// FindTweet returns the id of the brand handle's Tweet with this text
	// posted since a time, or "".
	FindTweet(ctx context.Context, auth xapi.BrandAuth, text string, since time.Time) (string, error)
	// FindDM does the same for a Direct Message to the participant.
	FindDM(ctx context.Context, auth xapi.BrandAuth, participantID, text string, since time.Time) (string, error)
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
	store   support.Store
	x       X
	delay   Delayer
	now     func() time.Time
	log     *slog.Logger
	backoff func(attempt int) time.Duration
}

// Deps are the worker's dependencies.
type Deps struct {
	Store   support.Store
	X       X
	Delayer Delayer
	Now     func() time.Time
	Logger  *slog.Logger
	// Backoff is the wait before attempt n+1 after a transient failure of
	// attempt n; nil means 2^n seconds, at most five minutes.
	Backoff func(attempt int) time.Duration
}

// New returns a worker.
func New(d Deps) *Worker {
	w := &Worker{store: d.Store, x: d.X, delay: d.Delayer, now: d.Now, log: d.Logger, backoff: d.Backoff}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	if w.backoff == nil {
		w.backoff = backoff
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

// Handle executes a batch of commands in order and reports the messages to
// deliver again.
func (w *Worker) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for i, rec := range batch.Records {
		err := w.handleOne(ctx, rec)
		if err == nil {
			continue
		}
		var r *retry
		if errors.As(err, &r) && w.delay != nil && rec.ReceiptHandle != "" {
			if derr := w.delay.Delay(ctx, rec.ReceiptHandle, r.after); derr != nil {
				w.log.WarnContext(ctx, "could not delay the retry", "message_id", rec.MessageId, "err", derr)
			}
		}
		w.log.WarnContext(ctx, "command not done; will retry", "message_id", rec.MessageId, "err", err)
		for _, rest := range batch.Records[i:] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rest.MessageId})
		}
		break
	}
	return resp, nil
}

func (w *Worker) handleOne(ctx context.Context, rec events.SQSMessage) error {
	var cmd support.Command
	if err := json.Unmarshal([]byte(rec.Body), &cmd); err != nil || cmd.ID == "" {
		// It will never parse: after the retries it lands in the DLQ.
		return fmt.Errorf("outbound: unreadable command in message %s: %v", rec.MessageId, err)
	}
	attempt := sqsqueue.ReceiveCount(rec)
	ctx = withAttempt(ctx, attempt)
	log := w.log.With("command", cmd.ID, "kind", cmd.Kind, "attempt", attempt)
	var err error
	switch cmd.Kind {
	case support.CmdTweet, support.CmdDM:
		err = w.send(ctx, cmd)
	case support.CmdRetweet, support.CmdUnretweet:
		err = w.retweet(ctx, cmd)
	case support.CmdFollow, support.CmdUnfollow:
		err = w.follow(ctx, cmd)
	default:
		err = fmt.Errorf("outbound: unknown command kind %q", cmd.Kind)
	}
	if err != nil {
		return fmt.Errorf("outbound: %s %s: %w", cmd.Kind, cmd.ID, err)
	}
	log.InfoContext(ctx, "command done")
	return nil
}

type attemptKey struct{}

func withAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}
func attemptOf(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}

// backoff is the wait before the next attempt after a transient failure:
// 2, 4, 8... seconds, at most five minutes.
func backoff(attempt int) time.Duration {
	d := time.Duration(1<<min(attempt, 8)) * time.Second
	return min(d, 5*time.Minute)
}

// send posts a message's Tweet or DM.
func (w *Worker) send(ctx context.Context, cmd support.Command) error {
	m, err := w.store.GetMessage(ctx, cmd.CaseID, cmd.MessageID)
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
	var to string // a DM's recipient
	switch m.Kind {
	case support.KindTweet:
	case support.KindDM:
		if to, err = w.customerXID(ctx, m.CaseID); err != nil {
			return w.xFailure(ctx, m, err)
		}
	default:
		return w.fail(ctx, m, support.Errorf(support.EValidation, "A %s message cannot be sent.", m.Kind))
	}
	if m.Status == support.StatusSending {
		// A previous attempt may have reached X: look before sending again.
		since := m.AttemptedAt.Add(-time.Minute)
		var xid string
		if m.Kind == support.KindTweet {
			xid, err = w.x.FindTweet(ctx, brand, m.Text, since)
		} else {
			xid, err = w.x.FindDM(ctx, brand, to, m.Text, since)
		}
		if err != nil {
			return w.xFailure(ctx, m, err)
		}
		if xid != "" {
			return w.sent(ctx, m, xid)
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
		dm, err = w.x.SendDM(ctx, brand, to, m.Text)
		xid = dm.EventID
		if xapi.IsDMNotFollowing(err) {
			w.noLongerFollows(ctx, m.CaseID, cmd.HandleID)
		}
	}
	if err != nil {
		return w.xFailure(ctx, m, err)
	}
	return w.sent(ctx, m, xid)
}

// noLongerFollows corrects the follow state after X refused a DM because
// the customer does not follow the brand handle: an unfollow was lost, or
// X Activity's follow events (which carry no time) were applied out of
// order. X's refusal is the newest fact there is, so it is recorded as of
// now; the reply options then stop offering DM. Best effort: the message
// fails with X's reason whatever happens here.
func (w *Worker) noLongerFollows(ctx context.Context, caseID, handleID string) {
	c, err := w.store.GetCase(ctx, caseID)
	if err == nil {
		_, err = w.store.SetCustomerFollowsBrand(ctx, c.CustomerID, handleID, false, w.now())
	}
	if err != nil {
		w.log.WarnContext(ctx, "follow state not corrected after X refused a DM", "case", caseID, "code", support.ErrorCode(err), "err", err)
		return
	}
	w.log.InfoContext(ctx, "X refused a DM: the customer does not follow the brand handle", "case", caseID, "customer", c.CustomerID)
}

// sent records X's id and time on the message, whatever raced it.
func (w *Worker) sent(ctx context.Context, m *support.Message, xid string) error {
	_, err := support.UpdateMessage(ctx, w.store, m, func(m *support.Message) bool {
		if m.Status == support.StatusSent {
			return false
		}
		m.Status, m.XID, m.Error = support.StatusSent, xid, nil
		m.SentAt = w.now()
		return true
	})
	return err
}

// xFailure decides what a failed call to X means for the message: a retry
// later, or the message failed with X's reason.
func (w *Worker) xFailure(ctx context.Context, m *support.Message, err error) error {
	o, code, detail, _ := classify(err, w.now())
	r := w.retryFor(ctx, err)
	if r == nil {
		return w.fail(ctx, m, &support.Error{Code: code, Message: detail})
	}
	if o == rateLimited {
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

func (w *Worker) customerXID(ctx context.Context, caseID string) (string, error) {
	c, err := w.store.GetCase(ctx, caseID)
	if err != nil {
		return "", err
	}
	cust, err := w.store.GetCustomer(ctx, c.CustomerID)
	if err != nil {
		return "", err
	}
	if !cust.HasTwitter() {
		return "", support.Errorf(support.ECustomerHasNoTwitterHandle, "The customer has no Twitter handle any more.")
	}
	return cust.Twitter.XUserID, nil
}

// retweet Retweets a customer's Tweet, or undoes it. The console API has
// already changed the message's Retweet set; when X refuses a Retweet for
// good, it is taken back, so the set shows what is true on X.
func (w *Worker) retweet(ctx context.Context, cmd support.Command) error {
	m, err := w.store.GetMessage(ctx, cmd.CaseID, cmd.MessageID)
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
		return nil
	}
	if r := w.retryFor(ctx, err); r != nil {
		return r
	}
	if undo {
		// Nothing to take back: the record went when the agent asked, and
		// X refusing an undo leaves no Retweet we know of.
		w.log.WarnContext(ctx, "undo retweet refused", "message", m.ID, "err", err)
		return nil
	}
	w.log.InfoContext(ctx, "retweet refused; taking it back", "message", m.ID, "err", err)
	_, code, detail, _ := classify(err, w.now())
	_, err = w.store.RefuseRetweet(ctx, cmd.CaseID, cmd.MessageID, support.RetweetRefusal{
		HandleID: cmd.HandleID, Error: support.MessageError{Code: code, Detail: detail}, At: w.now()})
	return err
}

// follow follows or unfollows the customer and records the new state.
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
	if err == nil {
		if follows {
			_, err = w.x.Follow(ctx, brand, cust.Twitter.XUserID)
		} else {
			err = w.x.Unfollow(ctx, brand, cust.Twitter.XUserID)
		}
	}
	if err != nil {
		if r := w.retryFor(ctx, err); r != nil {
			return r
		}
		w.log.InfoContext(ctx, "follow refused", "customer", cust.ID, "follow", follows, "code", support.ErrorCode(err))
		return w.store.SetFollowPending(ctx, cust.ID, cmd.HandleID, "", support.Agent{})
	}
	_, err = w.store.SetBrandFollowsCustomer(ctx, cust.ID, cmd.HandleID, follows, w.now())
	return err
}

// retryFor returns the retry a failed call to X deserves, or nil when it
// should be given up on: X refused, or the attempts are used up.
func (w *Worker) retryFor(ctx context.Context, err error) error {
	o, _, _, retryAt := classify(err, w.now())
	switch {
	case o == rateLimited:
		return &retry{after: max(retryAt.Sub(w.now()), time.Second), cause: err}
	case o == transientFailure && attemptOf(ctx) < MaxAttempts:
		return &retry{after: w.backoff(attemptOf(ctx)), cause: err}
	}
	return nil
}
