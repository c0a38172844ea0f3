// Package wire builds the AWS-backed dependencies of a Lambda function from
// its configuration, the same way for every function, and runs its main:
// the store and the console service. The queues are built by sqsqueue and
// the X adapter by xwire, handed in through Needs, so a function links only
// the clients it uses. Nothing here does network I/O; clients connect on first use.
package wire

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/dynamo"
)

// Store returns the DynamoDB store of the configuration.
func Store(awsCfg aws.Config, cfg config.Config) *dynamo.Store {
	return dynamo.New(dynamo.NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
}
