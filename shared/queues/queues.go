// Package queues is the one definition of the product's SQS queues: the
// outbound FIFO queue of commands for X, the inbound queue of webhook
// payloads, and their dead-letter queues.
//
// The local run, the tests and the CDK stack all build the queues from
// Definitions. The package imports no AWS code.
package queues

import "time"

// Queue describes one queue and its dead-letter queue.
type Queue struct {
	// Name is the queue's base name; a stage or test prefix is put in front
	// of it, and FIFO queues end in ".fifo".
	Name string
	FIFO bool
	// ConsumerTimeout is the timeout of the Lambda function that consumes
	// the queue (the CDK stack sets it from here).
	ConsumerTimeout time.Duration
	// VisibilityTimeout is how long a received message stays hidden. AWS
	// asks for at least six times the consumer's timeout, so a batch that
	// Lambda retries after throttling is not redelivered meanwhile; see
	// VisibilityFactor.
	VisibilityTimeout time.Duration
	// MaxReceiveCount is how many deliveries a message gets before it
	// moves to the dead-letter queue.
	MaxReceiveCount int
	// Retention is how long an unconsumed message is kept.
	Retention time.Duration
}

// DLQName returns the name of the queue's dead-letter queue.
func (q Queue) DLQName() string {
	if q.FIFO {
		return q.Name[:len(q.Name)-len(".fifo")] + "-dlq.fifo"
	}
	return q.Name + "-dlq"
}

// VisibilityFactor is how many consumer timeouts a queue's visibility
// timeout lasts, as AWS recommends for queues that invoke Lambda.
const VisibilityFactor = 6

// Timeouts of the queues' consumers: the outbound worker calls X (15 s per
// call, see shared/xapi) a few times per command for a batch of up to five
// commands; the inbound worker writes a batch of webhook payloads to
// DynamoDB.
const (
	outboundConsumerTimeout = 60 * time.Second
	inboundConsumerTimeout  = 30 * time.Second
)

// The product's queues.
var (
	// Outbound carries commands for X (Tweets, replies, DMs, Retweets,
	// follows), in order per case or customer.
	Outbound = Queue{
		Name:              "outbound.fifo",
		FIFO:              true,
		ConsumerTimeout:   outboundConsumerTimeout,
		VisibilityTimeout: VisibilityFactor * outboundConsumerTimeout,
		// The worker keeps its own budgets (six faults, an hour of rate
		// limits; see shared/outbound) and fails the message on the last
		// delivery at the latest. Waiting out rate limits and commands held
		// behind a failed one in their group take deliveries too, so the
		// count leaves room for those.
		MaxReceiveCount: 20,
		Retention:       4 * 24 * time.Hour,
	}
	// Inbound carries the webhook's payloads from X to the inbound worker.
	Inbound = Queue{
		Name:              "inbound",
		ConsumerTimeout:   inboundConsumerTimeout,
		VisibilityTimeout: VisibilityFactor * inboundConsumerTimeout,
		MaxReceiveCount:   8,
		Retention:         4 * 24 * time.Hour,
	}
)

// Definitions lists every queue.
var Definitions = []Queue{Outbound, Inbound}

// DLQRetention is how long a dead-lettered message is kept: SQS's maximum,
// so ops have time to look.
const DLQRetention = 14 * 24 * time.Hour
