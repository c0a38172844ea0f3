package memstore_test

import (
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
	"github.com/acme/twitter-cases/shared/dev/storetest"
)

// TestStore runs the store suite the DynamoDB adapter also passes.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) casework.Store {
		return memstore.New(memstore.WithClock(now))
	})
}
