package dynamo

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient returns a DynamoDB client from the SDK configuration, talking to
// endpoint instead of AWS when it is not empty (a local server), over
// NewHTTPClient.
func NewClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.HTTPClient = NewHTTPClient()
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// MaxIdleConns is how many idle connections to DynamoDB a client keeps
// for reuse. The SDK's default keeps 10, fewer than the inbound worker
// has in flight (ten events at once, a new customer's claims two at a
// time, cleanups up to eight): every request beyond ten opened a
// connection and closed it after one use (a TLS handshake each on AWS;
// about nine a batch of ten new users on the local DynamoDB, measured).
const MaxIdleConns = 64

// NewHTTPClient is the SDK's HTTP client for DynamoDB (its timeouts and
// dialer), keeping up to MaxIdleConns idle connections.
func NewHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxIdleConns = max(tr.MaxIdleConns, MaxIdleConns)
		tr.MaxIdleConnsPerHost = MaxIdleConns
	})
}
