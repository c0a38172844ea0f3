// Command retweet is the Lambda function that Retweets a customer's Tweet
// with a brand handle and undoes it (PUT and DELETE
// /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}) behind API
// Gateway's HTTP API.
package main

import (
	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/wire"
)

func main() { wire.ServeHTTP(handler) }

// handler builds the function's http.Handler from its configuration, as
// functions.Retweet declares it; it does no network I/O.
var handler = consoleapi.Function(functions.Retweet, consoleapi.Needs{Outbox: sqsqueue.Outbound},
	consoleapi.RouteRetweet, consoleapi.RouteUnretweet)
