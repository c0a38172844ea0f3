package outbound

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/sqspoll"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/xapi"
)

var (
	local    = &localawstest.Servers{DynamoDB: true, SQS: true}
	envCount atomic.Int64
)

func TestMain(m *testing.M) { localawstest.Main(m, local) }

// env is the whole outbound path: the console service queues on a real
// FIFO queue, a poller feeds the worker as Lambda would, the worker calls
// the X simulator through gotwi and records in DynamoDB.
type env struct {
	t        *testing.T
	secrets  *secrets.Static
	store    *dynamo.Store
	svc      *casework.Service
	sim      *xsim.Sim
	x        *xapi.Client
	queue    *sqsqueue.Queue
	poller   *sqspoll.Poller
	worker   *Worker
	simURL   string
	queueURL string
	dlqURL   string
	sqs      *sqs.Client
}

type options struct {
	wrapX func(X) X
	// wrapChat wraps X's chat endpoints as the worker sees them.
	wrapChat func(ChatX) ChatX
	// backoff replaces the test's no-wait backoff; rateBudget the worker's.
	backoff    func(int) time.Duration
	rateBudget time.Duration
	// maxReceives replaces the queue's and the worker's maximum receive count.
	maxReceives int
	// access is the X access of the app and the simulator; "" is
	// Enterprise, which most tests assume (access_test.go: self-serve).
	access casework.XAccess
}

func newEnv(t *testing.T, opts options) *env {
	t.Helper()
	n := envCount.Add(1)
	sqsClient := localaws.SQSClient(local.SQSEndpoint)
	store := local.SampleStore(t, fmt.Sprintf("outbound-%d", n))
	// The real definition, but a crashed batch comes back after a second
	// instead of a minute.
	q := queues.Outbound
	q.VisibilityTimeout = time.Second
	if opts.maxReceives > 0 {
		q.MaxReceiveCount = opts.maxReceives
	}
	urls := local.Queues(t, fmt.Sprintf("ob%d-", n), q)
	queue := sqsqueue.New(sqsClient, urls[queues.Outbound.Name])
	quiet := slog.New(slog.DiscardHandler)
	if opts.access == "" {
		opts.access = casework.AccessEnterprise
	}
	sim := xsim.New(xsim.Options{Logger: quiet, Access: string(opts.access)})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	brand := sample.Brands[0]
	src := sample.Secrets()
	cache := secrets.NewCache(src)
	x, err := xapi.New(xapi.Config{Secrets: cache, AppSecret: sample.AppSecret,
		BaseURL: srv.URL, Logger: quiet, LookupAs: xapi.BrandAuth{XUserID: brand.XUserID, CredentialsSecret: brand.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	var wx X = x
	if opts.wrapX != nil {
		wx = opts.wrapX(x)
	}
	bo := opts.backoff
	if bo == nil {
		bo = func(int) time.Duration { return 0 }
	}
	var chat ChatX = x
	if opts.wrapChat != nil {
		chat = opts.wrapChat(x)
	}
	w := New(Deps{Store: store, X: wx, Chat: chat, Keys: NewKeyring(cache, chatKeyPrefix, quiet), Delayer: queue, Outbox: queue,
		Logger: quiet, Backoff: bo, RateLimitBudget: opts.rateBudget, MaxReceives: opts.maxReceives})
	return &env{
		t: t, secrets: src, store: store, sim: sim, x: x, queue: queue, worker: w, simURL: srv.URL, queueURL: urls[queues.Outbound.Name],
		dlqURL: urls[queues.Outbound.DLQName()], sqs: sqsClient,
		svc:    casework.NewService(casework.Deps{Store: store, Outbox: queue, XUsers: x, XAccess: opts.access}),
		poller: sqspoll.New(sqsClient, urls[queues.Outbound.Name], w.Handle, sqspoll.WithLogger(quiet), sqspoll.WithWaitTime(1)),
	}
}

// createCase starts a case with the follower sample customer from @AcmeSupport.
func (e *env) createCase(text string) *casework.Message {
	e.t.Helper()
	_, m, err := e.svc.CreateCase(context.Background(), casework.NewCase{
		CustomerID: sample.Customers[0].ID, HandleID: sample.Brands[0].HandleID, Text: text})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// runUntil polls the queue until done reports true or the time is up.
func (e *env) runUntil(limit time.Duration, done func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(limit)
	for !done() {
		if time.Now().After(deadline) {
			e.t.Fatalf("not done after %s", limit)
		}
		if _, err := e.poller.PollOnce(context.Background()); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) message(m *casework.Message) *casework.Message {
	e.t.Helper()
	got, err := e.store.GetMessage(context.Background(), m.CaseID, m.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func (e *env) final(m *casework.Message) func() bool {
	return func() bool {
		s := e.message(m).Status
		return s == casework.StatusSent || s == casework.StatusFailed
	}
}

// tweetsPosted counts the successful Tweets the simulator received.
func (e *env) tweetsPosted() int {
	n := 0
	for _, c := range e.sim.Calls() {
		if c.Method == "POST" && c.Path == "/2/tweets" && c.Status == 201 {
			n++
		}
	}
	return n
}

func TestQueuedTweetIsSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	m := e.createCase("@alice_follows hello from support")
	e.runUntil(10*time.Second, e.final(m))
	got := e.message(m)
	if got.Status != casework.StatusSent || got.XID == "" || got.SentAt.IsZero() {
		t.Fatalf("message = %+v, want sent with X's id", got)
	}
	if byX, err := e.store.MessageByXID(context.Background(), casework.KindTweet, got.XID); err != nil || byX.ID != m.ID {
		t.Errorf("MessageByXID(%s) = %v, %v", got.XID, byX, err)
	}
	if n := e.tweetsPosted(); n != 1 {
		t.Errorf("%d Tweets posted, want 1", n)
	}
}

func TestRateLimitThenSuccessAfterReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.sim.AddFault("/2/tweets", 429, 1, time.Second)
	m := e.createCase("@alice_follows rate limited at first")
	start := time.Now()
	e.runUntil(15*time.Second, e.final(m))
	if got := e.message(m); got.Status != casework.StatusSent {
		t.Fatalf("status = %s (%+v)", got.Status, got.Error)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("sent again after %s, before X's reset", waited)
	}
	if n := e.tweetsPosted(); n != 1 {
		t.Errorf("%d Tweets posted, want 1", n)
	}
}

func TestServerErrorsTwiceThenSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.sim.AddFault("/2/tweets", 500, 2, 0)
	m := e.createCase("@alice_follows after two 500s")
	e.runUntil(20*time.Second, e.final(m))
	if got := e.message(m); got.Status != casework.StatusSent {
		t.Fatalf("status = %s (%+v)", got.Status, got.Error)
	}
	if n := e.tweetsPosted(); n != 1 {
		t.Errorf("%d Tweets posted, want exactly 1 after the retries", n)
	}
}

func TestDuplicateContentFailsWithXsReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	first := e.createCase("@alice_follows same words")
	e.runUntil(10*time.Second, e.final(first))
	second := e.createCase("@alice_follows same words")
	e.runUntil(10*time.Second, e.final(second))
	got := e.message(second)
	if got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != "x_duplicate" ||
		!strings.Contains(strings.ToLower(got.Error.Detail), "duplicate") {
		t.Fatalf("second message = %+v %+v, want failed with X's duplicate reason", got, got.Error)
	}
}

func TestTransientFailuresGiveUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.sim.AddFault("/2/tweets", 503, MaxAttempts, 0)
	m := e.createCase("@alice_follows X is down")
	e.runUntil(30*time.Second, e.final(m))
	got := e.message(m)
	if got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != "x_unavailable" {
		t.Fatalf("message = %+v %+v, want failed x_unavailable", got, got.Error)
	}
}

func TestSameCommandThreeTimesMakesOneTweet(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	m := e.createCase("@alice_follows delivered thrice")
	// Take the command off the queue and hand it to the worker three times,
	// as SQS may on redelivery.
	out, err := localaws.SQSClient(local.SQSEndpoint).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: urlOf(e), MaxNumberOfMessages: 1, WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v, %d messages", err, len(out.Messages))
	}
	rec := events.SQSMessage{MessageId: *out.Messages[0].MessageId, Body: *out.Messages[0].Body,
		Attributes: map[string]string{"ApproximateReceiveCount": "1"}}
	for i := range 3 {
		resp, err := e.worker.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{rec}})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("delivery %d: %v %+v", i+1, err, resp)
		}
	}
	if n := e.tweetsPosted(); n != 1 {
		t.Errorf("%d Tweets posted, want 1", n)
	}
	if got := e.message(m); got.Status != casework.StatusSent {
		t.Errorf("status = %s", got.Status)
	}
}

// crashingX posts the Tweet, then dies before the worker can record it.
type crashingX struct {
	X
	crashed atomic.Bool
}

func (c *crashingX) CreateTweet(ctx context.Context, a xapi.BrandAuth, text, inReplyTo string) (xapi.TweetResult, error) {
	r, err := c.X.CreateTweet(ctx, a, text, inReplyTo)
	if err == nil && c.crashed.CompareAndSwap(false, true) {
		panic("worker killed between X's answer and the DynamoDB write")
	}
	return r, err
}

func TestCrashBetweenXAndStoreStillOneTweet(t *testing.T) {
	t.Parallel()
	var cx *crashingX
	e := newEnv(t, options{wrapX: func(x X) X { cx = &crashingX{X: x}; return cx }})
	m := e.createCase("@alice_follows survive the crash")
	e.runUntil(15*time.Second, e.final(m))
	if !cx.crashed.Load() {
		t.Fatal("the worker never crashed; the test proves nothing")
	}
	got := e.message(m)
	if got.Status != casework.StatusSent || got.XID == "" {
		t.Fatalf("message = %+v", got)
	}
	if n := e.tweetsPosted(); n != 1 {
		t.Errorf("%d Tweets posted after a crash, want 1", n)
	}
}

func TestMentionReplyAndDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.chatBrand()
	e.chatCustomer("alice_follows")
	ctx := context.Background()
	first := e.createCase("@alice_follows first")
	e.runUntil(10*time.Second, e.final(first))

	posted := e.customerTweet(first.CaseID, e.message(first).XID)
	mention, err := e.svc.Reply(ctx, casework.ReplyRequest{CaseID: first.CaseID, Mode: casework.TextMode("mention"), Text: "@alice_follows glad to help"})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := e.svc.Reply(ctx, casework.ReplyRequest{CaseID: first.CaseID, Mode: casework.TextMode("dm"), Text: "a private word"})
	if err != nil {
		t.Fatal(err)
	}
	e.runUntil(60*time.Second, func() bool { return e.final(mention)() && e.final(dm)() })
	for _, m := range []*casework.Message{mention, dm} {
		if got := e.message(m); got.Status != casework.StatusSent || got.XID == "" {
			t.Errorf("%s reply = %+v %+v", m.Kind, got, got.Error)
		}
	}
	var replyCalls, dmCalls int
	for _, c := range e.sim.Calls() {
		if c.Path == "/2/tweets" && c.Status == 201 && strings.Contains(string(c.Body), posted.XID) {
			replyCalls++
		}
		if strings.HasPrefix(c.Path, "/2/chat/conversations/") && strings.HasSuffix(c.Path, "/messages") && c.Status == 201 {
			dmCalls++
		}
	}
	if replyCalls != 1 || dmCalls != 1 {
		t.Errorf("simulator saw %d replies to the customer's Tweet and %d DMs, want 1 and 1", replyCalls, dmCalls)
	}
}

func urlOf(e *env) *string { return &e.queueURL }

// customerTweet makes the follower customer Tweet on X (in reply to
// inReplyTo) and records it in the case as the inbound worker would.
func (e *env) customerTweet(caseID, inReplyTo string) *casework.Message {
	e.t.Helper()
	resp, err := http.Post(e.simURL+"/sim/users/alice_follows/tweets", "application/json",
		strings.NewReader(fmt.Sprintf(`{"text":"@AcmeSupport thanks","in_reply_to_tweet_id":%q}`, inReplyTo)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var posted struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&posted); err != nil || posted.ID == "" {
		e.t.Fatalf("customer Tweet: %v %+v", err, posted)
	}
	in := &casework.Message{ID: casework.NewID(time.Now()), CaseID: caseID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
		Text: "@AcmeSupport thanks", Status: casework.StatusReceived, XID: posted.ID,
		Author: casework.Author{CustomerID: sample.Customers[0].ID, ScreenName: "alice_follows"}, CreatedAt: time.Now()}
	if err := e.store.PutMessage(context.Background(), in); err != nil {
		e.t.Fatal(err)
	}
	return in
}

// drain polls until the queue has given nothing for one poll.
func (e *env) drain() {
	e.t.Helper()
	for range 20 {
		n, err := e.poller.PollOnce(context.Background())
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	e.t.Fatal("the queue did not drain")
}

func TestRetweetAndItsRefusal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ctx := context.Background()
	first := e.createCase("@alice_follows hi")
	e.runUntil(10*time.Second, e.final(first))
	tw := e.customerTweet(first.CaseID, "")
	brand := sample.Brands[0]
	if _, queued, err := e.svc.Retweet(ctx, tw.CaseID, tw.ID, brand.HandleID); err != nil || !queued {
		t.Fatalf("Retweet: queued %v, %v", queued, err)
	}
	e.drain()
	retweets := 0
	for _, c := range e.sim.Calls() {
		if c.Method == "POST" && c.Path == "/2/users/"+brand.XUserID+"/retweets" && c.Status == 200 {
			retweets++
		}
	}
	if got := e.message(tw); retweets != 1 || !got.RetweetedByHandle(brand.HandleID) {
		t.Errorf("%d Retweets at X; retweeted_by = %v", retweets, got.RetweetedBy)
	}

	// A Tweet X does not have: the Retweet is refused and taken back.
	ghost := &casework.Message{ID: casework.NewID(time.Now()), CaseID: first.CaseID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
		Text: "gone", Status: casework.StatusReceived, XID: "1999999999999999999", Author: casework.Author{CustomerID: sample.Customers[0].ID}}
	if err := e.store.PutMessage(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Retweet(ctx, ghost.CaseID, ghost.ID, brand.HandleID); err != nil {
		t.Fatal(err)
	}
	if !e.message(ghost).RetweetedByHandle(brand.HandleID) {
		t.Fatal("the console API did not record the Retweet")
	}
	e.drain()
	if got := e.message(ghost); got.RetweetedByHandle(brand.HandleID) {
		t.Errorf("a Retweet X refused is still shown: %v", got.RetweetedBy)
	}
}

func TestFollowRecordsTheNewState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ctx := context.Background()
	bob, brand := sample.Customers[1], sample.Brands[0]
	if _, _, err := e.svc.Follow(ctx, bob.ID, brand.HandleID); err != nil {
		t.Fatal(err)
	}
	if f, _ := e.store.Follow(ctx, bob.ID, brand.HandleID); f.Pending != casework.ActionFollow {
		t.Fatalf("before the worker: %+v", f)
	}
	e.drain()
	f, err := e.store.Follow(ctx, bob.ID, brand.HandleID)
	if err != nil {
		t.Fatal(err)
	}
	if !f.BrandFollowsCustomer || f.Pending != "" {
		t.Errorf("after the worker: %+v, want following and nothing pending", f)
	}
	if _, _, err := e.svc.Unfollow(ctx, bob.ID, brand.HandleID); err != nil {
		t.Fatal(err)
	}
	e.drain()
	if f, _ = e.store.Follow(ctx, bob.ID, brand.HandleID); f.BrandFollowsCustomer || f.Pending != "" {
		t.Errorf("after unfollow: %+v", f)
	}
}

// TestRefusedDMCorrectsTheFollowState: the store says the customer follows
// @AcmeSupport, but on X she no longer does (the unfollow never reached
// us, or X Activity's untimed follow events were applied out of order). X
// refuses the DM; the message fails with X's reason and the follow state
// is corrected, so DM is no longer offered.
func TestRefusedDMCorrectsTheFollowState(t *testing.T) {
	e := newEnv(t, options{})
	e.chatBrand()
	e.chatCustomer("alice_follows")
	ctx := context.Background()
	alice, brand := sample.Customers[0], sample.Brands[0]
	first := e.createCase("@alice_follows first")
	e.runUntil(10*time.Second, e.final(first))
	req, _ := http.NewRequest("DELETE", e.simURL+"/sim/users/alice_follows/following/AcmeSupport", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode >= 300 {
		t.Fatalf("unfollow on X: %v %v", err, resp)
	}
	resp.Body.Close()
	// She takes DMs only from accounts she follows (receives_your_dm false).
	e.call("PUT", "/sim/users/alice_follows/dm-settings", "", []byte(`{"allow_dms_from":"following"}`), nil)
	dm, err := e.svc.Reply(ctx, casework.ReplyRequest{CaseID: first.CaseID, Mode: casework.TextMode("dm"), Text: "a private word"})
	if err != nil {
		t.Fatalf("the store still says she follows, so DM is offered: %v", err)
	}
	e.runUntil(10*time.Second, e.final(dm))
	if got := e.message(dm); got.Status != casework.StatusFailed || got.Error == nil {
		t.Errorf("refused DM = %+v", got)
	}
	f, err := e.store.Follow(ctx, alice.ID, brand.HandleID)
	if err != nil || f.CustomerFollowsBrand {
		t.Errorf("follow state %+v (%v), want corrected to not following", f, err)
	}
	if _, err := e.svc.Reply(ctx, casework.ReplyRequest{CaseID: first.CaseID, Mode: casework.TextMode("dm"), Text: "again"}); casework.ErrorCode(err) != casework.EDMNotAllowed {
		t.Errorf("a second DM = %v, want dm_not_allowed", err)
	}
}
