package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/acme/twitter-cases/shared/casework"
)

// Error codes only HTTP has: what a request's form, not the domain, gets wrong.
const (
	// EUnauthorized: no valid credentials (bearer token, webhook signature).
	EUnauthorized = "unauthorized"
	// EForbidden: a signed-in agent asking for what only an admin may do.
	EForbidden = "forbidden"
	// EPayloadTooLarge: a body over the route's limit.
	EPayloadTooLarge = "payload_too_large"
	// EInvalidJSON: a body that is not the JSON the route takes.
	EInvalidJSON = "invalid_json"
	// EInvalidCRCToken: a webhook CRC whose crc_token is not shaped as X
	// sends them (shared/webhook.ValidCRCToken).
	EInvalidCRCToken = "invalid_crc_token"
	// EIdempotencyKeyReused: an Idempotency-Key sent again with a different request.
	EIdempotencyKeyReused = "idempotency_key_reused"
	// EInvalidIdempotencyKey: an Idempotency-Key header outside the alphabet
	// every host reads alike, or more than one.
	EInvalidIdempotencyKey = "invalid_idempotency_key"
	// ERequestInProgress: the first request with this Idempotency-Key is still being answered.
	ERequestInProgress = "request_in_progress"
	// EMethodNotAllowed: a path that has routes, none with the request's
	// method (405, with the Allow header).
	EMethodNotAllowed = "method_not_allowed"
)

// statusOf maps each application error code to its HTTP status; this is
// the only place that knows the mapping. Unknown codes are 500s.
var statusOf = map[string]int{
	casework.ECustomerHasNoTwitterHandle: http.StatusUnprocessableEntity,
	casework.EDMNotAllowed:               http.StatusUnprocessableEntity,
	casework.ETextTooLong:                http.StatusUnprocessableEntity,
	casework.ETextEmpty:                  http.StatusUnprocessableEntity,
	casework.ETwitterUserNotFound:        http.StatusUnprocessableEntity,
	casework.ENotRetweetable:             http.StatusUnprocessableEntity,
	casework.EInvalidTransition:          http.StatusUnprocessableEntity,
	casework.EHandleDisconnected:         http.StatusUnprocessableEntity,
	casework.ECredentialsUnusable:        http.StatusUnprocessableEntity,
	casework.EInvalidHandle:              http.StatusBadRequest,
	casework.EValidation:                 http.StatusBadRequest,
	EInvalidJSON:                         http.StatusBadRequest,
	EMethodNotAllowed:                    http.StatusMethodNotAllowed,
	EInvalidCRCToken:                     http.StatusBadRequest,
	casework.ENotFound:                   http.StatusNotFound,
	casework.EConflict:                   http.StatusConflict,
	EUnauthorized:                        http.StatusUnauthorized,
	EForbidden:                           http.StatusForbidden,
	EPayloadTooLarge:                     http.StatusRequestEntityTooLarge,
	casework.EUnavailable:                http.StatusServiceUnavailable,
	casework.EInternal:                   http.StatusInternalServerError,
	EIdempotencyKeyReused:                http.StatusUnprocessableEntity,
	EInvalidIdempotencyKey:               http.StatusBadRequest,
	casework.EInvalidContact:             http.StatusUnprocessableEntity,
	ERequestInProgress:                   http.StatusConflict,
	casework.ECustomerMerged:             http.StatusNotFound,
	casework.EDifferentXAccounts:         http.StatusUnprocessableEntity,
	casework.ECustomerNotMentioned:       http.StatusUnprocessableEntity,
	casework.EInvalidReplyTarget:         http.StatusUnprocessableEntity,
	casework.EMergeIntoItself:            http.StatusUnprocessableEntity,
	casework.EBrandHandleRequired:        http.StatusUnprocessableEntity,
	casework.EXAccessForbids:             http.StatusUnprocessableEntity,
	casework.EReplyNotSummoned:           http.StatusUnprocessableEntity,
	casework.EXBudgetExhausted:           http.StatusUnprocessableEntity,
}

// StatusOf returns the HTTP status for an application error code.
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem document with the API's extensions.
type Problem struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail"`
	Code   string                `json:"code"`
	Fields []casework.FieldError `json:"fields,omitempty"`
	Extra  map[string]any        `json:"-"`
}

// MarshalJSON writes the extension members (such as weighted_length) beside the standard ones.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	m := map[string]any{}
	for k, v := range p.Extra {
		m[k] = v
	}
	if err := json.Unmarshal(b, &m); err != nil { // standard members win over extras
		return nil, err
	}
	return json.Marshal(m)
}

// ProblemFor builds the problem document for an error.
func ProblemFor(err error) Problem {
	code := casework.ErrorCode(err)
	status := StatusOf(code)
	p := Problem{
		Type:   "/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: casework.ErrorMessage(err),
		Code:   code,
	}
	var e *casework.Error
	if errors.As(err, &e) {
		p.Fields = e.Fields
		p.Extra = e.Extra
	}
	return p
}

// MaxLoggedPath bounds how much of a request path is logged or echoed.
const MaxLoggedPath = 200

// ShortPath is p cut to MaxLoggedPath bytes (on a character boundary),
// saying how long it was, for logs and messages: a client can send paths
// of many kilobytes.
func ShortPath(p string) string {
	if len(p) <= MaxLoggedPath {
		return p
	}
	cut := MaxLoggedPath
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut] + "…(" + strconv.Itoa(len(p)) + " bytes)"
}

// WriteError answers with the problem document for err, and Retry-After
// when err is a lost race (casework.Error.RetryAfter). Internal errors are
// logged with their cause; the client only sees a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(err)
	if p.Status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", ShortPath(r.URL.Path), "err", err)
	}
	var e *casework.Error
	if errors.As(err, &e) && e.RetryAfter > 0 && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
