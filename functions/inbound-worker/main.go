// Command inbound-worker is the Lambda function that consumes the inbound
// SQS queue: X's webhook payloads, applied to cases, customers and follow
// state (partial batch failures; see shared/inbound).
package main

import (
	"context"
	"log/slog"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/chatread"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/handlecache"
	"github.com/acme/twitter-cases/shared/inbound"
	"github.com/acme/twitter-cases/shared/wire"
	"github.com/acme/twitter-cases/shared/xsetup"
)

func main() { wire.ServeSQS(worker) }

// worker builds the function's worker from its configuration; it does no
// network I/O.
func worker(ctx context.Context, cfg config.Config, logger *slog.Logger) (wire.SQSWorker, error) {
	awsCfg, err := wire.AWSConfig()
	if err != nil {
		return nil, err
	}
	// Every event reads its brand handle: kept for a few seconds.
	table := dynamo.Open(awsCfg, cfg)
	store := handlecache.New(table, 0, nil)
	// X is asked what a delivery leaves out; credentials are read on first use.
	cache := xsetup.Secrets(awsCfg)
	x, err := xsetup.X(awsCfg, cache, cfg, table)
	if err != nil {
		return nil, err
	}
	// X Chat events are opened with X's engine and the brand handles' keys,
	// both loaded by the first event that needs them, not here.
	chat := casework.ChatDeps{
		Reader: chatread.New(chatread.NewKeyring(cache, cfg.XChatKeyPrefix, logger), table, x, nil, logger),
		Waits:  table,
	}
	// Deliveries too large for a queue message come as pointers to the
	// table (shared/claimcheck).
	return inbound.New(casework.NewInbound(store, nil, logger).WithX(inbound.XPeople(x)).WithChat(chat), logger).WithKept(table), nil
}
