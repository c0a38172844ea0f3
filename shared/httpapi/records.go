package httpapi

import (
	"context"
	"time"
)

// IdempotencyRecord remembers the answer to a request sent with an
// Idempotency-Key, until it expires.
type IdempotencyRecord struct {
	// Key is the scope (agent and route) and the client's key, joined.
	Key string
	// RequestHash tells a replay from a different request under the same key.
	RequestHash string
	// Done is false while the first request is still being answered.
	Done       bool
	StatusCode int
	Body       []byte
	ExpiresAt  time.Time
}

// IdempotencyStore keeps idempotency records; an expired record reads as
// missing. The DynamoDB adapter (shared/dynamo) implements it beside
// casework.Store: the records are the HTTP layer's, not the domain's.
type IdempotencyStore interface {
	// ReserveIdempotencyKey stores rec if no unexpired record has its key
	// and returns nil; otherwise it returns the record already there.
	ReserveIdempotencyKey(ctx context.Context, rec IdempotencyRecord) (*IdempotencyRecord, error)
	// CompleteIdempotencyKey stores the answer of a reserved key.
	CompleteIdempotencyKey(ctx context.Context, rec IdempotencyRecord) error
	// ReleaseIdempotencyKey forgets a key whose request failed, so it can be retried.
	ReleaseIdempotencyKey(ctx context.Context, key string) error
}
