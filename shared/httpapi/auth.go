package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/acme/twitter-cases/shared/casework"
)

// Agent is the console user a request is made by: ID is the JWT's subject
// (sub), or "dev" for the development token.
type Agent = casework.Agent

// DevAgent is the agent the development token stands for.
var DevAgent = Agent{ID: "dev", Email: "dev@example.com"}

// WithAgent returns ctx carrying the agent (casework.WithAgent: the service
// records it as who did what).
func WithAgent(ctx context.Context, a Agent) context.Context {
	return casework.WithAgent(ctx, a)
}

// AgentFrom returns the agent Authenticate found for the request.
func AgentFrom(ctx context.Context) (Agent, bool) {
	return casework.AgentFrom(ctx)
}

// Authenticate lets a request through only when it comes from an agent,
// and puts the agent in its context:
//
//   - In AWS, API Gateway's JWT authorizer has checked the bearer token; the
//     agent is read from its claims (sub, email) in the request context that
//     aws-lambda-go-api-proxy passes on. The token itself is not checked again.
//   - When devToken is not "" (the local run), "Authorization: Bearer
//     <devToken>" stands for DevAgent.
//
// Anything else is answered 401 with an unauthorized problem document.
func Authenticate(devToken string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a, ok := agentOf(r, devToken)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="console"`)
				WriteError(w, r, casework.Errorf(EUnauthorized, "Sign in: send Authorization: Bearer <token>."))
				return
			}
			next.ServeHTTP(w, r.WithContext(WithAgent(r.Context(), a)))
		})
	}
}

func agentOf(r *http.Request, devToken string) (Agent, bool) {
	if gw, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok &&
		gw.Authorizer != nil && gw.Authorizer.JWT != nil {
		claims := gw.Authorizer.JWT.Claims
		if sub := claims["sub"]; sub != "" {
			return Agent{ID: sub, Email: claims["email"]}, true
		}
	}
	if devToken == "" {
		return Agent{}, false
	}
	token, ok := bearer(r.Header.Get("Authorization"))
	if ok && subtle.ConstantTimeCompare([]byte(token), []byte(devToken)) == 1 {
		return DevAgent, true
	}
	return Agent{}, false
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
