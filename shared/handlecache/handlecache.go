// Package handlecache keeps a deployment's brand handles in memory for a
// few seconds in front of a casework.Store. Brand handles are read by every
// console request that acts on X and by every inbound event, and change
// rarely (registration, reconnection, revocation, subscriptions): one
// ListHandles query per TTL serves them all.
//
// Staleness is bounded and one-sided: a change made through this Store is
// seen at once (it drops its copy on every handle write, and on a write
// conflict, so a read-modify-write retry reads the store), a change made
// by another instance within TTL. What a stale copy can let through is
// caught later: the outbound worker reads the handle from the store before
// it calls X, so a reply queued by a handle disconnected elsewhere a moment
// ago ends failed with handle_disconnected, never sent.
//
// Concurrent misses share one ListHandles (issue 21 item 13: ten events
// at once on an empty cache ran the same query ten times): the first
// caller loads, the others wait for its answer.
package handlecache

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// DefaultTTL is how long a copy of the brand handles is used.
const DefaultTTL = 15 * time.Second

// Store is a casework.Store whose brand-handle reads (GetHandle, ListHandles,
// HandleByXUserID) are served from a copy at most TTL old; every other
// method is the wrapped store's. It is safe for concurrent use.
type Store struct {
	casework.Store
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	handles []casework.BrandHandle // nil: no copy
	at      time.Time
	// loading is the ListHandles in flight, which callers that miss the
	// copy meanwhile wait for; nil when none.
	loading *flight
	// gen counts writes: a load that began before one does not keep its
	// answer as the copy.
	gen uint64
	// joined counts callers that waited for another's load (tests).
	joined int
}

// flight is one ListHandles of the wrapped store that several callers wait for.
type flight struct {
	done chan struct{}
	hs   []casework.BrandHandle
	err  error
}

// New wraps store; ttl <= 0 means DefaultTTL. now is the clock (nil means
// time.Now).
func New(store casework.Store, ttl time.Duration, now func() time.Time) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Store{Store: store, ttl: ttl, now: now}
}

// copyOf returns the brand handles, from the copy when it is fresh, else
// from one ListHandles of the wrapped store, shared with every caller that
// misses while it is in flight. A caller whose own context is live does
// not take another caller's cancellation for an answer: it loads again.
func (s *Store) copyOf(ctx context.Context) ([]casework.BrandHandle, error) {
	for {
		s.mu.Lock()
		if s.handles != nil && s.now().Sub(s.at) < s.ttl {
			hs := s.handles
			s.mu.Unlock()
			return hs, nil
		}
		f := s.loading
		if f == nil {
			f = &flight{done: make(chan struct{})}
			s.loading = f
			gen := s.gen
			s.mu.Unlock()
			s.load(ctx, f, gen)
		} else {
			s.joined++
			s.mu.Unlock()
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err != nil && ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
			continue // the loading caller gave up; this one has not
		}
		return f.hs, f.err
	}
}

// load runs f's ListHandles and keeps its answer as the copy unless a
// write happened since the load began (gen).
func (s *Store) load(ctx context.Context, f *flight, gen uint64) {
	at := s.now()
	hs, err := s.Store.ListHandles(ctx)
	if err == nil && hs == nil {
		hs = []casework.BrandHandle{}
	}
	s.mu.Lock()
	if err == nil && s.gen == gen && (s.handles == nil || at.After(s.at)) {
		s.handles, s.at = hs, at
	}
	if s.loading == f {
		s.loading = nil
	}
	f.hs, f.err = hs, err
	s.mu.Unlock()
	close(f.done)
}

// forget drops the copy, and the load in flight (begun before the write
// that called it) for later callers.
func (s *Store) forget() {
	s.mu.Lock()
	s.handles, s.loading = nil, nil
	s.gen++
	s.mu.Unlock()
}

// ListHandles returns every brand handle, by screen name, as the wrapped
// store does; the slice is the caller's.
func (s *Store) ListHandles(ctx context.Context) ([]casework.BrandHandle, error) {
	hs, err := s.copyOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]casework.BrandHandle, len(hs))
	for i, h := range hs {
		out[i] = *cloneHandle(h)
	}
	return out, nil
}

// GetHandle returns the brand handle with the id. One the copy does not
// hold (registered elsewhere meanwhile) is read from the wrapped store,
// whose ENotFound is the answer when it has none.
func (s *Store) GetHandle(ctx context.Context, id string) (*casework.BrandHandle, error) {
	hs, err := s.copyOf(ctx)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if h.ID == id {
			return cloneHandle(h), nil
		}
	}
	return s.Store.GetHandle(ctx, id)
}

// HandleByXUserID returns the brand handle of an X account, as GetHandle.
func (s *Store) HandleByXUserID(ctx context.Context, xUserID string) (*casework.BrandHandle, error) {
	hs, err := s.copyOf(ctx)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if h.XUserID == xUserID {
			return cloneHandle(h), nil
		}
	}
	return s.Store.HandleByXUserID(ctx, xUserID)
}

// PutHandle writes through to the wrapped store and drops the copy
// (also when the write fails: a conflict means the copy is behind).
func (s *Store) PutHandle(ctx context.Context, h *casework.BrandHandle) error {
	defer s.forget()
	return s.Store.PutHandle(ctx, h)
}

// DeleteHandle deletes through the wrapped store and drops the copy.
func (s *Store) DeleteHandle(ctx context.Context, id string, version int64) error {
	defer s.forget()
	return s.Store.DeleteHandle(ctx, id, version)
}

// cloneHandle copies a brand handle deep enough that the caller may change
// it (its subscriptions state) without changing the copy.
func cloneHandle(h casework.BrandHandle) *casework.BrandHandle {
	if h.Subscriptions != nil {
		sub := *h.Subscriptions
		sub.EventTypes = slices.Clone(sub.EventTypes)
		h.Subscriptions = &sub
	}
	return &h
}
