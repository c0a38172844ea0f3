package consoleapi

import (
	"net/http"

	"github.com/acme/twitter-cases/shared/httpapi"
	"github.com/acme/twitter-cases/shared/support"
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
		d, err := s.svc.CreateCustomer(r.Context(), support.NewCustomer{
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
