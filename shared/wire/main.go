// Package wire runs a Lambda function's main the same way for every
// function: its configuration from the environment, JSON logs, its AWS SDK
// configuration from what Lambda sets (AWSConfig), its handler built once at
// init and handed to Lambda (through api-proxy for HTTP). It builds no
// client itself, so a function links only the clients its main builds: the
// store (dynamo.Open), the queues (sqsqueue), the X adapter (xsetup), the
// console service (consoleapi.Function). Nothing here does network I/O.
package wire

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/awsenv"
	"github.com/acme/twitter-cases/shared/config"
)

// SQSWorker is what an SQS-triggered function hands to Lambda: a batch in,
// the messages to deliver again out.
type SQSWorker interface {
	Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error)
}

// ServeHTTP is an HTTP function's main: configuration from the environment,
// JSON logs, the handler built once at init, served to API Gateway through
// api-proxy. A bad configuration or a failed build ends the process, so the
// init error shows in the function's logs.
func ServeHTTP(build func(ctx context.Context, cfg config.Config) (http.Handler, error)) {
	cfg, log := initFunction()
	h, err := build(context.Background(), cfg)
	if err != nil {
		log.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}

// ServeSQS is an SQS-triggered function's main, as ServeHTTP.
func ServeSQS(build func(ctx context.Context, cfg config.Config, log *slog.Logger) (SQSWorker, error)) {
	cfg, log := initFunction()
	h, err := build(context.Background(), cfg, log)
	if err != nil {
		log.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// ServeScheduled is a scheduled function's main, as ServeHTTP: each
// EventBridge event (its content unused) runs the built run once, whose
// report is the invocation's result and whose error fails it.
func ServeScheduled[R any](build func(ctx context.Context, cfg config.Config, log *slog.Logger) (func(context.Context) (R, error), error)) {
	cfg, log := initFunction()
	run, err := build(context.Background(), cfg, log)
	if err != nil {
		log.Error("init", "err", err)
		os.Exit(1)
	}
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (R, error) {
		rep, err := run(ctx)
		if err != nil {
			log.ErrorContext(ctx, "scheduled run failed", "err", err)
		}
		return rep, err
	})
}

func initFunction() (config.Config, *slog.Logger) {
	cfg, err := config.FromEnv(os.Getenv)
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.Level()}))
	slog.SetDefault(log)
	if err != nil {
		log.Error("bad configuration", "err", err)
		os.Exit(1)
	}
	return cfg, log
}

// AWSConfig is a function's AWS SDK configuration, from what Lambda puts
// in its environment (awsenv); the local run and the ops tools use the
// SDK's default chain instead.
func AWSConfig() (aws.Config, error) { return awsenv.Config(os.Getenv) }
