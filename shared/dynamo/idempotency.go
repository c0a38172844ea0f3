package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/httpapi"
	"github.com/acme/twitter-cases/shared/table"
)

// idemItem is an idempotency record. expires_at is the table's TTL
// attribute (unix seconds, rounded up); expires keeps the exact time.
type idemItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Key         string `dynamodbav:"key"`
	RequestHash string `dynamodbav:"request_hash"`
	Done        bool   `dynamodbav:"done"`
	StatusCode  int    `dynamodbav:"status_code,omitempty"`
	Body        []byte `dynamodbav:"body,omitempty"`
	ExpiresAt   int64  `dynamodbav:"expires_at"`
	Expires     string `dynamodbav:"expires"`
}

func idemPK(key string) string { return "IDEM#" + key }

const idemSK = "IDEM"

// ttlSeconds is t in unix seconds, rounded up so TTL never deletes early.
func ttlSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// expired reports whether a record whose TTL is expiresAt reads as missing
// (DynamoDB deletes expired items only eventually, dynalite never).
func (s *Store) expired(expiresAt int64) bool { return expiresAt <= s.now().Unix() }

// freeCondition lets a conditional put replace nothing but a missing or expired record.
const freeCondition = "attribute_not_exists(#PK) OR #expires_at <= :now"

func toIdemItem(rec httpapi.IdempotencyRecord) idemItem {
	return idemItem{
		PK: idemPK(rec.Key), SK: idemSK, Key: rec.Key, RequestHash: rec.RequestHash, Done: rec.Done,
		StatusCode: rec.StatusCode, Body: rec.Body,
		ExpiresAt: ttlSeconds(rec.ExpiresAt), Expires: fmtTime(rec.ExpiresAt),
	}
}

func (it *idemItem) record() (*httpapi.IdempotencyRecord, error) {
	rec := &httpapi.IdempotencyRecord{
		Key: it.Key, RequestHash: it.RequestHash, Done: it.Done, StatusCode: it.StatusCode, Body: it.Body,
	}
	if err := parseTimes(it.Expires, &rec.ExpiresAt); err != nil {
		return nil, fmt.Errorf("idempotency record %s: %w", it.Key, err)
	}
	return rec, nil
}

func validIdem(rec httpapi.IdempotencyRecord) error {
	if rec.Key == "" {
		return invalid("key", "An idempotency record needs a key.")
	}
	if rec.ExpiresAt.IsZero() {
		return invalid("expires_at", "An idempotency record needs an expiry.")
	}
	return nil
}

// Store keeps the console API's idempotency records beside casework.Store.
var _ httpapi.IdempotencyStore = (*Store)(nil)

// ReserveIdempotencyKey stores rec if no unexpired record has its key and
// returns nil; otherwise it returns the record already there.
// Calls: 1 PutItem, plus 1 GetItem when the key is taken (once more of
// each if that record expired in between).
func (s *Store) ReserveIdempotencyKey(ctx context.Context, rec httpapi.IdempotencyRecord) (*httpapi.IdempotencyRecord, error) {
	if err := validIdem(rec); err != nil {
		return nil, fmt.Errorf("dynamo: reserve idempotency key: %w", err)
	}
	av, err := attributevalue.MarshalMap(toIdemItem(rec))
	if err != nil {
		return nil, fmt.Errorf("dynamo: reserve idempotency key %s: %w", rec.Key, err)
	}
	for range 2 {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 s.table,
			Item:                      av,
			ConditionExpression:       aws.String(freeCondition),
			ExpressionAttributeNames:  names(table.PK, table.TTL),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(s.now().Unix())},
		})
		if err == nil {
			return nil, nil
		}
		if !isConditionFailed(err) {
			return nil, fmt.Errorf("dynamo: reserve idempotency key %s: %w", rec.Key, err)
		}
		var it idemItem
		ok, err := s.getItem(ctx, idemPK(rec.Key), idemSK, &it)
		if err != nil {
			return nil, fmt.Errorf("dynamo: reserve idempotency key %s: %w", rec.Key, err)
		}
		if ok && !s.expired(it.ExpiresAt) {
			existing, err := it.record()
			if err != nil {
				return nil, fmt.Errorf("dynamo: reserve idempotency key %s: %w", rec.Key, err)
			}
			return existing, nil
		}
		// Gone or expired since the put: try once more.
	}
	return nil, fmt.Errorf("dynamo: reserve idempotency key %s: %w", rec.Key,
		errors.New("the key changed hands twice while being reserved"))
}

// CompleteIdempotencyKey stores the answer of a reserved key (as done); it
// is EConflict when an unexpired record of a different request holds the
// key. Calls: 1 PutItem.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, rec httpapi.IdempotencyRecord) error {
	if err := validIdem(rec); err != nil {
		return fmt.Errorf("dynamo: complete idempotency key: %w", err)
	}
	rec.Done = true
	av, err := attributevalue.MarshalMap(toIdemItem(rec))
	if err == nil {
		_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                s.table,
			Item:                     av,
			ConditionExpression:      aws.String(freeCondition + " OR #request_hash = :hash"),
			ExpressionAttributeNames: names(table.PK, table.TTL, "request_hash"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": num(s.now().Unix()), ":hash": str(rec.RequestHash),
			},
		})
		if isConditionFailed(err) {
			err = conflict("The idempotency key is in use by a different request.")
		}
	}
	if err != nil {
		return fmt.Errorf("dynamo: complete idempotency key %s: %w", rec.Key, err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a key whose request failed, so it can be
// retried. Calls: 1 DeleteItem.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: s.table, Key: itemKey(idemPK(key), idemSK)})
	if err != nil {
		return fmt.Errorf("dynamo: release idempotency key %s: %w", key, err)
	}
	return nil
}
