// Command create-case is the Lambda function that starts Twitter cases
// (POST /v1/cases) behind API Gateway's HTTP API: it writes the case and
// its first message and queues the Tweet on the outbound queue.
package main

import (
	"context"
	"net/http"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/wire"
)

func main() { wire.ServeHTTP(handler) }

// handler builds the function's http.Handler from its configuration; it
// does no network I/O.
func handler(ctx context.Context, cfg config.Config) (http.Handler, error) {
	svc, store, err := wire.ConsoleService(ctx, cfg, wire.Needs{Outbox: sqsqueue.Outbound})
	if err != nil {
		return nil, err
	}
	return consoleapi.CreateCaseRoutes(svc, store, consoleapi.OptionsFrom(cfg)), nil
}
