package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

var _ casework.SpendStore = (*Store)(nil)

// spendKey is one month's total of a handle and kind.
type spendKey struct {
	month, handleID string
	kind            casework.PriceKind
}

// spendLedger is the spend the store keeps, made on first use.
type spendLedger struct {
	recorded map[string]bool // spend ids
	totals   map[spendKey]*casework.SpendTotal
}

// RecordSpend adds the call to its month once per id.
func (s *Store) RecordSpend(ctx context.Context, sp casework.Spend) (bool, error) {
	if sp.ID == "" || sp.HandleID == "" || sp.Price.Kind == "" || sp.At.IsZero() {
		return false, invalid("spend", "A spend needs its id, brand handle, price and time.")
	}
	defer s.lock()()
	if s.spend == nil {
		s.spend = &spendLedger{recorded: map[string]bool{}, totals: map[spendKey]*casework.SpendTotal{}}
	}
	if s.spend.recorded[sp.ID] {
		return false, nil
	}
	s.spend.recorded[sp.ID] = true
	k := spendKey{casework.Month(sp.At), sp.HandleID, sp.Price.Kind}
	t := s.spend.totals[k]
	if t == nil {
		t = &casework.SpendTotal{Month: k.month, HandleID: k.handleID, Kind: k.kind}
		s.spend.totals[k] = t
	}
	t.Calls++
	t.Amount += sp.Price.Amount
	return true, nil
}

// MonthSpend returns the month's totals, by handle and kind.
func (s *Store) MonthSpend(ctx context.Context, month string) ([]casework.SpendTotal, error) {
	defer s.lock()()
	var out []casework.SpendTotal
	if s.spend != nil {
		for k, t := range s.spend.totals {
			if k.month == month {
				out = append(out, *t)
			}
		}
	}
	slices.SortFunc(out, func(a, b casework.SpendTotal) int {
		return strings.Compare(a.HandleID+"#"+string(a.Kind), b.HandleID+"#"+string(b.Kind))
	})
	return out, nil
}

// HandleMonthSpend returns one handle's total of the month.
func (s *Store) HandleMonthSpend(ctx context.Context, handleID, month string) (casework.Micros, error) {
	totals, err := s.MonthSpend(ctx, month)
	var sum casework.Micros
	for _, t := range totals {
		if t.HandleID == handleID && !t.Kind.Inbound() {
			sum += t.Amount
		}
	}
	return sum, err
}

var _ casework.XPauseStore = (*Store)(nil)

// PauseX stops calls to X until until; a later pause wins.
func (s *Store) PauseX(ctx context.Context, until time.Time) error {
	defer s.lock()()
	if until.After(s.xPause) {
		s.xPause = until.UTC()
	}
	return nil
}

// XPausedUntil is the end of the pause (zero: none).
func (s *Store) XPausedUntil(ctx context.Context) (time.Time, error) {
	defer s.lock()()
	return s.xPause, nil
}

// AddSpend adds a call to its handle's month with no record of its own.
func (s *Store) AddSpend(ctx context.Context, handleID string, at time.Time, price casework.Price) error {
	defer s.lock()()
	if s.spend == nil {
		s.spend = &spendLedger{recorded: map[string]bool{}, totals: map[spendKey]*casework.SpendTotal{}}
	}
	k := spendKey{casework.Month(at), handleID, price.Kind}
	t := s.spend.totals[k]
	if t == nil {
		t = &casework.SpendTotal{Month: k.month, HandleID: handleID, Kind: price.Kind}
		s.spend.totals[k] = t
	}
	t.Calls++
	t.Amount += price.Amount
	return nil
}
