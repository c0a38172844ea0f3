// Package wire builds the AWS-backed dependencies of a Lambda function from
// its configuration, the same way for every function, and runs its main:
// the store, the queues, the console service. The X adapter and its
// credentials are in package xwire, so functions that never call X do not
// link it. Nothing here does network I/O; clients connect on first use.
package wire

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/sqsqueue"
)

// Store returns the DynamoDB store of the configuration.
func Store(awsCfg aws.Config, cfg config.Config) *dynamo.Store {
	return dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
}

// Queue returns the SQS queue at url.
func Queue(awsCfg aws.Config, cfg config.Config, url string) (*sqsqueue.Queue, error) {
	if url == "" {
		return nil, fmt.Errorf("wire: a queue URL is not set")
	}
	return sqsqueue.New(sqsqueue.NewClient(awsCfg, cfg.SQSEndpoint), url), nil
}
