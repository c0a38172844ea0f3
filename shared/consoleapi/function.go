package consoleapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/handlecache"
	"github.com/acme/twitter-cases/shared/wire"
)

// Function returns the build of a console API function's http.Handler, as
// its main hands it to wire.ServeHTTP: the console service with the
// dependencies needs builds, serving routes. The main names what it builds
// (sqsqueue.Outbound, xsetup.XUsers, xsetup.Credentials) and the routes it
// serves (RouteCreateCase, …), so that a function links only those clients
// and handlers; they must be exactly what f declares (its Routes; its
// Access: SendOutbound: Outbox; XApp with BrandHandles: XUsers;
// BrandHandles: Credentials; Phones: Phones), or the build fails at init,
// naming the difference. The build does no network I/O; a function not
// declared as a console API function is an error.
func Function(f functions.Function, needs Needs, routes ...Route) func(ctx context.Context, cfg config.Config) (http.Handler, error) {
	return func(ctx context.Context, cfg config.Config) (http.Handler, error) {
		if !f.Access.ConsoleAPI {
			return nil, fmt.Errorf("consoleapi: %s is not a console API function", f.Name)
		}
		if err := errors.Join(needs.match(f.Access), matchRoutes(routes, f.Routes)); err != nil {
			return nil, fmt.Errorf("consoleapi: %s: %w", f.Name, err)
		}
		svc, records, err := consoleService(cfg, needs)
		if err != nil {
			return nil, fmt.Errorf("consoleapi: %s: %w", f.Name, err)
		}
		return serve(newServer(svc, records, OptionsFrom(cfg)), routes), nil
	}
}

// matchRoutes reports how the routes a main names differ from the
// patterns its function declares.
func matchRoutes(routes []Route, declared []string) error {
	var errs []error
	named := map[string]bool{}
	for _, r := range routes {
		if named[r.Pattern] {
			errs = append(errs, fmt.Errorf("its main names the route %q twice", r.Pattern))
		}
		named[r.Pattern] = true
		if !slices.Contains(declared, r.Pattern) {
			errs = append(errs, fmt.Errorf("its main serves %q, which the registry does not declare", r.Pattern))
		}
	}
	for _, p := range declared {
		if !named[p] {
			errs = append(errs, fmt.Errorf("the registry declares %q, which its main does not serve", p))
		}
	}
	return errors.Join(errs...)
}

// match reports how needs differ from what access declares.
func (n Needs) match(a functions.Access) error {
	var errs []error
	check := func(what string, has, want bool) {
		switch {
		case want && !has:
			errs = append(errs, fmt.Errorf("its access needs %s, which its main does not build", what))
		case has && !want:
			errs = append(errs, fmt.Errorf("its main builds %s, which its access does not declare", what))
		}
	}
	check("Outbox (sqsqueue.Outbound)", n.Outbox != nil, a.SendOutbound)
	check("XUsers (xsetup.XUsers)", n.XUsers != nil, a.XApp && a.BrandHandles)
	check("Credentials (xsetup.Credentials)", n.Credentials != nil, a.BrandHandles)
	check("Phones (phone.New)", n.Phones != nil, a.Phones)
	if n.Reach != nil && !(a.XApp && a.BrandHandles) {
		errs = append(errs, errors.New("its main builds Reach (xsetup.Reach), which asks X as the brand handles: its access must declare XApp and BrandHandles"))
	}
	return errors.Join(errs...)
}

// Needs are the builders of what a console API function's routes use
// outside the store, so it builds (and links) nothing more.
type Needs struct {
	// Outbox builds the outbound queue of routes that send to X
	// (sqsqueue.Outbound); nil for functions that never do, whose service
	// then refuses to queue.
	Outbox func(awsCfg aws.Config, cfg config.Config) (casework.Outbox, error)
	// XUsers builds the X lookup of routes that look accounts up on X
	// (xsetup.XUsers); nil for functions that never do.
	XUsers func(awsCfg aws.Config, cfg config.Config, handles casework.HandleStore) (casework.XUsers, error)
	// Credentials builds the check of brand handles' credentials secrets
	// (xsetup.Credentials); nil for functions that never register handles.
	Credentials func(awsCfg aws.Config, cfg config.Config) (casework.Credentials, error)
	// Phones builds the phone number reader of routes that write
	// customers' phone numbers (phone.New in the default region: search
	// keys, casework.IndexPhones); nil for functions that never do, so they
	// do not link the phone library.
	Phones func(cfg config.Config) (casework.Phones, error)
	// Reach builds the look-up of whether a customer accepts a brand
	// handle's DMs and has X Chat keys (xsetup.Reach), for the reply
	// options; nil for functions that never draw them.
	Reach func(awsCfg aws.Config, cfg config.Config) (casework.XReach, error)
}

// consoleService builds the console service of a function and the store
// under it, whose brand handles are kept for a few seconds (handlecache:
// every route that acts on X reads one).
func consoleService(cfg config.Config, needs Needs) (*casework.Service, Records, error) {
	awsCfg, err := wire.AWSConfig()
	if err != nil {
		return nil, nil, err
	}
	table := dynamo.Open(awsCfg, cfg)
	store := handlecache.New(table, 0, nil)
	var outbox casework.Outbox = noOutbox{}
	if needs.Outbox != nil {
		if outbox, err = needs.Outbox(awsCfg, cfg); err != nil {
			return nil, nil, err
		}
	}
	var xusers casework.XUsers
	if needs.XUsers != nil {
		if xusers, err = needs.XUsers(awsCfg, cfg, store); err != nil {
			return nil, nil, err
		}
	}
	var creds casework.Credentials
	if needs.Credentials != nil {
		if creds, err = needs.Credentials(awsCfg, cfg); err != nil {
			return nil, nil, err
		}
	}
	var phones casework.Phones
	if needs.Phones != nil {
		if phones, err = needs.Phones(cfg); err != nil {
			return nil, nil, err
		}
	}
	pricing, err := casework.ParsePricing(cfg.XPrices)
	if err != nil {
		return nil, nil, fmt.Errorf("X_PRICES: %w", err)
	}
	var reach casework.XReach
	if needs.Reach != nil {
		if reach, err = needs.Reach(awsCfg, cfg); err != nil {
			return nil, nil, err
		}
	}
	svc := casework.NewService(casework.Deps{Pricing: pricing, Store: store, Outbox: outbox, XUsers: xusers, Credentials: creds, Phones: phones,
		TweetMaxLength: cfg.TweetMaxLength, XAccess: casework.XAccess(cfg.XAccess), Reach: reach})
	return svc, table, nil
}

// noOutbox stands for the outbound queue in a function whose routes never
// send anything to X.
type noOutbox struct{}

func (noOutbox) Enqueue(context.Context, casework.Command) error {
	return errors.New("consoleapi: this function queues nothing for X")
}
