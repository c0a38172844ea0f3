// Command create-case is the Lambda function that starts Twitter cases
// (POST /v1/cases) behind API Gateway's HTTP API: it writes the case and
// its first message and queues the Tweet on the outbound queue.
package main

import (
	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/wire"
)

func main() { wire.ServeHTTP(handler) }

// handler builds the function's http.Handler from its configuration, as
// functions.CreateCase declares it; it does no network I/O.
var handler = consoleapi.Function(functions.CreateCase, consoleapi.Needs{Outbox: sqsqueue.Outbound},
	consoleapi.RouteCreateCase)
