package dynamo_test

import (
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/support"
)

func TestWorkLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	msg := support.Command{ID: "cmd-1", Kind: support.CmdTweet, HandleID: "h", CaseID: "c1", MessageID: "m1", CreatedAt: base}
	follow := support.Command{ID: "cmd-2", Kind: support.CmdFollow, HandleID: "h", CustomerID: "u1", CreatedAt: base.Add(time.Minute)}
	must(t, s.PutWork(f.ctx, support.Work{Command: follow, DueAt: follow.CreatedAt}))
	must(t, s.PutWork(f.ctx, support.Work{Command: msg, DueAt: msg.CreatedAt}))

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
	wantCode(t, s.RequeueWork(f.ctx, msg.ID, next, base.Add(3*time.Hour)), support.EConflict)
	_, err = s.NoteRetry(f.ctx, msg, base.Add(time.Hour), true, base)
	wantCode(t, err, support.EConflict)
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
	lone := support.Command{ID: "cmd-4", Kind: support.CmdRetweet, HandleID: "h", CaseID: "c1", MessageID: "m2"}
	w, err = s.NoteRetry(f.ctx, lone, base, true, base)
	must(t, err)
	if w.Command != lone || w.Faults != 1 {
		t.Errorf("work recorded by a retry: %+v", w)
	}
}

func must2(t *testing.T) func(support.Work, error) {
	return func(_ support.Work, err error) { t.Helper(); must(t, err) }
}
