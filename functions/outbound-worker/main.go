// Command outbound-worker is the Lambda function that consumes the outbound
// SQS FIFO queue: it executes the commands the console API queued (Tweets,
// replies, DMs through X Chat, Retweets, follows) on X and records the
// results (partial batch failures; see shared/outbound).
package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/outbound"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/wire"
	"github.com/acme/twitter-cases/shared/xsetup"
)

func main() { wire.ServeSQS(worker) }

// worker builds the function's worker from its configuration; it does no
// network I/O (credentials are read on first use).
func worker(ctx context.Context, cfg config.Config, logger *slog.Logger) (wire.SQSWorker, error) {
	awsCfg, err := wire.AWSConfig()
	if err != nil {
		return nil, err
	}
	queue, err := sqsqueue.FromConfig(awsCfg, cfg, cfg.OutboundQueueURL)
	if err != nil {
		return nil, err
	}
	cache := xsetup.Secrets(awsCfg)
	store := dynamo.Open(awsCfg, cfg)
	x, err := xsetup.X(awsCfg, cache, cfg, store)
	if err != nil {
		return nil, err
	}
	subs := outbound.SubscriptionConfig{WebhookID: cfg.XWebhookID, Tag: casework.SubscriptionTag(cfg.Stage)}
	// The brand handles' X Chat identities: X's engine and a handle's keys
	// are loaded by the first DM that needs them, not here.
	keys := outbound.NewKeyring(cache, cfg.XChatKeyPrefix, logger)
	pricing, err := casework.ParsePricing(cfg.XPrices)
	if err != nil {
		return nil, fmt.Errorf("X_PRICES: %w", err)
	}
	return outbound.New(outbound.Deps{Store: store, X: x, Keys: keys, Subscriptions: subs, Delayer: queue, Outbox: queue,
		Logger: logger, Pricing: pricing, CreditsPause: cfg.XCreditsPause}), nil
}
