package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// staleCommands lists the work keys and commands of the work due before t.
func staleCommands(t *testing.T, f *fixture, before time.Time) map[string]string {
	t.Helper()
	stale, err := f.store.StaleWork(f.ctx, before)
	must(t, err)
	out := map[string]string{}
	for _, w := range stale {
		if _, dup := out[w.Command.WorkKey()]; dup {
			t.Fatalf("work %s listed twice: %+v", w.Command.WorkKey(), stale)
		}
		out[w.Command.WorkKey()] = w.Command.ID
	}
	return out
}

// testQueuedMessageWork: a message queued with its work is found stale,
// keeps its work through the worker's updates of the message, and the
// worker's and the reconciler's work operations act on it.
func testQueuedMessageWork(t *testing.T, f *fixture) {
	s := f.store
	caseID := idAt(2000)
	m := &casework.Message{ID: idAt(2001), CaseID: caseID, Direction: casework.DirectionOut, Kind: casework.KindTweet,
		Text: "@alice hello", Status: casework.StatusQueued, Author: casework.Author{HandleID: "h1"}, CreatedAt: base}
	cmd := casework.Command{ID: m.ID, Kind: casework.CmdTweet, HandleID: "h1", CaseID: caseID, MessageID: m.ID, CreatedAt: base}
	must(t, s.QueueMessage(f.ctx, m, casework.Work{Command: cmd, DueAt: base}))
	if m.Version != 1 {
		t.Fatalf("version after queueing %d, want 1", m.Version)
	}
	if got := staleCommands(t, f, base.Add(time.Minute)); got[cmd.WorkKey()] != cmd.ID || len(got) != 1 {
		t.Fatalf("stale work %v, want the message's", got)
	}
	if got := staleCommands(t, f, base); len(got) != 0 {
		t.Fatalf("work due at base is stale before base: %v", got)
	}
	// The worker marks it sending: the work stays.
	got, err := s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if got.Status != casework.StatusQueued || got.Text != m.Text {
		t.Fatalf("queued message read back as %+v", got)
	}
	got.Status = casework.StatusSending
	must(t, s.PutMessage(f.ctx, got))
	if got := staleCommands(t, f, base.Add(time.Minute)); got[cmd.WorkKey()] != cmd.ID {
		t.Fatalf("a message update dropped its work: %v", got)
	}
	// A fault pushes it out; a requeue hands it to another command.
	w, err := s.NoteRetry(f.ctx, cmd, base.Add(time.Hour), true, base)
	must(t, err)
	if w.Faults != 1 || !w.DueAt.Equal(base.Add(time.Hour)) || w.Command != cmd {
		t.Fatalf("after a fault %+v", w)
	}
	if got := staleCommands(t, f, base.Add(30*time.Minute)); len(got) != 0 {
		t.Fatalf("a retry due later is stale: %v", got)
	}
	next := cmd
	next.ID = "cmd-next"
	must(t, s.RequeueWork(f.ctx, cmd.ID, next, base.Add(2*time.Hour)))
	WantCode(t, s.RequeueWork(f.ctx, cmd.ID, next, base.Add(2*time.Hour)), casework.EConflict)
	_, err = s.NoteRetry(f.ctx, cmd, base.Add(time.Hour), true, base)
	WantCode(t, err, casework.EConflict)
	stale, err := s.StaleWork(f.ctx, base.Add(3*time.Hour))
	must(t, err)
	if len(stale) != 1 || stale[0].Command.ID != next.ID || stale[0].Requeues != 1 || stale[0].Faults != 0 || !stale[0].DueAt.Equal(base.Add(2*time.Hour)) {
		t.Fatalf("after a requeue %+v", stale)
	}
	must(t, s.ResolveWork(f.ctx, cmd)) // superseded: nothing happens
	if got := staleCommands(t, f, base.Add(3*time.Hour)); got[cmd.WorkKey()] != next.ID {
		t.Fatalf("a superseded command resolved the work: %v", got)
	}
	must(t, s.ResolveWork(f.ctx, next))
	if got := staleCommands(t, f, base.Add(3*time.Hour)); len(got) != 0 {
		t.Fatalf("resolved work still stale: %v", got)
	}
	after, err := s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if after.Status != casework.StatusSending || after.Version != 2 {
		t.Fatalf("resolving the work changed the message: %+v", after)
	}
}

// testQueuedRetweetWork: Retweets of one Tweet by two brand handles at once
// each keep their work, a repeated Retweet records none, and the work
// survives an update of the message.
func testQueuedRetweetWork(t *testing.T, f *fixture) {
	s := f.store
	caseID := idAt(2100)
	m := newMessage(2101, caseID, casework.KindTweet, "91001")
	must(t, s.PutMessage(f.ctx, m))
	rt := func(id, handle string, kind casework.CommandKind, at time.Time) casework.Work {
		return casework.Work{Command: casework.Command{ID: id, Kind: kind, HandleID: handle, CaseID: caseID, MessageID: m.ID, CreatedAt: at}, DueAt: at}
	}
	w1, w2 := rt("rt-1", "h1", casework.CmdRetweet, base), rt("rt-2", "h2", casework.CmdRetweet, base.Add(time.Second))

	added, err := s.QueueRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h1", By: casework.Agent{ID: "a1"}, At: base}, w1)
	must(t, err)
	if !added {
		t.Fatal("first Retweet not added")
	}
	added, err = s.QueueRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h1", At: base}, rt("rt-1b", "h1", casework.CmdRetweet, base))
	must(t, err)
	if added {
		t.Fatal("a repeated Retweet was added again")
	}
	added, err = s.QueueRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h2", At: base}, w2)
	must(t, err)
	if !added {
		t.Fatal("the second brand handle's Retweet not added")
	}
	want := map[string]string{w1.Command.WorkKey(): "rt-1", w2.Command.WorkKey(): "rt-2"}
	if got := staleCommands(t, f, base.Add(time.Minute)); len(got) != 2 || got[w1.Command.WorkKey()] != "rt-1" || got[w2.Command.WorkKey()] != "rt-2" {
		t.Fatalf("stale work %v, want %v", got, want)
	}
	got, err := s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !slices.Equal(got.RetweetedBy, []string{"h1", "h2"}) && !slices.Equal(got.RetweetedBy, []string{"h2", "h1"}) {
		t.Fatalf("retweeted by %v", got.RetweetedBy)
	}
	// An update of the message (the inbound side marking it deleted, say) keeps the work.
	got.Text = "edited"
	must(t, s.PutMessage(f.ctx, got))
	if got := staleCommands(t, f, base.Add(time.Minute)); len(got) != 2 {
		t.Fatalf("a message update dropped Retweet work: %v", got)
	}
	// Each is resolved on its own.
	must(t, s.ResolveWork(f.ctx, w2.Command))
	if got := staleCommands(t, f, base.Add(time.Minute)); len(got) != 1 || got[w1.Command.WorkKey()] != "rt-1" {
		t.Fatalf("after resolving one: %v", got)
	}
	must(t, s.ResolveWork(f.ctx, w1.Command))

	// Undoing: recorded with its work once, then nothing to undo.
	u1 := rt("un-1", "h1", casework.CmdUnretweet, base.Add(time.Minute))
	removed, err := s.QueueUnretweet(f.ctx, caseID, m.ID, "h1", u1)
	must(t, err)
	if !removed {
		t.Fatal("the Retweet was not removed")
	}
	removed, err = s.QueueUnretweet(f.ctx, caseID, m.ID, "h1", rt("un-2", "h1", casework.CmdUnretweet, base.Add(time.Minute)))
	must(t, err)
	if removed {
		t.Fatal("a missing Retweet was removed")
	}
	if got := staleCommands(t, f, base.Add(time.Hour)); len(got) != 1 || got[u1.Command.WorkKey()] != "un-1" {
		t.Fatalf("stale work %v, want the undoing's", got)
	}
	must(t, s.ResolveWork(f.ctx, u1.Command))

	_, err = s.QueueRetweet(f.ctx, caseID, idAt(2199), casework.Retweet{HandleID: "h1", At: base},
		casework.Work{Command: casework.Command{ID: "rt-x", Kind: casework.CmdRetweet, HandleID: "h1", CaseID: caseID, MessageID: idAt(2199)}, DueAt: base})
	WantCode(t, err, casework.ENotFound)
	if got := staleCommands(t, f, base.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("work left: %v", got)
	}
}

// testQueuedFollowWork: a follow queued with its work answers the stored
// state; a later unfollow replaces the work; X's answer leaves the work to
// ResolveWork.
func testQueuedFollowWork(t *testing.T, f *fixture) {
	s := f.store
	customer := idAt(2200)
	follow := casework.Command{ID: "fo-1", Kind: casework.CmdFollow, HandleID: "h1", CustomerID: customer, CreatedAt: base}
	st, err := s.QueueFollow(f.ctx, customer, "h1", casework.ActionFollow, casework.Agent{ID: "a1", Email: "a1@example.com"}, casework.Work{Command: follow, DueAt: base})
	must(t, err)
	stored, err := s.Follow(f.ctx, customer, "h1")
	must(t, err)
	if st != stored || st.Pending != casework.ActionFollow || st.RequestedBy.ID != "a1" || st.RequestedAt.IsZero() {
		t.Fatalf("queued follow answered %+v, stored %+v", st, stored)
	}
	unfollow := casework.Command{ID: "fo-2", Kind: casework.CmdUnfollow, HandleID: "h1", CustomerID: customer, CreatedAt: base.Add(time.Second)}
	_, err = s.QueueFollow(f.ctx, customer, "h1", casework.ActionUnfollow, casework.Agent{ID: "a2"}, casework.Work{Command: unfollow, DueAt: unfollow.CreatedAt})
	must(t, err)
	if got := staleCommands(t, f, base.Add(time.Minute)); len(got) != 1 || got[follow.WorkKey()] != "fo-2" {
		t.Fatalf("stale work %v, want the unfollow's only", got)
	}
	_, err = s.NoteRetry(f.ctx, follow, base.Add(time.Hour), false, base)
	WantCode(t, err, casework.EConflict) // the follow is superseded
	changed, err := s.SetBrandFollowsCustomer(f.ctx, customer, "h1", false, base.Add(2*time.Second))
	must(t, err)
	if !changed {
		t.Fatal("X's answer not recorded")
	}
	if got := staleCommands(t, f, base.Add(time.Minute)); got[follow.WorkKey()] != "fo-2" {
		t.Fatalf("recording X's answer dropped the work: %v", got)
	}
	must(t, s.ResolveWork(f.ctx, unfollow))
	if got := staleCommands(t, f, base.Add(time.Minute)); len(got) != 0 {
		t.Fatalf("work left: %v", got)
	}
	if _, err := s.QueueFollow(f.ctx, customer, "h1", "", casework.Agent{}, casework.Work{Command: follow, DueAt: base}); casework.ErrorCode(err) != casework.EValidation {
		t.Fatalf("queueing no action: %v", err)
	}
}
