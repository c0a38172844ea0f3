package dynamo_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/support"
)

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	expires := f.clock.Now().Add(24 * time.Hour)
	rec := support.IdempotencyRecord{Key: "agent|POST /v1/cases|k1", RequestHash: "h1", ExpiresAt: expires}

	existing, err := s.ReserveIdempotencyKey(f.ctx, rec)
	must(t, err)
	if existing != nil {
		t.Fatalf("first reservation found %+v", existing)
	}
	// A repeat while the first is still being answered sees it in flight.
	existing, err = s.ReserveIdempotencyKey(f.ctx, rec)
	must(t, err)
	if existing == nil || existing.Done || existing.RequestHash != "h1" || !existing.ExpiresAt.Equal(expires) {
		t.Fatalf("in flight: %+v", existing)
	}

	// Completed, a repeat replays the answer.
	body := []byte{'{', 0, 0xff, '}'}
	rec.StatusCode, rec.Body = 201, body
	must(t, s.CompleteIdempotencyKey(f.ctx, rec))
	existing, err = s.ReserveIdempotencyKey(f.ctx, support.IdempotencyRecord{Key: rec.Key, RequestHash: "h2", ExpiresAt: expires})
	must(t, err)
	if existing == nil || !existing.Done || existing.StatusCode != 201 || !bytes.Equal(existing.Body, body) || existing.RequestHash != "h1" {
		t.Fatalf("replay: %+v", existing)
	}
	// Another request cannot complete the key while it is held.
	wantCode(t, s.CompleteIdempotencyKey(f.ctx, support.IdempotencyRecord{Key: rec.Key, RequestHash: "h2", ExpiresAt: expires}), support.EConflict)

	// Released, the key is free again.
	must(t, s.ReleaseIdempotencyKey(f.ctx, rec.Key))
	existing, err = s.ReserveIdempotencyKey(f.ctx, rec)
	must(t, err)
	if existing != nil {
		t.Fatalf("after release found %+v", existing)
	}
	must(t, s.ReleaseIdempotencyKey(f.ctx, "never-reserved"))

	// Expired, the record reads as missing and the key can be reserved again.
	f.clock.Advance(24*time.Hour + time.Second)
	rec2 := support.IdempotencyRecord{Key: rec.Key, RequestHash: "h3", ExpiresAt: f.clock.Now().Add(time.Hour)}
	existing, err = s.ReserveIdempotencyKey(f.ctx, rec2)
	must(t, err)
	if existing != nil {
		t.Fatalf("an expired record was returned: %+v", existing)
	}
	existing, err = s.ReserveIdempotencyKey(f.ctx, rec)
	must(t, err)
	if existing == nil || existing.RequestHash != "h3" {
		t.Fatalf("new reservation: %+v", existing)
	}

	_, err = s.ReserveIdempotencyKey(f.ctx, support.IdempotencyRecord{Key: "k"})
	wantCode(t, err, support.EValidation)
}

func TestProcessedEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	expires := f.clock.Now().Add(time.Hour)

	done, err := s.EventProcessed(f.ctx, "ev1")
	must(t, err)
	if done {
		t.Fatal("an unknown event is processed")
	}
	first, err := s.MarkEventProcessed(f.ctx, "ev1", expires)
	must(t, err)
	again, err := s.MarkEventProcessed(f.ctx, "ev1", expires)
	must(t, err)
	if !first || again {
		t.Fatalf("first %v, again %v; want true, false", first, again)
	}
	done, err = s.EventProcessed(f.ctx, "ev1")
	must(t, err)
	if !done {
		t.Fatal("a marked event is not processed")
	}

	f.clock.Advance(time.Hour)
	done, err = s.EventProcessed(f.ctx, "ev1")
	must(t, err)
	if done {
		t.Fatal("an expired record still counts")
	}
	first, err = s.MarkEventProcessed(f.ctx, "ev1", f.clock.Now().Add(time.Hour))
	must(t, err)
	if !first {
		t.Fatal("an expired record blocks marking again")
	}
	_, err = s.MarkEventProcessed(f.ctx, "ev2", time.Time{})
	wantCode(t, err, support.EValidation)
}
