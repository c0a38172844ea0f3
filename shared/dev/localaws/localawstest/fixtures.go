package localawstest

import (
	"context"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/table"
)

// SampleStore creates the table name (the product's definition) on the
// DynamoDB server Main started, seeds it with the sample data and returns
// the store over it; it fails t on any error. Tests sharing a server give
// each table a name of its own.
func (s *Servers) SampleStore(t testing.TB, name string, opts ...dynamo.Option) *dynamo.Store {
	t.Helper()
	ctx := context.Background()
	client := localaws.DynamoDBClient(s.DynamoDBEndpoint)
	if err := localaws.EnsureTable(ctx, client, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(client, name, opts...)
	if err := sample.Seed(ctx, store); err != nil {
		t.Fatal(err)
	}
	return store
}

// Queues creates defs (each with its dead-letter queue), their names
// prefixed by prefix, on the SQS server Main started and returns their
// URLs by definition name; it fails t on any error.
func (s *Servers) Queues(t testing.TB, prefix string, defs ...queues.Queue) localaws.QueueURLs {
	t.Helper()
	urls, err := localaws.EnsureQueues(context.Background(), localaws.SQSClient(s.SQSEndpoint), prefix, defs)
	if err != nil {
		t.Fatal(err)
	}
	return urls
}
