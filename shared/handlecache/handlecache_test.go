package handlecache_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
	"github.com/acme/twitter-cases/shared/dev/storetest"
	"github.com/acme/twitter-cases/shared/handlecache"
)

// TestStore: with the cache in front (and a TTL longer than any test), the
// store still passes the suite every store passes, so nothing written
// through it is ever read back stale.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) casework.Store {
		return handlecache.New(memstore.New(memstore.WithClock(now)), time.Hour, now)
	})
}

// counting counts the brand-handle reads that reach the store.
type counting struct {
	casework.Store
	lists, gets, byX atomic.Int64
}

func (c *counting) ListHandles(ctx context.Context) ([]casework.BrandHandle, error) {
	c.lists.Add(1)
	return c.Store.ListHandles(ctx)
}

func (c *counting) GetHandle(ctx context.Context, id string) (*casework.BrandHandle, error) {
	c.gets.Add(1)
	return c.Store.GetHandle(ctx, id)
}

func (c *counting) HandleByXUserID(ctx context.Context, id string) (*casework.BrandHandle, error) {
	c.byX.Add(1)
	return c.Store.HandleByXUserID(ctx, id)
}

func TestReadsWithinTTLShareOneQuery(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	inner := &counting{Store: memstore.New(memstore.WithClock(clock))}
	a := &casework.BrandHandle{ID: "01JDTESTHANDLE000000000001", ScreenName: "AcmeSupport", XUserID: "1001", CredentialsSecret: "s/a",
		Status: casework.HandleConnected, Subscriptions: &casework.Subscriptions{Status: casework.SubsActive, EventTypes: []string{"dm.received"}}}
	if err := inner.PutHandle(ctx, a); err != nil {
		t.Fatal(err)
	}
	cache := handlecache.New(inner, 10*time.Second, clock)

	for range 5 {
		if h, err := cache.GetHandle(ctx, a.ID); err != nil || h.ScreenName != "AcmeSupport" {
			t.Fatalf("GetHandle = %+v, %v", h, err)
		}
		if h, err := cache.HandleByXUserID(ctx, "1001"); err != nil || h.ID != a.ID {
			t.Fatalf("HandleByXUserID = %+v, %v", h, err)
		}
		if hs, err := cache.ListHandles(ctx); err != nil || len(hs) != 1 {
			t.Fatalf("ListHandles = %+v, %v", hs, err)
		}
	}
	if l, g, x := inner.lists.Load(), inner.gets.Load(), inner.byX.Load(); l != 1 || g != 0 || x != 0 {
		t.Errorf("15 reads within the TTL reached the store as %d lists, %d gets, %d by X id; want 1, 0, 0", l, g, x)
	}

	// What a caller changes on its copy is not the cache's.
	h, _ := cache.GetHandle(ctx, a.ID)
	h.Status, h.Subscriptions.EventTypes[0] = casework.HandleDisconnected, "changed"
	if again, _ := cache.GetHandle(ctx, a.ID); again.Status != casework.HandleConnected || again.Subscriptions.EventTypes[0] != "dm.received" {
		t.Errorf("a caller's change reached the cache: %+v", again)
	}

	// A handle registered by another instance: unknown ids and X ids fall
	// through to the store at once; a change to a known one shows after
	// the TTL.
	b := &casework.BrandHandle{ID: "01JDTESTHANDLE000000000002", ScreenName: "AcmeDeals", XUserID: "1002", CredentialsSecret: "s/b", Status: casework.HandleConnected}
	if err := inner.PutHandle(ctx, b); err != nil {
		t.Fatal(err)
	}
	if h, err := cache.GetHandle(ctx, b.ID); err != nil || h.ScreenName != "AcmeDeals" {
		t.Errorf("a handle registered elsewhere: %+v, %v", h, err)
	}
	if h, err := cache.HandleByXUserID(ctx, "1002"); err != nil || h.ID != b.ID {
		t.Errorf("a handle registered elsewhere, by X id: %+v, %v", h, err)
	}
	if _, err := cache.GetHandle(ctx, "01JDTESTHANDLE000000000009"); casework.ErrorCode(err) != casework.ENotFound {
		t.Errorf("an unknown handle: %v, want not_found", err)
	}
	stored, _ := inner.GetHandle(ctx, a.ID)
	stored.Status = casework.HandleDisconnected
	if err := inner.PutHandle(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if h, _ := cache.GetHandle(ctx, a.ID); h.Status != casework.HandleConnected {
		t.Errorf("within the TTL the copy is used: %s", h.Status)
	}
	now = now.Add(10 * time.Second)
	if h, _ := cache.GetHandle(ctx, a.ID); h.Status != casework.HandleDisconnected {
		t.Errorf("after the TTL a change made elsewhere shows: %s", h.Status)
	}

	// A write through the cache is seen at once, and so is a write that
	// lost a race (the copy is dropped, so the retry reads the store).
	lists := inner.lists.Load()
	h, _ = cache.GetHandle(ctx, a.ID)
	h.Status = casework.HandleConnected
	if err := cache.PutHandle(ctx, h); err != nil {
		t.Fatal(err)
	}
	if h, _ := cache.GetHandle(ctx, a.ID); h.Status != casework.HandleConnected {
		t.Errorf("a write through the cache is not seen: %s", h.Status)
	}
	stale, _ := cache.GetHandle(ctx, b.ID)
	fresh, _ := inner.GetHandle(ctx, b.ID)
	fresh.ScreenName = "AcmeOffers"
	if err := inner.PutHandle(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if err := cache.PutHandle(ctx, stale); casework.ErrorCode(err) != casework.EConflict {
		t.Fatalf("a write from a stale copy: %v, want conflict", err)
	}
	if h, _ := cache.GetHandle(ctx, b.ID); h.ScreenName != "AcmeOffers" {
		t.Errorf("after a lost race the cache still says @%s", h.ScreenName)
	}
	if got := inner.lists.Load() - lists; got != 2 {
		t.Errorf("%d lists after the writes, want 2 (after the write, after the lost race)", got)
	}
}

// blocking is a store whose ListHandles waits for release (or its caller's
// context), as a slow query on a cold instance would.
type blocking struct {
	casework.Store
	lists   atomic.Int64
	release chan struct{}
}

func (b *blocking) ListHandles(ctx context.Context) ([]casework.BrandHandle, error) {
	b.lists.Add(1)
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return b.Store.ListHandles(ctx)
}

func newBlocking(t *testing.T) (*blocking, *handlecache.Store) {
	t.Helper()
	inner := &blocking{Store: memstore.New(), release: make(chan struct{})}
	h := &casework.BrandHandle{ID: "01JDTESTHANDLE000000000001", ScreenName: "AcmeSupport", XUserID: "1001", CredentialsSecret: "s/a", Status: casework.HandleConnected}
	if err := inner.Store.PutHandle(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	return inner, handlecache.New(inner, time.Hour, nil)
}

// waitUntil waits for cond, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Issue 21 item 13: ten events at once on an empty cache (a fresh
// instance) share one ListHandles instead of running it ten times.
func TestConcurrentMissesShareOneQuery(t *testing.T) {
	inner, cache := newBlocking(t)
	const n = 10
	errs := make(chan error, n)
	for range n {
		go func() {
			h, err := cache.HandleByXUserID(context.Background(), "1001")
			if err == nil && h.ScreenName != "AcmeSupport" {
				err = fmt.Errorf("got %+v", h)
			}
			errs <- err
		}()
	}
	// Every caller has either started a query or joined one.
	waitUntil(t, "every caller reached the store or joined a load", func() bool {
		return int(inner.lists.Load())+handlecache.Joined(cache) == n
	})
	close(inner.release)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := inner.lists.Load(); got != 1 {
		t.Errorf("%d concurrent misses ran ListHandles %d times, want once", n, got)
	}
}

// A caller that gives up does not fail the callers waiting for its load.
func TestWaitersOutliveTheLoaderGivingUp(t *testing.T) {
	inner, cache := newBlocking(t)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := cache.ListHandles(ctx)
		first <- err
	}()
	waitUntil(t, "the first caller is loading", func() bool { return inner.lists.Load() == 1 })
	second := make(chan error, 1)
	go func() {
		hs, err := cache.ListHandles(context.Background())
		if err == nil && len(hs) != 1 {
			err = fmt.Errorf("got %+v", hs)
		}
		second <- err
	}()
	waitUntil(t, "the second caller waits for the first's load", func() bool { return handlecache.Joined(cache) == 1 })
	cancel()
	close(inner.release)
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that gave up got %v, want context.Canceled", err)
	}
	if err := <-second; err != nil {
		t.Errorf("the waiting caller got %v, want the handles", err)
	}
}
