package xapi_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/memstore"
	"github.com/acme/twitter-cases/shared/dev/xsim"
)

// sweepStore is a compliance store whose ids come from a generator (nothing
// held in memory) and whose sweep state is one value.
type sweepStore struct {
	sweep  *casework.ComplianceSweep
	tweets func(each func(string) error) error
	users  []string
}

func (s *sweepStore) ComplianceSweep(context.Context) (*casework.ComplianceSweep, error) {
	if s.sweep == nil {
		return nil, casework.Errorf(casework.ENotFound, "none")
	}
	cp := *s.sweep
	cp.Jobs = append([]casework.SweepJob(nil), s.sweep.Jobs...)
	return &cp, nil
}

func (s *sweepStore) PutComplianceSweep(_ context.Context, sw *casework.ComplianceSweep) error {
	if s.sweep != nil && s.sweep.Version != sw.Version {
		return casework.Errorf(casework.EConflict, "stale")
	}
	sw.Version++
	cp := *sw
	cp.Jobs = append([]casework.SweepJob(nil), sw.Jobs...)
	s.sweep = &cp
	return nil
}

func (s *sweepStore) ComplianceIDs(_ context.Context, typ string, each func(string) error) error {
	if typ == casework.ComplianceTweets {
		return s.tweets(each)
	}
	for _, id := range s.users {
		if err := each(id); err != nil {
			return err
		}
	}
	return nil
}

// storedTweet puts a case with one customer message of the Post id.
func storedTweet(t *testing.T, st *memstore.Store, n int, xid, authorCustomer string) {
	t.Helper()
	ctx := context.Background()
	c := &casework.Case{ID: fmt.Sprintf("case%d", n), CustomerID: authorCustomer, Status: casework.CaseOpen}
	if err := st.PutCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	m := &casework.Message{ID: fmt.Sprintf("msg%d", n), CaseID: c.ID, Kind: casework.KindTweet, Direction: casework.DirectionIn,
		XID: xid, Text: "@AcmeSupport my address is 1 Main St", Author: casework.Author{CustomerID: authorCustomer}}
	if err := st.PutMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
}

func simJobs(f *fixture) []any {
	return f.ctl("GET", "/sim/compliance/jobs", "")["jobs"].([]any)
}

// A sweep over 100,000 stored Post ids uploads each once through a stream
// (memory bounded by a page, not by the store) and applies X's results.
func TestComplianceSweepStreams100000Posts(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	f.sim.SetComplianceProcessing(0)
	st := memstore.New()
	var real []string
	for i := range 3 {
		id := fmt.Sprint(f.ctl("POST", "/sim/users/alice_follows/tweets", fmt.Sprintf(`{"text":"@AcmeSupport order %d"}`, i))["id"])
		real = append(real, id)
		storedTweet(t, st, i, id, "cust-alice")
	}
	f.ctl("DELETE", "/sim/tweets/"+real[1], "")

	const total = 100_000
	var peak uint64
	var ms runtime.MemStats
	store := &sweepStore{tweets: func(each func(string) error) error {
		for i := range total {
			id := fmt.Sprint(1_000_000_000_000 + i)
			if i < len(real) {
				id = real[i]
			}
			if i%10_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			if err := each(id); err != nil {
				return err
			}
		}
		return nil
	}}
	sw := &casework.Sweeper{Store: store, X: f.client, Applier: casework.NewComplianceApplier(st, nil), Every: 24 * time.Hour}
	var rep casework.SweepReport
	for run := 0; run < 3 && !rep.Completed; run++ {
		var err error
		if rep, err = sw.Run(context.Background()); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	if !rep.Completed {
		t.Fatalf("the sweep did not complete: %+v", store.sweep)
	}
	jobs := simJobs(f)
	if up := jobs[0].(map[string]any)["uploaded"].(float64); up != total {
		t.Errorf("X received %v Post ids, want %d", up, total)
	}
	if store.sweep.Jobs[0].Uploaded != total || store.sweep.Jobs[0].Changed != 1 {
		t.Errorf("tweets job: %+v", store.sweep.Jobs[0])
	}
	m, err := st.MessageByXID(context.Background(), casework.KindTweet, real[1])
	if err != nil || m.Text != "" || m.RemovedReason != "deleted" {
		t.Errorf("deleted Post's message: %+v %v", m, err)
	}
	if m, _ := st.MessageByXID(context.Background(), casework.KindTweet, real[0]); m.Text == "" {
		t.Error("a live Post's message lost its text")
	}
	// 100,000 ids are about 2 MB as text; a sweep holding them would show.
	if peak > 64<<20 {
		t.Errorf("heap in use reached %d MB while streaming", peak>>20)
	}
}

// failingX fails a download after `after` results, once: a sweep cut short
// in the middle of applying.
type failingX struct {
	casework.ComplianceX
	after int
	done  bool
}

var errCut = errors.New("cut short")

func (x *failingX) DownloadComplianceResults(ctx context.Context, url string, each func(casework.ComplianceResult) error) error {
	n := 0
	return x.ComplianceX.DownloadComplianceResults(ctx, url, func(r casework.ComplianceResult) error {
		if !x.done && n == x.after {
			x.done = true
			return errCut
		}
		n++
		return each(r)
	})
}

// A sweep interrupted mid-job resumes on the next run, never waits for
// X in a run, and applies each result once.
func TestComplianceSweepResumes(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	f.sim.SetComplianceProcessing(time.Hour) // X is slow
	st := memstore.New()
	var ids []string
	for i := range 4 {
		id := fmt.Sprint(f.ctl("POST", "/sim/users/bob_stranger/tweets", fmt.Sprintf(`{"text":"@AcmeSupport %d"}`, i))["id"])
		ids = append(ids, id)
		storedTweet(t, st, i, id, "cust-bob")
		f.ctl("DELETE", "/sim/tweets/"+id, "")
	}
	store := &sweepStore{tweets: func(each func(string) error) error {
		for _, id := range ids {
			if err := each(id); err != nil {
				return err
			}
		}
		return nil
	}, users: []string{"2000000000000000002"}}
	fx := &failingX{ComplianceX: f.client, after: 2}
	sw := &casework.Sweeper{Store: store, X: fx, Applier: casework.NewComplianceApplier(st, nil), Every: 24 * time.Hour, SaveEvery: 1}
	ctx := context.Background()

	// Run 1 creates and uploads both jobs; X is still processing.
	rep, err := sw.Run(ctx)
	if err != nil || !rep.Started || rep.Uploaded != 5 || rep.Applied != 0 {
		t.Fatalf("run 1: %+v %v", rep, err)
	}
	// Run 2 finds them in progress and returns at once.
	if rep, err = sw.Run(ctx); err != nil || rep.Applied != 0 || rep.Started {
		t.Fatalf("run 2: %+v %v", rep, err)
	}
	// X completes; run 3 is cut short after 2 results.
	f.sim.SetComplianceProcessing(0)
	rep, err = sw.Run(ctx)
	if !errors.Is(err, errCut) || rep.Applied != 2 || rep.Completed {
		t.Fatalf("run 3: %+v %v", rep, err)
	}
	// Run 4 resumes after the 2 applied and completes.
	rep, err = sw.Run(ctx)
	if err != nil || !rep.Completed || rep.Applied != 2 {
		t.Fatalf("run 4: %+v %v", rep, err)
	}
	tj := store.sweep.Jobs[0]
	if tj.Applied != 4 || tj.Changed != 4 || tj.Attempts != 1 {
		t.Errorf("tweets job: %+v", tj)
	}
	for _, id := range ids {
		m, _ := st.MessageByXID(ctx, casework.KindTweet, id)
		if m.Text != "" || m.Version != 2 { // created, then removed once
			t.Errorf("message of %s: %q version %d", id, m.Text, m.Version)
		}
	}
	// The next run within the day starts nothing.
	if rep, err = sw.Run(ctx); err != nil || rep.Started || len(simJobs(f)) != 2 {
		t.Errorf("run 5: %+v %v", rep, err)
	}
}

// A job X fails is made again, up to MaxJobAttempts, then given up.
func TestComplianceSweepRetriesFailedJobs(t *testing.T) {
	f := newFixture(t, xsim.Options{})
	f.sim.SetComplianceProcessing(time.Hour)
	store := &sweepStore{tweets: func(each func(string) error) error { return each("1") }}
	sw := &casework.Sweeper{Store: store, X: f.client, Applier: casework.NewComplianceApplier(memstore.New(), nil), Every: 24 * time.Hour}
	ctx := context.Background()
	var rep casework.SweepReport
	for attempt := 1; attempt <= casework.MaxJobAttempts; attempt++ {
		if _, err := sw.Run(ctx); err != nil { // creates and uploads a tweets job
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		id := store.sweep.Jobs[0].JobID
		f.ctl("PUT", "/sim/compliance/jobs/"+id+"/status", `{"status":"failed"}`)
		var err error
		if rep, err = sw.Run(ctx); err != nil {
			t.Fatalf("poll %d: %v", attempt, err)
		}
	}
	if rep.GaveUp != 1 || store.sweep.Jobs[0].Step != casework.SweepGaveUp {
		t.Errorf("after %d failures: %+v %+v", casework.MaxJobAttempts, rep, store.sweep.Jobs[0])
	}
}
