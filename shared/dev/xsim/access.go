package xsim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/acme/twitter-cases/shared/twtext"
)

// The simulated app's kinds of X access (Options.Access).
const (
	AccessSelfServe  = "self-serve"
	AccessEnterprise = "enterprise"
)

// ParseAccess reads an X access setting as X_ACCESS gives it; "" is
// self-serve, the product's default.
func ParseAccess(s string) (string, error) {
	switch s {
	case "":
		return AccessSelfServe, nil
	case AccessSelfServe, AccessEnterprise:
		return s, nil
	}
	return "", fmt.Errorf("xsim: X access %q: want %s or %s", s, AccessSelfServe, AccessEnterprise)
}

// selfServe reports whether the app has self-serve access. Called with
// s.mu held.
func (s *Sim) selfServe() bool { return s.opts.Access == AccessSelfServe }

// typeClientForbidden is X's problem type for a call the app's access does
// not allow (x-api/fundamentals/response-codes-and-errors: "App not
// enrolled or lacks required access").
const typeClientForbidden = "https://api.twitter.com/2/problems/client-forbidden"

// clientForbiddenBody is X's 403 client-forbidden problem, with the
// members integrators have long seen in it (reason, registration_url,
// required_enrollment, client_id).
type clientForbiddenBody struct {
	Title              string `json:"title"`
	Detail             string `json:"detail"`
	Type               string `json:"type"`
	Reason             string `json:"reason"`
	RegistrationURL    string `json:"registration_url"`
	RequiredEnrollment string `json:"required_enrollment"`
	ClientID           string `json:"client_id"`
}

// clientForbidden is the 403 X answers a self-serve app that calls an
// endpoint removed from self-serve access (follows, since 16 April 2026).
func (s *Sim) clientForbidden(detail string) *xError {
	return &xError{status: http.StatusForbidden, body: clientForbiddenBody{
		Title: "Client Forbidden", Detail: detail, Type: typeClientForbidden,
		Reason: "client-not-enrolled", RegistrationURL: "https://developer.x.com/en/portal/dashboard",
		RequiredEnrollment: "Enterprise", ClientID: s.opts.ConsumerKey,
	}}
}

// errFollowForbidden: following and unfollowing through the API were
// removed from every self-serve tier (changelog, 16 April 2026).
func (s *Sim) errFollowForbidden() *xError {
	return s.clientForbidden("Following and unfollowing through the X API are not available to self-serve (pay-per-use) apps. Enterprise access is required.")
}

// errNotSummoned is X's 403 to a self-serve app's reply to a Post whose
// author did not summon the replying account (changelog, 23 February
// 2026; x-api/posts/manage-tweets/integrate: "the reply request will be
// rejected"). X's page gives no body; this detail is the one integrators
// report.
var errNotSummoned = plainProblem(http.StatusForbidden, "Forbidden",
	"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.")

// errMentionRestricted stands for X's refusal of a programmatic @mention
// on self-serve access ("Additional restrictions apply to programmatically
// @mentioning or quoting users", changelog 23 February 2026). X publishes
// neither the rule nor the answer: the simulator refuses a new Post (not a
// reply) that @mentions a user who does not follow its author, with a
// client-forbidden 403, so the product's handling of the refusal can be
// seen and tested.
func (s *Sim) errMentionRestricted(username string) *xError {
	return s.clientForbidden(fmt.Sprintf("Self-serve apps may not programmatically @mention @%s, who has not engaged with the author.", username))
}

// summoned reports whether parent's author summoned replier: parent
// @mentions replier (X's own Posts answering each other need no summons).
// Called with s.mu held.
func (s *Sim) summoned(parent *tweet, replier *user) bool {
	if parent.AuthorID == replier.ID {
		return true
	}
	for _, m := range parent.Mentions {
		if m.UserID == replier.ID {
			return true
		}
	}
	if q := s.st.tweets[parent.QuotedID]; q != nil && q.AuthorID == replier.ID {
		return true
	}
	return false
}

// checkAccess applies the self-serve rules to a Post about to be created
// through the API: a reply needs its parent's author to have summoned the
// author; a new Post may not @mention a user who does not follow its
// author. Called with s.mu held.
func (s *Sim) checkAccess(author *user, parent *tweet, text string) *xError {
	if !s.selfServe() {
		return nil
	}
	if parent != nil {
		if !s.summoned(parent, author) {
			return errNotSummoned
		}
		return nil
	}
	for _, m := range s.mentions(text) {
		if u := s.st.users[m.UserID]; u != nil && u.ID != author.ID && !u.following[author.ID] {
			return s.errMentionRestricted(u.Username)
		}
	}
	return nil
}

// errCreditsDepleted is the simulator's answer once the app's credit
// balance is spent: 402, as integrators report X answering (X's pages
// document neither the status nor the body; the product reads the
// status). X blocks every request until credits are added (pricing page:
// "API requests will be blocked until you add credits").
var errCreditsDepleted = plainProblem(http.StatusPaymentRequired, "Payment Required",
	"Your enrolled account does not have any credits to fulfill this request. Add credits in the Developer Console.")

// callPrice is what a successful call costs, in millionths of a dollar, at
// X's published pay-per-use prices (x-api/getting-started/pricing); a
// Post's price depends on its text: with a URL $0.200, a reply $0.010 (a
// summoned reply, the only kind self-serve allows), else $0.015.
func callPrice(endpoint string, body []byte) int64 {
	switch endpoint {
	case EndpointCreateTweet:
		var in struct {
			Text  string          `json:"text"`
			Reply json.RawMessage `json:"reply"`
		}
		_ = json.Unmarshal(body, &in)
		switch {
		case len(twtext.ExtractURLs(in.Text)) > 0:
			return 200_000
		case len(in.Reply) > 0 && string(in.Reply) != "null":
			return 10_000
		}
		return 15_000
	case EndpointRetweet, EndpointFollow, EndpointSendDM:
		return 15_000
	case EndpointUndoRetweet, EndpointUnfollow, EndpointDeleteTweet:
		return 10_000
	case EndpointLookupUser:
		return 10_000
	case EndpointLookupTweet:
		return 5_000
	}
	return 0
}

// creditsRefusal is the 402 when the app has a credit balance and it is
// spent. Called with s.mu held.
func (s *Sim) creditsRefusal() *xError {
	if s.credits != nil && *s.credits <= 0 {
		return errCreditsDepleted
	}
	return nil
}

// spendCredits takes a successful call's price from the balance (which,
// as on X, may go slightly negative). Called with s.mu held.
func (s *Sim) spendCredits(endpoint string, body []byte) {
	if s.credits != nil {
		*s.credits -= callPrice(endpoint, body)
	}
}

// SetCredits gives the app a credit balance in millionths of a dollar
// (negative: none, calls are never refused for credits, the default).
func (s *Sim) SetCredits(micros int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if micros < 0 {
		s.credits = nil
		return
	}
	s.credits = &micros
}

// Credits is the app's credit balance and whether it has one.
func (s *Sim) Credits() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.credits == nil {
		return 0, false
	}
	return *s.credits, true
}

// PUT /sim/credits {"balance_usd": "0.05"} sets the app's credit balance;
// {"balance_usd": null} removes it (unlimited). GET /sim/credits reads it.
func (s *Sim) ctlCredits(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut {
		var in struct {
			BalanceUSD *string `json:"balance_usd"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		if in.BalanceUSD == nil {
			s.SetCredits(-1)
		} else {
			f, err := strconv.ParseFloat(*in.BalanceUSD, 64)
			if err != nil || f < 0 {
				ctlError(w, http.StatusBadRequest, "balance_usd is an amount of US dollars such as \"0.05\", or null for no balance.")
				return
			}
			s.SetCredits(int64(math.Round(f * 1e6)))
		}
	}
	balance, ok := s.Credits()
	out := map[string]any{"balance_usd": nil}
	if ok {
		out["balance_usd"] = fmt.Sprintf("%.6f", float64(balance)/1e6)
	}
	writeJSON(w, http.StatusOK, out)
}
