// Package console holds the agent console's browser test. The console itself
// is the static web page next to it (index.html and app/, assembled into
// build/web by `make console`): the local run serves it at /, and the
// CDK stack hosts it on S3 behind CloudFront. No Lambda function links it.
package console
