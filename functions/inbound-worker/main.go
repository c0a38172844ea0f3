// Command inbound-worker is the Lambda function that consumes the inbound
// SQS queue: X's webhook payloads, applied to cases, customers and follow
// state (partial batch failures; see shared/inbound).
package main

import (
	"context"
	"log/slog"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/inbound"
	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/wire"
)

func main() { wire.ServeSQS(worker) }

// worker builds the function's worker from its configuration; it does no
// network I/O.
func worker(ctx context.Context, cfg config.Config, logger *slog.Logger) (wire.SQSWorker, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	return inbound.New(support.NewInbound(wire.Store(awsCfg, cfg), nil, logger), logger), nil
}
