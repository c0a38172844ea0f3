package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

func validIdem(rec httpapi.IdempotencyRecord) error {
	if rec.Key == "" {
		return invalid("key", "An idempotency record needs a key.")
	}
	if rec.ExpiresAt.IsZero() {
		return invalid("expires_at", "An idempotency record needs an expiry.")
	}
	return nil
}

// ReserveIdempotencyKey stores rec if no unexpired record has its key and
// returns nil; otherwise it returns the record already there.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, rec httpapi.IdempotencyRecord) (*httpapi.IdempotencyRecord, error) {
	if err := validIdem(rec); err != nil {
		return nil, fmt.Errorf("memstore: reserve idempotency key: %w", err)
	}
	defer s.lock()()
	if old := s.idem[rec.Key]; old != nil && !s.expired(old.ExpiresAt) {
		return copyIdem(old), nil
	}
	s.idem[rec.Key] = copyIdem(&rec)
	return nil, nil
}

// CompleteIdempotencyKey stores the answer of a reserved key (as done); it
// is EConflict when an unexpired record of a different request holds the key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, rec httpapi.IdempotencyRecord) error {
	if err := validIdem(rec); err != nil {
		return fmt.Errorf("memstore: complete idempotency key: %w", err)
	}
	defer s.lock()()
	if old := s.idem[rec.Key]; old != nil && !s.expired(old.ExpiresAt) && old.RequestHash != rec.RequestHash {
		return fmt.Errorf("memstore: complete idempotency key %s: %w", rec.Key, conflict("The idempotency key is in use by a different request."))
	}
	rec.Done = true
	s.idem[rec.Key] = copyIdem(&rec)
	return nil
}

// ReleaseIdempotencyKey forgets a key whose request failed, so it can be retried.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key string) error {
	defer s.lock()()
	delete(s.idem, key)
	return nil
}

// eventRecord is an X event's record: its marks, until expires.
type eventRecord struct {
	mark    casework.EventMark
	expires time.Time
}

// MarkEventProcessed marks the event applied until expiresAt and returns
// its unexpired record as it was before.
func (s *Store) MarkEventProcessed(ctx context.Context, id string, expiresAt time.Time) (casework.EventMark, error) {
	return s.markEvent(id, expiresAt, func(m *casework.EventMark) { m.Processed = true })
}

// MarkEventDeleted marks what the event brought deleted on X until
// expiresAt and returns its unexpired record as it was before.
func (s *Store) MarkEventDeleted(ctx context.Context, id string, expiresAt time.Time) (casework.EventMark, error) {
	return s.markEvent(id, expiresAt, func(m *casework.EventMark) { m.Deleted = true })
}

func (s *Store) markEvent(id string, expiresAt time.Time, set func(*casework.EventMark)) (casework.EventMark, error) {
	if id == "" || expiresAt.IsZero() {
		return casework.EventMark{}, fmt.Errorf("memstore: mark event: %w", invalid("id", "An event record needs an id and an expiry."))
	}
	defer s.lock()()
	before := s.eventRecord(id)
	next := before
	set(&next)
	s.events[id] = eventRecord{mark: next, expires: expiresAt}
	return before, nil
}

// eventRecord is the event's unexpired record; the caller holds the lock.
func (s *Store) eventRecord(id string) casework.EventMark {
	r, ok := s.events[id]
	if !ok || s.expired(r.expires) {
		return casework.EventMark{}
	}
	return r.mark
}

// EventRecord returns the event's unexpired record (zero when none).
func (s *Store) EventRecord(ctx context.Context, id string) (casework.EventMark, error) {
	defer s.lock()()
	return s.eventRecord(id), nil
}

// RecallEvent answers r as EventRecord, MessageByXID and CustomerByXUserID
// do, one after another.
func (s *Store) RecallEvent(ctx context.Context, r casework.Recall) (casework.Recalled, error) {
	if r.EventID == "" {
		return casework.Recalled{}, fmt.Errorf("memstore: recall event: %w", invalid("id", "An event record needs an id."))
	}
	var out casework.Recalled
	out.Event, _ = s.EventRecord(ctx, r.EventID)
	if out.Event.Processed {
		return out, nil
	}
	if r.MessageXID != "" {
		m, err := s.MessageByXID(ctx, r.MessageKind, r.MessageXID)
		if err != nil && casework.ErrorCode(err) != casework.ENotFound {
			return casework.Recalled{}, err
		}
		out.Message = m
	}
	if r.XUserID != "" {
		c, err := s.CustomerByXUserID(ctx, r.XUserID)
		if err != nil && casework.ErrorCode(err) != casework.ENotFound {
			return casework.Recalled{}, err
		}
		out.Customer = c
		_, err = s.CustomerByFormerXUserID(ctx, r.XUserID)
		if err != nil && casework.ErrorCode(err) != casework.ENotFound {
			return casework.Recalled{}, err
		}
		out.MayBeFormer = err == nil
	}
	return out, nil
}

// PutWork records work as accepted, replacing earlier work with its key.
func (s *Store) PutWork(ctx context.Context, w casework.Work) error {
	cmd, err := copyCommand(w.Command)
	if err != nil {
		return fmt.Errorf("memstore: put work %s: %w", w.Command.WorkKey(), err)
	}
	w.Command = cmd
	w = copyWork(&w)
	defer s.lock()()
	s.work[cmd.WorkKey()] = &w
	return nil
}

// NoteRetry records a retry of the work's command: when it comes back, and
// a fault counted or the start of a run of rate limits. It records the work
// when there is none; when another command carries it, it fails with EConflict.
func (s *Store) NoteRetry(ctx context.Context, cmd casework.Command, due time.Time, fault bool, now time.Time) (casework.Work, error) {
	key := cmd.WorkKey()
	cp, err := copyCommand(cmd)
	if err != nil {
		return casework.Work{}, fmt.Errorf("memstore: note retry of %s: %w", key, err)
	}
	defer s.lock()()
	w := s.work[key]
	switch {
	case w == nil:
		w = &casework.Work{Command: cp}
		s.work[key] = w
	case w.Command.ID != cmd.ID:
		return casework.Work{}, fmt.Errorf("memstore: note retry of %s: %w", key, conflict("Another command carries the work %s now.", key))
	}
	w.DueAt = utc(due)
	if fault {
		w.Faults++
	} else if w.RateLimitedSince.IsZero() {
		w.RateLimitedSince = utc(now)
	}
	return copyWork(w), nil
}

// ResolveWork forgets the work of cmd unless another command carries it.
func (s *Store) ResolveWork(ctx context.Context, cmd casework.Command) error {
	defer s.lock()()
	if w := s.work[cmd.WorkKey()]; w != nil && w.Command.ID == cmd.ID {
		delete(s.work, cmd.WorkKey())
	}
	return nil
}

// StaleWork lists the work due before t, oldest first (by key among equals).
func (s *Store) StaleWork(ctx context.Context, before time.Time) ([]casework.Work, error) {
	defer s.lock()()
	keys := make([]string, 0, len(s.work))
	for k := range s.work {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := []casework.Work{}
	for _, k := range keys {
		if w := s.work[k]; w.DueAt.Before(before) {
			out = append(out, copyWork(w))
		}
	}
	slices.SortStableFunc(out, func(a, b casework.Work) int { return cmp.Compare(a.DueAt.UnixNano(), b.DueAt.UnixNano()) })
	return out, nil
}

// RequeueWork hands the work to the command next if prev still carries it:
// one more requeue, due at due, faults and rate limits counted afresh.
func (s *Store) RequeueWork(ctx context.Context, prev string, next casework.Command, due time.Time) error {
	key := next.WorkKey()
	cp, err := copyCommand(next)
	if err != nil {
		return fmt.Errorf("memstore: requeue work %s: %w", key, err)
	}
	defer s.lock()()
	w := s.work[key]
	if w == nil || w.Command.ID != prev {
		return fmt.Errorf("memstore: requeue work %s: %w", key, conflict("The work %s was resolved or taken over meanwhile.", key))
	}
	*w = casework.Work{Command: cp, DueAt: utc(due), Requeues: w.Requeues + 1}
	return nil
}
