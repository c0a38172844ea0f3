package consoleapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/wire"
	"github.com/acme/twitter-cases/shared/xwire"
)

// Function returns the build of a console API function's http.Handler, as
// its main hands it to wire.ServeHTTP: the console service with what f's
// Access declares (SendOutbound: the outbound queue; XApp with
// BrandHandles: the X account look-up; BrandHandles: the check of brand
// handles' credentials secrets) and f's routes. The build does no network
// I/O; a function not declared as a console API function is an error.
func Function(f functions.Function) func(ctx context.Context, cfg config.Config) (http.Handler, error) {
	return func(ctx context.Context, cfg config.Config) (http.Handler, error) {
		if !f.Access.ConsoleAPI {
			return nil, fmt.Errorf("consoleapi: %s is not a console API function", f.Name)
		}
		svc, store, err := wire.ConsoleService(ctx, cfg, needs(f.Access))
		if err != nil {
			return nil, fmt.Errorf("consoleapi: %s: %w", f.Name, err)
		}
		return Routes(svc, store, OptionsFrom(cfg), f.Routes)
	}
}

// needs are the dependencies a function's access calls for.
func needs(a functions.Access) wire.Needs {
	var n wire.Needs
	if a.SendOutbound {
		n.Outbox = sqsqueue.Outbound
	}
	if a.XApp && a.BrandHandles {
		n.XUsers = xwire.XUsers
	}
	if a.BrandHandles {
		n.Credentials = xwire.Credentials
	}
	return n
}
