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
	s := newServer(svc, records, o)
	handlers := s.routes()
	mux := http.NewServeMux()
	for _, r := range routes {
		h, ok := handlers[r]
		if !ok {
			return nil, fmt.Errorf("consoleapi: no handler for the route %q", r)
		}
		mux.Handle(r, h)
	}
	return s.handler(mux), nil
}

// Patterns returns every route the package has a handler for, sorted.
func Patterns() []string {
	return slices.Sorted(maps.Keys((&server{agent: identity, idempotent: identity}).routes()))
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

// routes maps each console API route to its handler: its one place in the
// code. Which function serves it is declared in package functions.
func (s *server) routes() map[string]http.Handler {
	const retweet = "/v1/cases/{id}/messages/{message_id}/retweets/{handle_id}"
	return map[string]http.Handler{
		"GET /healthz": httpapi.Health(s.records),

		"GET /v1/handles":         s.agent(s.handleListHandles()),
		"POST /v1/handles":        s.agent(s.handleRegisterHandle()),
		"PATCH /v1/handles/{id}":  s.agent(s.handleUpdateHandle()),
		"DELETE /v1/handles/{id}": s.agent(s.handleDeleteHandle()),

		"GET /v1/customers":             s.agent(s.handleSearchCustomers()),
		"POST /v1/customers":            s.agent(s.handleCreateCustomer()),
		"GET /v1/customers/{id}":        s.agent(s.handleGetCustomer()),
		"PATCH /v1/customers/{id}":      s.agent(s.handlePatchCustomer()),
		"POST /v1/customers/{id}/merge": s.agent(s.handleMergeCustomer()),

		"GET /v1/cases":               s.agent(s.handleListCases()),
		"POST /v1/cases":              s.agent(s.idempotent(s.handleCreateCase())),
		"GET /v1/cases/{id}":          s.agent(s.handleGetCase()),
		"PATCH /v1/cases/{id}":        s.agent(s.handlePatchCase()),
		"GET /v1/cases/{id}/messages": s.agent(s.handleMessages()),

		"GET /v1/cases/{id}/reply-options": s.agent(s.handleReplyOptions()),
		"POST /v1/cases/{id}/replies":      s.agent(s.idempotent(s.handleReply())),
		"POST /v1/text/count":              s.agent(s.handleTextCount()),

		"PUT " + retweet:    s.agent(s.idempotent(s.handleRetweet())),
		"DELETE " + retweet: s.agent(s.idempotent(s.handleUnretweet())),

		"PUT /v1/customers/{id}/twitter":                s.agent(s.handleSetTwitter()),
		"DELETE /v1/customers/{id}/twitter":             s.agent(s.handleRemoveTwitter()),
		"PUT /v1/customers/{id}/follows/{handle_id}":    s.agent(s.idempotent(s.handleFollow(casework.ActionFollow))),
		"DELETE /v1/customers/{id}/follows/{handle_id}": s.agent(s.idempotent(s.handleFollow(casework.ActionUnfollow))),
	}
}
