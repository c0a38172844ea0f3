// Package inbound is the inbound worker: it takes SQS batches of the
// webhook's payloads (X's Account Activity JSON or X Activity deliveries,
// verbatim), parses them into events and applies each through
// casework.Inbound, which does not know which format an event came in.
//
// A message whose events all applied is done; any other is reported as a
// batch item failure, so SQS delivers it again (events already applied are
// skipped) and, after the queue's maximum receive count, moves it to the
// dead-letter queue. Nothing is dropped silently.
//
// One bad event does not sink its siblings: every event of a message that
// parses is applied, and each one that does not is logged (where it is in
// the payload and why) and keeps its message failing, so the message ends
// in the dead-letter queue with only that event unapplied (the others are
// skipped as applied when it is redriven). The webhook queues one event
// per message, so a bad event normally reaches the dead-letter queue alone.
// An X Activity delivery of a type the product does not use is done at
// once (the webhook does not queue those; one queued before is counted).
package inbound

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/activity"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/emf"
)

// Applier applies one event from X.
type Applier interface {
	Apply(ctx context.Context, ev casework.Event) error
}

// Concurrency is how many messages of a batch a worker applies at once
// (the queue's batches hold at most 10).
const Concurrency = 10

// Worker handles batches of the inbound queue.
type Worker struct {
	apply Applier
	log   *slog.Logger
	kept  claimcheck.Store
}

// New returns a worker applying events through apply.
func New(apply Applier, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.Default()
	}
	return &Worker{apply: apply, log: log}
}

// WithKept makes the worker read the deliveries the webhook kept in s
// because they were larger than a queue message (shared/claimcheck): a
// pointer message is applied as the delivery it names.
func (w *Worker) WithKept(s claimcheck.Store) *Worker {
	w.kept = s
	return w
}

// errKeptUnread wraps the failure to read a kept delivery: the message is
// tried again, and after the queue's retries dead-lettered, pointer and all.
type errKeptUnread struct{ err error }

func (e errKeptUnread) Error() string { return "kept delivery not read: " + e.err.Error() }
func (e errKeptUnread) Unwrap() error { return e.err }

// body is the delivery a message carries: its own body, or the body a
// pointer message names.
func (w *Worker) body(ctx context.Context, rec events.SQSMessage) ([]byte, error) {
	p, ok := claimcheck.Read([]byte(rec.Body))
	if !ok {
		return []byte(rec.Body), nil
	}
	if w.kept == nil {
		return nil, errKeptUnread{errors.New("the worker has no store of kept deliveries")}
	}
	b, err := claimcheck.Fetch(ctx, w.kept, p)
	if err != nil {
		return nil, errKeptUnread{err}
	}
	return b, nil
}

// Handle processes a batch and reports the messages to deliver again. The
// messages of one customer (or, for a brand handle's own events, of one
// brand handle) are applied one after another in batch order; those of
// different customers at the same time, up to Concurrency. The rules do
// not rely on that order (the queue is a standard one, and Lambda runs
// several batches at once), but keeping it spares a customer's events
// needless conflicts.
func (w *Worker) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	parsed := make([]activity.Parsed, len(batch.Records))
	errs := make([]error, len(batch.Records))
	var order []string
	groups := map[string][]int{}
	for i, rec := range batch.Records {
		body, err := w.body(ctx, rec)
		if err == nil {
			parsed[i], err = activity.ParseMessage(body, SentAt(rec))
		}
		errs[i] = err
		key := partyOf(parsed[i], rec.MessageId)
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], i)
	}
	sem := make(chan struct{}, Concurrency)
	var wg sync.WaitGroup
	for _, key := range order {
		wg.Go(func() {
			for _, i := range groups[key] {
				sem <- struct{}{}
				errs[i] = w.handleOne(ctx, batch.Records[i], parsed[i], errs[i])
				<-sem
			}
		})
	}
	wg.Wait()
	var resp events.SQSEventResponse
	for i, rec := range batch.Records {
		if errs[i] != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	return resp, nil
}

// partyOf is the key whose messages are applied in order: the customer's
// X user id of the message's first event, the brand handle's for its own
// (revocation, rename), or the message's own id (nothing to order it with).
func partyOf(p activity.Parsed, messageID string) string {
	if len(p.Events) == 0 {
		return "message:" + messageID
	}
	ev := p.Events[0]
	other := func(a, b casework.XAccount) string {
		if a.ID == ev.ForUserID {
			return b.ID
		}
		return a.ID
	}
	var id string
	switch {
	case ev.Tweet != nil:
		id = ev.Tweet.Author.ID
	case ev.DM != nil:
		id = other(ev.DM.Sender, ev.DM.Recipient)
	case ev.Follow != nil:
		id = other(ev.Follow.Source, ev.Follow.Target)
	case ev.Favorite != nil:
		id = ev.Favorite.User.ID
	case ev.Delete != nil:
		id = ev.Delete.UserID
	case ev.Chat != nil:
		id = ev.Chat.Peer(ev.ForUserID)
	case ev.Revoke != nil, ev.Rename != nil:
		return "brand:" + ev.ForUserID
	}
	if id == "" || id == ev.ForUserID {
		return "brand:" + ev.ForUserID
	}
	return "user:" + id
}

// handleOne applies one message's events; p and err are its parse.
func (w *Worker) handleOne(ctx context.Context, rec events.SQSMessage, p activity.Parsed, err error) error {
	var unread errKeptUnread
	if errors.As(err, &unread) {
		w.log.WarnContext(ctx, "kept delivery not read; will retry", "message_id", rec.MessageId, "err", err)
		return err
	}
	if err != nil {
		// It will not parse next time either; after the retries it lands in
		// the dead-letter queue, where someone can look at it.
		w.log.ErrorContext(ctx, "inbound payload does not parse", "message_id", rec.MessageId, "bytes", len(rec.Body), "err", err)
		return err
	}
	if p.Ignored != "" {
		emf.Count(ctx, w.log, "X Activity event type not used; acknowledged", casework.MetricInboundSkipped, []string{"rule"},
			"message_id", rec.MessageId, "event_type", p.Ignored, "rule", casework.SkipTypeNotUsed, "ignored", 1)
		return nil
	}
	var failed error
	for _, bad := range p.Bad {
		w.log.ErrorContext(ctx, "inbound event does not parse; kept for the dead-letter queue", "message_id", rec.MessageId,
			"format", p.Format, "where", bad.Where, "err", bad.Err)
		failed = errors.Join(failed, bad.Err)
	}
	for _, ev := range p.Events {
		if err := w.apply.Apply(ctx, ev); err != nil {
			w.log.WarnContext(ctx, "event not applied; will retry", "message_id", rec.MessageId, "event", ev.ID,
				"code", casework.ErrorCode(err), "err", err)
			failed = errors.Join(failed, err)
		}
	}
	return failed
}

// SentAt is when the queue received the message (its SentTimestamp
// attribute, in milliseconds), or the zero time when it does not say.
func SentAt(rec events.SQSMessage) time.Time {
	ms, err := strconv.ParseInt(rec.Attributes["SentTimestamp"], 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
