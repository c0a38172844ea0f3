package consoleapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// Options are the settings every console API function shares.
type Options struct {
	// DevToken, when not "", is accepted as a bearer token for the
	// development agent (the local run); in AWS the JWT authorizer's
	// claims name the agent.
	DevToken string
	// AllowedOrigins are the console origins CORS lets in.
	AllowedOrigins []string
	// Clock dates idempotency records; nil means time.Now.
	Clock func() time.Time
}

// OptionsFrom takes the options from a function's configuration.
func OptionsFrom(cfg config.Config) Options {
	return Options{DevToken: cfg.DevToken, AllowedOrigins: cfg.AllowedOrigins}
}

// Records is what the console API keeps beside the domain's store: the
// answers to requests sent with an Idempotency-Key. Its Ping is the health
// check's (the DynamoDB adapter keeps both in the one table).
type Records interface {
	httpapi.IdempotencyStore
	httpapi.Pinger
}

// Routes returns the handler of the given console API routes ("METHOD
// /path", as a functions.Function lists them): a function serves its
// declared routes and no other, the local run every function's. A route
// the package has no handler for is an error, so a declaration cannot
// name a route nobody serves.
func Routes(svc *casework.Service, records Records, o Options, routes []string) (http.Handler, error) {
	byPattern := make(map[string]Route, len(all()))
	for _, r := range all() {
		byPattern[r.Pattern] = r
	}
	chosen := make([]Route, 0, len(routes))
	for _, p := range routes {
		r, ok := byPattern[p]
		if !ok {
			return nil, fmt.Errorf("consoleapi: no handler for the route %q", p)
		}
		chosen = append(chosen, r)
	}
	return serve(newServer(svc, records, o), chosen), nil
}

// serve is the handler of routes on s.
func serve(s *server, routes []Route) http.Handler {
	mux := http.NewServeMux()
	for _, r := range routes {
		mux.Handle(r.Pattern, r.build(s))
	}
	return s.handler(mux)
}

// Patterns returns every route the package has a handler for, sorted.
func Patterns() []string {
	return slices.Sorted(maps.Keys((&server{agent: identity, idempotent: identity}).routes()))
}

// queryParameters are the query parameters each route takes; a route not
// listed takes none. Any other parameter, or one given twice, is 400
// validation_failed naming it (knownQuery).
var queryParameters = map[string][]string{
	"GET /v1/handles":             {"limit", "cursor"},
	"GET /v1/usage":               {"month"},
	"GET /v1/customers":           {"q", "limit", "cursor"},
	"GET /v1/cases":               {"customer_id", "status", "updated_since", "limit", "cursor"},
	"GET /v1/cases/{id}":          {"order", "limit"},
	"GET /v1/cases/{id}/messages": {"order", "limit", "cursor"},
}

// QueryParameters returns the query parameters the route ("METHOD
// /pattern") takes, sorted; none for a route that takes none.
func QueryParameters(route string) []string {
	return slices.Sorted(slices.Values(queryParameters[route]))
}

// IdempotentPatterns returns the routes that honour an Idempotency-Key
// (the ones that send something to X), sorted.
func IdempotentPatterns() []string {
	var out []string
	s := &server{agent: identity, idempotent: func(h http.Handler) http.Handler { return idempotentMark{h} }}
	for r, h := range s.routes() {
		if _, ok := h.(idempotentMark); ok {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// idempotentMark marks a handler IdempotentPatterns found wrapped in
// server.idempotent.
type idempotentMark struct{ http.Handler }

func identity(h http.Handler) http.Handler { return h }

// routes maps each console API route to its handler.
func (s *server) routes() map[string]http.Handler {
	m := make(map[string]http.Handler, len(all()))
	for _, r := range all() {
		m[r.Pattern] = r.build(s)
	}
	return m
}

// Route is one console API route: its pattern ("METHOD /path", as package
// functions declares it) and the build of its handler. A function's main
// names the routes it serves (Function), so that it links only their
// handlers and what they call: the linker cannot drop a handler a table
// chosen at run time might pick.
type Route struct {
	Pattern string
	build   func(s *server) http.Handler
}

// The console API's routes: each route's one place in the code. Which
// function serves it is declared in package functions.
var (
	RouteHealth = Route{"GET /healthz", func(s *server) http.Handler { return httpapi.Health(s.records) }}

	RouteListHandles    = Route{"GET /v1/handles", func(s *server) http.Handler { return s.agent(s.handleListHandles()) }}
	RouteRegisterHandle = Route{"POST /v1/handles", func(s *server) http.Handler { return s.agent(s.handleRegisterHandle()) }}
	RouteUpdateHandle   = Route{"PATCH /v1/handles/{id}", func(s *server) http.Handler { return s.agent(s.handleUpdateHandle()) }}
	RouteDeleteHandle   = Route{"DELETE /v1/handles/{id}", func(s *server) http.Handler { return s.agent(s.handleDeleteHandle()) }}
	RouteUsage          = Route{"GET /v1/usage", func(s *server) http.Handler { return s.agent(s.handleUsage()) }}

	RouteSearchCustomers = Route{"GET /v1/customers", func(s *server) http.Handler { return s.agent(s.handleSearchCustomers()) }}
	RouteCreateCustomer  = Route{"POST /v1/customers", func(s *server) http.Handler { return s.agent(s.handleCreateCustomer()) }}
	RouteGetCustomer     = Route{"GET /v1/customers/{id}", func(s *server) http.Handler { return s.agent(s.handleGetCustomer()) }}
	RoutePatchCustomer   = Route{"PATCH /v1/customers/{id}", func(s *server) http.Handler { return s.agent(s.handlePatchCustomer()) }}
	RouteMergeCustomer   = Route{"POST /v1/customers/{id}/merge", func(s *server) http.Handler { return s.agent(s.handleMergeCustomer()) }}

	RouteListCases  = Route{"GET /v1/cases", func(s *server) http.Handler { return s.agent(s.handleListCases()) }}
	RouteCreateCase = Route{"POST /v1/cases", func(s *server) http.Handler { return s.agent(s.idempotent(s.handleCreateCase())) }}
	RouteGetCase    = Route{"GET /v1/cases/{id}", func(s *server) http.Handler { return s.agent(s.handleGetCase()) }}
	RoutePatchCase  = Route{"PATCH /v1/cases/{id}", func(s *server) http.Handler { return s.agent(s.handlePatchCase()) }}
	RouteMessages   = Route{"GET /v1/cases/{id}/messages", func(s *server) http.Handler { return s.agent(s.handleMessages()) }}

	RouteReplyOptions = Route{"GET /v1/cases/{id}/reply-options", func(s *server) http.Handler { return s.agent(s.handleReplyOptions()) }}
	RouteReply        = Route{"POST /v1/cases/{id}/replies", func(s *server) http.Handler { return s.agent(s.idempotent(s.handleReply())) }}
	RouteTextCount    = Route{"POST /v1/text/count", func(s *server) http.Handler { return s.agent(s.handleTextCount()) }}

	RouteRetweet   = Route{"PUT " + retweetPath, func(s *server) http.Handler { return s.agent(s.idempotent(s.handleRetweet())) }}
	RouteUnretweet = Route{"DELETE " + retweetPath, func(s *server) http.Handler { return s.agent(s.idempotent(s.handleUnretweet())) }}

	RouteSetTwitter    = Route{"PUT /v1/customers/{id}/twitter", func(s *server) http.Handler { return s.agent(s.handleSetTwitter()) }}
	RouteRemoveTwitter = Route{"DELETE /v1/customers/{id}/twitter", func(s *server) http.Handler { return s.agent(s.handleRemoveTwitter()) }}
	RouteFollow        = Route{"PUT " + followPath, func(s *server) http.Handler { return s.agent(s.idempotent(s.handleFollow(casework.ActionFollow))) }}
	RouteUnfollow      = Route{"DELETE " + followPath, func(s *server) http.Handler { return s.agent(s.idempotent(s.handleFollow(casework.ActionUnfollow))) }}
)

const (
	retweetPath = "/v1/cases/{id}/messages/{message_id}/retweets/{handle_id}"
	followPath  = "/v1/customers/{id}/follows/{handle_id}"
)

// all returns every route, for what serves them all (the local run, the
// tests); a function's main does not call it, so it links only its own.
func all() []Route {
	return []Route{RouteHealth,
		RouteListHandles, RouteRegisterHandle, RouteUpdateHandle, RouteDeleteHandle, RouteUsage,
		RouteSearchCustomers, RouteCreateCustomer, RouteGetCustomer, RoutePatchCustomer, RouteMergeCustomer,
		RouteListCases, RouteCreateCase, RouteGetCase, RoutePatchCase, RouteMessages,
		RouteReplyOptions, RouteReply, RouteTextCount,
		RouteRetweet, RouteUnretweet,
		RouteSetTwitter, RouteRemoveTwitter, RouteFollow, RouteUnfollow}
}
