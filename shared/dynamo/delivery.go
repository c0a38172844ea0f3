package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/table"
)

// A kept delivery body's parts (claimcheck) are items with partition key
// table.DeliveryPrefix + id and sort key PART#<n>: the webhook may write
// only items under that prefix (the stack's IAM condition).

func deliveryPartSK(i int) string { return fmt.Sprintf("PART#%04d", i) }

// PutDeliveryParts keeps the parts of a delivery body until expires (the
// table's TTL), replacing any kept under the same id (the same body).
// Calls: 1 PutItem per part.
func (s *Store) PutDeliveryParts(ctx context.Context, id string, parts [][]byte, expires time.Time) error {
	for i, p := range parts {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: s.table,
			Item: map[string]types.AttributeValue{
				table.PK:  str(table.DeliveryPrefix + id),
				table.SK:  str(deliveryPartSK(i)),
				"data":    &types.AttributeValueMemberB{Value: p},
				table.TTL: num(expires.Unix()),
			},
		})
		if err != nil {
			return fmt.Errorf("dynamo: keep part %d of %d of delivery %s: %w", i+1, len(parts), id, err)
		}
	}
	return nil
}

// DeliveryParts returns the n parts of a kept delivery body, in order, or
// claimcheck.ErrMissing when they are not all kept (or have expired).
// Calls: 1 Query (consistent), more for a body over 1 MB compressed.
func (s *Store) DeliveryParts(ctx context.Context, id string, n int) ([][]byte, error) {
	in := s.partitionQuery(table.DeliveryPrefix + id)
	parts := make([][]byte, 0, n)
	now := s.now().Unix()
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamo: delivery %s: %w", id, err)
		}
		for _, it := range out.Items {
			if strAttr(it, table.SK) != deliveryPartSK(len(parts)) {
				continue
			}
			if exp, ok := it[table.TTL].(*types.AttributeValueMemberN); ok {
				if t, err := strconv.ParseInt(exp.Value, 10, 64); err == nil && t < now {
					continue // expired: the local DynamoDB keeps what TTL removes in AWS
				}
			}
			b, ok := it["data"].(*types.AttributeValueMemberB)
			if !ok {
				return nil, fmt.Errorf("dynamo: delivery %s: part %d has no data", id, len(parts)+1)
			}
			parts = append(parts, b.Value)
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if len(parts) != n {
		return nil, fmt.Errorf("dynamo: delivery %s: %d of %d parts: %w", id, len(parts), n, claimcheck.ErrMissing)
	}
	return parts, nil
}

var _ claimcheck.Store = (*Store)(nil)
