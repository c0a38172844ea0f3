package localrun

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/chatread"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dev/openapi"
	"github.com/acme/twitter-cases/shared/dev/sqspoll"
	"github.com/acme/twitter-cases/shared/httpapi"
	"github.com/acme/twitter-cases/shared/inbound"
	"github.com/acme/twitter-cases/shared/outbound"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/webhook"
	"github.com/acme/twitter-cases/shared/xsetup"
)

// Routes mounts every route the registry (package functions) declares on
// one mux, served by exactly the handlers the Lambda functions serve: the
// console API functions' routes (with the development token and the
// configured CORS origins) and the webhook's; then the OpenAPI document,
// and the agent console at / when Deps.ConsoleDir is set. A declared route
// of another kind is an error. Patterns lists what it mounts.
func Routes(d Deps) (http.Handler, error) {
	apiRoutes, hookRoutes, err := declared()
	if err != nil {
		return nil, err
	}
	api, err := consoleapi.Routes(Service(d), d.Store, consoleapi.OptionsFrom(d.Config), apiRoutes)
	if err != nil {
		return nil, fmt.Errorf("localrun: %w", err)
	}
	hook := webhook.Handler(webhook.StaticSecret(d.ConsumerSecret),
		sqsqueue.New(d.SQS, d.Config.InboundQueueURL), webhook.Options{Logger: d.Logger, Keep: d.Store})
	mux := http.NewServeMux()
	mux.Handle("/", api)
	for _, r := range hookRoutes {
		mux.Handle(r, hook)
	}
	mux.Handle(openAPIRoute, openapi.Handler())
	if d.Connect != nil {
		// Connect with X (issue 24): not yet a function of the registry.
		cm := http.NewServeMux()
		d.Connect.Routes(cm, "")
		authed := httpapi.Authenticate(d.Config.DevToken)(cm)
		mux.Handle("POST /v1/handles/connect", authed)
		mux.Handle("POST /v1/handles/connect/callback", authed)
	}
	if d.ConsoleDir != "" {
		mountConsole(mux, d.ConsoleDir, d.Config.DevToken)
	}
	return mux, nil
}

// openAPIRoute serves the OpenAPI document (the local run only).
const openAPIRoute = "GET " + openapi.Path

// Patterns returns every API route ("METHOD /path") Routes mounts, sorted:
// the registry's console API and webhook routes and the OpenAPI document
// (not the agent console's pages). The OpenAPI document's tests check it
// documents exactly these.
func Patterns() ([]string, error) {
	apiRoutes, hookRoutes, err := declared()
	if err != nil {
		return nil, err
	}
	out := append(append(apiRoutes, hookRoutes...), openAPIRoute)
	slices.Sort(out)
	return out, nil
}

// declared splits the registry's routes into the console API's and the
// webhook's; a route of another function is an error.
func declared() (apiRoutes, hookRoutes []string, err error) {
	for _, f := range functions.All {
		switch {
		case f.Access.ConsoleAPI:
			apiRoutes = append(apiRoutes, f.Routes...)
		case f.Name == functions.TwitterWebhook.Name:
			hookRoutes = append(hookRoutes, f.Routes...)
		case len(f.Routes) > 0:
			return nil, nil, fmt.Errorf("localrun: %s's routes are neither the console API's nor the webhook's", f.Name)
		}
	}
	return apiRoutes, hookRoutes, nil
}

// Service is the console service the routes run on.
func Service(d Deps) *casework.Service {
	var reach casework.XReach
	if d.X != nil {
		reach = xsetup.DMReach{X: d.X}
	}
	return casework.NewService(casework.Deps{
		Store: d.Store, Outbox: sqsqueue.New(d.SQS, d.Config.OutboundQueueURL), XUsers: d.XUsers,
		Credentials: d.Credentials, Phones: d.Phones, TweetMaxLength: d.Config.TweetMaxLength,
		XAccess: casework.XAccess(d.Config.XAccess), Pricing: d.Pricing, Reach: reach,
	})
}

// Pollers feed the two workers from their queues, as Lambda's event source
// mappings do in AWS.
func Pollers(d Deps) []*sqspoll.Poller {
	outboundQueue := sqsqueue.New(d.SQS, d.Config.OutboundQueueURL)
	subs := outbound.SubscriptionConfig{WebhookID: d.Config.XWebhookID, Tag: casework.SubscriptionTag(d.Config.Stage)}
	out := outbound.New(outbound.Deps{Store: d.Store, X: d.X, Keys: d.ChatKeys, Subscriptions: subs, Delayer: outboundQueue, Outbox: outboundQueue,
		Pricing: d.Pricing, CreditsPause: d.Config.XCreditsPause, Logger: d.Logger.With("worker", "outbound")})
	rules := casework.NewInbound(d.Store, nil, d.Logger.With("worker", "inbound"))
	if d.X != nil {
		rules.WithX(inbound.XPeople(d.X))
		if d.ChatKeys != nil {
			// One keyring per process: the workers share the brand identities.
			rules.WithChat(casework.ChatDeps{Reader: chatread.New(d.ChatKeys, d.Store, d.X, nil, d.Logger.With("worker", "inbound")), Waits: d.Store})
		}
	}
	in := inbound.New(rules, d.Logger.With("worker", "inbound")).WithKept(d.Store)
	return []*sqspoll.Poller{
		sqspoll.New(d.SQS, d.Queues[queues.Outbound.Name], out.Handle, sqspoll.WithLogger(d.Logger), sqspoll.WithWaitTime(1)),
		sqspoll.New(d.SQS, d.Queues[queues.Inbound.Name], in.Handle, sqspoll.WithLogger(d.Logger), sqspoll.WithWaitTime(1)),
	}
}
