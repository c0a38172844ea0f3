package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/acme/twitter-cases/shared/casework"
)

// DefaultAdminGroup is the user pool group whose members are admins when
// a deployment names none (ADMIN_GROUP).
const DefaultAdminGroup = "admins"

// IsAdmin reports whether the request comes from an admin: in AWS, an agent
// whose JWT's cognito:groups claim holds group (API Gateway hands a list
// claim on as "[a b]"); in the local run, the development token's agent.
func IsAdmin(r *http.Request, group string) bool {
	if group == "" {
		group = DefaultAdminGroup
	}
	if gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok &&
		gw.Authorizer != nil && gw.Authorizer.JWT != nil {
		return slices.Contains(claimList(gw.Authorizer.JWT.Claims["cognito:groups"]), group)
	}
	a, ok := AgentFrom(r.Context())
	return ok && a == DevAgent
}

// claimList reads a list claim as API Gateway passes it: "[a b]", or a
// comma- or space-separated string.
func claimList(v string) []string {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "["), "]")
	return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '"' })
}

// RequireAdmin answers 403 forbidden to a signed-in agent who is not an
// admin (run it after Authenticate).
func RequireAdmin(group string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !IsAdmin(r, group) {
				WriteError(w, r, casework.Errorf(EForbidden, "Only an admin (a member of the %s group) may connect brand handles.", cmpGroup(group)))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func cmpGroup(g string) string {
	if g == "" {
		return DefaultAdminGroup
	}
	return g
}
