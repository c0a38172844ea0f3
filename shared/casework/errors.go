package casework

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Application error codes: stable and machine-readable, what the domain's
// rules answer; the HTTP layer maps each to a status (and adds its own
// codes for what only HTTP has: see package httpapi).
const (
	ECustomerHasNoTwitterHandle = "customer_has_no_twitter_handle"
	EDMNotAllowed               = "dm_not_allowed"
	ETextTooLong                = "text_too_long"
	ETextEmpty                  = "text_empty"
	ETwitterUserNotFound        = "twitter_user_not_found"
	EInvalidHandle              = "invalid_handle"
	ENotFound                   = "not_found"
	EConflict                   = "conflict"
	EValidation                 = "validation_failed"
	ENotRetweetable             = "not_retweetable"
	EInvalidTransition          = "invalid_status_transition"
	EHandleDisconnected         = "handle_disconnected"
	// ECredentialsUnusable: a brand handle's credentials secret is missing,
	// unreadable or malformed (the field error says which).
	ECredentialsUnusable = "credentials_unusable"
	EUnavailable         = "unavailable"
	EInternal            = "internal"
	// EInvalidContact: e-mail addresses or phone numbers that are not ones, or too many.
	EInvalidContact = "invalid_contact"
	// ECustomerMerged: the customer was merged into another, named by the
	// problem's merged_into member.
	ECustomerMerged = "customer_merged"
	// EDifferentXAccounts: two customers with different X accounts cannot
	// be merged (X user ids are identities).
	EDifferentXAccounts = "customers_have_different_x_accounts"
	// ECustomerNotMentioned: a Tweet that reaches the customer only by
	// mention (a case's first, a reply under the brand's own Tweet) does
	// not mention them.
	ECustomerNotMentioned = "customer_not_mentioned"
	// EInvalidReplyTarget: a mention's in_reply_to_message_id names a
	// message of the case that is not a Tweet on X (a DM, or not sent yet).
	EInvalidReplyTarget = "invalid_reply_target"
	// EMergeIntoItself: a customer merged into itself.
	EMergeIntoItself = "merge_into_itself"
	// EBrandHandleRequired: a request without handle_id when the
	// deployment has no brand handle, or several to choose from.
	EBrandHandleRequired = "brand_handle_required"
)

// MessageError codes the console API itself gives outgoing messages (X's own
// reasons come from the outbound worker).
const (
	// MsgEnqueueFailed: the message was written but its command could not
	// be queued, so it was never handed to X.
	MsgEnqueueFailed = "enqueue_failed"
)

// Error is an application error: a stable code, a message safe to show to
// the console's user, and optional per-field details and values.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Extra holds additional members of the problem document, such as
	// weighted_length and max_length for text_too_long.
	Extra map[string]any
	// RetryAfter, when not zero, is how soon the same request may succeed
	// (an HTTP answer's Retry-After): the error is a lost race, not a
	// refusal.
	RetryAfter time.Duration
}

// keptChanging is the EConflict of an update that lost the race to other
// writers every time it tried: the same request, tried again shortly,
// may well succeed (with the same Idempotency-Key, it acts at most once).
func keptChanging(format string, args ...any) *Error {
	e := Errorf(EConflict, format, args...)
	e.RetryAfter = time.Second
	return e
}

// FieldError says what is wrong with one field of a request.
type FieldError struct {
	Name   string `json:"name"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an application error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the application error in err's chain,
// EInternal for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of the application error in err's chain,
// or a generic message for any other error so internals never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// withFields adds the field errors of more to err's (an *Error), skipping
// fields err already names, so one answer lists every bad field.
func withFields(err, more error) error {
	var e, m *Error
	if !errors.As(err, &e) || !errors.As(more, &m) {
		return err
	}
	out := *e
	out.Fields = slices.Clone(e.Fields)
	for _, f := range m.Fields {
		if !slices.ContainsFunc(out.Fields, func(g FieldError) bool { return g.Name == f.Name }) {
			out.Fields = append(out.Fields, f)
		}
	}
	return &out
}

// validation collects field errors and turns them into one EValidation error.
type validation struct{ fields []FieldError }

func (v *validation) add(name, code, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Name: name, Code: code, Detail: fmt.Sprintf(format, args...)})
}

func (v *validation) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	// One bad field whose code is itself an application code (an invalid
	// handle, say) is reported under that code; several under EValidation.
	if len(v.fields) == 1 && v.fields[0].Code != "required" && v.fields[0].Code != "invalid" {
		f := v.fields[0]
		return &Error{Code: f.Code, Message: f.Detail, Fields: v.fields}
	}
	return &Error{Code: EValidation, Message: "The request has invalid fields.", Fields: v.fields}
}
