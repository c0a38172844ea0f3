package consoleapi

import (
	"encoding/json"
	"net/http"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// handleSearchCustomers is GET /v1/customers?q=&limit=&cursor=.
func (s *server) handleSearchCustomers() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := page(w, r)
		if !ok {
			return
		}
		found, err := s.svc.SearchCustomers(r.Context(), r.URL.Query().Get("q"), p)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, httpapi.ListOf(found, newCustomerView))
	})
}

// handleCreateCustomer is POST /v1/customers: 201 with the customer.
func (s *server) handleCreateCustomer() http.Handler {
	type request struct {
		Name          string   `json:"name"`
		Emails        []string `json:"emails"`
		Phones        []string `json:"phones"`
		TwitterHandle string   `json:"twitter_handle"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		d, err := s.svc.CreateCustomer(r.Context(), casework.NewCustomer{
			Name: req.Name, Emails: req.Emails, Phones: req.Phones, TwitterHandle: req.TwitterHandle,
		})
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		w.Header().Set("Location", "/v1/customers/"+d.Customer.ID)
		httpapi.Encode(w, http.StatusCreated, newCustomerDetailsView(d))
	})
}

// handleGetCustomer is GET /v1/customers/{id}: the customer with twitter and follows.
func (s *server) handleGetCustomer() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := s.svc.Customer(r.Context(), r.PathValue("id"))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newCustomerDetailsView(d))
	})
}

// handlePatchCustomer is PATCH /v1/customers/{id}: a JSON merge patch
// (RFC 7396) of name, emails and phones; 200 with the customer. A member
// left out is unchanged; null clears a list (a name is required).
func (s *server) handlePatchCustomer() http.Handler {
	type request struct {
		Name   json.RawMessage `json:"name"`
		Emails json.RawMessage `json:"emails"`
		Phones json.RawMessage `json:"phones"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		var p casework.CustomerPatch
		var err error
		if p.Name, err = patchMember[string](req.Name, "name", "a string"); err == nil {
			if p.Emails, err = patchMember[[]string](req.Emails, "emails", "a list of strings"); err == nil {
				p.Phones, err = patchMember[[]string](req.Phones, "phones", "a list of strings")
			}
		}
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		d, err := s.svc.PatchCustomer(r.Context(), r.PathValue("id"), p)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newCustomerDetailsView(d))
	})
}

// patchMember reads one member of a merge patch: nil when it is absent,
// the zero value when it is null (clearing it), else its value.
func patchMember[T any](raw json.RawMessage, name, want string) (*T, error) {
	var v T
	if len(raw) == 0 {
		return nil, nil
	}
	if string(raw) == "null" {
		return &v, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, casework.Errorf(httpapi.EInvalidJSON, "Field %q must be %s or null.", name, want)
	}
	return &v, nil
}

// handleMergeCustomer is POST /v1/customers/{id}/merge {from}: the customer
// from is merged into this one; 200 with the surviving customer.
func (s *server) handleMergeCustomer() http.Handler {
	type request struct {
		From string `json:"from"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		d, err := s.svc.MergeCustomers(r.Context(), r.PathValue("id"), req.From)
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newCustomerDetailsView(d))
	})
}
