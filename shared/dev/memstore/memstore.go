// Package memstore is an in-memory casework.Store for the domain's tests and
// local tools: no server, no network, every call a few map operations.
//
// It keeps the contract of the DynamoDB adapter (package dynamo), not
// merely the interface: the same optimistic versioning and EConflict on a
// lost race or a value another record holds, the same ENotFound and
// EValidation cases, the same list orders, page sizes and cursor rules
// (opaque, and refused with EValidation on another list), the same expiry
// of idempotency and event records (whole seconds, rounded up, as the
// table's TTL attribute keeps them), and the same round trip of values (UTC
// times, empty lists as nil). The store test suite (package storetest)
// runs against both and fails where they differ.
//
// Every method copies what it takes and what it returns, so callers never
// share memory with the store. It is safe for concurrent use.
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// Store keeps everything the product keeps, in memory.
type Store struct {
	now func() time.Time

	mu        sync.Mutex
	customers map[string]*casework.Customer
	handles   map[string]*casework.BrandHandle
	cases     map[string]*casework.Case
	dmCases   map[pair]string // customer and brand handle → case id
	messages  map[string]map[string]*storedMessage
	follows   map[pair]*casework.FollowState
	idem      map[string]*httpapi.IdempotencyRecord
	events    map[string]eventRecord // by event id
	work      map[string]*casework.Work
	chatKeys  map[chatConv]map[string]*casework.ChatKey // by key version
	chatWaits map[chatWaitKey]casework.ChatWait         // made on first use (chatwaits.go)
	spend     *spendLedger                              // made on first use (spend.go)
	xPause    time.Time                                 // the end of the pause of calls to X
}

var _ casework.Store = (*Store)(nil)

// pair is a customer id and a brand handle id.
type pair struct{ customerID, handleID string }

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock the store judges expiry by and stamps pending
// follow requests with (tests move time with it).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		now:       time.Now,
		customers: map[string]*casework.Customer{},
		handles:   map[string]*casework.BrandHandle{},
		cases:     map[string]*casework.Case{},
		dmCases:   map[pair]string{},
		messages:  map[string]map[string]*storedMessage{},
		follows:   map[pair]*casework.FollowState{},
		idem:      map[string]*httpapi.IdempotencyRecord{},
		events:    map[string]eventRecord{},
		work:      map[string]*casework.Work{},
		chatKeys:  map[chatConv]map[string]*casework.ChatKey{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping answers nil unless ctx is done: memory always answers.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

// lock takes the store's lock and returns its release.
func (s *Store) lock() func() {
	s.mu.Lock()
	return s.mu.Unlock
}
