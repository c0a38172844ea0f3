package consoleapi_test

import (
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// TestHandlesShowTheXAccess: GET /v1/handles tells the console the
// deployment's X access.
func TestHandlesShowTheXAccess(t *testing.T) {
	t.Parallel()
	for _, access := range []casework.XAccess{casework.AccessSelfServe, casework.AccessEnterprise} {
		e := newEnv(t, withAccess(access))
		var list struct {
			Items   []map[string]any `json:"items"`
			XAccess string           `json:"x_access"`
		}
		e.do("GET", "/v1/handles", nil).want(t, 200, &list)
		if list.XAccess != string(access) || len(list.Items) != 2 {
			t.Errorf("%s: x_access = %q with %d handles", access, list.XAccess, len(list.Items))
		}
	}
}

// TestFollowRefusedOnSelfServe: on self-serve access following and
// unfollowing answer 422 x_access_forbids with a link to x.com, and
// nothing is queued for X; the follow states still show.
func TestFollowRefusedOnSelfServe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAccess(casework.AccessSelfServe))
	var p struct {
		problem
		XAccess   string `json:"x_access"`
		Action    string `json:"action"`
		IntentURL string `json:"intent_url"`
	}
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+support1, nil).want(t, 422, &p)
	if p.Code != casework.EXAccessForbids || p.XAccess != "self-serve" || p.Action != "follow" ||
		p.IntentURL != "https://x.com/intent/follow?screen_name=bob_stranger&user_id=2000000000000000002" {
		t.Errorf("follow refusal = %+v", p)
	}
	_, err := e.store.SetBrandFollowsCustomer(e.ctx, bob, support1, true, e.now())
	must(t, err)
	e.do("DELETE", "/v1/customers/"+bob+"/follows/"+support1, nil).want(t, 422, &p)
	if p.Code != casework.EXAccessForbids || p.Action != "unfollow" || p.IntentURL != "https://x.com/bob_stranger" {
		t.Errorf("unfollow refusal = %+v", p)
	}
	e.wantCommands()
	var c apiCustomer
	e.do("GET", "/v1/customers/"+bob, nil).want(t, 200, &c)
	if len(c.Follows) != 2 || c.Follows[1].HandleID != support1 || !c.Follows[1].BrandFollowsCustomer {
		t.Errorf("follows = %+v", c.Follows)
	}
}

// TestSummonedRepliesOnSelfServe: the reply options say per brand handle
// whether a mention reply is allowed (the customer's Tweet mentions
// @AcmeSupport, not @AcmeDeals), and a reply X would refuse is 422
// reply_not_summoned with nothing queued.
func TestSummonedRepliesOnSelfServe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAccess(casework.AccessSelfServe))
	caseID, _ := e.inboundCase(bob, support1, "bob_stranger", "3000000000000000101")
	var o struct {
		Handles []struct {
			ScreenName string `json:"screen_name"`
			Modes      []struct {
				Mode       string `json:"mode"`
				Allowed    bool   `json:"allowed"`
				NotAllowed *struct {
					Code   string `json:"code"`
					Detail string `json:"detail"`
				} `json:"not_allowed"`
			} `json:"modes"`
		} `json:"handles"`
	}
	e.do("GET", "/v1/cases/"+caseID+"/reply-options", nil).want(t, 200, &o)
	got := map[string]bool{}
	for _, h := range o.Handles {
		m := h.Modes[0]
		got[h.ScreenName] = m.Allowed
		if m.Mode != "mention" || !m.Allowed && (m.NotAllowed == nil || m.NotAllowed.Code != casework.EReplyNotSummoned) {
			t.Errorf("@%s: mention option %+v", h.ScreenName, m)
		}
	}
	if !got["AcmeSupport"] || got["AcmeDeals"] {
		t.Errorf("mention allowed = %v, want @AcmeSupport only", got)
	}
	e.do("POST", "/v1/cases/"+caseID+"/replies", map[string]string{"mode": "mention", "handle_id": deals2, "text": "@bob_stranger hi"}).
		wantProblem(t, 422, casework.EReplyNotSummoned)
	e.wantCommands()
	e.do("POST", "/v1/cases/"+caseID+"/replies", map[string]string{"mode": "mention", "handle_id": support1, "text": "@bob_stranger hi"}).want(t, 202, nil)
	e.wantCommands(casework.CmdTweet)
}

// TestPricesOfASend: the reply options and the character count carry what
// the send costs on X: a reply to a mention $0.010, a URL makes it $0.200,
// a Post with no case $0.015, a DM $0.015.
func TestPricesOfASend(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAccess(casework.AccessSelfServe))
	caseID, _ := e.inboundCase(alice, support1, "alice_follows", "3000000000000000201")
	type price struct {
		Kind string `json:"kind"`
		USD  string `json:"usd"`
		AsOf string `json:"as_of"`
	}
	var o struct {
		Handles []struct {
			ScreenName string `json:"screen_name"`
			Modes      []struct {
				Mode         string `json:"mode"`
				Price        price  `json:"price"`
				PriceWithURL *price `json:"price_with_url"`
			} `json:"modes"`
		} `json:"handles"`
	}
	e.do("GET", "/v1/cases/"+caseID+"/reply-options", nil).want(t, 200, &o)
	support := o.Handles[0]
	if support.ScreenName != "AcmeSupport" || support.Modes[0].Price != (price{"summoned_reply", "0.010", "2026-04-20"}) ||
		support.Modes[0].PriceWithURL == nil || support.Modes[0].PriceWithURL.USD != "0.200" {
		t.Errorf("@AcmeSupport's mention option prices %+v", support.Modes[0])
	}
	if len(support.Modes) < 2 || support.Modes[1].Mode != "dm" || support.Modes[1].Price.USD != "0.015" {
		t.Errorf("@AcmeSupport's DM option %+v", support.Modes)
	}
	for _, tc := range []struct {
		body map[string]string
		want price
	}{
		{map[string]string{"text": "@alice_follows thanks", "case_id": caseID}, price{"summoned_reply", "0.010", "2026-04-20"}},
		{map[string]string{"text": "@alice_follows see https://support.acme.com/x", "case_id": caseID}, price{"post_url", "0.200", "2026-04-20"}},
		{map[string]string{"text": "@alice_follows thanks", "case_id": caseID, "handle_id": deals2}, price{"post", "0.015", "2026-04-20"}},
		{map[string]string{"text": "@alice_follows hello"}, price{"post", "0.015", "2026-04-20"}},
		{map[string]string{"text": "hello", "mode": "dm"}, price{"dm", "0.015", "2026-04-20"}},
	} {
		var c struct {
			Price price `json:"price"`
		}
		e.do("POST", "/v1/text/count", tc.body).want(t, 200, &c)
		if c.Price != tc.want {
			t.Errorf("count %v: price %+v, want %+v", tc.body, c.Price, tc.want)
		}
	}
}

// TestBudgetAndUsage: PATCH /v1/handles/{id} sets a monthly budget, a send
// that would pass it is 422 x_budget_exhausted with what is spent, and GET
// /v1/usage answers the month's spend per handle and kind.
func TestBudgetAndUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var h struct {
		MonthlyBudgetUSD *string `json:"monthly_budget_usd"`
	}
	e.do("PATCH", "/v1/handles/"+support1, map[string]string{"monthly_budget_usd": "0.02"}).want(t, 200, &h)
	if h.MonthlyBudgetUSD == nil || *h.MonthlyBudgetUSD != "0.020" {
		t.Errorf("budget = %v", h.MonthlyBudgetUSD)
	}
	e.do("PATCH", "/v1/handles/"+support1, map[string]string{"monthly_budget_usd": "lots"}).wantProblem(t, 400, casework.EValidation)
	now := time.Now()
	_, err := e.store.RecordSpend(e.ctx, casework.Spend{ID: "m1", HandleID: support1, Price: casework.DefaultPricing.PostPrice("hi", false), At: now})
	must(t, err)
	var p struct {
		problem
		SpentUSD  string `json:"spent_usd"`
		BudgetUSD string `json:"budget_usd"`
	}
	e.do("POST", "/v1/cases", map[string]string{"customer_id": alice, "handle_id": support1, "text": "@alice_follows hello"}).want(t, 422, &p)
	if p.Code != casework.EXBudgetExhausted || p.SpentUSD != "0.015" || p.BudgetUSD != "0.020" {
		t.Errorf("refusal = %+v", p)
	}
	e.wantCommands()
	var u struct {
		Month    string `json:"month"`
		TotalUSD string `json:"total_usd"`
		Handles  []struct {
			HandleID string `json:"handle_id"`
			SpentUSD string `json:"spent_usd"`
			Calls    []struct {
				Kind  string `json:"kind"`
				Calls int64  `json:"calls"`
			} `json:"calls"`
		} `json:"handles"`
	}
	e.do("GET", "/v1/usage", nil).want(t, 200, &u)
	if u.Month != casework.Month(now) || u.TotalUSD != "0.015" || len(u.Handles) != 2 || u.Handles[0].SpentUSD != "0.015" && u.Handles[1].SpentUSD != "0.015" {
		t.Errorf("usage = %+v", u)
	}
	e.do("GET", "/v1/usage?month=1999-01", nil).want(t, 200, &u)
	if u.TotalUSD != "0.000" {
		t.Errorf("usage of 1999-01 = %+v", u)
	}
	e.do("GET", "/v1/usage?month=soon", nil).wantProblem(t, 400, casework.EValidation)
}
