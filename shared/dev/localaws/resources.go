package localaws

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

// Region is the region the local servers pretend to be in.
const Region = "us-east-1"

// AWSConfig returns an SDK configuration for the local servers: a fixed
// region and dummy static credentials, so nothing reads the environment
// or reaches a real account.
func AWSConfig() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

// DynamoDBClient returns a DynamoDB client for the server at endpoint,
// over the HTTP client the functions' DynamoDB clients use
// (dynamo.NewHTTPClient), with opts applied after the endpoint.
func DynamoDBClient(endpoint string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(AWSConfig(), append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.HTTPClient = dynamo.NewHTTPClient()
	}}, opts...)...)
}

// SQSClient returns an SQS client for the server at endpoint.
func SQSClient(endpoint string) *sqs.Client {
	return sqs.NewFromConfig(AWSConfig(), func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// EnsureTable creates the table from its definition unless it exists.
func EnsureTable(ctx context.Context, client *dynamodb.Client, name string, def table.Schema) error {
	_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err == nil {
		return waitActive(ctx, client, name)
	}
	var missing *ddbtypes.ResourceNotFoundException
	if !errors.As(err, &missing) {
		return fmt.Errorf("localaws: describe table %s: %w", name, err)
	}
	_, err = client.CreateTable(ctx, CreateTableInput(name, def))
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("localaws: create table %s: %w", name, err)
	}
	return waitActive(ctx, client, name)
}

// waitActive waits until the table can take requests.
func waitActive(ctx context.Context, client *dynamodb.Client, name string) error {
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 20 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		return fmt.Errorf("localaws: table %s not active: %w", name, err)
	}
	return nil
}

// CreateTableInput translates a table definition into DynamoDB's CreateTable request.
func CreateTableInput(name string, def table.Schema) *dynamodb.CreateTableInput {
	var attrs []ddbtypes.AttributeDefinition
	for _, a := range def.AttributeNames() {
		attrs = append(attrs, ddbtypes.AttributeDefinition{AttributeName: aws.String(a), AttributeType: ddbtypes.ScalarAttributeTypeS})
	}
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: attrs,
		KeySchema:            keySchema(def.Key),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}
	for _, ix := range def.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, ddbtypes.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keySchema(ix.Key),
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		})
	}
	return in
}

func keySchema(k table.Key) []ddbtypes.KeySchemaElement {
	return []ddbtypes.KeySchemaElement{
		{AttributeName: aws.String(k.Partition), KeyType: ddbtypes.KeyTypeHash},
		{AttributeName: aws.String(k.Sort), KeyType: ddbtypes.KeyTypeRange},
	}
}

// QueueURLs maps a queue's base name (queues.Queue.Name) to its URL.
type QueueURLs map[string]string

// EnsureQueues creates every queue and its dead-letter queue, with prefix
// before their names, unless they exist, and returns the queues' URLs.
func EnsureQueues(ctx context.Context, client *sqs.Client, prefix string, defs []queues.Queue) (QueueURLs, error) {
	urls := QueueURLs{}
	for _, q := range defs {
		dlqURL, err := createQueue(ctx, client, prefix+q.DLQName(), q.FIFO, map[string]string{
			"MessageRetentionPeriod": secs(queues.DLQRetention.Seconds()),
		})
		if err != nil {
			return nil, err
		}
		dlq, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl:       aws.String(dlqURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
		})
		if err != nil {
			return nil, fmt.Errorf("localaws: queue arn of %s: %w", q.DLQName(), err)
		}
		redrive := fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`,
			dlq.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], q.MaxReceiveCount)
		url, err := createQueue(ctx, client, prefix+q.Name, q.FIFO, map[string]string{
			"VisibilityTimeout":      secs(q.VisibilityTimeout.Seconds()),
			"MessageRetentionPeriod": secs(q.Retention.Seconds()),
			"RedrivePolicy":          redrive,
		})
		if err != nil {
			return nil, err
		}
		urls[q.Name] = url
		urls[q.DLQName()] = dlqURL
	}
	return urls, nil
}

func createQueue(ctx context.Context, client *sqs.Client, name string, fifo bool, attrs map[string]string) (string, error) {
	if fifo {
		attrs["FifoQueue"] = "true"
	}
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		return "", fmt.Errorf("localaws: create queue %s: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

func secs(s float64) string { return strconv.Itoa(int(s)) }
