package consoleapi

import (
	"net/http"

	"github.com/acme/twitter-cases/shared/httpapi"
)

// handleRetweet is PUT /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}:
// 202 {message} when the Retweet was queued, 200 {message} when the brand
// handle had already Retweeted it.
func (s *server) handleRetweet() http.Handler {
	type response struct {
		Message messageView `json:"message"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, queued, err := s.svc.Retweet(r.Context(), r.PathValue("id"), r.PathValue("message_id"), r.PathValue("handle_id"))
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

// handleUnretweet is DELETE /v1/cases/{id}/messages/{message_id}/retweets/{handle_id}:
// 202 {message} when the unretweet was queued, 200 {message} when no
// Retweet by the brand handle was recorded (nothing is sent to X).
func (s *server) handleUnretweet() http.Handler {
	type response struct {
		Message messageView `json:"message"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, queued, err := s.svc.Unretweet(r.Context(), r.PathValue("id"), r.PathValue("message_id"), r.PathValue("handle_id"))
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
