package dynamo_test

import (
	"context"
	"fmt"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/storetest"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/httpapi"
	"github.com/acme/twitter-cases/shared/table"
)

// client reaches the one dynalite that TestMain starts for every test.
var client *dynamodb.Client

var local = &localawstest.Servers{DynamoDB: true, Setup: func(s *localawstest.Servers) {
	client = localaws.DynamoDBClient(s.DynamoDBEndpoint)
}}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

var tableSeq atomic.Int64

var notTableChars = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// fixture is one test's own table, store and clock.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	table string
	store *dynamo.Store
	clock *storetest.Clock
}

// newFixture creates a table of its own for the test, and a store on it
// whose clock starts at 2025-03-01 12:00 UTC and moves only when told.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("t%d-%s", tableSeq.Add(1), notTableChars.ReplaceAllString(t.Name(), "-"))
	if len(name) > 200 {
		name = name[:200]
	}
	if err := localaws.EnsureTable(ctx, client, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	w := dynamodb.NewTableExistsWaiter(client)
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second,
		func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
		}); err != nil {
		t.Fatal(err)
	}
	c := storetest.NewClock()
	return &fixture{t: t, ctx: ctx, table: name, store: dynamo.New(client, name, dynamo.WithClock(c.Now)), clock: c}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rawItem reads an item straight from the table, nil when missing.
func (f *fixture) rawItem(pk, sk string) map[string]types.AttributeValue {
	f.t.Helper()
	out, err := client.GetItem(f.ctx, &dynamodb.GetItemInput{
		TableName: aws.String(f.table),
		Key:       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}},
	})
	must(f.t, err)
	return out.Item
}

// putRaw writes an item straight to the table, as a half-finished write would leave it.
func (f *fixture) putRaw(attrs map[string]string) {
	f.t.Helper()
	item := map[string]types.AttributeValue{}
	for k, v := range attrs {
		item[k] = &types.AttributeValueMemberS{Value: v}
	}
	_, err := client.PutItem(f.ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item})
	must(f.t, err)
}

// base is the time test records are created around.
var base = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// idAt returns the ULID of time base+i milliseconds, the same for the same
// i (ids made with rising i sort in that order).
func idAt(i int) string {
	return casework.DerivedID(base.Add(time.Duration(i)*time.Millisecond), fmt.Sprint(i))
}

// TestStore runs the store suite the in-memory store also passes, on
// tables of their own, with filtered queries evaluating two index entries
// a call so a filtered page needs several.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) casework.Store {
		f := newFixture(t)
		s := dynamo.New(client, f.table, dynamo.WithClock(now))
		dynamo.SetFilterChunk(s, 2)
		return s
	})
	storetest.RunIdempotency(t, func(t *testing.T, now func() time.Time) httpapi.IdempotencyStore {
		return dynamo.New(client, newFixture(t).table, dynamo.WithClock(now))
	})
}

func TestPingMissingTable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bad := dynamo.New(client, "no-such-table")
	if err := bad.Ping(f.ctx); err == nil {
		t.Fatal("Ping of a missing table succeeded")
	}
}

// updateNumber sets a number attribute of an item, as another writer would.
func updateNumber(tableName, pk, sk, attr string, n int64) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName:                 aws.String(tableName),
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}},
		UpdateExpression:          aws.String("SET #a = :n"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: fmt.Sprint(n)}},
	}
}
