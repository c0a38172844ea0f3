// Command customers is the Lambda function for the console's customer
// writes (create, edit, merge) behind API Gateway's HTTP API; a new
// customer's Twitter handle is looked up on X. Customers' phone numbers are read into search keys here, so this is the only
// function that links libphonenumber.
package main

import (
	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/phone"
	"github.com/acme/twitter-cases/shared/wire"
	"github.com/acme/twitter-cases/shared/xsetup"
)

func main() { wire.ServeHTTP(handler) }

// handler builds the function's http.Handler from its configuration, as
// functions.Customers declares it; it does no network I/O.
var handler = consoleapi.Function(functions.Customers, consoleapi.Needs{XUsers: xsetup.XUsers, Credentials: xsetup.Credentials, Phones: phones},
	consoleapi.RouteCreateCustomer, consoleapi.RoutePatchCustomer, consoleapi.RouteMergeCustomer)

// phones reads customers' phone numbers in the deployment's default region
// into search keys.
func phones(cfg config.Config) (casework.Phones, error) { return phone.New(cfg.PhoneRegion) }
