package stack_test

import (
	"strings"
	"testing"

	"github.com/acme/twitter-cases/infra/stack"
)

// The console is hosted as issue 11 asks: a private, encrypted, TLS-only
// bucket with access logs, read by CloudFront through origin access
// control; HTTPS only with security headers; config.json made at deploy
// time with the API's URL and the managed login's endpoints.
func TestConsoleHosting(t *testing.T) {
	c := tmpl(t)
	bucket := c.at(t, stack.ConsoleBucketID)
	logs := c.at(t, stack.ConsoleLogsBucketID)
	dist := c.at(t, stack.ConsoleDistributionID)
	blockAll := obj{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
	for _, id := range []string{bucket, logs} {
		if got := c.prop(id, "PublicAccessBlockConfiguration"); !same(got, blockAll) {
			t.Errorf("%s public access block = %s", id, js(got))
		}
		if got := c.prop(id, "BucketEncryption.ServerSideEncryptionConfiguration"); !strings.Contains(js(got), "AES256") {
			t.Errorf("%s encryption = %s", id, js(got))
		}
	}
	if got := c.prop(bucket, "LoggingConfiguration"); !same(got, obj{"DestinationBucketName": ref(logs), "LogFilePrefix": "console-bucket/"}) {
		t.Errorf("access logs = %s", js(got))
	}
	// TLS only: each bucket's policy denies requests without it.
	tlsOnly := 0
	for _, id := range c.ofType("AWS::S3::BucketPolicy") {
		p := js(c.prop(id, "PolicyDocument"))
		if strings.Contains(p, `"aws:SecureTransport":"false"`) && strings.Contains(p, `"Effect":"Deny"`) {
			tlsOnly++
		}
		// CloudFront reads the console bucket, only for this distribution.
		if same(c.prop(id, "Bucket"), ref(bucket)) && (!strings.Contains(p, "cloudfront.amazonaws.com") || !strings.Contains(p, "AWS:SourceArn")) {
			t.Errorf("console bucket policy without CloudFront's origin access control: %s", p)
		}
	}
	if tlsOnly < 2 {
		t.Errorf("%d bucket policies deny plain HTTP, want both buckets'", tlsOnly)
	}
	if n := len(c.ofType("AWS::CloudFront::OriginAccessControl")); n != 1 {
		t.Errorf("%d origin access controls", n)
	}

	cfg := c.prop(dist, "DistributionConfig").(map[string]any)
	behavior := cfg["DefaultCacheBehavior"].(map[string]any)
	if behavior["ViewerProtocolPolicy"] != "redirect-to-https" || cfg["DefaultRootObject"] != "index.html" || cfg["Enabled"] != true {
		t.Errorf("distribution = %s", js(cfg))
	}
	if got := js(cfg["Logging"]); !strings.Contains(got, logs) {
		t.Errorf("distribution logs = %s", got)
	}
	headers := c.at(t, stack.ConsoleHeadersID)
	if !same(behavior["ResponseHeadersPolicyId"], ref(headers)) {
		t.Errorf("response headers policy = %s", js(behavior["ResponseHeadersPolicyId"]))
	}
	sec := c.prop(headers, "ResponseHeadersPolicyConfig.SecurityHeadersConfig").(map[string]any)
	for _, k := range []string{"ContentSecurityPolicy", "ContentTypeOptions", "FrameOptions", "ReferrerPolicy", "StrictTransportSecurity", "XSSProtection"} {
		if _, ok := sec[k]; !ok {
			t.Errorf("no %s header", k)
		}
	}
	csp := js(sec["ContentSecurityPolicy"])
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "frame-ancestors 'none'", "https://*.execute-api.${AWS::Region}.amazonaws.com", "https://*.auth.${AWS::Region}.amazoncognito.com"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %s lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows unsafe code: %s", csp)
	}

	// config.json at deploy time, with the API's URL and the sign-in.
	deploys := c.ofType("Custom::CDKBucketDeployment")
	if len(deploys) != 1 {
		t.Fatalf("bucket deployments: %v", deploys)
	}
	d := js(c.Resources[deploys[0]].Properties)
	for _, want := range []string{`"DestinationBucketName":{"Ref":"` + bucket + `"}`, `"DistributionId":{"Ref":"` + dist + `"}`, "ApiEndpoint",
		"/oauth2/authorize", "/oauth2/token", c.at(t, stack.UserPoolID+"/"+stack.UserPoolClientID)} {
		if !strings.Contains(d, want) {
			t.Errorf("console deployment lacks %s: %s", want, d)
		}
	}
	if n := len(c.ofType("AWS::Cognito::UserPoolDomain")); n != 1 {
		t.Errorf("%d managed login domains", n)
	}

	// With an external issuer (in config.json's asset) the console may reach it.
	_, _, v := variant(t)
	vcsp := js(v.prop(v.at(t, stack.ConsoleHeadersID), "ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy"))
	if !strings.Contains(vcsp, "https://login.example.com") {
		t.Errorf("the variant's CSP does not let the console reach its issuer: %s", vcsp)
	}
}
