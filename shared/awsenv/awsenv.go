// Package awsenv builds a Lambda function's AWS SDK configuration from what
// Lambda puts in its environment: the region (AWS_REGION) and the execution
// role's temporary credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), which are exactly what the SDK's default chain finds
// there. It does not link config.LoadDefaultConfig, whose shared-config,
// SSO, SSO-OIDC, STS and sign-in clients a function never uses and pays
// for in zip size and init time. The local run and the ops tools keep the
// default chain.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Config returns the aws.Config of a function whose environment getenv
// reads: its region from AWS_REGION (else AWS_DEFAULT_REGION) and static
// credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the
// optional AWS_SESSION_TOKEN, and, as the SDK's environment configuration
// does, each service's endpoint from AWS_ENDPOINT_URL_<SERVICE> (the SDK id
// in capitals, spaces as underscores: AWS_ENDPOINT_URL_SECRETS_MANAGER),
// else AWS_ENDPOINT_URL, when set (tests and the local emulator point the
// functions at local servers so). It fails, naming what is missing, when the
// region or a key is absent; it does no I/O.
func Config(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	var missing []error
	if region == "" {
		missing = append(missing, errors.New("AWS_REGION is not set"))
	}
	if id == "" || secret == "" {
		missing = append(missing, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"))
	}
	if err := errors.Join(missing...); err != nil {
		return aws.Config{}, fmt.Errorf("awsenv: %w", err)
	}
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"), Source: "awsenv"}
	return aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
		ConfigSources: []any{endpoints(getenv)},
	}, nil
}

// endpoints answers the SDK's service clients' question for a configured
// base endpoint (they ask each of aws.Config.ConfigSources that has this
// method), from the environment.
type endpoints func(string) string

// GetServiceBaseEndpoint returns the endpoint configured for the service
// with the SDK id sdkID ("Secrets Manager", "DynamoDB", "SQS").
func (getenv endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	name := "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))
	if v := getenv(name); v != "" {
		return v, true, nil
	}
	if v := getenv("AWS_ENDPOINT_URL"); v != "" {
		return v, true, nil
	}
	return "", false, nil
}
