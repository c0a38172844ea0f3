package wire

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/acme/twitter-cases/shared/awsenv"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/handlecache"
	"github.com/acme/twitter-cases/shared/support"
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

// Needs says what of the outside an HTTP function's routes use, so it
// builds (and links) nothing more.
type Needs struct {
	// Outbox builds the outbound queue of routes that send to X
	// (sqsqueue.Outbound); nil for functions that never do, whose service
	// then refuses to queue.
	Outbox func(awsCfg aws.Config, cfg config.Config) (support.Outbox, error)
	// XUsers builds the X lookup of routes that look accounts up on X
	// (xwire.Lookups); nil for functions that never do.
	XUsers func(awsCfg aws.Config, cfg config.Config, handles support.HandleStore) (support.XUsers, error)
	// Credentials builds the check of brand handles' credentials secrets
	// (xwire.Credentials); nil for functions that never register handles.
	Credentials func(awsCfg aws.Config, cfg config.Config) (support.Credentials, error)
}

// AWSConfig is a function's AWS SDK configuration, from what Lambda puts
// in its environment (awsenv); the local run and the ops tools use the
// SDK's default chain instead.
func AWSConfig() (aws.Config, error) { return awsenv.Config(os.Getenv) }

// ConsoleService builds the console service of an HTTP function and the
// store under it, whose brand handles are kept for a few seconds
// (handlecache: every route that acts on X reads one).
func ConsoleService(ctx context.Context, cfg config.Config, needs Needs) (*support.Service, support.Store, error) {
	awsCfg, err := AWSConfig()
	if err != nil {
		return nil, nil, err
	}
	store := handlecache.New(Store(awsCfg, cfg), 0, nil)
	var outbox support.Outbox = noOutbox{}
	if needs.Outbox != nil {
		if outbox, err = needs.Outbox(awsCfg, cfg); err != nil {
			return nil, nil, err
		}
	}
	var xusers support.XUsers
	if needs.XUsers != nil {
		if xusers, err = needs.XUsers(awsCfg, cfg, store); err != nil {
			return nil, nil, err
		}
	}
	var creds support.Credentials
	if needs.Credentials != nil {
		if creds, err = needs.Credentials(awsCfg, cfg); err != nil {
			return nil, nil, err
		}
	}
	svc := support.NewService(support.Deps{Store: store, Outbox: outbox, XUsers: xusers, Credentials: creds, TweetMaxLength: cfg.TweetMaxLength})
	return svc, store, nil
}

// noOutbox stands for the outbound queue in a function whose routes never
// send anything to X.
type noOutbox struct{}

func (noOutbox) Enqueue(context.Context, support.Command) error {
	return errors.New("wire: this function queues nothing for X")
}
