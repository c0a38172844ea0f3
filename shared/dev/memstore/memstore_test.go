package memstore_test

import (
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
	"github.com/acme/twitter-cases/shared/dev/storetest"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// TestStore runs the store suite (and its idempotency records' part) the
// DynamoDB adapter also passes.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) casework.Store {
		return memstore.New(memstore.WithClock(now))
	})
	storetest.RunIdempotency(t, func(t *testing.T, now func() time.Time) httpapi.IdempotencyStore {
		return memstore.New(memstore.WithClock(now))
	})
}
