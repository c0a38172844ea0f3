package consoleapi

import (
	"net/http"
	"time"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/httpapi"
	"github.com/acme/twitter-cases/shared/support"
)

// Options are the settings every route group shares.
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

// CreateCaseRoutes is the create-case function: POST /v1/cases.
func CreateCaseRoutes(svc *support.Service, store support.Store, o Options) http.Handler {
	return newServer(svc, store, o).handler(createCaseRoutes)
}

// ReplyRoutes is the reply function: reply options, replies and the
// character counter.
func ReplyRoutes(svc *support.Service, store support.Store, o Options) http.Handler {
	return newServer(svc, store, o).handler(replyRoutes)
}

// RetweetRoutes is the retweet function: Retweet and undo.
func RetweetRoutes(svc *support.Service, store support.Store, o Options) http.Handler {
	return newServer(svc, store, o).handler(retweetRoutes)
}

// FollowRoutes is the follow function: a customer's Twitter handle (looked
// up on X) and the brand handles' follows of the customer.
func FollowRoutes(svc *support.Service, store support.Store, o Options) http.Handler {
	return newServer(svc, store, o).handler(followRoutes)
}

// ConsoleRoutes is the console function: brand handles (whose
// subscriptions on X it queues), customers, case lists and reads, case
// status, and the health check.
func ConsoleRoutes(svc *support.Service, store support.Store, o Options) http.Handler {
	return newServer(svc, store, o).handler(consoleRoutes)
}

// All is every group on one handler, for the local run.
func All(svc *support.Service, store support.Store, o Options) http.Handler {
	return newServer(svc, store, o).handler(createCaseRoutes, replyRoutes, retweetRoutes, followRoutes, consoleRoutes)
}

func createCaseRoutes(s *server, mux *http.ServeMux) {
	mux.Handle("POST /v1/cases", s.agent(s.idempotent(s.handleCreateCase())))
}

func replyRoutes(s *server, mux *http.ServeMux) {
	mux.Handle("GET /v1/cases/{id}/reply-options", s.agent(s.handleReplyOptions()))
	mux.Handle("POST /v1/cases/{id}/replies", s.agent(s.idempotent(s.handleReply())))
	mux.Handle("POST /v1/text/count", s.agent(s.handleTextCount()))
}

func retweetRoutes(s *server, mux *http.ServeMux) {
	const path = "/v1/cases/{id}/messages/{message_id}/retweets/{handle_id}"
	mux.Handle("PUT "+path, s.agent(s.idempotent(s.handleRetweet())))
	mux.Handle("DELETE "+path, s.agent(s.idempotent(s.handleUnretweet())))
}

func followRoutes(s *server, mux *http.ServeMux) {
	mux.Handle("PUT /v1/customers/{id}/twitter", s.agent(s.handleSetTwitter()))
	mux.Handle("DELETE /v1/customers/{id}/twitter", s.agent(s.handleRemoveTwitter()))
	mux.Handle("PUT /v1/customers/{id}/follows/{handle_id}", s.agent(s.idempotent(s.handleFollow(support.ActionFollow))))
	mux.Handle("DELETE /v1/customers/{id}/follows/{handle_id}", s.agent(s.idempotent(s.handleFollow(support.ActionUnfollow))))
}

func consoleRoutes(s *server, mux *http.ServeMux) {
	mux.Handle("GET /healthz", httpapi.Health(s.store))
	mux.Handle("GET /v1/handles", s.agent(s.handleListHandles()))
	mux.Handle("POST /v1/handles", s.agent(s.handleRegisterHandle()))
	mux.Handle("PATCH /v1/handles/{id}", s.agent(s.handleUpdateHandle()))
	mux.Handle("DELETE /v1/handles/{id}", s.agent(s.handleDeleteHandle()))
	mux.Handle("GET /v1/customers", s.agent(s.handleSearchCustomers()))
	mux.Handle("POST /v1/customers", s.agent(s.handleCreateCustomer()))
	mux.Handle("GET /v1/customers/{id}", s.agent(s.handleGetCustomer()))
	mux.Handle("GET /v1/cases", s.agent(s.handleListCases()))
	mux.Handle("GET /v1/cases/{id}", s.agent(s.handleGetCase()))
	mux.Handle("PATCH /v1/cases/{id}", s.agent(s.handlePatchCase()))
	mux.Handle("GET /v1/cases/{id}/messages", s.agent(s.handleMessages()))
}
