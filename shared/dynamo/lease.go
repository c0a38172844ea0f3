package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/table"
)

// leaseItem is a short-lived lock on a name (e.g. refreshing one brand
// handle's OAuth 2.0 tokens), held by owner until lease_until (Unix
// milliseconds). The table's TTL removes a lease a crashed owner left,
// a while after it ran out; until then it is simply taken over.
func leasePK(name string) string { return "LEASE#" + name }

const leaseSK = "LEASE"

// AcquireLease takes the lease on name for owner until until, unless
// someone else holds an unexpired one: one conditional PutItem, no
// transaction. It reports whether owner holds the lease now (taking one it
// already holds extends it). Calls: 1 PutItem.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, until time.Time) (bool, error) {
	now := time.Now()
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table,
		Item: map[string]types.AttributeValue{
			table.PK: str(leasePK(name)), table.SK: str(leaseSK),
			"owner": str(owner), "lease_until": num(until.UnixMilli()),
			// Removed by the table's TTL an hour after it ran out.
			table.TTL: num(until.Add(time.Hour).Unix()),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#PK) OR #lease_until < :now OR #owner = :owner"),
		ExpressionAttributeNames: names(table.PK, "lease_until", "owner"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.UnixMilli()), ":owner": str(owner),
		},
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: acquire lease %s: %w", name, err)
	}
	return true, nil
}

// ReleaseLease gives up owner's lease on name; a lease that expired and
// was taken over by another owner is left to it. Calls: 1 DeleteItem.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 s.table,
		Key:                       itemKey(leasePK(name), leaseSK),
		ConditionExpression:       aws.String("#owner = :owner"),
		ExpressionAttributeNames:  names("owner"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":owner": str(owner)},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: release lease %s: %w", name, err)
	}
	return nil
}
