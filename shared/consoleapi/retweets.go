package consoleapi

import (
	"context"
	"net/http"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// handleRetweet is PUT /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}:
// 202 {message} when the Retweet was queued, 200 {message} when the brand
// handle had already Retweeted it.
func (s *server) handleRetweet() http.Handler { return retweetHandler(s.svc.Retweet) }

// handleUnretweet is DELETE /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}:
// 202 {message} when the unretweet was queued, 200 {message} when no
// Retweet by the brand handle was recorded (nothing is sent to X).
func (s *server) handleUnretweet() http.Handler { return retweetHandler(s.svc.Unretweet) }

// retweetHandler serves a Retweet route with act (the service's Retweet or
// Unretweet of the message in the case, by the brand handle): the message,
// 202 when act queued work for the outbound worker, 200 when nothing had
// to be sent.
func retweetHandler(act func(ctx context.Context, caseID, messageID, handleID string) (*casework.Message, bool, error)) http.Handler {
	type response struct {
		Message messageView `json:"message"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, queued, err := act(r.Context(), r.PathValue("id"), r.PathValue("message_id"), r.PathValue("handle_id"))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		status := http.StatusOK
		if queued {
			status = http.StatusAccepted
		}
		httpapi.Encode(w, status, response{newMessageView(m)})
	})
}
