package consoleapi

import (
	"net/http"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// handleList is the answer of GET /v1/handles: the handles and the
// deployment's X access, which decides what X allows them.
type handleList struct {
	httpapi.List[handleView]
	XAccess string `json:"x_access"`
}

// handleListHandles is GET /v1/handles: {items: [handle], x_access}.
func (s *server) handleListHandles() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every brand handle fits one page (X's subscription limit allows
		// 125): ?limit= and ?cursor= are checked and change nothing.
		if _, ok := page(w, r); !ok {
			return
		}
		hs, err := s.svc.Handles(r.Context())
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, handleList{
			List:    httpapi.ListOf(casework.Page[casework.BrandHandle]{Items: hs}, newHandleView),
			XAccess: string(s.svc.XAccess()),
		})
	})
}

// handleRegisterHandle is POST /v1/handles {screen_name, x_user_id, credentials_secret}: 201 with the handle.
func (s *server) handleRegisterHandle() http.Handler {
	type request struct {
		ScreenName        string `json:"screen_name"`
		XUserID           string `json:"x_user_id"`
		CredentialsSecret string `json:"credentials_secret"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		h, err := s.svc.RegisterHandle(r.Context(), casework.NewHandle{
			ScreenName: req.ScreenName, XUserID: req.XUserID, CredentialsSecret: req.CredentialsSecret,
		})
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusCreated, newHandleView(h))
	})
}

// handleUpdateHandle is PATCH /v1/handles/{id} {credentials_secret?, status?}: 200 with the handle.
func (s *server) handleUpdateHandle() http.Handler {
	type request struct {
		CredentialsSecret *string `json:"credentials_secret"`
		Status            *string `json:"status"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		p := casework.HandlePatch{CredentialsSecret: req.CredentialsSecret}
		if req.Status != nil {
			st := casework.HandleStatus(*req.Status)
			p.Status = &st
		}
		h, err := s.svc.UpdateHandle(r.Context(), r.PathValue("id"), p)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newHandleView(h))
	})
}

// handleDeleteHandle is DELETE /v1/handles/{id}: 204; its subscriptions on X are removed by the outbound worker.
func (s *server) handleDeleteHandle() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.svc.DeleteHandle(r.Context(), r.PathValue("id")); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
