// Command console is the Lambda function for the console's reads and small
// writes (customers, brand handles, cases, message pages) and the health
// check, behind API Gateway's HTTP API.
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/httpapi"
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

// handler builds the function's http.Handler from its configuration.
func handler(ctx context.Context, cfg config.Config) (http.Handler, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	store := dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
	return httpapi.ConsoleRoutes(store), nil
}
