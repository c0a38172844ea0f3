// Package sqspoll is the local run's stand-in for Lambda's SQS event source
// mapping: it long-polls a queue, hands each batch to an SQS handler as an
// events.SQSEvent, deletes the messages that succeeded and leaves the rest
// to come back after the visibility timeout (and, after the queue's maximum
// receive count, to move to its dead-letter queue), as Lambda does with
// ReportBatchItemFailures.
package sqspoll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Handler is an SQS-triggered function: the signature the workers export.
type Handler func(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error)

// Poller feeds one queue to one handler.
type Poller struct {
	client    *sqs.Client
	url       string
	handler   Handler
	batchSize int32
	waitTime  int32
	region    string
	log       *slog.Logger
	arn       string
}

// Option changes a Poller.
type Option func(*Poller)

// WithWaitTime sets the long-poll wait in seconds (0 to 20; default 1).
func WithWaitTime(s int32) Option { return func(p *Poller) { p.waitTime = s } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(p *Poller) { p.log = l } }

// New returns a poller of the queue at url.
func New(client *sqs.Client, url string, handler Handler, opts ...Option) *Poller {
	p := &Poller{client: client, url: url, handler: handler, batchSize: 10, waitTime: 1, region: "us-east-1", log: slog.Default()}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Run polls until ctx is done. Errors talking to SQS are logged and retried
// after a pause, as the event source mapping does.
func (p *Poller) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			p.log.WarnContext(ctx, "poll failed", "queue", p.url, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// PollOnce receives at most one batch, hands it to the handler and deletes
// what succeeded; it returns how many messages the batch had.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	if p.arn == "" {
		attrs, err := p.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(p.url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
		})
		if err != nil {
			return 0, fmt.Errorf("sqspoll: queue arn: %w", err)
		}
		p.arn = attrs.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	}
	out, err := p.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.url),
		MaxNumberOfMessages:         p.batchSize,
		WaitTimeSeconds:             p.waitTime,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return 0, fmt.Errorf("sqspoll: receive: %w", err)
	}
	if len(out.Messages) == 0 {
		return 0, nil
	}
	batch := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(out.Messages))}
	receipts := map[string]string{}
	for _, m := range out.Messages {
		id := aws.ToString(m.MessageId)
		receipts[id] = aws.ToString(m.ReceiptHandle)
		batch.Records = append(batch.Records, events.SQSMessage{
			MessageId:      id,
			ReceiptHandle:  aws.ToString(m.ReceiptHandle),
			Body:           aws.ToString(m.Body),
			Md5OfBody:      aws.ToString(m.MD5OfBody),
			Attributes:     m.Attributes,
			EventSource:    "aws:sqs",
			EventSourceARN: p.arn,
			AWSRegion:      p.region,
		})
	}
	resp, err := p.invoke(ctx, batch)
	if err != nil {
		// A failed invocation fails the whole batch: every message comes back.
		p.log.WarnContext(ctx, "handler failed; the batch will be delivered again", "queue", p.url, "messages", len(batch.Records), "err", err)
		return len(batch.Records), nil
	}
	for _, f := range resp.BatchItemFailures {
		delete(receipts, f.ItemIdentifier)
	}
	var errs []error
	for id, receipt := range receipts {
		if _, err := p.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(p.url), ReceiptHandle: aws.String(receipt)}); err != nil {
			errs = append(errs, fmt.Errorf("sqspoll: delete %s: %w", id, err))
		}
	}
	if n := len(resp.BatchItemFailures); n > 0 {
		p.log.InfoContext(ctx, "batch item failures will be delivered again", "queue", p.url, "failed", n, "messages", len(batch.Records))
	}
	return len(batch.Records), errors.Join(errs...)
}

// invoke calls the handler, turning a panic into an error as Lambda would.
func (p *Poller) invoke(ctx context.Context, batch events.SQSEvent) (resp events.SQSEventResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sqspoll: handler panicked: %v", r)
		}
	}()
	return p.handler(ctx, batch)
}
