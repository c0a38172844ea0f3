package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/acme/twitter-cases/shared/casework"
)

// PutHandle creates or updates a brand handle on its version; an X user id
// another brand handle holds is an EConflict.
func (s *Store) PutHandle(ctx context.Context, h *casework.BrandHandle) error {
	if h == nil || h.ID == "" {
		return fmt.Errorf("memstore: put brand handle: %w", invalid("id", "A brand handle needs an id."))
	}
	defer s.lock()()
	for id, other := range s.handles {
		if id != h.ID && h.XUserID != "" && other.XUserID == h.XUserID {
			return fmt.Errorf("memstore: put brand handle %s: %w", h.ID, conflict("The X user id %s belongs to another brand handle.", h.XUserID))
		}
	}
	old, ok := s.handles[h.ID]
	var stored int64
	if ok {
		stored = old.Version
	}
	if err := checkVersion(ok, stored, h.Version, "brand handle"); err != nil {
		return fmt.Errorf("memstore: put brand handle %s: %w", h.ID, err)
	}
	h.Version++
	s.handles[h.ID] = copyHandle(h)
	return nil
}

// GetHandle reads a brand handle.
func (s *Store) GetHandle(ctx context.Context, id string) (*casework.BrandHandle, error) {
	defer s.lock()()
	h, ok := s.handles[id]
	if !ok {
		return nil, fmt.Errorf("memstore: get brand handle %s: %w", id, notFound("No brand handle has the id %s.", id))
	}
	return copyHandle(h), nil
}

// ListHandles returns every brand handle, by screen name (case-insensitively), then id.
func (s *Store) ListHandles(ctx context.Context) ([]casework.BrandHandle, error) {
	defer s.lock()()
	out := make([]casework.BrandHandle, 0, len(s.handles))
	for _, h := range s.handles {
		out = append(out, *copyHandle(h))
	}
	slices.SortFunc(out, func(a, b casework.BrandHandle) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.ScreenName), strings.ToLower(b.ScreenName)), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// HandleByXUserID finds the brand handle with this X user id.
func (s *Store) HandleByXUserID(ctx context.Context, xUserID string) (*casework.BrandHandle, error) {
	defer s.lock()()
	for _, h := range s.handles {
		if xUserID != "" && h.XUserID == xUserID {
			return copyHandle(h), nil
		}
	}
	return nil, fmt.Errorf("memstore: brand handle by X user id %s: %w", xUserID, notFound("No brand handle has the X user id %s.", xUserID))
}

// DeleteHandle removes a brand handle still at version; a changed or
// missing one is an EConflict.
func (s *Store) DeleteHandle(ctx context.Context, id string, version int64) error {
	defer s.lock()()
	h, ok := s.handles[id]
	if !ok || h.Version != version {
		return fmt.Errorf("memstore: delete brand handle %s: %w", id, conflict("The brand handle %s changed or is gone.", id))
	}
	delete(s.handles, id)
	return nil
}
