// Command twitter-webhook is the Lambda function behind X's Account Activity
// webhook (GET and POST /webhooks/twitter on API Gateway's HTTP API, no
// JWT): it answers X's challenge-response checks, verifies each delivery's
// signature and queues the payload on the inbound SQS queue. It touches
// DynamoDB only to keep a delivery too large for a queue message
// (shared/claimcheck: PutItem, under table.DeliveryPrefix alone).
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo/deliveryput"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/webhook"
	"github.com/acme/twitter-cases/shared/wire"
)

func main() {
	wire.ServeHTTP(func(ctx context.Context, cfg config.Config) (http.Handler, error) {
		return handler(ctx, cfg, os.Getenv, slog.Default())
	})
}

// handler builds the function's http.Handler from its configuration. It
// does no network I/O.
func handler(ctx context.Context, cfg config.Config, getenv func(string) string, logger *slog.Logger) (http.Handler, error) {
	if cfg.InboundQueueURL == "" {
		return nil, errors.New("INBOUND_QUEUE_URL is not set")
	}
	awsCfg, err := wire.AWSConfig()
	if err != nil {
		return nil, err
	}
	if cfg.TableName == "" {
		return nil, errors.New("TABLE_NAME is not set")
	}
	queue := sqsqueue.New(sqsqueue.NewClient(awsCfg, cfg.SQSEndpoint), cfg.InboundQueueURL)
	// The consumer secret: from the X app's secret (X_APP_SECRET) in AWS,
	// read on first use and cached; from X_CONSUMER_SECRET where no secret
	// is named. When neither is set every request answers 503, never a
	// check against an empty or a well-known key.
	secret := secrets.ConsumerSecret(secrets.FromAWS(awsCfg), cfg.XAppSecret, getenv("X_CONSUMER_SECRET"))
	// Deliveries too large for a queue message are kept in the table with
	// signed PutItem calls (deliveryput), not the SDK's DynamoDB client.
	keep := deliveryput.New(awsCfg, cfg.DynamoDBEndpoint, cfg.TableName)
	return webhook.Handler(secret, queue, webhook.Options{Logger: logger, Keep: keep}), nil
}
