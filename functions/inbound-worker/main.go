// Command inbound-worker is the Lambda function that consumes the inbound
// SQS queue: X's webhook payloads, applied to cases, customers and follow
// state (partial batch failures; see shared/inbound).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/inbound"
	"github.com/acme/twitter-cases/shared/support"
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

// worker builds the function's worker from its configuration.
func worker(ctx context.Context, cfg config.Config, logger *slog.Logger) (*inbound.Worker, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	return inbound.New(support.NewInbound(store, nil, logger), logger), nil
}
