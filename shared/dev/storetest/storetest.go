// Package storetest is the one test suite of casework.Store: every access
// pattern of the interface, its conditional writes and their errors, pages
// and cursors, and the expiry of event records; RunIdempotency is the same
// for the httpapi.IdempotencyStore the adapters keep beside it. Each store
// (the DynamoDB adapter on dynalite, the in-memory store) runs it from its
// own tests, so where one behaves differently from the other in anything
// the domain relies on, one of them fails.
//
// It is imported by tests only.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

// Opener returns a new, empty store for one test, judging time by now.
type Opener func(t *testing.T, now func() time.Time) casework.Store

// tests are the suite's tests, by name.
var tests = []struct {
	name string
	run  func(t *testing.T, f *fixture)
}{
	{"Ping", testPing},
	{"NotFound", testNotFound},
	{"CustomerPutGet", testCustomerPutGet},
	{"CustomerSearch", testCustomerSearch},
	{"CustomerChangedLookups", testCustomerChangedLookupsAreRemoved},
	{"CustomerNamePrefixPages", testCustomerNamePrefixPages},
	{"CustomerXUserIDIsUnique", testCustomerXUserIDIsUnique},
	{"CustomerByHandle", testCustomerByHandle},
	{"CustomerByFormerXUserID", testCustomerByFormerXUserID},
	{"CustomerConcurrentClaims", testCustomerConcurrentClaims},
	{"CustomerLostWriteReleasesClaims", testCustomerLostWriteReleasesClaims},
	{"BrandHandles", testBrandHandles},
	{"DeletedHandleFreesItsXUserID", testDeletedHandleFreesItsXUserID},
	{"CasePutGet", testCasePutGet},
	{"CaseCustomerTweet", testCaseCustomerTweet},
	{"CaseConcurrentReadModifyWrite", testCaseConcurrentReadModifyWrite},
	{"NoteCaseActivity", testNoteCaseActivity},
	{"CasesOfCustomer", testCasesOfCustomer},
	{"CasesByStatus", testCasesByStatus},
	{"RecentCases", testRecentCases},
	{"DMCasePointer", testDMCasePointer},
	{"DeleteCaseOnlyWhenUnchanged", testDeleteCaseOnlyWhenUnchanged},
	{"UpdateCaseLosesNoUpdate", testUpdateCaseLosesNoUpdate},
	{"MessagesOfCasePages", testMessagesOfCasePages},
	{"MessagePutGet", testMessagePutGet},
	{"RetweetsAndFavorites", testRetweetsAndFavorites},
	{"ConcurrentRetweets", testConcurrentRetweets},
	{"RecentMessagesOfCaseNewestFirst", testRecentMessagesOfCaseNewestFirst},
	{"RetweetLog", testRetweetLog},
	{"FollowEventsInAnyOrder", testFollowEventsInAnyOrder},
	{"FollowPendingAndList", testFollowPendingAndList},
	{"CustomerWroteByDM", testCustomerWroteByDM},
	{"CustomerFollows", testCustomerFollows},
	{"ExpiryInWholeSeconds", testExpiryInWholeSeconds},
	{"EventRecords", testEventRecords},
	{"RecallEvent", testRecallEvent},
	{"WorkLifecycle", testWorkLifecycle},
	{"QueuedMessageWork", testQueuedMessageWork},
	{"QueuedRetweetWork", testQueuedRetweetWork},
	{"QueuedFollowWork", testQueuedFollowWork},
	{"MessageChatPayload", testMessageChatPayload},
	{"ChatKeys", testChatKeys},
	{"ChatWaits", testChatWaits},
	{"DMReach", testDMReach},
}

// Run runs the whole suite, each test in parallel on a store of its own.
func Run(t *testing.T, open Opener) {
	runAll(t, tests, func(t *testing.T, c *Clock) *fixture {
		return &fixture{ctx: context.Background(), store: open(t, c.Now), clock: c}
	})
}

// runAll runs each named test in parallel, on a fixture of its own made
// with a clock of its own.
func runAll[F any](t *testing.T, tests []struct {
	name string
	run  func(t *testing.T, f F)
}, fixture func(t *testing.T, c *Clock) F) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, fixture(t, NewClock()))
		})
	}
}

// IdempotencyOpener returns a new, empty idempotency record store for one
// test, judging time by now.
type IdempotencyOpener func(t *testing.T, now func() time.Time) httpapi.IdempotencyStore

// idempotencyTests are the suite's tests of httpapi.IdempotencyStore.
var idempotencyTests = []struct {
	name string
	run  func(t *testing.T, f *idemFixture)
}{
	{"IdempotencyKeys", testIdempotencyKeys},
	{"IdempotencyExpiryInWholeSeconds", testIdempotencyExpiryInWholeSeconds},
}

// RunIdempotency runs the suite's tests of the idempotency records (kept
// beside casework.Store by the same adapters), each in parallel on a store
// of its own.
func RunIdempotency(t *testing.T, open IdempotencyOpener) {
	runAll(t, idempotencyTests, func(t *testing.T, c *Clock) *idemFixture {
		return &idemFixture{ctx: context.Background(), store: open(t, c.Now), clock: c}
	})
}

// idemFixture is one idempotency test's store and clock.
type idemFixture struct {
	ctx   context.Context
	store httpapi.IdempotencyStore
	clock *Clock
}

// fixture is one test's store and the clock it judges expiry by.
type fixture struct {
	ctx   context.Context
	store casework.Store
	clock *Clock
}

// Clock is a settable clock for a store's tests; it starts at 2025-03-01
// 12:00 UTC and moves only when told. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at 2025-03-01 12:00 UTC.
func NewClock() *Clock { return &Clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// WantCode fails the test unless err carries the application error code
// (and, for a code other than "" and internal, is a *casework.Error).
func WantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := casework.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if code != "" && code != casework.EInternal {
		var e *casework.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not a *casework.Error", err)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// base is the time test records are created around.
var base = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// idAt returns the ULID of time base+i milliseconds, the same for the same
// i (ids made with rising i sort in that order).
func idAt(i int) string {
	return casework.DerivedID(base.Add(time.Duration(i)*time.Millisecond), fmt.Sprint(i))
}

func testPing(t *testing.T, f *fixture) {
	must(t, f.store.Ping(f.ctx))
}
