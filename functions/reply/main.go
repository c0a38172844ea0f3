// Command reply is the Lambda function for replies in a case behind API
// Gateway's HTTP API: the reply options (GET /v1/cases/{id}/reply-options),
// the replies themselves (POST /v1/cases/{id}/replies, queued as a Tweet or
// a Direct Message) and the character counter (POST /v1/text/count).
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
// functions.Reply declares it; it does no network I/O.
var handler = consoleapi.Function(functions.Reply, consoleapi.Needs{Outbox: sqsqueue.Outbound, XUsers: xsetup.XUsers, Credentials: xsetup.Credentials, Reach: xsetup.Reach},
	consoleapi.RouteReplyOptions, consoleapi.RouteReply, consoleapi.RouteTextCount)
