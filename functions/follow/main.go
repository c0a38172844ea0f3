// Command follow is the Lambda function for a customer's Twitter handle
// (PUT and DELETE /v1/customers/{id}/twitter, looked up on X) and for the
// brand handles' follows of the customer (PUT and DELETE
// /v1/customers/{id}/follows/{handle_id}) behind API Gateway's HTTP API.
package main

import (
	"context"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/support"
	"github.com/acme/twitter-cases/shared/wire"
	"github.com/acme/twitter-cases/shared/xwire"
)

func main() {
	wire.ServeHTTP(func(ctx context.Context, cfg config.Config) (http.Handler, error) { return handler(ctx, cfg, nil) })
}

// handler builds the function's http.Handler from its configuration and
// the X account lookup (nil: the X adapter, signing lookups as a connected
// brand handle, when an X app secret is configured); it does no network I/O.
func handler(ctx context.Context, cfg config.Config, xusers support.XUsers) (http.Handler, error) {
	svc, store, err := wire.ConsoleService(ctx, cfg, wire.Needs{Outbox: sqsqueue.Outbound, XUsers: lookups(xusers)})
	if err != nil {
		return nil, err
	}
	return consoleapi.FollowRoutes(svc, store, consoleapi.OptionsFrom(cfg)), nil
}

// lookups is the X lookup: xusers when given (tests), else the X adapter.
func lookups(xusers support.XUsers) func(aws.Config, config.Config, support.HandleStore) (support.XUsers, error) {
	if xusers != nil {
		return func(aws.Config, config.Config, support.HandleStore) (support.XUsers, error) { return xusers, nil }
	}
	return xwire.XUsers
}
