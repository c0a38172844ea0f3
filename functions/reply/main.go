// Command reply is the Lambda function for replies in a case behind API
// Gateway's HTTP API: the reply options (GET /v1/cases/{id}/reply-options),
// the replies themselves (POST /v1/cases/{id}/replies, queued as a Tweet or
// a Direct Message) and the character counter (POST /v1/text/count).
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/sqsqueue"
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
	h, err := handler(context.Background(), cfg)
	if err != nil {
		logger.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}

// handler builds the function's http.Handler from its configuration; it
// does no network I/O.
func handler(ctx context.Context, cfg config.Config) (http.Handler, error) {
	if cfg.OutboundQueueURL == "" {
		return nil, errors.New("OUTBOUND_QUEUE_URL is not set")
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	outbox := sqsqueue.New(sqsqueue.NewClient(awsCfg, cfg.SQSEndpoint), cfg.OutboundQueueURL)
	svc := support.NewService(support.Deps{Store: store, Outbox: outbox, TweetMaxLength: cfg.TweetMaxLength})
	return consoleapi.ReplyRoutes(svc, store, consoleapi.OptionsFrom(cfg)), nil
}
