// Command follow is the Lambda function for a customer's Twitter handle
// (PUT and DELETE /v1/customers/{id}/twitter, looked up on X) and for the
// brand handles' follows of the customer (PUT and DELETE
// /v1/customers/{id}/follows/{handle_id}) behind API Gateway's HTTP API.
package main

import (
	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/wire"
	"github.com/acme/twitter-cases/shared/xsetup"
)

func main() { wire.ServeHTTP(handler) }

// handler builds the function's http.Handler from its configuration, as
// functions.Follow declares it; it does no network I/O.
var handler = consoleapi.Function(functions.Follow, consoleapi.Needs{Outbox: sqsqueue.Outbound, XUsers: xsetup.XUsers, Credentials: xsetup.Credentials},
	consoleapi.RouteSetTwitter, consoleapi.RouteRemoveTwitter, consoleapi.RouteFollow, consoleapi.RouteUnfollow)
