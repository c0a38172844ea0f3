// Package outbound is the outbound worker: it takes the commands the
// console API queues on the outbound FIFO queue (Tweets, mention replies,
// Direct Messages through X Chat, Retweets, follows, subscriptions) and hands each to the
// domain's outbound rules (casework.Outbound), which act on X through this
// package's X adapter and record the results. The worker itself decides
// nothing: it reads the command and its delivery (how many times the queue
// delivered it, whether this is the last time), and moves the SQS message
// on from the rules' answer.
//
// Delivery rules (casework.Outbound says the rest):
//   - Done or superseded: the message is deleted (a success in the batch).
//   - Retry later (X's rate-limit reset, the backoff after a fault): the
//     message's visibility is changed to come back then. A command held
//     back by rate limits for so long that its message would run out of
//     the queue's deliveries is queued again as a new message (Outbox),
//     held back until X's reset, and the old message is deleted: X's
//     limits are waited out for the whole rate-limit budget (an hour).
//   - Anything else (a store failing, an unreadable command): the message
//     comes back after the backoff of its receive count; after the queue's
//     maximum receive count it goes to the dead-letter queue. On that last
//     delivery the rules make every failure final, so a command reaches
//     the dead-letter queue only when even its failure cannot be recorded.
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

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/xapi"
)

// MaxAttempts is how many transient failures (5xx, timeouts) of a command
// are retried before its work fails (casework.MaxFaultAttempts).
const MaxAttempts = casework.MaxFaultAttempts

// X is what the worker needs from X; *xapi.Client implements it.
type X interface {
	CreateTweet(ctx context.Context, auth xapi.BrandAuth, text, inReplyToTweetID string) (xapi.TweetResult, error)
	Retweet(ctx context.Context, auth xapi.BrandAuth, tweetID string) error
	UndoRetweet(ctx context.Context, auth xapi.BrandAuth, tweetID string) error
	Follow(ctx context.Context, auth xapi.BrandAuth, targetUserID string) (xapi.FollowResult, error)
	Unfollow(ctx context.Context, auth xapi.BrandAuth, targetUserID string) error
	// FindTweets returns the ids of the brand handle's Tweets the attempt
	// may have posted, newest first.
	FindTweets(ctx context.Context, auth xapi.BrandAuth, a xapi.Attempt) ([]string, error)
}

// Delayer changes when a received SQS message becomes visible again.
type Delayer interface {
	Delay(ctx context.Context, receiptHandle string, d time.Duration) error
}

// Worker hands the outbound queue's commands to the outbound rules.
type Worker struct {
	rules       *casework.Outbound
	delay       Delayer
	log         *slog.Logger
	backoff     func(attempt int) time.Duration
	maxReceives int
}

// Deps are the worker's dependencies.
type Deps struct {
	Store casework.Store
	X     X
	// Activity manages the brand handles' X Activity API subscriptions;
	// nil means X, when it implements Activity (*xapi.Client does).
	Activity Activity
	// Chat is X's chat endpoints; nil means X, when it implements ChatX
	// (*xapi.Client does).
	Chat ChatX
	// Keys are the brand handles' X Chat identities (NewKeyring); nil
	// fails every DM with handle_chat_keys_missing.
	Keys *Keyring
	// Subscriptions is the deployment's webhook id and tag.
	Subscriptions SubscriptionConfig
	Delayer       Delayer
	Now           func() time.Time
	Logger        *slog.Logger
	// Backoff is the wait before attempt n+1 after the n-th transient
	// failure; nil means casework.RetryBackoff.
	Backoff func(attempt int) time.Duration
	// RateLimitBudget bounds a run of rate limits; 0 means
	// casework.DefaultRateLimitBudget.
	RateLimitBudget time.Duration
	// MaxReceives is the queue's maximum receive count: on that delivery
	// every failure is final. 0 means queues.Outbound's.
	MaxReceives int
	// Outbox is the outbound queue itself: a command that has waited out
	// so many rate limits that its message would run out of deliveries is
	// queued there again, held back until X's reset (casework.Delivery).
	// nil waits on the same message.
	Outbox casework.Outbox
	// Pricing is X's price list the spend is recorded with; zero means
	// casework.DefaultPricing.
	Pricing casework.Pricing
	// CreditsPause is how long no call is made to X after X said the
	// app's credits are spent; 0 means casework.DefaultCreditsPause.
	CreditsPause time.Duration
}

// New returns a worker.
func New(d Deps) *Worker {
	if a, ok := d.X.(Activity); ok && d.Activity == nil {
		d.Activity = a
	}
	if c, ok := d.X.(ChatX); ok && d.Chat == nil {
		d.Chat = c
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Backoff == nil {
		d.Backoff = casework.RetryBackoff
	}
	if d.MaxReceives <= 0 {
		d.MaxReceives = queues.Outbound.MaxReceiveCount
	}
	adapter := &xAdapter{x: d.X, activity: d.Activity}
	var activity casework.XActivity
	if d.Activity != nil {
		activity = adapter
	}
	var chat casework.XChat
	if d.Chat != nil && d.Keys != nil {
		chat = &chatAdapter{x: d.Chat, keys: d.Keys, log: d.Logger}
	}
	rules := casework.NewOutbound(casework.OutboundDeps{
		Store: d.Store, X: adapter, Chat: chat, Activity: activity, Clock: d.Now, Logger: d.Logger, Backoff: d.Backoff,
		RateLimitBudget: d.RateLimitBudget, Outbox: d.Outbox, Pricing: d.Pricing, CreditsPause: d.CreditsPause,
		Subscriptions: casework.SubscriptionTarget{WebhookID: d.Subscriptions.WebhookID, Tag: d.Subscriptions.Tag},
	})
	return &Worker{rules: rules, delay: d.Delayer, log: d.Logger, backoff: d.Backoff, maxReceives: d.MaxReceives}
}

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
			var r *casework.RetryLater
			if errors.As(err, &r) {
				after = r.After
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
	var cmd casework.Command
	if json.Unmarshal([]byte(rec.Body), &cmd) == nil && cmd.ID != "" {
		return cmd.GroupID()
	}
	return "record-" + rec.MessageId
}

func (w *Worker) handleOne(ctx context.Context, rec events.SQSMessage) error {
	var cmd casework.Command
	if err := json.Unmarshal([]byte(rec.Body), &cmd); err != nil || cmd.ID == "" {
		// It will never parse: after the retries it lands in the DLQ.
		return fmt.Errorf("outbound: unreadable command in message %s: %v", rec.MessageId, err)
	}
	receives := sqsqueue.ReceiveCount(rec)
	log := w.log.With("command", cmd.ID, "kind", cmd.Kind, "receives", receives)
	err := w.rules.Execute(ctx, cmd, casework.Delivery{Attempt: receives, Last: receives >= w.maxReceives, MaxReceives: w.maxReceives})
	if err != nil {
		return fmt.Errorf("outbound: %s %s: %w", cmd.Kind, cmd.ID, err)
	}
	log.InfoContext(ctx, "command done")
	return nil
}
