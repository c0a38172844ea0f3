package xapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Error is X's refusal of a call, or a failure to reach X. The worker acts
// on it through IsRateLimited, IsRetryable, IsPermanent and IsUnauthorized,
// and records Reason as the message's failure.
type Error struct {
	// Op is the adapter call that failed, e.g. "create tweet".
	Op string
	// StatusCode is the HTTP status X answered; 0 when no answer came (Err
	// says why). X answers some refusals, such as a missing Tweet, with 200
	// and an errors array: then StatusCode is 200 and Type says what.
	StatusCode int
	// Title, Detail and Type are X's problem fields (for the 200 answers,
	// those of the first entry of the errors array).
	Title  string
	Detail string
	Type   string
	// Errors are the entries of X's errors array, if any.
	Errors []ErrorDetail
	// RetryAt is when a 429's rate-limit window resets (x-rate-limit-reset);
	// zero when X did not say.
	RetryAt time.Time
	// Err is the underlying failure when X was not reached or its answer
	// could not be read.
	Err error
}

// ErrorDetail is one entry of X's errors array.
type ErrorDetail struct {
	Message      string
	Title        string
	Detail       string
	Type         string
	Parameter    string
	Value        string
	ResourceType string
}

// X's problem types the adapter tells apart.
const (
	TypeResourceNotFound = "https://api.twitter.com/2/problems/resource-not-found"
	TypeInvalidRequest   = "https://api.twitter.com/2/problems/invalid-request"
)

// Error describes the failure without credentials or message text.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("xapi: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.StatusCode == 0 && e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		fmt.Fprintf(&b, "%d", e.StatusCode)
		if e.Title != "" {
			b.WriteString(" " + e.Title)
		}
		if r := e.Reason(); r != "" && r != e.Title {
			b.WriteString(": " + r)
		}
		if !e.RetryAt.IsZero() {
			b.WriteString(" (retry at " + e.RetryAt.UTC().Format(time.RFC3339) + ")")
		}
		if e.Err != nil {
			b.WriteString(" (" + e.Err.Error() + ")")
		}
	}
	return b.String()
}

// Unwrap returns the underlying failure, if any.
func (e *Error) Unwrap() error { return e.Err }

// Reason is X's explanation, fit to show as a message's failure reason:
// the detail (for an invalid request, the first error's message, which says
// which parameter), else the first error's message, else the title.
func (e *Error) Reason() string {
	switch {
	case e.Type == TypeInvalidRequest && len(e.Errors) > 0 && e.Errors[0].Message != "":
		return e.Errors[0].Message
	case e.Detail != "":
		return e.Detail
	case len(e.Errors) > 0 && e.Errors[0].Message != "":
		return e.Errors[0].Message
	case e.Title != "":
		return e.Title
	case e.StatusCode == 0 && e.Err != nil:
		return "X could not be reached."
	}
	return http.StatusText(e.StatusCode)
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsRateLimited reports whether X refused the call for its rate limit (429);
// the Error's RetryAt says when to try again.
func IsRateLimited(err error) bool {
	e, ok := AsError(err)
	return ok && e.StatusCode == http.StatusTooManyRequests
}

// RetryAt returns when a rate-limited call may be made again (zero if err
// is not a rate limit or X did not say).
func RetryAt(err error) time.Time {
	if e, ok := AsError(err); ok && e.StatusCode == http.StatusTooManyRequests {
		return e.RetryAt
	}
	return time.Time{}
}

// IsUnauthorized reports whether X refused the credentials (401), even
// after the adapter re-read them.
func IsUnauthorized(err error) bool {
	e, ok := AsError(err)
	return ok && e.StatusCode == http.StatusUnauthorized
}

// IsRetryable reports whether the same call may succeed later: X failed
// (5xx), or could not be reached (connection errors, timeouts).
func IsRetryable(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	if e.StatusCode >= 500 {
		return true
	}
	if e.StatusCode != 0 || e.Err == nil {
		return false
	}
	if errors.Is(e.Err, context.Canceled) {
		return false
	}
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(e.Err, &ne) || errors.As(e.Err, &ue)
}

// IsPermanent reports whether X refused the call for good: any other 4xx
// (duplicate content, DM not allowed, invalid request...) or a resource
// that does not exist. Resending the same call would fail the same way.
func IsPermanent(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	switch {
	case e.StatusCode == http.StatusUnauthorized, e.StatusCode == http.StatusTooManyRequests:
		return false
	case e.StatusCode >= 400 && e.StatusCode < 500:
		return true
	case e.StatusCode == http.StatusOK && len(e.Errors) > 0:
		// X's 200 with an errors array and no data: a missing or hidden
		// resource.
		return true
	}
	return isNotFound(e)
}

// IsNotFound reports whether X said the resource (a Tweet, a user) does
// not exist or is not visible.
func IsNotFound(err error) bool {
	e, ok := AsError(err)
	return ok && isNotFound(e)
}

func isNotFound(e *Error) bool {
	return e.StatusCode == http.StatusNotFound || e.Type == TypeResourceNotFound
}

// IsDuplicate reports whether X refused a Tweet as a duplicate of one the
// user already posted.
func IsDuplicate(err error) bool {
	e, ok := AsError(err)
	return ok && e.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(e.Detail), "duplicate content")
}

// dmRefusals are the phrases of X's 403 to a Direct Message the recipient
// does not accept from the sender (v1.1's errors 150 and 349 and their v2
// wording): they do not follow the sender and do not take DMs from anyone.
var dmRefusals = []string{
	"not following you",
	"cannot send messages to",
	"not permitted to send",
	"not allowed to send direct messages",
	"does not accept direct messages",
}

// IsDMNotAllowed reports whether X refused a Direct Message because the
// recipient does not accept messages from the sender (403 on send dm, or
// on an X Chat message or conversation key).
func IsDMNotAllowed(err error) bool {
	e, ok := AsError(err)
	if !ok || e.StatusCode != http.StatusForbidden || (e.Op != "send dm" && !isChatSend(e.Op)) {
		return false
	}
	if isChatSend(e.Op) && isProblem(e, "not-authorized-for-resource") && !strings.Contains(strings.ToLower(e.Detail), "participant") {
		return true
	}
	text := strings.ToLower(e.Detail + " " + e.Reason())
	for _, p := range dmRefusals {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// isChatSend reports whether op is one of the calls that send to an X Chat
// conversation.
func isChatSend(op string) bool { return op == OpChatSendMessage || op == OpChatConversationKey }

// isProblem reports whether X's problem type (api.x.com's or
// api.twitter.com's) ends in name.
func isProblem(e *Error, name string) bool {
	if strings.HasSuffix(e.Type, "/problems/"+name) {
		return true
	}
	for _, d := range e.Errors {
		if strings.HasSuffix(d.Type, "/problems/"+name) {
			return true
		}
	}
	return false
}

// IsNoChatKeys reports whether X refused to send to an X Chat conversation
// because the recipient has registered no X Chat public keys yet (403,
// resource-unavailable, naming a public key).
func IsNoChatKeys(err error) bool {
	e, ok := AsError(err)
	if !ok || !isChatSend(e.Op) || e.StatusCode != http.StatusForbidden {
		return false
	}
	text := strings.ToLower(e.Detail + " " + e.Reason())
	return isProblem(e, "resource-unavailable") && strings.Contains(text, "public key") || strings.Contains(text, "no x chat public keys")
}

// IsChatKeysRejected reports whether X refused the brand's own X Chat keys
// on a chat call: the signature names a public-key version X does not hold
// for the brand (revoked, or replaced by a rotation elsewhere).
func IsChatKeysRejected(err error) bool {
	e, ok := AsError(err)
	if !ok || !isChatSend(e.Op) || e.StatusCode != http.StatusBadRequest {
		return false
	}
	text := strings.ToLower(e.Detail + " " + e.Reason())
	for _, d := range e.Errors {
		text += " " + strings.ToLower(d.Parameter+" "+d.Message)
	}
	return strings.Contains(text, "no registered public key version") ||
		strings.Contains(text, "signing key") && strings.Contains(text, "not registered")
}

// IsAccessForbidden reports whether X refused the call for the app's
// access: 403 with X's client-forbidden problem type ("App not enrolled or
// lacks required access", x-api/fundamentals/response-codes-and-errors;
// follows on self-serve access since 16 April 2026), or X's refusal of a
// reply whose original Post did not summon the replier (self-serve, since
// 23 February 2026; the detail integrators report).
func IsAccessForbidden(err error) bool {
	e, ok := AsError(err)
	if !ok || e.StatusCode != http.StatusForbidden {
		return false
	}
	return isProblem(e, "client-forbidden") ||
		strings.Contains(strings.ToLower(e.Detail), "not been mentioned or otherwise engaged")
}

// IsCreditsExhausted reports whether X refused the call because the app's
// pay-per-use credits are spent: 402 (what integrators report when the
// balance is spent), or 429 with X's usage-capped problem type (a spending
// limit or usage cap reached; x-api/fundamentals/response-codes-and-errors).
// Unlike a rate limit it does not end at x-rate-limit-reset.
func IsCreditsExhausted(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	return e.StatusCode == http.StatusPaymentRequired ||
		e.StatusCode == http.StatusTooManyRequests && isProblem(e, "usage-capped")
}
