// Command reconciler is the Lambda function an EventBridge schedule runs
// every few minutes: it hands outgoing work a crash left unfinished (a
// message left queued or sending, a Retweet or follow whose command was
// lost) back to the outbound worker (see shared/reconcile).
package main

import (
	"context"
	"log/slog"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/reconcile"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/wire"
)

func main() { wire.ServeScheduled(reconciler) }

// reconciler builds the function's run from its configuration; it does no
// network I/O.
func reconciler(ctx context.Context, cfg config.Config, logger *slog.Logger) (func(context.Context) (reconcile.Report, error), error) {
	awsCfg, err := wire.AWSConfig()
	if err != nil {
		return nil, err
	}
	outbox, err := sqsqueue.Outbound(awsCfg, cfg)
	if err != nil {
		return nil, err
	}
	rec := reconcile.New(reconcile.Deps{Store: dynamo.Open(awsCfg, cfg), Outbox: outbox, Logger: logger})
	return rec.Run, nil
}
