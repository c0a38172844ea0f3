// Package inbound is the inbound worker: it takes SQS batches of the
// webhook's payloads (X's Account Activity JSON or X Activity deliveries,
// verbatim), parses them into events and applies each through
// support.Inbound, which does not know which format an event came in.
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
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/activity"
	"github.com/acme/twitter-cases/shared/support"
)

// Applier applies one event from X.
type Applier interface {
	Apply(ctx context.Context, ev activity.Event) error
}

// Worker handles batches of the inbound queue.
type Worker struct {
	apply Applier
	log   *slog.Logger
}

// New returns a worker applying events through apply.
func New(apply Applier, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.Default()
	}
	return &Worker{apply: apply, log: log}
}

// Handle processes a batch and reports the messages to deliver again.
func (w *Worker) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range batch.Records {
		if err := w.handleOne(ctx, rec); err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	return resp, nil
}

func (w *Worker) handleOne(ctx context.Context, rec events.SQSMessage) error {
	p, err := activity.ParseMessage([]byte(rec.Body), SentAt(rec))
	if err != nil {
		// It will not parse next time either; after the retries it lands in
		// the dead-letter queue, where someone can look at it.
		w.log.ErrorContext(ctx, "inbound payload does not parse", "message_id", rec.MessageId, "bytes", len(rec.Body), "err", err)
		return err
	}
	if p.Ignored != "" {
		w.log.InfoContext(ctx, "X Activity event type not used; acknowledged", "message_id", rec.MessageId, "event_type", p.Ignored, "ignored", 1)
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
				"code", support.ErrorCode(err), "err", err)
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
