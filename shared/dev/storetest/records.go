package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/httpapi"
)

func testIdempotencyKeys(t *testing.T, f *idemFixture) {
	s := f.store
	expires := f.clock.Now().Add(24 * time.Hour)
	rec := httpapi.IdempotencyRecord{Key: "agent|POST /v1/cases|k1", RequestHash: "h1", ExpiresAt: expires}

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
	existing, err = s.ReserveIdempotencyKey(f.ctx, httpapi.IdempotencyRecord{Key: rec.Key, RequestHash: "h2", ExpiresAt: expires})
	must(t, err)
	if existing == nil || !existing.Done || existing.StatusCode != 201 || !bytes.Equal(existing.Body, body) || existing.RequestHash != "h1" {
		t.Fatalf("replay: %+v", existing)
	}
	// Another request cannot complete the key while it is held.
	WantCode(t, s.CompleteIdempotencyKey(f.ctx, httpapi.IdempotencyRecord{Key: rec.Key, RequestHash: "h2", ExpiresAt: expires}), casework.EConflict)

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
	rec2 := httpapi.IdempotencyRecord{Key: rec.Key, RequestHash: "h3", ExpiresAt: f.clock.Now().Add(time.Hour)}
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

	_, err = s.ReserveIdempotencyKey(f.ctx, httpapi.IdempotencyRecord{Key: "k"})
	WantCode(t, err, casework.EValidation)
}

func testWorkLifecycle(t *testing.T, f *fixture) {
	s := f.store
	msg := casework.Command{ID: "cmd-1", Kind: casework.CmdTweet, HandleID: "h", CaseID: "c1", MessageID: "m1", CreatedAt: base}
	follow := casework.Command{ID: "cmd-2", Kind: casework.CmdFollow, HandleID: "h", CustomerID: "u1", CreatedAt: base.Add(time.Minute)}
	must(t, s.PutWork(f.ctx, casework.Work{Command: follow, DueAt: follow.CreatedAt}))
	must(t, s.PutWork(f.ctx, casework.Work{Command: msg, DueAt: msg.CreatedAt}))

	stale, err := s.StaleWork(f.ctx, base.Add(2*time.Minute))
	must(t, err)
	if len(stale) != 2 || stale[0].Command != msg || stale[1].Command != follow {
		t.Fatalf("stale work %+v, want the message's then the follow's, oldest first", stale)
	}
	if stale, _ := s.StaleWork(f.ctx, base.Add(30*time.Second)); len(stale) != 1 || stale[0].Command.ID != msg.ID {
		t.Fatalf("work due before base+30s: %+v", stale)
	}

	// Faults and rate limits are counted on the work.
	w, err := s.NoteRetry(f.ctx, msg, base.Add(time.Hour), true, base)
	must(t, err)
	if w.Faults != 1 || !w.RateLimitedSince.IsZero() || !w.DueAt.Equal(base.Add(time.Hour)) {
		t.Errorf("after a fault: %+v", w)
	}
	must2(t)(s.NoteRetry(f.ctx, msg, base.Add(time.Hour), false, base.Add(time.Minute)))
	w, err = s.NoteRetry(f.ctx, msg, base.Add(2*time.Hour), false, base.Add(2*time.Minute))
	must(t, err)
	if w.Faults != 1 || !w.RateLimitedSince.Equal(base.Add(time.Minute)) || !w.DueAt.Equal(base.Add(2*time.Hour)) {
		t.Errorf("after a fault and two rate limits: %+v", w)
	}
	if stale, _ := s.StaleWork(f.ctx, base.Add(90*time.Minute)); len(stale) != 1 || stale[0].Command.ID != follow.ID {
		t.Errorf("a retry that comes back later is not stale: %+v", stale)
	}

	// A requeue hands the work to a new command; the old one is superseded.
	next := msg
	next.ID = "cmd-3"
	must(t, s.RequeueWork(f.ctx, msg.ID, next, base.Add(3*time.Hour)))
	WantCode(t, s.RequeueWork(f.ctx, msg.ID, next, base.Add(3*time.Hour)), casework.EConflict)
	_, err = s.NoteRetry(f.ctx, msg, base.Add(time.Hour), true, base)
	WantCode(t, err, casework.EConflict)
	must(t, s.ResolveWork(f.ctx, msg)) // not its work any more: nothing happens
	stale, err = s.StaleWork(f.ctx, base.Add(4*time.Hour))
	must(t, err)
	if len(stale) != 2 || stale[1].Command.ID != next.ID || stale[1].Requeues != 1 || stale[1].Faults != 0 || !stale[1].RateLimitedSince.IsZero() {
		t.Fatalf("after a requeue: %+v", stale)
	}
	must(t, s.ResolveWork(f.ctx, next))
	must(t, s.ResolveWork(f.ctx, follow))
	if stale, _ := s.StaleWork(f.ctx, base.Add(4*time.Hour)); len(stale) != 0 {
		t.Errorf("resolved work still listed: %+v", stale)
	}

	// A retry of work nobody recorded (queued before the work store existed) records it.
	lone := casework.Command{ID: "cmd-4", Kind: casework.CmdRetweet, HandleID: "h", CaseID: "c1", MessageID: "m2"}
	w, err = s.NoteRetry(f.ctx, lone, base, true, base)
	must(t, err)
	if w.Command != lone || w.Faults != 1 {
		t.Errorf("work recorded by a retry: %+v", w)
	}
}

func must2(t *testing.T) func(casework.Work, error) {
	return func(_ casework.Work, err error) { t.Helper(); must(t, err) }
}

// Event records expire in whole seconds, as the table's TTL attribute
// keeps them: an expiry inside a second lasts to that second's end.
func testExpiryInWholeSeconds(t *testing.T, f *fixture) {
	s := f.store
	expires := f.clock.Now().Add(1500 * time.Millisecond)
	before, err := s.MarkEventProcessed(f.ctx, "ev-sub-second", expires)
	must(t, err)
	if before.Processed {
		t.Fatal("first mark found the event processed")
	}
	f.clock.Advance(1999 * time.Millisecond) // past the exact expiry, inside its second
	if rec, err := s.EventRecord(f.ctx, "ev-sub-second"); err != nil || !rec.Processed {
		t.Fatalf("event inside the expiry's second: %+v %v", rec, err)
	}
	f.clock.Advance(time.Millisecond) // the next second
	if rec, err := s.EventRecord(f.ctx, "ev-sub-second"); err != nil || rec.Processed {
		t.Fatalf("event after the expiry's second: %+v %v", rec, err)
	}
}

// Idempotency records expire in whole seconds too.
func testIdempotencyExpiryInWholeSeconds(t *testing.T, f *idemFixture) {
	s := f.store
	expires := f.clock.Now().Add(1500 * time.Millisecond)
	rec := httpapi.IdempotencyRecord{Key: "agent|POST /v1/cases|k2", RequestHash: "h1", ExpiresAt: expires}
	existing, err := s.ReserveIdempotencyKey(f.ctx, rec)
	must(t, err)
	if existing != nil {
		t.Fatalf("first reservation found %+v", existing)
	}
	f.clock.Advance(1999 * time.Millisecond) // past the exact expiry, inside its second
	existing, err = s.ReserveIdempotencyKey(f.ctx, httpapi.IdempotencyRecord{Key: rec.Key, RequestHash: "h2", ExpiresAt: expires.Add(time.Hour)})
	must(t, err)
	if existing == nil || existing.RequestHash != "h1" {
		t.Fatalf("inside the expiry's second: %+v", existing)
	}
	f.clock.Advance(time.Millisecond) // the next second
	existing, err = s.ReserveIdempotencyKey(f.ctx, httpapi.IdempotencyRecord{Key: rec.Key, RequestHash: "h3", ExpiresAt: f.clock.Now().Add(time.Hour)})
	must(t, err)
	if existing != nil {
		t.Fatalf("after the expiry's second: %+v", existing)
	}
	// Completing an expired key of another request takes it over.
	f.clock.Advance(2 * time.Hour)
	must(t, s.CompleteIdempotencyKey(f.ctx, httpapi.IdempotencyRecord{Key: rec.Key, RequestHash: "h4", StatusCode: 200, ExpiresAt: f.clock.Now().Add(time.Hour)}))
	existing, err = s.ReserveIdempotencyKey(f.ctx, rec)
	must(t, err)
	if existing == nil || !existing.Done || existing.RequestHash != "h4" || existing.StatusCode != 200 || existing.Body != nil {
		t.Fatalf("completed over an expired record: %+v", existing)
	}
}
