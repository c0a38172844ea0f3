// Package inbound is the inbound worker: it takes SQS batches of the
// webhook's payloads (X's Account Activity JSON, verbatim), parses them into
// events and applies each through support.Inbound.
//
// A message whose events all applied is done; any other is reported as a
// batch item failure, so SQS delivers it again (events already applied are
// skipped) and, after the queue's maximum receive count, moves it to the
// dead-letter queue. Nothing is dropped silently.
package inbound

import (
	"context"
	"log/slog"

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
	evs, err := activity.Parse([]byte(rec.Body))
	if err != nil {
		// It will not parse next time either; after the retries it lands in
		// the dead-letter queue, where someone can look at it.
		w.log.ErrorContext(ctx, "inbound payload does not parse", "message_id", rec.MessageId, "bytes", len(rec.Body), "err", err)
		return err
	}
	var failed error
	for _, ev := range evs {
		if err := w.apply.Apply(ctx, ev); err != nil {
			w.log.WarnContext(ctx, "event not applied; will retry", "message_id", rec.MessageId, "event", ev.ID,
				"code", support.ErrorCode(err), "err", err)
			failed = err
		}
	}
	return failed
}
