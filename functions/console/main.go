// Command console is the Lambda function for the console's reads and small
// writes (brand handles, customers, case lists and reads, case status) and
// the health check, behind API Gateway's HTTP API. It queues the brand
// handles' subscribe and unsubscribe commands on the outbound queue and
// checks their credentials secrets.
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
	svc, store, err := wire.ConsoleService(ctx, cfg, wire.Needs{XUsers: lookups(xusers), Outbox: sqsqueue.Outbound, Credentials: xwire.Credentials})
	if err != nil {
		return nil, err
	}
	return consoleapi.ConsoleRoutes(svc, store, consoleapi.OptionsFrom(cfg)), nil
}

// lookups is the X lookup: xusers when given (tests), else the X adapter.
func lookups(xusers support.XUsers) func(aws.Config, config.Config, support.HandleStore) (support.XUsers, error) {
	if xusers != nil {
		return func(aws.Config, config.Config, support.HandleStore) (support.XUsers, error) { return xusers, nil }
	}
	return xwire.XUsers
}
