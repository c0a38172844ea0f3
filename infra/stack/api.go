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

	"github.com/acme/twitter-cases/infra/lambdas"
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
func newAPI(st awscdk.Stack, stage string, s Settings, fns map[string]awslambda.Function) (awsapigatewayv2.HttpApi, awslogs.LogGroup) {
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

	authorizer := newAuthorizer(st, stage, s)
	for _, f := range lambdas.All {
		if len(f.Routes) == 0 {
			continue
		}
		integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(FunctionID(f.Name)+"Integration"), fns[f.Name], nil)
		for _, r := range f.Routes {
			method, path := lambdas.Route(r)
			opts := &awsapigatewayv2.AddRoutesOptions{
				Path:        jsii.String(path),
				Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod(method)},
				Integration: integration,
			}
			if lambdas.NeedsJWT(path) {
				opts.Authorizer = authorizer
			} else {
				opts.Authorizer = awsapigatewayv2.NewHttpNoneAuthorizer()
			}
			routes := api.AddRoutes(opts)
			if !lambdas.NeedsJWT(path) {
				for _, route := range *routes {
					cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
						Id:     jsii.String("AwsSolutions-APIG4"),
						Reason: jsii.String(publicRouteReason(path)),
					}}, jsii.Bool(true))
				}
			}
		}
	}
	return api, accessLogs
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
// external issuer and audience of the settings, or else the stack's own
// Cognito user pool and its console app client.
func newAuthorizer(st awscdk.Stack, stage string, s Settings) awsapigatewayv2.IHttpRouteAuthorizer {
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
			})
	}
	pool, client := newUserPool(st, stage)
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
	return awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("CognitoAuthorizer"), pool,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &[]awscognito.IUserPoolClient{client},
			IdentitySource:  identity,
		})
}

// newUserPool creates the agents' user pool: no self sign-up (ops invite
// agents), e-mail sign-in, a strong password policy, TOTP MFA required,
// the Plus plan's threat protection enforced, kept when the stack goes;
// and the console's public app client (SRP only, no OAuth flows).
func newUserPool(st awscdk.Stack, stage string) (awscognito.UserPool, awscognito.UserPoolClient) {
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
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		DisableOAuth:               jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		IdTokenValidity:            minutes(time.Hour),
		AccessTokenValidity:        minutes(time.Hour),
		RefreshTokenValidity:       minutes(12 * time.Hour),
	})
	return pool, client
}

// webhookURL is the URL X calls.
func webhookURL(api awsapigatewayv2.HttpApi) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{api.ApiEndpoint(), jsii.String(webhookPath())})
}

// webhookPath is the webhook function's route path.
func webhookPath() string {
	f, _ := lambdas.ByName("twitter-webhook")
	i := slices.IndexFunc(f.Routes, func(r string) bool { _, p := lambdas.Route(r); return !lambdas.NeedsJWT(p) })
	_, p := lambdas.Route(f.Routes[i])
	return p
}
