package stack

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/acme/twitter-cases/functions"
)

// CORS settings of the HTTP API, the same as the functions' own
// (shared/httpapi/cors.go): API Gateway answers preflights itself and
// puts its own CORS headers on every answer.
var (
	CORSAllowHeaders  = []string{"authorization", "content-type", "idempotency-key"}
	CORSExposeHeaders = []string{"idempotent-replayed"}
	CORSMaxAge        = 10 * time.Minute
)

// AccessLogFormat is the HTTP API's access log line: JSON, one per request,
// with the agent (the JWT's sub) and no token or body. status is a number,
// so metric filters can compare it.
var AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","routeKey":"$context.routeKey","status":$context.status,` +
	`"protocol":"$context.protocol","responseLength":"$context.responseLength",` +
	`"latency":"$context.responseLatency","integrationLatency":"$context.integrationLatency",` +
	`"integrationStatus":"$context.integrationStatus","integrationError":"$context.integrationErrorMessage",` +
	`"authorizerError":"$context.authorizer.error","error":"$context.error.message",` +
	`"sub":"$context.authorizer.claims.sub","userAgent":"$context.identity.userAgent"}`

// newAPI creates the HTTP API: every function's routes, a JWT authorizer
// on each console route (/v1/...), none on the webhook and the health
// check, CORS from the settings, JSON access logs and default throttling.
// consoleURL is the hosted console's origin, where Cognito's managed login
// sends agents back to; the answer also says how the console signs in.
func newAPI(st awscdk.Stack, stage string, s Settings, fns map[string]awslambda.Function, consoleURL *string) (awsapigatewayv2.HttpApi, awslogs.LogGroup, consoleSignIn) {
	props := &awsapigatewayv2.HttpApiProps{
		ApiName:     jsii.String("twitter-cases-" + stage),
		Description: jsii.String(fmt.Sprintf("Twitter channel of the support console (stage %s): console API and X webhook", stage)),
	}
	if len(s.AllowedOrigins) > 0 {
		props.CorsPreflight = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(s.AllowedOrigins...),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST, awsapigatewayv2.CorsHttpMethod_PUT,
				awsapigatewayv2.CorsHttpMethod_PATCH, awsapigatewayv2.CorsHttpMethod_DELETE, awsapigatewayv2.CorsHttpMethod_OPTIONS,
			},
			AllowHeaders:  jsii.Strings(CORSAllowHeaders...),
			ExposeHeaders: jsii.Strings(CORSExposeHeaders...),
			MaxAge:        seconds(CORSMaxAge),
		}
	}
	api := awsapigatewayv2.NewHttpApi(st, jsii.String(APIID), props)

	// Access logs and throttling on the $default stage (HttpApi creates it;
	// its L2 props take neither, so they are set on the CloudFormation stage).
	accessLogs := awslogs.NewLogGroup(st, jsii.String(APIAccessLogsID), &awslogs.LogGroupProps{
		Retention:     retention(s.LogRetentionDays),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	cfnStage := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(AccessLogFormat),
	})
	cfnStage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit:  jsii.Number(s.APIRateLimit),
		ThrottlingBurstLimit: jsii.Number(s.APIBurstLimit),
	})

	authorizer, signIn := newAuthorizer(st, stage, s, consoleURL)
	for _, f := range functions.All {
		if len(f.Routes) == 0 {
			continue
		}
		integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(FunctionID(f.Name)+"Integration"), fns[f.Name], nil)
		for _, r := range f.Routes {
			method, path := functions.Route(r)
			opts := &awsapigatewayv2.AddRoutesOptions{
				Path:        jsii.String(path),
				Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(method)},
				Integration: integration,
			}
			if functions.NeedsJWT(path) {
				opts.Authorizer = authorizer
			} else {
				opts.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
			}
			routes := api.AddRoutes(opts)
			if !functions.NeedsJWT(path) {
				for _, route := range *routes {
					cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
						Id:     jsii.String("AwsSolutions-APIG4"),
						Reason: jsii.String(publicRouteReason(path)),
					}}, jsii.Bool(true))
				}
			}
		}
	}
	return api, accessLogs, signIn
}

// publicRouteReason says why a route has no authorizer.
func publicRouteReason(path string) string {
	if strings.HasPrefix(path, "/webhooks/") {
		return "X's Account Activity API calls the webhook and cannot present a JWT; the function authenticates every " +
			"delivery itself (HMAC-SHA256 signature with the app's consumer secret, compared in constant time) and " +
			"answers X's CRC challenge with the same secret."
	}
	return "The health check is for uptime monitoring, which has no agent token; it answers only " +
		`{"status":"ok"} or 503 and reveals no data.`
}

// newAuthorizer returns the JWT authorizer of the console routes: the
// external issuer and audience of the settings (the console signs in with
// the issuer, its first audience as the client id), or else the stack's own
// Cognito user pool and its console app client (the console signs in
// through the pool's managed login).
func newAuthorizer(st awscdk.Stack, stage string, s Settings, consoleURL *string) (awsapigatewayv2.IHttpRouteAuthorizer, consoleSignIn) {
	identity := jsii.Strings("$request.header.Authorization")
	if s.ExternalJWT() {
		awscdk.NewCfnOutput(st, jsii.String(JWTIssuerOutputID), &awscdk.CfnOutputProps{
			Description: jsii.String("Issuer whose JWTs the API accepts"),
			Value:       jsii.String(s.JWTIssuer),
		})
		return awsapigatewayv2authorizers.NewHttpJwtAuthorizer(jsii.String("JwtAuthorizer"), jsii.String(s.JWTIssuer),
				&awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
					JwtAudience:    jsii.Strings(s.JWTAudience...),
					IdentitySource: identity,
				}),
			consoleSignIn{clientID: jsii.String(s.JWTAudience[0]), issuer: jsii.String(s.JWTIssuer)}
	}
	pool, client, domain := newUserPool(st, stage, consoleURL)
	awscdk.NewCfnOutput(st, jsii.String(UserPoolIDOutputID), &awscdk.CfnOutputProps{
		Description: jsii.String("Cognito user pool of the console's agents"),
		Value:       pool.UserPoolId(),
	})
	awscdk.NewCfnOutput(st, jsii.String(UserPoolClientOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("Cognito app client id the console signs in with (SRP; send the ID token as the bearer token)"),
		Value:       client.UserPoolClientId(),
	})
	awscdk.NewCfnOutput(st, jsii.String(JWTIssuerOutputID), &awscdk.CfnOutputProps{
		Description: jsii.String("Issuer whose JWTs the API accepts"),
		Value: awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("https://cognito-idp."), st.Region(), jsii.String(".amazonaws.com/"), pool.UserPoolId(),
		}),
	})
	login := func(path string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{domain.BaseUrl(nil), jsii.String(path)})
	}
	return awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("CognitoAuthorizer"), pool,
			&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
				UserPoolClients: &[]awscognito.IUserPoolClient{client},
				IdentitySource:  identity,
			}),
		consoleSignIn{clientID: client.UserPoolClientId(), authorizeURL: login("/oauth2/authorize"),
			tokenURL: login("/oauth2/token"), logoutURL: login("/logout")}
}

// newUserPool creates the agents' user pool: no self sign-up (ops invite
// agents), e-mail sign-in, a strong password policy, TOTP MFA required,
// the Plus plan's threat protection enforced, kept when the stack goes;
// the console's public app client (SRP, and the authorization code flow
// with PKCE back to the console's URL), and the managed login (hosted UI)
// domain the console sends agents to (MFA as the pool requires it).
func newUserPool(st awscdk.Stack, stage string, consoleURL *string) (awscognito.UserPool, awscognito.UserPoolClient, awscognito.UserPoolDomain) {
	pool := awscognito.NewUserPool(st, jsii.String(UserPoolID), &awscognito.UserPoolProps{
		UserPoolName:        jsii.String("twitter-cases-" + stage + "-agents"),
		SelfSignUpEnabled:   jsii.Bool(false),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		Mfa:             awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		AccountRecovery:              awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(true),
		RemovalPolicy:                awscdk.RemovalPolicy_RETAIN,
	})
	client := pool.AddClient(jsii.String(UserPoolClientID), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false),
		AuthFlows:      &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL()},
			CallbackUrls: &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{consoleURL, jsii.String("/")})},
			LogoutUrls:   &[]*string{awscdk.Fn_Join(jsii.String(""), &[]*string{consoleURL, jsii.String("/")})},
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		IdTokenValidity:            minutes(time.Hour),
		AccessTokenValidity:        minutes(time.Hour),
		RefreshTokenValidity:       minutes(12 * time.Hour),
	})
	// Managed login's domain: a prefix unique per account and stage.
	domain := pool.AddDomain(jsii.String(ConsoleLoginDomainID), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{
			DomainPrefix: awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String("twitter-cases"), jsii.String(stage), st.Account()}),
		},
	})
	return pool, client, domain
}

// webhookURL is the URL X calls.
func webhookURL(api awsapigatewayv2.HttpApi) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{api.ApiEndpoint(), jsii.String(webhookPath())})
}

// webhookPath is the webhook function's route path.
func webhookPath() string {
	routes := functions.TwitterWebhook.Routes
	i := slices.IndexFunc(routes, func(r string) bool { _, p := functions.Route(r); return !functions.NeedsJWT(p) })
	_, p := functions.Route(routes[i])
	return p
}
