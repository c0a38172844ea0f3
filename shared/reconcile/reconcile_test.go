package reconcile_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/sqspoll"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/outbound"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/reconcile"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/xapi"
)

var (
	local    = &localawstest.Servers{DynamoDB: true, SQS: true}
	envCount atomic.Int64
)

func TestMain(m *testing.M) { localawstest.Main(m, local) }

// lostOutbox stands for a process that died after writing a request's
// records and before queueing its command: nothing reaches the queue.
type lostOutbox struct{}

func (lostOutbox) Enqueue(context.Context, casework.Command) error { return nil }

type env struct {
	t      *testing.T
	ctx    context.Context
	store  *dynamo.Store
	crashy *casework.Service // its commands never reach the queue
	rec    *reconcile.Reconciler
	poller *sqspoll.Poller
	sim    *xsim.Sim
	queue  *sqsqueue.Queue
	// later is how far the reconciler's clock is ahead.
	later atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	n := envCount.Add(1)
	store := local.SampleStore(t, fmt.Sprintf("reconcile-%d", n))
	sqsClient := localaws.SQSClient(local.SQSEndpoint)
	q := queues.Outbound
	q.VisibilityTimeout = time.Second
	urls := local.Queues(t, fmt.Sprintf("rc%d-", n), q)
	queue := sqsqueue.New(sqsClient, urls[queues.Outbound.Name])
	quiet := slog.New(slog.DiscardHandler)
	sim := xsim.New(xsim.Options{Logger: quiet})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	x, err := xapi.New(xapi.Config{Secrets: secrets.NewCache(sample.Secrets()), AppSecret: sample.AppSecret, BaseURL: srv.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	w := outbound.New(outbound.Deps{Store: store, X: x, Delayer: queue, Logger: quiet, Backoff: func(int) time.Duration { return 0 }})
	e := &env{t: t, ctx: ctx, store: store, sim: sim, queue: queue,
		crashy: casework.NewService(casework.Deps{Store: store, Outbox: lostOutbox{}, XUsers: x, XAccess: casework.AccessEnterprise}),
		poller: sqspoll.New(sqsClient, urls[queues.Outbound.Name], w.Handle, sqspoll.WithLogger(quiet), sqspoll.WithWaitTime(1)),
	}
	e.rec = reconcile.New(reconcile.Deps{Store: store, Outbox: queue, Logger: quiet,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.later.Load())) }})
	return e
}

// run runs the reconciler with its clock ahead by d.
func (e *env) run(ahead time.Duration) reconcile.Report {
	e.t.Helper()
	e.later.Store(int64(ahead))
	rep, err := e.rec.Run(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

// drain lets the outbound worker take everything there is.
func (e *env) drain() {
	e.t.Helper()
	for range 20 {
		n, err := e.poller.PollOnce(e.ctx)
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	e.t.Fatal("the queue did not drain")
}

func TestLostCommandsAreHandedBackAndDone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, brand := sample.Customers[0], sample.Customers[1], sample.Brands[0]
	_, m, err := e.crashy.CreateCase(e.ctx, casework.NewCase{CustomerID: alice.ID, HandleID: brand.HandleID, Text: "@alice_follows lost in a crash"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.crashy.Follow(e.ctx, bob.ID, brand.HandleID); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if got, _ := e.store.GetMessage(e.ctx, m.CaseID, m.ID); got.Status != casework.StatusQueued {
		t.Fatalf("before the reconciler: %s, want queued with no command", got.Status)
	}

	if rep := e.run(0); rep.Requeued != 0 {
		t.Errorf("fresh work handed back: %+v", rep)
	}
	if rep := e.run(reconcile.StaleAfter + time.Minute); rep.Stale != 2 || rep.Requeued != 2 {
		t.Fatalf("report %+v, want the message and the follow handed back", rep)
	}
	e.drain()
	got, err := e.store.GetMessage(e.ctx, m.CaseID, m.ID)
	if err != nil || got.Status != casework.StatusSent || got.XID == "" {
		t.Fatalf("message after the reconciler: %+v %v, want sent", got, err)
	}
	if f, _ := e.store.Follow(e.ctx, bob.ID, brand.HandleID); !f.BrandFollowsCustomer || f.Pending != "" {
		t.Errorf("follow after the reconciler: %+v", f)
	}
	if rep := e.run(24 * time.Hour); rep.Stale != 0 {
		t.Errorf("resolved work still stale: %+v", rep)
	}
	tweets := 0
	for _, c := range e.sim.Calls() {
		if c.Method == "POST" && c.Path == "/2/tweets" && c.Status == 201 {
			tweets++
		}
	}
	if tweets != 1 {
		t.Errorf("%d Tweets posted, want 1", tweets)
	}
}

// Handing back work whose command is still queued changes nothing: the
// second command finds the message sent.
func TestHandingBackLiveWorkSendsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	live := casework.NewService(casework.Deps{Store: e.store, Outbox: e.queue, XAccess: casework.AccessEnterprise})
	_, m, err := live.CreateCase(e.ctx, casework.NewCase{CustomerID: sample.Customers[0].ID, HandleID: sample.Brands[0].HandleID, Text: "@alice_follows only once"})
	if err != nil {
		t.Fatal(err)
	}
	if rep := e.run(reconcile.StaleAfter + time.Minute); rep.Requeued != 1 {
		t.Fatalf("report %+v", rep)
	}
	e.drain()
	got, _ := e.store.GetMessage(e.ctx, m.CaseID, m.ID)
	tweets := 0
	for _, c := range e.sim.Calls() {
		if c.Method == "POST" && c.Path == "/2/tweets" && c.Status == 201 {
			tweets++
		}
	}
	if got.Status != casework.StatusSent || tweets != 1 {
		t.Errorf("message %s, %d Tweets posted; want sent, one Tweet", got.Status, tweets)
	}
	if rep := e.run(24 * time.Hour); rep.Stale != 0 {
		t.Errorf("work still stale: %+v", rep)
	}
}

func TestWorkHandedBackTooOftenIsGivenUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, m, err := e.crashy.CreateCase(e.ctx, casework.NewCase{CustomerID: sample.Customers[0].ID, HandleID: sample.Brands[0].HandleID, Text: "@alice_follows never handed over"})
	if err != nil {
		t.Fatal(err)
	}
	// Each hand-back is lost too (the queue is the crashing outbox's).
	rec := reconcile.New(reconcile.Deps{Store: e.store, Outbox: lostOutbox{}, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(time.Duration(e.later.Load())) }})
	for i := range reconcile.MaxRequeues + 1 {
		e.later.Store(int64(time.Duration(i+1) * time.Hour))
		if _, err := rec.Run(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := e.store.GetMessage(e.ctx, m.CaseID, m.ID)
	if got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != reconcile.MsgStalled {
		t.Fatalf("message %+v %+v, want failed %s", got, got.Error, reconcile.MsgStalled)
	}
	if rep := e.run(48 * time.Hour); rep.Stale != 0 {
		t.Errorf("given-up work still stale: %+v", rep)
	}
}

// Retweets of one Tweet by two brand handles whose commands were lost are
// both found (the message holds one's work, a work item the other's) and
// given up after MaxRequeues: both Retweets are taken back.
func TestLostRetweetsOfOneTweetAreFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := &casework.Case{ID: casework.NewID(time.Now()), CustomerID: sample.Customers[1].ID, HandleID: sample.Brands[0].HandleID,
		Channel: casework.ChannelTweet, Status: casework.CaseNew, CreatedAt: time.Now(), UpdatedAt: time.Now(), LastActivityAt: time.Now()}
	if err := e.store.PutCase(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	m := &casework.Message{ID: casework.NewID(time.Now()), CaseID: c.ID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
		Text: "@AcmeSupport help", Status: casework.StatusReceived, XID: "7700001", CreatedAt: time.Now()}
	if err := e.store.PutMessage(e.ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, b := range sample.Brands[:2] {
		if _, queued, err := e.crashy.Retweet(e.ctx, c.ID, m.ID, b.HandleID); err != nil || !queued {
			t.Fatalf("Retweet by %s: queued %v, %v", b.HandleID, queued, err)
		}
	}
	rec := reconcile.New(reconcile.Deps{Store: e.store, Outbox: lostOutbox{}, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(time.Duration(e.later.Load())) }})
	for i := range reconcile.MaxRequeues + 1 {
		e.later.Store(int64(time.Duration(i+1) * time.Hour))
		rep, err := rec.Run(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Stale != 2 {
			t.Fatalf("run %d: %+v, want both Retweets stale", i, rep)
		}
	}
	got, err := e.store.GetMessage(e.ctx, c.ID, m.ID)
	if err != nil || len(got.RetweetedBy) != 0 {
		t.Fatalf("after giving up: retweeted by %v (%v), want nobody", got.RetweetedBy, err)
	}
	if rep := e.run(48 * time.Hour); rep.Stale != 0 {
		t.Errorf("given-up work still stale: %+v", rep)
	}
}
