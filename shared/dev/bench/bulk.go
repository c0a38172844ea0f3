package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/table"
)

// bulkWriters is how many BatchWriteItem calls are in flight at once while
// a table is filled in bulk; the local DynamoDB is one process, so more
// would only queue.
const bulkWriters = 4

// maxBatchWrite is the most items one BatchWriteItem call takes.
const maxBatchWrite = 25

// fillBulk fills tableName with what n calls of write put into it, as
// fill does, but without a round trip per write: write(store, i) runs on
// a store whose client sends none of its PutItem and BatchWriteItem calls
// but hands their items over, and those go to DynamoDB in BatchWriteItem
// calls of 25 items, a few at a time. The items are the ones the store
// writes; only the conditions of its conditional writes are not checked,
// so write must only create distinct new records in a table that holds
// none of them (where every condition holds). Any other operation the
// store tries, or a second write of a key (whose order the concurrent
// batches would not keep), fails the fill.
func fillBulk(ctx context.Context, client *dynamodb.Client, tableName string, n int, write func(ctx context.Context, store *dynamo.Store, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	items := make(chan map[string]types.AttributeValue, 4*maxBatchWrite*bulkWriters)
	store := dynamo.New(recordingClient(client, items, &keySet{keys: map[string]bool{}}), tableName)

	var wg sync.WaitGroup
	errs := make([]error, bulkWriters)
	for w := range bulkWriters {
		wg.Go(func() {
			if errs[w] = writeBatches(ctx, client, tableName, items); errs[w] != nil {
				cancel()
			}
		})
	}
	err := fill(ctx, n, func(ctx context.Context, i int) error { return write(ctx, store, i) })
	close(items)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return err
}

// keySet is the item keys a bulk fill has written.
type keySet struct {
	mu   sync.Mutex
	keys map[string]bool
}

// add records key, failing if it was there already.
func (s *keySet) add(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys[key] {
		return fmt.Errorf("bench: a bulk fill writes each item once; the store wrote %q again", key)
	}
	s.keys[key] = true
	return nil
}

// recordingClient is client with every call stopped before it is sent:
// each item of a PutItem or a BatchWriteItem put goes to items and the call
// answers as if it had been written (no old item); any other operation, or
// a key written before (seen), is an error.
func recordingClient(client *dynamodb.Client, items chan<- map[string]types.AttributeValue, seen *keySet) *dynamodb.Client {
	record := middleware.InitializeMiddlewareFunc("recordWrites", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		send := func(item map[string]types.AttributeValue) error {
			if err := seen.add(itemKey(item)); err != nil {
				return err
			}
			select {
			case items <- item:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		var out any
		switch p := in.Parameters.(type) {
		case *dynamodb.PutItemInput:
			if err := send(p.Item); err != nil {
				return middleware.InitializeOutput{}, middleware.Metadata{}, err
			}
			out = &dynamodb.PutItemOutput{}
		case *dynamodb.BatchWriteItemInput:
			for _, reqs := range p.RequestItems {
				for _, r := range reqs {
					if r.PutRequest == nil {
						return middleware.InitializeOutput{}, middleware.Metadata{}, errors.New("bench: a bulk fill only writes new items, not deletes")
					}
					if err := send(r.PutRequest.Item); err != nil {
						return middleware.InitializeOutput{}, middleware.Metadata{}, err
					}
				}
			}
			out = &dynamodb.BatchWriteItemOutput{}
		default:
			return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("bench: a bulk fill only writes new items; the store called %s", awsmiddleware.GetOperationName(ctx))
		}
		return middleware.InitializeOutput{Result: out}, middleware.Metadata{}, nil
	})
	return dynamodb.New(client.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(record, middleware.Before)
		})
	})
}

// writeBatches writes the items it receives into tableName in
// BatchWriteItem calls of up to 25 items, until items is closed, sending
// again what DynamoDB leaves unprocessed.
func writeBatches(ctx context.Context, client *dynamodb.Client, tableName string, items <-chan map[string]types.AttributeValue) error {
	var batch []types.WriteRequest
	flush := func() error {
		pending := map[string][]types.WriteRequest{tableName: batch}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt == 10 {
				return fmt.Errorf("bench: %d items still unprocessed after %d BatchWriteItem calls", len(pending[tableName]), attempt)
			}
			out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("bench: bulk fill of %s: %w", tableName, err)
			}
			pending = out.UnprocessedItems
		}
		batch = batch[:0]
		return nil
	}
	for item := range items {
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == maxBatchWrite {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) == 0 {
		return nil
	}
	return flush()
}

// itemKey is an item's primary key as one string.
func itemKey(item map[string]types.AttributeValue) string {
	var key string
	for _, name := range []string{table.PK, table.SK} {
		if s, ok := item[name].(*types.AttributeValueMemberS); ok {
			key += s.Value + "\x00"
		}
	}
	return key
}
