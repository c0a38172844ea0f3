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
		// MonthlyBudgetUSD is the handle's monthly budget on X in US
		// dollars ("0.05"); "0" removes it.
		MonthlyBudgetUSD *string `json:"monthly_budget_usd"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if !decode(w, r, &req) {
			return
		}
		p := casework.HandlePatch{CredentialsSecret: req.CredentialsSecret}
		if req.MonthlyBudgetUSD != nil {
			b, err := casework.ParseUSD(*req.MonthlyBudgetUSD)
			if err != nil {
				httpapi.WriteError(w, r, &casework.Error{Code: casework.EValidation, Message: "The monthly budget is an amount of US dollars such as \"25.00\", or \"0\" for none.",
					Fields: []casework.FieldError{{Name: "monthly_budget_usd", Code: "invalid", Detail: err.Error()}}})
				return
			}
			p.MonthlyBudget = &b
		}
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

// usageView is GET /v1/usage's answer: the month's spend on X per brand
// handle and kind of call.
type usageView struct {
	Month    string            `json:"month"`
	PricesAs string            `json:"prices_as_of"`
	TotalUSD string            `json:"total_usd"`
	Handles  []handleUsageView `json:"handles"`
}

type handleUsageView struct {
	HandleID   string `json:"handle_id"`
	ScreenName string `json:"screen_name,omitempty"`
	// SpentUSD is what the product's calls cost (what the budget caps);
	// InboundUSD what X billed for delivering events to the handle.
	SpentUSD   string          `json:"spent_usd"`
	InboundUSD string          `json:"inbound_usd"`
	BudgetUSD  *string         `json:"monthly_budget_usd"`
	Calls      []usageKindView `json:"calls"`
}

type usageKindView struct {
	Kind   string `json:"kind"`
	Calls  int64  `json:"calls"`
	USD    string `json:"usd"`
	Micros int64  `json:"micros"`
}

func newUsageView(u *casework.Usage) usageView {
	v := usageView{Month: u.Month, PricesAs: u.AsOf, Handles: []handleUsageView{}}
	byID := map[string]int{}
	add := func(id, name string, budget casework.Micros) int {
		if i, ok := byID[id]; ok {
			return i
		}
		hv := handleUsageView{HandleID: id, ScreenName: name, Calls: []usageKindView{}}
		if budget > 0 {
			b := budget.USD()
			hv.BudgetUSD = &b
		}
		byID[id] = len(v.Handles)
		v.Handles = append(v.Handles, hv)
		return byID[id]
	}
	for _, h := range u.Handles {
		add(h.ID, h.ScreenName, h.MonthlyBudget)
	}
	spent, inbound := map[int]casework.Micros{}, map[int]casework.Micros{}
	var total casework.Micros
	for _, t := range u.Totals {
		i := add(t.HandleID, "", 0)
		v.Handles[i].Calls = append(v.Handles[i].Calls, usageKindView{Kind: string(t.Kind), Calls: t.Calls, USD: t.Amount.USD(), Micros: int64(t.Amount)})
		if t.Kind.Inbound() {
			inbound[i] += t.Amount
		} else {
			spent[i] += t.Amount
		}
		total += t.Amount
	}
	for i := range v.Handles {
		v.Handles[i].SpentUSD, v.Handles[i].InboundUSD = spent[i].USD(), inbound[i].USD()
	}
	v.TotalUSD = total.USD()
	return v
}

// handleUsage is GET /v1/usage?month=YYYY-MM (default the current UTC
// month): what the product spent on X, per brand handle and kind of call.
func (s *server) handleUsage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.svc.Usage(r.Context(), r.URL.Query().Get("month"))
		if err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.Encode(w, http.StatusOK, newUsageView(u))
	})
}
