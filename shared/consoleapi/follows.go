package consoleapi

import (
	"net/http"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// handleSetTwitter is PUT /v1/customers/{id}/twitter {handle}: 200 with the customer.
func (s *server) handleSetTwitter() http.Handler {
	type request struct {
		Handle string `json:"handle"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		d, err := s.svc.SetTwitterHandle(r.Context(), r.PathValue("id"), req.Handle)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newCustomerDetailsView(d))
	})
}

// handleRemoveTwitter is DELETE /v1/customers/{id}/twitter: 200 with the customer.
func (s *server) handleRemoveTwitter() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := s.svc.RemoveTwitterHandle(r.Context(), r.PathValue("id"))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newCustomerDetailsView(d))
	})
}

// handleFollow is PUT (follow) and DELETE (unfollow)
// /v1/customers/{id}/follows/{handle_id}: 202 with the follow state,
// pending, when the command was queued; 200 with the state when it already
// was the one asked (nothing is sent to X).
func (s *server) handleFollow(action casework.FollowAction) http.Handler {
	do := s.svc.Follow
	if action == casework.ActionUnfollow {
		do = s.svc.Unfollow
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, queued, err := do(r.Context(), r.PathValue("id"), r.PathValue("handle_id"))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		status := http.StatusOK
		if queued {
			status = http.StatusAccepted
		}
		httpapi.Encode(w, status, newFollowView(f))
	})
}
