// Command retweet is the Lambda function that Retweets a customer's Tweet
// with a brand handle and undoes it (PUT and DELETE
// /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}) behind API
// Gateway's HTTP API.
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
	return consoleapi.RetweetRoutes(svc, store, consoleapi.OptionsFrom(cfg)), nil
}
