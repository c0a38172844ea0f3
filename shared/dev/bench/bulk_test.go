package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/table"
)

// A bulk fill leaves a table holding the items the store's own writes
// leave, and refuses a second write of an item.
func TestFillBulkWritesWhatTheStoreWrites(t *testing.T) {
	ctx := context.Background()
	srv, err := localaws.StartDynamoDB(ctx, localaws.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	client := localaws.DynamoDBClient(srv.Endpoint)
	for _, name := range []string{"by-store", "in-bulk", "twice"} {
		if err := localaws.EnsureTable(ctx, client, name, table.Definition); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	customer := func(i int) *casework.Customer {
		return &casework.Customer{ID: fmt.Sprintf("C%04d", i), Name: firstNames[i%len(firstNames)] + " " + lastNames[i%len(lastNames)],
			Emails: []string{fmt.Sprintf("c%d@example.com", i)}, CreatedAt: at, UpdatedAt: at}
	}
	const n = 60 // more than two batches
	store := dynamo.New(client, "by-store")
	for i := range n {
		if err := store.PutCustomer(ctx, customer(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := fillBulk(ctx, client, "in-bulk", n, func(ctx context.Context, s *dynamo.Store, i int) error {
		return s.PutCustomer(ctx, customer(i))
	}); err != nil {
		t.Fatal(err)
	}
	want, got := scanShapes(t, client, "by-store"), scanShapes(t, client, "in-bulk")
	if len(want) < 2*n || !slices.Equal(got, want) {
		t.Errorf("in bulk: %d items\n%s\nby the store: %d items\n%s", len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	found, err := dynamo.New(client, "in-bulk").GetCustomer(ctx, "C0007")
	if err != nil || found.Name != customer(7).Name || found.Version != 1 {
		t.Errorf("C0007 in the bulk-filled table: %+v, %v", found, err)
	}

	err = fillBulk(ctx, client, "twice", 2, func(ctx context.Context, s *dynamo.Store, i int) error {
		return s.PutCustomer(ctx, customer(0))
	})
	if err == nil || !strings.Contains(err.Error(), "again") {
		t.Errorf("the same customer twice: %v, want a refusal", err)
	}
}

// scanShapes returns each item of a table as its key and its attributes'
// names, sorted.
func scanShapes(t *testing.T, client *dynamodb.Client, name string) []string {
	t.Helper()
	var out []string
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			names := slices.Sorted(maps.Keys(item))
			out = append(out, strings.ReplaceAll(itemKey(item), "\x00", " ")+": "+strings.Join(names, ","))
		}
	}
	slices.Sort(out)
	return out
}
