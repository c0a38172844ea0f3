package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

var _ casework.SpendStore = (*Store)(nil)

// Spend is kept in two kinds of items: one record per call (SPEND#id),
// written once, which makes a retry record nothing; and one total per UTC
// month, brand handle and kind (USAGE#month, handle#kind), which the
// record's first write adds to. A month's totals share a partition: a
// deployment has a handful of handles and a dozen kinds.
func spendPK(id string) string             { return "SPEND#" + id }
func usagePK(month string) string          { return "USAGE#" + month }
func usageSK(handleID, kind string) string { return handleID + "#" + kind }

const spendSK = "SPEND"

type spendItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	HandleID string `dynamodbav:"handle_id"`
	Kind     string `dynamodbav:"kind"`
	Micros   int64  `dynamodbav:"micros"`
	At       string `dynamodbav:"at"`
	// ExpiresAt lets DynamoDB forget the record after 45 days: a retry
	// comes within hours, and the month's total keeps the sum.
	ExpiresAt int64 `dynamodbav:"expires_at"`
}

type usageItem struct {
	HandleID string `dynamodbav:"handle_id"`
	Kind     string `dynamodbav:"kind"`
	Calls    int64  `dynamodbav:"calls"`
	Micros   int64  `dynamodbav:"micros"`
}

// RecordSpend writes the call's record unless it exists, then adds it to
// its month's total. Calls: 1 PutItem, 1 UpdateItem (1 PutItem for a repeat).
func (s *Store) RecordSpend(ctx context.Context, sp casework.Spend) (bool, error) {
	if sp.ID == "" || sp.HandleID == "" || sp.Price.Kind == "" || sp.At.IsZero() {
		return false, invalid("spend", "A spend needs its id, brand handle, price and time.")
	}
	av, err := attributevalue.MarshalMap(spendItem{PK: spendPK(sp.ID), SK: spendSK, HandleID: sp.HandleID, Kind: string(sp.Price.Kind),
		Micros: int64(sp.Price.Amount), At: fmtTime(sp.At), ExpiresAt: ttlSeconds(sp.At.AddDate(0, 0, 45))})
	if err != nil {
		return false, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.table, Item: av,
		ConditionExpression:      aws.String("attribute_not_exists(#PK)"),
		ExpressionAttributeNames: names(table.PK),
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: record spend %s: %w", sp.ID, err)
	}
	if err := s.AddSpend(ctx, sp.HandleID, sp.At, sp.Price); err != nil {
		return false, fmt.Errorf("dynamo: add spend %s to its month: %w", sp.ID, err)
	}
	return true, nil
}

// AddSpend adds a call to its handle's month total. Calls: 1 UpdateItem.
func (s *Store) AddSpend(ctx context.Context, handleID string, at time.Time, price casework.Price) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       itemKey(usagePK(casework.Month(at)), usageSK(handleID, string(price.Kind))),
		UpdateExpression:          aws.String("SET #handle_id = :h, #kind = :k ADD #calls :one, #micros :m"),
		ExpressionAttributeNames:  names("handle_id", "kind", "calls", "micros"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": str(handleID), ":k": str(string(price.Kind)), ":one": num(1), ":m": num(int64(price.Amount))},
	})
	if err != nil {
		return fmt.Errorf("dynamo: add spend to %s's %s: %w", handleID, casework.Month(at), err)
	}
	return nil
}

// MonthSpend returns the month's totals. Calls: 1 Query.
func (s *Store) MonthSpend(ctx context.Context, month string) ([]casework.SpendTotal, error) {
	return s.usage(ctx, month, "")
}

// HandleMonthSpend returns one handle's total of the month. Calls: 1 Query.
func (s *Store) HandleMonthSpend(ctx context.Context, handleID, month string) (casework.Micros, error) {
	totals, err := s.usage(ctx, month, handleID)
	var sum casework.Micros
	for _, t := range totals {
		if !t.Kind.Inbound() {
			sum += t.Amount
		}
	}
	return sum, err
}

func (s *Store) usage(ctx context.Context, month, handleID string) ([]casework.SpendTotal, error) {
	in := s.partitionQuery(usagePK(month))
	if handleID != "" {
		in.KeyConditionExpression = aws.String("#PK = :pk AND begins_with(#SK, :h)")
		in.ExpressionAttributeNames = names(table.PK, table.SK)
		in.ExpressionAttributeValues[":h"] = str(handleID + "#")
	}
	items, err := s.queryAll(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("dynamo: spend of %s: %w", month, err)
	}
	out := make([]casework.SpendTotal, 0, len(items))
	for _, av := range items {
		var it usageItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, err
		}
		if handleID != "" && !strings.EqualFold(it.HandleID, handleID) {
			continue
		}
		out = append(out, casework.SpendTotal{Month: month, HandleID: it.HandleID, Kind: casework.PriceKind(it.Kind), Calls: it.Calls, Amount: casework.Micros(it.Micros)})
	}
	return out, nil
}

var _ casework.XPauseStore = (*Store)(nil)

// The app-wide pause of calls to X is one item.
const (
	xPausePK = "XPAUSE"
	xPauseSK = "APP"
)

// PauseX stops calls to X until until, unless a later pause is recorded.
// Calls: 1 UpdateItem.
func (s *Store) PauseX(ctx context.Context, until time.Time) error {
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 s.table,
		Key:                       itemKey(xPausePK, xPauseSK),
		UpdateExpression:          aws.String("SET #until = :u, #until_s = :us"),
		ConditionExpression:       aws.String("attribute_not_exists(#until) OR #until < :u"),
		ExpressionAttributeNames:  names("until", "until_s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": num(until.UnixMilli()), ":us": str(fmtTime(until))},
	})
	if isConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dynamo: pause calls to X: %w", err)
	}
	return nil
}

// XPausedUntil is the end of the recorded pause (zero: none). Calls: 1 GetItem.
func (s *Store) XPausedUntil(ctx context.Context) (time.Time, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: itemKey(xPausePK, xPauseSK), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return time.Time{}, fmt.Errorf("dynamo: read the pause of calls to X: %w", err)
	}
	var it struct {
		Until int64 `dynamodbav:"until"`
	}
	if out.Item == nil {
		return time.Time{}, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(it.Until).UTC(), nil
}
