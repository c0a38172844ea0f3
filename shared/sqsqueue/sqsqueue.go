// Package sqsqueue sends messages to an SQS queue: the outbound commands of
// the console API (as a casework.Outbox) and the webhook's payloads.
package sqsqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
)

// MaxMessageBytes is the largest message body SQS accepts (256 KiB).
const MaxMessageBytes = 256 << 10

// NewClient returns an SQS client from the SDK configuration, talking to
// endpoint instead of AWS when it is not empty (a local server).
func NewClient(cfg aws.Config, endpoint string) *sqs.Client {
	return sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// FromConfig returns the queue at url, with a client from the SDK and the
// function's configuration.
func FromConfig(awsCfg aws.Config, cfg config.Config, url string) (*Queue, error) {
	if url == "" {
		return nil, errors.New("sqsqueue: a queue URL is not set")
	}
	return New(NewClient(awsCfg, cfg.SQSEndpoint), url), nil
}

// Outbound returns the outbound queue of the configuration as an Outbox.
func Outbound(awsCfg aws.Config, cfg config.Config) (casework.Outbox, error) {
	if cfg.OutboundQueueURL == "" {
		return nil, errors.New("OUTBOUND_QUEUE_URL is not set")
	}
	return FromConfig(awsCfg, cfg, cfg.OutboundQueueURL)
}

// Queue is one SQS queue.
type Queue struct {
	client *sqs.Client
	url    string
	fifo   bool
}

// New returns the queue at url; a URL ending in ".fifo" is a FIFO queue.
func New(client *sqs.Client, url string) *Queue {
	return &Queue{client: client, url: url, fifo: strings.HasSuffix(url, ".fifo")}
}

// Send queues one message and returns once SQS has stored it. On a FIFO
// queue groupID orders messages and dedupID drops repeats; a standard queue
// ignores both.
func (q *Queue) Send(ctx context.Context, body, groupID, dedupID string) error {
	if len(body) > MaxMessageBytes {
		return fmt.Errorf("sqsqueue: message of %d bytes is over the %d-byte limit", len(body), MaxMessageBytes)
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(q.url), MessageBody: aws.String(body)}
	if q.fifo {
		in.MessageGroupId = aws.String(groupID)
		in.MessageDeduplicationId = aws.String(dedupID)
	}
	if _, err := q.client.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("sqsqueue: send to %s: %w", q.url, err)
	}
	return nil
}

// Deduplicates reports whether the queue uses Send's groupID and dedupID:
// a FIFO queue does, a standard queue ignores them.
func (q *Queue) Deduplicates() bool { return q.fifo }

// Enqueue queues an outbound command as JSON, grouped by GroupID and
// deduplicated by DedupID (the command's id, with its NotBefore when set).
func (q *Queue) Enqueue(ctx context.Context, cmd casework.Command) error {
	body, err := json.Marshal(cmd)
	if err != nil {
		return fmt.Errorf("sqsqueue: encode command %s: %w", cmd.ID, err)
	}
	return q.Send(ctx, string(body), cmd.GroupID(), cmd.DedupID())
}

var _ casework.Outbox = (*Queue)(nil)

// Delay makes a received message visible again only after d (at most SQS's
// 12 hours), so a retry waits for X's rate-limit reset or a backoff.
func (q *Queue) Delay(ctx context.Context, receiptHandle string, d time.Duration) error {
	secs := int32(min(max(d, 0), 12*time.Hour-time.Second).Round(time.Second) / time.Second)
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(receiptHandle), VisibilityTimeout: secs,
	})
	if err != nil {
		return fmt.Errorf("sqsqueue: delay message: %w", err)
	}
	return nil
}

// ReceiveCount returns how many times SQS has delivered a message to an
// SQS-triggered function (its ApproximateReceiveCount; 1 when absent).
func ReceiveCount(m events.SQSMessage) int {
	n, err := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	if err != nil || n < 1 {
		return 1
	}
	return n
}
