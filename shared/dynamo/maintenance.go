package dynamo

// This file holds what only operators' tools call (ops/xops, with the
// operator's credentials): table-wide maintenance, such as a Scan, that no
// function's role grants (infra/stack's TableActions; its test reads every
// other file of this package for the calls the functions make).

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/table"
)

// ReindexCustomers writes every customer's look-up items again from its
// record, as PutCustomer writes them, and returns how many customers it
// indexed. It is the maintenance path for a change of how look-up keys are
// made (issue 21 item 10: name words became NFC and case-folded, where
// they were lower-cased): items written under the old form stay, and
// readers skip them as stale, while the new form makes every customer
// findable again. It is idempotent and safe beside live writes: an item it
// writes for a name a concurrent update just dropped is stale, and skipped
// by readers, like any other. Calls: 1 Scan per 1 MB of the table, 1
// BatchWriteItem per 25 look-ups.
func (s *Store) ReindexCustomers(ctx context.Context) (int, error) {
	in := &dynamodb.ScanInput{
		TableName:                 s.table,
		FilterExpression:          aws.String("#SK = :sk"),
		ExpressionAttributeNames:  names(table.SK),
		ExpressionAttributeValues: map[string]types.AttributeValue{":sk": str(customerSK)},
	}
	n := 0
	for {
		out, err := s.client.Scan(ctx, in)
		if err != nil {
			return n, fmt.Errorf("dynamo: reindex customers: %w", err)
		}
		var items []map[string]types.AttributeValue
		for _, av := range out.Items {
			c, err := decodeCustomer(av)
			if err != nil {
				return n, fmt.Errorf("dynamo: reindex customers: %s: %w", strAttr(av, table.PK), err)
			}
			lookups, err := lookupItems(c, lookupKeys(c), c.Version)
			if err != nil {
				return n, fmt.Errorf("dynamo: reindex customer %s: %w", c.ID, err)
			}
			items = append(items, lookups...)
			n++
		}
		if len(items) > 0 {
			if err := s.batchPut(ctx, items); err != nil {
				return n, fmt.Errorf("dynamo: reindex customers: %w", err)
			}
		}
		if out.LastEvaluatedKey == nil {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
