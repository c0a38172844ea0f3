// Command reply is the Lambda function for replies in a case behind API
// Gateway's HTTP API: the reply options (GET /v1/cases/{id}/reply-options),
// the replies themselves (POST /v1/cases/{id}/replies, queued as a Tweet or
// a Direct Message) and the character counter (POST /v1/text/count).
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
	return consoleapi.ReplyRoutes(svc, store, consoleapi.OptionsFrom(cfg)), nil
}
