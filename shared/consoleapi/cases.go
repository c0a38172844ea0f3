package consoleapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// handleCreateCase is POST /v1/cases: 201 {case, message} with the message queued.
func (s *server) handleCreateCase() http.Handler {
	type request struct {
		CustomerID string `json:"customer_id"`
		HandleID   string `json:"handle_id"`
		Text       string `json:"text"`
	}
	type response struct {
		Case    caseView    `json:"case"`
		Message messageView `json:"message"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		c, m, err := s.svc.CreateCase(r.Context(), casework.NewCase{CustomerID: req.CustomerID, HandleID: req.HandleID, Text: req.Text})
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		w.Header().Set("Location", "/v1/cases/"+c.ID)
		httpapi.Encode(w, http.StatusCreated, response{newCaseView(c), newMessageView(m)})
	})
}

// handleListCases is GET /v1/cases?customer_id=&status=&updated_since=&limit=&cursor=:
// status may name several statuses separated by commas, and updated_since
// (RFC 3339) keeps the cases active after that moment.
func (s *server) handleListCases() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := page(w, r)
		if !ok {
			return
		}
		q := r.URL.Query()
		f := casework.CaseFilter{CustomerID: q.Get("customer_id")}
		for st := range strings.SplitSeq(q.Get("status"), ",") {
			if st = strings.TrimSpace(st); st != "" {
				f.Statuses = append(f.Statuses, casework.CaseStatus(st))
			}
		}
		if since := q.Get("updated_since"); since != "" {
			t, err := time.Parse(time.RFC3339Nano, since)
			if err != nil {
				httpapi.WriteError(w, r, &casework.Error{Code: casework.EValidation, Message: "updated_since is not a time.",
					Fields: []casework.FieldError{{Name: "updated_since", Code: "invalid", Detail: "Give an RFC 3339 time, e.g. 2026-01-02T15:04:05.000Z."}}})
				return
			}
			f.ActiveAfter = t
		}
		cases, err := s.svc.Cases(r.Context(), f, p)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, httpapi.ListOf(cases, newCaseView))
	})
}

// handleGetCase is GET /v1/cases/{id}?order=: the case and its first page
// of messages.
func (s *server) handleGetCase() http.Handler {
	type response struct {
		Case       caseView      `json:"case"`
		Messages   []messageView `json:"messages"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := page(w, r)
		if !ok {
			return
		}
		order, ok := messageOrder(w, r)
		if !ok {
			return
		}
		c, msgs, err := s.svc.Case(r.Context(), r.PathValue("id"), order, p)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		list := httpapi.ListOf(msgs, newMessageView)
		httpapi.Encode(w, http.StatusOK, response{Case: newCaseView(c), Messages: list.Items, NextCursor: list.NextCursor})
	})
}

// handleMessages is GET /v1/cases/{id}/messages?order=&cursor=: pages of
// the case's messages, oldest first, or newest first with order=desc.
func (s *server) handleMessages() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := page(w, r)
		if !ok {
			return
		}
		order, ok := messageOrder(w, r)
		if !ok {
			return
		}
		msgs, err := s.svc.Messages(r.Context(), r.PathValue("id"), order, p)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, httpapi.ListOf(msgs, newMessageView))
	})
}

// handlePatchCase is PATCH /v1/cases/{id} {status}: 200 with the case.
func (s *server) handlePatchCase() http.Handler {
	type request struct {
		Status string `json:"status"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		c, err := s.svc.SetCaseStatus(r.Context(), r.PathValue("id"), casework.CaseStatus(req.Status))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newCaseView(c))
	})
}

// messageOrder reads ?order= (asc, the default, or desc), answering the
// error itself when it is bad.
func messageOrder(w http.ResponseWriter, r *http.Request) (casework.Order, bool) {
	o, err := casework.ParseOrder(r.URL.Query().Get("order"))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return o, false
	}
	return o, true
}
