package consoleapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/handlecache"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/support"
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
		svc, store, err := consoleService(cfg, needs(f.Access))
		if err != nil {
			return nil, fmt.Errorf("consoleapi: %s: %w", f.Name, err)
		}
		return Routes(svc, store, OptionsFrom(cfg), f.Routes)
	}
}

// needs are the dependencies a function's access calls for.
func needs(a functions.Access) needsSet {
	var n needsSet
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

// needsSet says what of the outside a console API function's routes use,
// so it builds (and links) nothing more.
type needsSet struct {
	// Outbox builds the outbound queue of routes that send to X
	// (sqsqueue.Outbound); nil for functions that never do, whose service
	// then refuses to queue.
	Outbox func(awsCfg aws.Config, cfg config.Config) (support.Outbox, error)
	// XUsers builds the X lookup of routes that look accounts up on X
	// (xwire.Lookups); nil for functions that never do.
	XUsers func(awsCfg aws.Config, cfg config.Config, handles support.HandleStore) (support.XUsers, error)
	// Credentials builds the check of brand handles' credentials secrets
	// (xwire.Credentials); nil for functions that never register handles.
	Credentials func(awsCfg aws.Config, cfg config.Config) (support.Credentials, error)
}

// consoleService builds the console service of a function and the store
// under it, whose brand handles are kept for a few seconds (handlecache:
// every route that acts on X reads one).
func consoleService(cfg config.Config, needs needsSet) (*support.Service, support.Store, error) {
	awsCfg, err := wire.AWSConfig()
	if err != nil {
		return nil, nil, err
	}
	store := handlecache.New(dynamo.Open(awsCfg, cfg), 0, nil)
	var outbox support.Outbox = noOutbox{}
	if needs.Outbox != nil {
		if outbox, err = needs.Outbox(awsCfg, cfg); err != nil {
			return nil, nil, err
		}
	}
	var xusers support.XUsers
	if needs.XUsers != nil {
		if xusers, err = needs.XUsers(awsCfg, cfg, store); err != nil {
			return nil, nil, err
		}
	}
	var creds support.Credentials
	if needs.Credentials != nil {
		if creds, err = needs.Credentials(awsCfg, cfg); err != nil {
			return nil, nil, err
		}
	}
	svc := support.NewService(support.Deps{Store: store, Outbox: outbox, XUsers: xusers, Credentials: creds, TweetMaxLength: cfg.TweetMaxLength})
	return svc, store, nil
}

// noOutbox stands for the outbound queue in a function whose routes never
// send anything to X.
type noOutbox struct{}

func (noOutbox) Enqueue(context.Context, support.Command) error {
	return errors.New("consoleapi: this function queues nothing for X")
}
