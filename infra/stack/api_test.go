package stack_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/acme/twitter-cases/functions"
	"github.com/acme/twitter-cases/infra/stack"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dynamo"
)

// Every route of every function, with the JWT authorizer on exactly the
// /v1 routes, each integrated with its function (payload format 2.0,
// invoke permission for this API only), and no other route.
func TestRoutes(t *testing.T) {
	c := tmpl(t)
	apiID := c.at(t, stack.APIID)
	authorizer := c.at(t, stack.APIID+"/CognitoAuthorizer")
	routes := map[string]string{} // route key → logical id
	for _, id := range c.ofType("AWS::ApiGatewayV2::Route") {
		routes[c.prop(id, "RouteKey").(string)] = id
	}
	var want int
	for _, f := range functions.All {
		fnArn := getAtt(c.at(t, stack.FunctionID(f.Name)), "Arn")
		for _, r := range f.Routes {
			want++
			id, ok := routes[r]
			if !ok {
				t.Errorf("no route %s", r)
				continue
			}
			_, path := functions.Route(r)
			p := c.Resources[id].Properties
			if !same(p["ApiId"], ref(apiID)) {
				t.Errorf("%s: on API %v", r, p["ApiId"])
			}
			if strings.HasPrefix(path, "/v1/") {
				if p["AuthorizationType"] != "JWT" || !same(p["AuthorizerId"], ref(authorizer)) {
					t.Errorf("%s: authorization %v %v, want the JWT authorizer", r, p["AuthorizationType"], p["AuthorizerId"])
				}
			} else if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
				t.Errorf("%s: authorization %v %v, want none", r, p["AuthorizationType"], p["AuthorizerId"])
			}
			// The route's integration invokes the function with payload 2.0.
			target := js(p["Target"])
			var integration string
			for _, iid := range c.ofType("AWS::ApiGatewayV2::Integration") {
				if strings.Contains(target, `"`+iid+`"`) {
					integration = iid
				}
			}
			if integration == "" {
				t.Errorf("%s: target %s is no integration", r, target)
				continue
			}
			ip := c.Resources[integration].Properties
			if !same(ip["IntegrationUri"], fnArn) || ip["IntegrationType"] != "AWS_PROXY" || ip["PayloadFormatVersion"] != "2.0" {
				t.Errorf("%s: integration %s", r, js(ip))
			}
			// API Gateway may invoke the function for this API's route only.
			var permitted bool
			for _, pid := range c.ofType("AWS::Lambda::Permission") {
				pp := c.Resources[pid].Properties
				arn := js(pp["SourceArn"])
				if same(pp["FunctionName"], fnArn) && pp["Principal"] == "apigateway.amazonaws.com" &&
					strings.Contains(arn, js(ref(apiID))) && strings.HasSuffix(arn, `"/*/*`+path+`"]]}`) {
					permitted = true
				}
			}
			if !permitted {
				t.Errorf("%s: no invoke permission scoped to the API and path", r)
			}
		}
	}
	if len(routes) != want {
		t.Errorf("%d routes in the template, %d in the specs", len(routes), want)
	}
	apiPermissions := 0
	for _, id := range c.ofType("AWS::Lambda::Permission") {
		if c.prop(id, "Principal") == "apigateway.amazonaws.com" {
			apiPermissions++
		}
	}
	if apiPermissions != want {
		t.Errorf("%d Lambda permissions for API Gateway, want one per route (%d)", apiPermissions, want)
	}
}

// The routes in the stack are the routes the code serves: each operation of
// the OpenAPI document is routed to the one function whose handler, built
// from its declaration, answers it (anything but the catch-all 404), the
// webhook to twitter-webhook; /openapi.json is served by the local run
// only.
func TestRoutesAreTheCodesRoutes(t *testing.T) {
	root := projectConfig(t).Dir
	raw, err := os.ReadFile(filepath.Join(root, "shared", "dev", "openapi", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.DiscardHandler))
	// A store that answers nothing: unauthenticated requests never reach
	// it, and /healthz only learns it is down.
	client := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:9"), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
	store := dynamo.New(client, "probe")
	svc := casework.NewService(casework.Deps{Store: store, Outbox: noOutbox{}})
	// Each console API function's handler, built from its declaration.
	groups := map[string]http.Handler{}
	for _, f := range functions.All {
		if !f.Access.ConsoleAPI {
			continue
		}
		h, err := consoleapi.Routes(svc, store, consoleapi.Options{}, f.Routes)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		groups[f.Name] = h
	}
	inStack := map[string]string{} // route → function
	for _, f := range functions.All {
		for _, r := range f.Routes {
			inStack[r] = f.Name
		}
	}
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	var inDoc []string
	for path, ops := range doc.Paths {
		for method := range ops {
			method = strings.ToUpper(method)
			if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, method) || path == "/openapi.json" {
				continue
			}
			route := method + " " + path
			inDoc = append(inDoc, route)
			var servedBy []string
			for name, h := range groups {
				req := httptest.NewRequestWithContext(context.Background(), method, param.ReplaceAllString(path, "x"), nil)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				// A function without the route answers 404 (no route with
				// the path) or 405 (the path with other methods).
				if !strings.Contains(rec.Body.String(), "There is no route") && rec.Code != http.StatusMethodNotAllowed {
					servedBy = append(servedBy, name)
				}
			}
			if strings.HasPrefix(path, "/webhooks/") {
				servedBy = append(servedBy, "twitter-webhook")
			}
			if len(servedBy) != 1 {
				t.Errorf("%s is served by %v, want exactly one function", route, servedBy)
				continue
			}
			if inStack[route] != servedBy[0] {
				t.Errorf("%s: the stack routes it to %q, the code serves it in %q", route, inStack[route], servedBy[0])
			}
		}
	}
	for r := range inStack {
		if !slices.Contains(inDoc, r) {
			t.Errorf("the stack routes %s, which the OpenAPI document does not have", r)
		}
	}
	sort.Strings(inDoc)
	if len(inDoc) != len(inStack) {
		t.Errorf("%d operations in the OpenAPI document, %d routes in the stack", len(inDoc), len(inStack))
	}
}

type noOutbox struct{}

func (noOutbox) Enqueue(context.Context, casework.Command) error { return nil }

func TestAPIStage(t *testing.T) {
	c := tmpl(t)
	apiID := c.at(t, stack.APIID)
	stages := c.ofType("AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("stages = %v", stages)
	}
	st := stages[0]
	s := stack.DefaultSettings
	if c.prop(st, "StageName") != "$default" || c.prop(st, "AutoDeploy") != true || !same(c.prop(st, "ApiId"), ref(apiID)) {
		t.Errorf("stage = %s", js(c.Resources[st].Properties))
	}
	if got := c.prop(st, "DefaultRouteSettings"); !same(got, obj{"ThrottlingRateLimit": float64(s.APIRateLimit), "ThrottlingBurstLimit": float64(s.APIBurstLimit)}) {
		t.Errorf("throttling = %s", js(got))
	}
	logs := c.at(t, stack.APIAccessLogsID)
	if got := c.prop(st, "AccessLogSettings.DestinationArn"); !same(got, getAtt(logs, "Arn")) {
		t.Errorf("access logs go to %s", js(got))
	}
	format, _ := c.prop(st, "AccessLogSettings.Format").(string)
	if format != stack.AccessLogFormat {
		t.Errorf("access log format = %s", format)
	}
	// The format is JSON once API Gateway fills it in, with a numeric status.
	filled := regexp.MustCompile(`\$context\.[A-Za-z.]+`).ReplaceAllStringFunc(format, func(v string) string {
		if v == "$context.status" {
			return "401"
		}
		return "x"
	})
	var line map[string]any
	if err := json.Unmarshal([]byte(filled), &line); err != nil {
		t.Errorf("access log line is not JSON: %v: %s", err, filled)
	}
	if line["status"] != 401.0 || line["routeKey"] == nil || line["sub"] == nil {
		t.Errorf("access log line = %v", line)
	}
	for _, secret := range []string{"authorization", "header", "body", "claims.email"} {
		if strings.Contains(strings.ToLower(format), secret) {
			t.Errorf("access logs record %q", secret)
		}
	}
	if got := c.prop(logs, "RetentionInDays"); got != float64(s.LogRetentionDays) {
		t.Errorf("access log retention = %v", got)
	}
}

func TestCORSFromContext(t *testing.T) {
	c := tmpl(t)
	got := c.prop(c.at(t, stack.APIID), "CorsConfiguration")
	want := obj{
		"AllowOrigins":  arr("http://localhost:3000", join("https://", getAtt(c.at(t, stack.ConsoleDistributionID), "DomainName"))),
		"AllowMethods":  arr("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
		"AllowHeaders":  arr("authorization", "content-type", "idempotency-key"),
		"ExposeHeaders": arr("idempotent-replayed"),
		"MaxAge":        600.0,
	}
	if !same(got, want) {
		t.Errorf("CORS = %s\nwant   %s", js(got), js(want))
	}
	_, _, v := variant(t)
	if got := v.prop(v.at(t, stack.APIID), "CorsConfiguration.AllowOrigins"); !same(got, arr("https://console.example.com", "https://admin.example.com",
		join("https://", getAtt(v.at(t, stack.ConsoleDistributionID), "DomainName")))) {
		t.Errorf("variant origins = %s", js(got))
	}
}

// By default the API trusts the stack's own Cognito user pool: ID tokens
// of the console's app client.
func TestCognitoAuthorizer(t *testing.T) {
	c := tmpl(t)
	pool := c.at(t, stack.UserPoolID)
	client := c.at(t, stack.UserPoolID+"/"+stack.UserPoolClientID)
	authorizer := c.at(t, stack.APIID+"/CognitoAuthorizer")
	if n := len(c.ofType("AWS::ApiGatewayV2::Authorizer")); n != 1 {
		t.Errorf("%d authorizers", n)
	}
	issuer := join("https://cognito-idp.", pseudo("Region"), ".amazonaws.com/", ref(pool))
	want := obj{
		"AuthorizerType": "JWT",
		"IdentitySource": arr("$request.header.Authorization"),
		"JwtConfiguration": obj{
			"Audience": arr(ref(client)),
			"Issuer":   issuer,
		},
	}
	for k, v := range want {
		if got := c.prop(authorizer, k); !same(got, v) {
			t.Errorf("authorizer %s = %s, want %s", k, js(got), js(v))
		}
	}
	p := c.Resources[pool]
	for k, v := range map[string]any{
		"AdminCreateUserConfig": obj{"AllowAdminCreateUserOnly": true},
		"MfaConfiguration":      "ON",
		"EnabledMfas":           arr("SOFTWARE_TOKEN_MFA"),
		"UsernameAttributes":    arr("email"),
		"DeletionProtection":    "ACTIVE",
		"UserPoolTier":          "PLUS",
		"UserPoolAddOns":        obj{"AdvancedSecurityMode": "ENFORCED"},
		"Policies": obj{"PasswordPolicy": obj{"MinimumLength": 12.0, "RequireLowercase": true, "RequireNumbers": true,
			"RequireSymbols": true, "RequireUppercase": true, "TemporaryPasswordValidityDays": 3.0}},
	} {
		if !same(p.Properties[k], v) {
			t.Errorf("user pool %s = %s, want %s", k, js(p.Properties[k]), js(v))
		}
	}
	if p.DeletionPolicy != "Retain" || p.UpdateReplacePolicy != "Retain" {
		t.Errorf("user pool policies: %q %q", p.DeletionPolicy, p.UpdateReplacePolicy)
	}
	consoleURL := join("https://", getAtt(c.at(t, stack.ConsoleDistributionID), "DomainName"), "/")
	for k, v := range map[string]any{
		"GenerateSecret":                  false,
		"ExplicitAuthFlows":               arr("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"),
		"AllowedOAuthFlowsUserPoolClient": true,
		"AllowedOAuthFlows":               arr("code"),
		"AllowedOAuthScopes":              arr("openid", "email"),
		"CallbackURLs":                    arr(consoleURL),
		"LogoutURLs":                      arr(consoleURL),
		"SupportedIdentityProviders":      arr("COGNITO"),
		"PreventUserExistenceErrors":      "ENABLED",
		"EnableTokenRevocation":           true,
	} {
		if got := c.prop(client, k); !same(got, v) {
			t.Errorf("client %s = %s, want %s", k, js(got), js(v))
		}
	}
	for id, want := range map[string]any{
		stack.UserPoolIDOutputID:   ref(pool),
		stack.UserPoolClientOutput: ref(client),
		stack.JWTIssuerOutputID:    issuer,
	} {
		if got := c.Outputs[id].Value; !same(got, want) {
			t.Errorf("output %s = %s, want %s", id, js(got), js(want))
		}
	}
}

// With jwtIssuer and jwtAudience in the context the API trusts that issuer
// instead, and the stack makes no user pool.
func TestExternalJWTAuthorizer(t *testing.T) {
	_, _, v := variant(t)
	authorizers := v.ofType("AWS::ApiGatewayV2::Authorizer")
	if len(authorizers) != 1 {
		t.Fatalf("authorizers = %v", authorizers)
	}
	want := obj{"Audience": arr("console", "console-admin"), "Issuer": "https://login.example.com/"}
	if got := v.prop(authorizers[0], "JwtConfiguration"); !same(got, want) {
		t.Errorf("JwtConfiguration = %s, want %s", js(got), js(want))
	}
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient"} {
		if ids := v.ofType(typ); len(ids) != 0 {
			t.Errorf("%s created with an external issuer: %v", typ, ids)
		}
	}
	for _, id := range v.ofType("AWS::ApiGatewayV2::Route") {
		if strings.Contains(v.prop(id, "RouteKey").(string), " /v1/") && !same(v.prop(id, "AuthorizerId"), ref(authorizers[0])) {
			t.Errorf("route %v without the external authorizer", v.prop(id, "RouteKey"))
		}
	}
	if _, ok := v.Outputs[stack.UserPoolIDOutputID]; ok {
		t.Error("user pool output with an external issuer")
	}
	if got := v.Outputs[stack.JWTIssuerOutputID].Value; got != "https://login.example.com/" {
		t.Errorf("issuer output = %v", got)
	}
}

func TestOutputs(t *testing.T) {
	c := tmpl(t)
	apiID := c.at(t, stack.APIID)
	for id, want := range map[string]any{
		stack.APIURLOutputID:       getAtt(apiID, "ApiEndpoint"),
		stack.WebhookURLOutputID:   join(getAtt(apiID, "ApiEndpoint"), "/webhooks/twitter"),
		stack.AlarmTopicOutputID:   ref(c.at(t, stack.AlarmTopicID)),
		stack.XAppSecretOutputID:   "twitter-cases/dev/x-app",
		stack.HandlePrefixOutputID: "twitter-cases/dev/handles/",
		stack.TableNameOutputID:    ref(c.at(t, stack.TableID)),
		stack.ConsoleURLOutputID:   join("https://", getAtt(c.at(t, stack.ConsoleDistributionID), "DomainName")),
	} {
		out, ok := c.Outputs[id]
		if !ok {
			t.Errorf("no output %s", id)
			continue
		}
		if !same(out.Value, want) || out.Description == "" {
			t.Errorf("output %s = %s (%q), want %s", id, js(out.Value), out.Description, js(want))
		}
	}
}
