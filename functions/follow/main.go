// Command follow is the Lambda function for a customer's Twitter handle
// (PUT and DELETE /v1/customers/{id}/twitter, looked up on X) and for the
// brand handles' follows of the customer (PUT and DELETE
// /v1/customers/{id}/follows/{handle_id}) behind API Gateway's HTTP API.
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
	"github.com/acme/twitter-cases/shared/support"
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
	h, err := handler(context.Background(), cfg, nil)
	if err != nil {
		logger.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}

// handler builds the function's http.Handler from its configuration and
// the X account lookup (nil: the X adapter, signing lookups as a connected
// brand handle, when an X app secret is configured); it does no network I/O.
func handler(ctx context.Context, cfg config.Config, xusers support.XUsers) (http.Handler, error) {
	if cfg.OutboundQueueURL == "" {
		return nil, errors.New("OUTBOUND_QUEUE_URL is not set")
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := wire.Store(awsCfg, cfg)
	outbox, err := wire.Queue(awsCfg, cfg, cfg.OutboundQueueURL)
	if err != nil {
		return nil, err
	}
	if xusers == nil {
		if xusers, err = wire.XUsers(awsCfg, cfg, store); err != nil {
			return nil, err
		}
	}
	svc := support.NewService(support.Deps{Store: store, Outbox: outbox, XUsers: xusers, TweetMaxLength: cfg.TweetMaxLength})
	return consoleapi.FollowRoutes(svc, store, consoleapi.OptionsFrom(cfg)), nil
}
