package stack

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Construct and output ids of the console's hosting.
const (
	ConsoleBucketID       = "ConsoleBucket"
	ConsoleLogsBucketID   = "ConsoleLogs"
	ConsoleDistributionID = "ConsoleDistribution"
	ConsoleHeadersID      = "ConsoleHeaders"
	ConsoleDeploymentID   = "ConsoleDeployment"
	ConsoleLoginDomainID  = "ConsoleLogin"
	ConsoleURLOutputID    = "ConsoleUrl"
	// BucketDeploymentHandlerPrefix starts the id, under the stack, of the
	// function CDK's BucketDeployment copies the console with (a singleton
	// whose id CDK derives): the one Lambda function that is not the product's.
	BucketDeploymentHandlerPrefix = "Custom::CDKBucketDeployment"
)

// ConsoleCSP is the console's Content-Security-Policy, with {region} for
// the stack's region and {issuer} for the external issuer's origin (or
// nothing): scripts, styles and fonts only from the console itself (no
// inline script: make console vendors the modules so no import map is
// needed), API calls to the stack's HTTP API, sign-in to Cognito's managed
// login or the issuer, no framing, no plugins.
const ConsoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self' https://*.execute-api.{region}.amazonaws.com https://*.auth.{region}.amazoncognito.com " +
	"https://cognito-idp.{region}.amazonaws.com{issuer}; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'; upgrade-insecure-requests"

// consoleHosting is the console's S3 bucket behind its CloudFront distribution.
type consoleHosting struct {
	bucket awss3.Bucket
	dist   awscloudfront.Distribution
	// url is https://<distribution domain>, the console's origin.
	url *string
}

// consoleDir is where `make console` assembles the console under the build folder.
func consoleDir(buildDir string) string { return filepath.Join(buildDir, "web") }

// checkConsoleBuild fails when the console is not assembled.
func checkConsoleBuild(buildDir string) error {
	index := filepath.Join(consoleDir(buildDir), "index.html")
	if info, err := os.Stat(index); err != nil || !info.Mode().IsRegular() {
		return fmt.Errorf("stack: no console build at %s: run `make console` first", index)
	}
	return nil
}

// newConsoleHosting creates the console's hosting: a private, encrypted,
// TLS-only bucket read by CloudFront through origin access control, its
// access logs (and the distribution's) in a second bucket, and a
// distribution that redirects HTTP to HTTPS and adds security headers.
func newConsoleHosting(st awscdk.Stack, stage string, s Settings) consoleHosting {
	logs := awss3.NewBucket(st, jsii.String(ConsoleLogsBucketID), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		// CloudFront's standard logs are written with an ACL.
		ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		LifecycleRules:  &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(s.LogRetentionDays))}},
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	bucket := awss3.NewBucket(st, jsii.String(ConsoleBucketID), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("console-bucket/"),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
	})

	issuer := ""
	if s.ExternalJWT() {
		if u, err := url.Parse(s.JWTIssuer); err == nil {
			issuer = " " + u.Scheme + "://" + u.Host
		}
	}
	csp := awscdk.Fn_Sub(jsii.String(strings.NewReplacer("{region}", "${AWS::Region}", "{issuer}", issuer).Replace(ConsoleCSP)), nil)
	headers := awscloudfront.NewResponseHeadersPolicy(st, jsii.String(ConsoleHeadersID), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("Security headers of the agent console (" + stage + ")"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{ContentSecurityPolicy: csp, Override: jsii.Bool(true)},
			ContentTypeOptions:    &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:          &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy:        &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
			},
			XssProtection: &awscloudfront.ResponseHeadersXSSProtection{Protection: jsii.Bool(true), ModeBlock: jsii.Bool(true), Override: jsii.Bool(true)},
		},
	})
	dist := awscloudfront.NewDistribution(st, jsii.String(ConsoleDistributionID), &awscloudfront.DistributionProps{
		Comment:           jsii.String("Agent console of the Twitter channel (" + stage + ")"),
		DefaultRootObject: jsii.String("index.html"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
		},
		HttpVersion:   awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:    awscloudfront.PriceClass_PRICE_CLASS_100,
		EnableLogging: jsii.Bool(true),
		LogBucket:     logs,
		LogFilePrefix: jsii.String("cloudfront/"),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dist, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-CFR1"), Reason: jsii.String("The console serves only static files to agents wherever they " +
			"work; every API call needs a Cognito (or the configured issuer's) token, so a geographic restriction would add no protection.")},
		{Id: jsii.String("AwsSolutions-CFR2"), Reason: jsii.String("A WAF web ACL for CloudFront must live in us-east-1 while this " +
			"stack is region-agnostic; the distribution serves only public static files (no data, no forms) and the API has its own throttling.")},
		{Id: jsii.String("AwsSolutions-CFR4"), Reason: jsii.String("The distribution uses its default *.cloudfront.net certificate, " +
			"whose TLS policy CloudFront fixes (a minimum protocol needs a custom domain and its ACM certificate, which ops may add); HTTP is redirected to HTTPS.")},
	}, jsii.Bool(false))
	return consoleHosting{
		bucket: bucket, dist: dist,
		url: awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), dist.DistributionDomainName()}),
	}
}

// consoleSignIn is how the console signs agents in, for its config.json.
type consoleSignIn struct {
	clientID     *string
	authorizeURL *string
	tokenURL     *string
	logoutURL    *string
	issuer       *string
}

// deployConsole copies the built console into the bucket with a
// config.json made at deploy time (the API's URL and the sign-in
// settings), and invalidates the distribution so agents get it at once.
func deployConsole(st awscdk.Stack, h consoleHosting, buildDir string, logRetentionDays int, apiURL *string, in consoleSignIn) {
	cfg := map[string]any{"auth": "oidc", "api_base_url": apiURL, "client_id": in.clientID, "scopes": "openid email"}
	for k, v := range map[string]*string{"authorize_url": in.authorizeURL, "token_url": in.tokenURL, "logout_url": in.logoutURL, "issuer": in.issuer} {
		if v != nil {
			cfg[k] = v
		}
	}
	dep := awss3deployment.NewBucketDeployment(st, jsii.String(ConsoleDeploymentID), &awss3deployment.BucketDeploymentProps{
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(consoleDir(buildDir)), nil),
			awss3deployment.Source_JsonData(jsii.String("config.json"), cfg, nil),
		},
		DestinationBucket: h.bucket,
		Distribution:      h.dist,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
		MemoryLimit:       jsii.Number(256),
		LogGroup: awslogs.NewLogGroup(st, jsii.String(ConsoleDeploymentID+"Logs"), &awslogs.LogGroupProps{
			Retention:     retention(logRetentionDays),
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		}),
	})
	var handler constructs.IConstruct
	for _, c := range *st.Node().Children() {
		if strings.HasPrefix(*c.Node().Id(), BucketDeploymentHandlerPrefix) {
			handler = c
		}
	}
	if handler == nil {
		panic("stack: CDK's BucketDeployment handler is not a child of the stack named " + BucketDeploymentHandlerPrefix + "…")
	}
	cdknag.NagSuppressions_AddResourceSuppressions(handler, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("CDK's BucketDeployment handler (run only during deploys, to copy " +
			"the console's files) uses AWSLambdaBasicExecutionRole to write its own logs; CDK does not let the role be replaced.")},
		{Id: jsii.String("AwsSolutions-IAM5"), AppliesTo: &[]any{
			"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*", "Action::s3:DeleteObject*",
			"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<` + ConsoleBucketID + `[0-9A-F]{8}\.Arn>\/\*$/g`)}, "Resource::*",
		}, Reason: jsii.String("CDK's BucketDeployment handler, run only during deploys, reads the console's asset from the CDK " +
			"bootstrap bucket and syncs it into the console bucket (object-level s3 wildcards on those two buckets' objects, " +
			"generated and scoped by CDK) and invalidates the distribution (CloudFront's CreateInvalidation takes no resource ARN here).")},
		{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String("The BucketDeployment handler's Python runtime is pinned by the " +
			"CDK version (aws-cdk-lib); it runs only during deploys and is upgraded with the CDK, not by this stack.")},
	}, jsii.Bool(true))
	_ = dep
}
