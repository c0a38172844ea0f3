// Command console is the Lambda function for the console's reads and small
// writes (brand handles, customer search and reads, case lists and reads,
// case status) and the health check, behind API Gateway's HTTP API
// (customer writes are the customers function's). It queues the brand
// handles' subscribe and unsubscribe commands on the outbound queue and
// checks their credentials secrets.
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
// functions.Console declares it; it does no network I/O.
var handler = consoleapi.Function(functions.Console, consoleapi.Needs{Outbox: sqsqueue.Outbound, XUsers: xsetup.XUsers, Credentials: xsetup.Credentials},
	consoleapi.RouteHealth, consoleapi.RouteListHandles, consoleapi.RouteRegisterHandle, consoleapi.RouteUpdateHandle, consoleapi.RouteDeleteHandle, consoleapi.RouteSearchCustomers, consoleapi.RouteGetCustomer, consoleapi.RouteListCases, consoleapi.RouteGetCase, consoleapi.RoutePatchCase, consoleapi.RouteMessages, consoleapi.RouteUsage)
