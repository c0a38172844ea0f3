package xsim

import (
	"fmt"
	"net/http"
)

// X's problem types.
const (
	typeAboutBlank     = "about:blank"
	typeInvalidRequest = "https://api.twitter.com/2/problems/invalid-request"
	typeNotFound       = "https://api.twitter.com/2/problems/resource-not-found"
)

// xError is an answer X gives instead of data: an HTTP status and a body.
type xError struct {
	status int
	body   any
}

// problem is X's plain problem body, e.g. for 401, 403, 429 and 5xx:
// {"title":"Forbidden","detail":"...","type":"about:blank","status":403}.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
}

func plainProblem(status int, title, detail string) *xError {
	return &xError{status: status, body: problem{Title: title, Detail: detail, Type: typeAboutBlank, Status: status}}
}

// The bodies X answers with, as captured from X (see the package's tests
// for where each one comes from).
var (
	errUnauthorized = plainProblem(http.StatusUnauthorized, "Unauthorized", "Unauthorized")
	errTooMany      = plainProblem(http.StatusTooManyRequests, "Too Many Requests", "Too Many Requests")
	errDuplicate    = plainProblem(http.StatusForbidden, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
	errReplyMissing = plainProblem(http.StatusForbidden, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you.")
	// X's v1.1 message for the same refusal (error 150), in a v2 problem.
	errDMNotAllowed = plainProblem(http.StatusForbidden, "Forbidden", "You cannot send messages to users who are not following you.")
	errTooLong      = plainProblem(http.StatusForbidden, "Forbidden", "Tweet needs to be a bit shorter.")
	errNotAuthor    = plainProblem(http.StatusForbidden, "Forbidden", "You are not allowed to delete a Tweet that you did not author.")
)

// statusProblem is the body X gives for a status with nothing more to say
// (injected faults): 500, 503 and the like.
func statusProblem(status int) *xError {
	switch status {
	case http.StatusUnauthorized:
		return errUnauthorized
	case http.StatusTooManyRequests:
		return errTooMany
	case http.StatusInternalServerError:
		return plainProblem(status, "Internal Server Error", "Something is broken. This is usually a temporary error, for example in a high load situation or if an endpoint is temporarily having issues. Check in the developer forums in case others are having similar issues, or try again later.")
	}
	text := http.StatusText(status)
	if text == "" {
		text = fmt.Sprintf("Status %d", status)
	}
	return plainProblem(status, text, text)
}

// invalidRequest is X's 400 for bad parameters:
// {"errors":[{"parameters":{"id":["abc"]},"message":"..."}],"title":"Invalid Request",...}.
type invalidRequestBody struct {
	Errors []paramError `json:"errors"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Type   string       `json:"type"`
}

type paramError struct {
	Parameters map[string][]string `json:"parameters"`
	Message    string              `json:"message"`
}

func invalidRequest(param, value, message string) *xError {
	params := map[string][]string{}
	if param != "" {
		params[param] = []string{value}
	}
	return &xError{status: http.StatusBadRequest, body: invalidRequestBody{
		Errors: []paramError{{Parameters: params, Message: message}},
		Title:  "Invalid Request",
		Detail: "One or more parameters to your request was invalid.",
		Type:   typeInvalidRequest,
	}}
}

// invalidID is X's answer to a path id that is not an id.
func invalidID(param, value string) *xError {
	return invalidRequest(param, value, fmt.Sprintf("The `%s` query parameter value [%s] does not match ^[0-9]{1,19}$", param, value))
}

// notAuthenticatingUser is X's answer when a path's user id is not the
// authenticated user's.
func notAuthenticatingUser(param, value, authID string) *xError {
	return invalidRequest(param, value, fmt.Sprintf("The `%s` query parameter value [%s] must be the same as the authenticating user [%s]", param, value, authID))
}

// notFoundBody is X's answer for a missing resource: HTTP 200 with an
// errors array and no data.
type notFoundBody struct {
	Errors []notFoundError `json:"errors"`
}

type notFoundError struct {
	Value        string `json:"value"`
	Detail       string `json:"detail"`
	Title        string `json:"title"`
	ResourceType string `json:"resource_type"`
	Parameter    string `json:"parameter"`
	ResourceID   string `json:"resource_id"`
	Type         string `json:"type"`
}

func notFound(resourceType, parameter, value string) *xError {
	return &xError{status: http.StatusOK, body: notFoundBody{Errors: []notFoundError{{
		Value:        value,
		Detail:       fmt.Sprintf("Could not find %s with %s: [%s].", resourceType, parameter, value),
		Title:        "Not Found Error",
		ResourceType: resourceType,
		Parameter:    parameter,
		ResourceID:   value,
		Type:         typeNotFound,
	}}}}
}

// pageNotFound answers a route the API does not have.
var pageNotFound = plainProblem(http.StatusNotFound, "Not Found Error", "Sorry, that page does not exist")
