// Command outbound-worker is the Lambda function that consumes the outbound
// SQS FIFO queue: it executes the commands the console API queued (Tweets,
// replies, DMs, Retweets, follows) on X and records the results (partial
// batch failures; see shared/outbound).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/outbound"
	"github.com/acme/twitter-cases/shared/wire"
)

func main() {
	cfg, err := config.FromEnv(os.Getenv)
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.Level()}))
	slog.SetDefault(logger)
	if err != nil {
		logger.Error("bad configuration", "err", err)
		os.Exit(1)
	}
	w, err := worker(context.Background(), cfg, logger)
	if err != nil {
		logger.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(w.Handle)
}

// worker builds the function's worker from its configuration; it does no
// network I/O (credentials are read on first use).
func worker(ctx context.Context, cfg config.Config, logger *slog.Logger) (*outbound.Worker, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	queue, err := wire.Queue(awsCfg, cfg, cfg.OutboundQueueURL)
	if err != nil {
		return nil, err
	}
	x, err := wire.X(wire.Secrets(awsCfg, cfg), cfg)
	if err != nil {
		return nil, err
	}
	return outbound.New(outbound.Deps{Store: wire.Store(awsCfg, cfg), X: x, Delayer: queue, Logger: logger}), nil
}
