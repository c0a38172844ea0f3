package rie_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/infra/rie"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/webhook"
)

// The console function: the health check without a token, the customer
// search with the authorizer's claims (and CORS for the console's origin),
// 401 without them.
func TestConsole(t *testing.T) {
	d := deploy(t)
	fn := d.start("console")

	resp := call(t, fn, event(t, "healthz.json"), 200)
	if resp.Body != "{\"status\":\"ok\"}\n" {
		t.Errorf("healthz body = %q", resp.Body)
	}
	search := event(t, "customers-search.json")
	resp = call(t, fn, search, 200)
	if !strings.Contains(resp.Body, sample.Customers[0].ID) {
		t.Errorf("search body = %s", resp.Body)
	}
	if got := resp.Headers["Access-Control-Allow-Origin"]; got != consoleOrigin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q (ALLOWED_ORIGINS)", got, consoleOrigin)
	}
	call(t, fn, event(t, "customers-search-no-jwt.json"), 401)
}

// The customers function: a customer created with a Twitter handle looked
// up on X as a connected brand handle (credentials from Secrets Manager),
// and a phone read in the deployment's default region.
func TestCustomers(t *testing.T) {
	d := deploy(t)
	sim := d.withX()
	fn := d.start("customers")
	search := event(t, "customers-search.json")

	userID := createXUser(t, sim, "dana_online")
	resp := call(t, fn, request(search, "POST", "/v1/customers",
		`{"name":"Dana Online","emails":["dana@example.com"],"phones":["(555) 010-0042"],"twitter_handle":"@dana_online"}`), 201)
	if !strings.Contains(resp.Body, `"x_user_id":"`+userID+`"`) {
		t.Errorf("created customer = %s, want X user %s", resp.Body, userID)
	}
	// The lookup signs as a connected brand handle: the app's and that
	// handle's credentials came through Secrets Manager.
	if setup.secrets.reads(appSecretName) == 0 {
		t.Errorf("the X app secret %s was not read from Secrets Manager", appSecretName)
	}
	var brandReads int
	for _, b := range sample.Brands {
		brandReads += setup.secrets.reads(b.Secret)
	}
	if brandReads == 0 {
		t.Error("no brand handle's secret was read from Secrets Manager")
	}
}

// createXUser adds an account to the X simulator and returns its id.
func createXUser(t *testing.T, sim *xsim.Sim, username string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	sim.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/sim/users", strings.NewReader(`{"username":"`+username+`"}`)))
	if rec.Code != 201 {
		t.Fatalf("xsim: create @%s: %d %s", username, rec.Code, rec.Body)
	}
	return sim.UserID(username)
}

// The create-case function writes the case and queues its Tweet once,
// however often the same Idempotency-Key comes; nothing without a JWT.
func TestCreateCase(t *testing.T) {
	d := deploy(t)
	fn := d.start("create-case")
	ev := event(t, "create-case.json")

	resp := call(t, fn, ev, 201)
	cmds := d.commands()
	if len(cmds) != 1 || cmds[0].Kind != casework.CmdTweet || cmds[0].HandleID != sample.Brands[0].HandleID {
		t.Fatalf("commands = %+v", cmds)
	}
	if again := call(t, fn, ev, 201); again.Body != resp.Body || again.Headers["Idempotent-Replayed"] != "true" {
		t.Errorf("replay = %s %v, want the first answer replayed", again.Body, again.Headers)
	}
	if cmds := d.commands(); len(cmds) != 0 {
		t.Errorf("the replay queued %+v", cmds)
	}
	call(t, fn, withoutJWT(ev), 401)
	if cmds := d.commands(); len(cmds) != 0 {
		t.Errorf("an unauthenticated request queued %+v", cmds)
	}
}

// The reply function queues the sample DM reply and counts text as the
// server judges it.
func TestReply(t *testing.T) {
	d := deploy(t)
	d.sampleCase()
	fn := d.start("reply")

	call(t, fn, event(t, "reply.json"), 202)
	if cmds := d.commands(); len(cmds) != 1 || cmds[0].Kind != casework.CmdDM || cmds[0].CaseID != sampleCaseID {
		t.Fatalf("commands = %+v", cmds)
	}
	resp := call(t, fn, event(t, "text-count.json"), 200)
	var count struct {
		WeightedLength int  `json:"weighted_length"`
		MaxLength      int  `json:"max_length"`
		Valid          bool `json:"valid"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &count); err != nil {
		t.Fatal(err)
	}
	// "@alice_follows " 15, "你好" 4, " " 1, "👋" 2, " " 1, the URL 23; TWEET_MAX_LENGTH 140.
	if count.WeightedLength != 46 || count.MaxLength != 140 || !count.Valid {
		t.Errorf("count = %+v", count)
	}
	call(t, fn, withoutJWT(event(t, "reply.json")), 401)
}

// The retweet function queues a Retweet once, then answers 200.
func TestRetweet(t *testing.T) {
	d := deploy(t)
	d.sampleCase()
	fn := d.start("retweet")
	ev := event(t, "retweet.json")

	call(t, fn, ev, 202)
	if cmds := d.commands(); len(cmds) != 1 || cmds[0].Kind != casework.CmdRetweet || cmds[0].MessageID != sampleMessageID {
		t.Fatalf("commands = %+v", cmds)
	}
	call(t, fn, ev, 200)
	if cmds := d.commands(); len(cmds) != 0 {
		t.Errorf("a second Retweet queued %+v", cmds)
	}
}

// The follow function queues a follow, and sets a customer's Twitter
// handle looked up on X.
func TestFollow(t *testing.T) {
	d := deploy(t)
	sim := d.withX()
	fn := d.start("follow")
	ev := event(t, "follow.json")

	resp := call(t, fn, ev, 202)
	if !strings.Contains(resp.Body, `"pending":"follow"`) {
		t.Errorf("body = %s", resp.Body)
	}
	if cmds := d.commands(); len(cmds) != 1 || cmds[0].Kind != casework.CmdFollow || cmds[0].CustomerID != sample.Customers[1].ID {
		t.Fatalf("commands = %+v", cmds)
	}
	userID := createXUser(t, sim, "carol_online")
	carol := sample.Customers[2]
	resp = call(t, fn, request(ev, "PUT", "/v1/customers/"+carol.ID+"/twitter", `{"handle":"@carol_online"}`), 200)
	if !strings.Contains(resp.Body, `"x_user_id":"`+userID+`"`) {
		t.Errorf("body = %s, want X user %s", resp.Body, userID)
	}
	call(t, fn, withoutJWT(ev), 401)
}

// The webhook answers X's CRC with the consumer secret read from Secrets
// Manager, queues a signed delivery byte for byte, and refuses a bad
// signature.
func TestTwitterWebhook(t *testing.T) {
	d := deploy(t)
	fn := d.start("twitter-webhook")

	crc := event(t, "webhook-crc.json")
	resp := call(t, fn, crc, 200)
	want := `{"response_token":"` + webhook.ResponseToken(sample.ConsumerSecret, crc.QueryStringParameters["crc_token"]) + `"}` + "\n"
	if resp.Body != want {
		t.Errorf("CRC answer = %q, want %q", resp.Body, want)
	}
	if setup.secrets.reads(appSecretName) == 0 {
		t.Error("the consumer secret was not read from Secrets Manager")
	}

	post := event(t, "webhook-post.json")
	call(t, fn, post, 200)
	msgs := d.receive(queues.Inbound.Name, true)
	if len(msgs) != 1 || aws.ToString(msgs[0].Body) != post.Body {
		t.Fatalf("inbound queue holds %d messages, want the delivery's body", len(msgs))
	}

	forged := post
	forged.Headers = map[string]string{}
	for k, v := range post.Headers {
		forged.Headers[k] = v
	}
	forged.Headers["x-twitter-webhooks-signature"] = "sha256=" + strings.Repeat("A", 43) + "="
	call(t, fn, forged, 401)
	if msgs := d.receive(queues.Inbound.Name, true); len(msgs) != 0 {
		t.Errorf("a forged delivery was queued")
	}
}

// The inbound worker applies the sample batch (partial-failure response,
// no failures) and applies it again without change.
func TestInboundWorker(t *testing.T) {
	d := deploy(t)
	fn := d.start("inbound-worker")
	raw, err := os.ReadFile(filepath.Join(setup.root, "events", "sqs", "inbound-batch.json"))
	if err != nil {
		t.Fatal(err)
	}

	var first int
	for round := range 2 {
		var resp events.SQSEventResponse
		if err := fn.Invoke(context.Background(), raw, &resp); err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("round %d: failures %+v", round, resp.BatchItemFailures)
		}
		cases, err := d.store.CasesOfCustomer(context.Background(), sample.Customers[0].ID, "", casework.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case round == 0 && len(cases.Items) == 0:
			t.Fatal("the sample batch made no case for alice_follows")
		case round == 0:
			first = len(cases.Items)
		case len(cases.Items) != first:
			t.Errorf("the redelivered batch changed alice_follows's cases: %d, then %d", first, len(cases.Items))
		}
	}
}

// The outbound worker Tweets what create-case queued, taken off the queue
// as Lambda's event source mapping hands it over: first X answers 429 and
// the worker puts the message back until X's reset (ChangeMessageVisibility
// on the queue) and reports it failed; then it posts the Tweet as the brand
// handle (credentials from Secrets Manager) and records X's id.
func TestOutboundWorker(t *testing.T) {
	d := deploy(t)
	sim := d.withX()
	create := d.start("create-case")
	worker := d.start("outbound-worker")
	ctx := context.Background()

	var created struct {
		Message struct {
			ID     string `json:"id"`
			CaseID string `json:"case_id"`
		} `json:"message"`
	}
	resp := call(t, create, event(t, "create-case.json"), 201)
	if err := json.Unmarshal([]byte(resp.Body), &created); err != nil {
		t.Fatal(err)
	}
	caseID, msgID := created.Message.CaseID, created.Message.ID

	sim.AddFault("/2/tweets", 429, 1, time.Minute)
	msgs := d.receive(queues.Outbound.Name, false)
	if len(msgs) != 1 {
		t.Fatalf("%d commands queued, want 1", len(msgs))
	}
	var out events.SQSEventResponse
	if err := worker.Invoke(ctx, d.sqsEvent(queues.Outbound.Name, msgs), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.BatchItemFailures) != 1 || out.BatchItemFailures[0].ItemIdentifier != aws.ToString(msgs[0].MessageId) {
		t.Fatalf("after a 429: failures %+v, want the message", out.BatchItemFailures)
	}
	if again := d.receive(queues.Outbound.Name, false); len(again) != 0 {
		t.Errorf("the rate-limited command is visible again at once; want it held until X's reset")
	}
	if m, err := d.store.GetMessage(ctx, caseID, msgID); err != nil || m.Status == casework.StatusFailed {
		t.Fatalf("after a 429 the message is %+v (%v), want it still to be sent", m, err)
	}

	// Make it visible again rather than wait for X's reset.
	if _, err := d.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(d.urls[queues.Outbound.Name]), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0,
	}); err != nil {
		t.Fatal(err)
	}
	msgs = d.receive(queues.Outbound.Name, false)
	if len(msgs) != 1 {
		t.Fatalf("%d commands visible after the reset, want 1", len(msgs))
	}
	if err := worker.Invoke(ctx, d.sqsEvent(queues.Outbound.Name, msgs), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", out.BatchItemFailures)
	}
	m, err := d.store.GetMessage(ctx, caseID, msgID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != casework.StatusSent || m.XID == "" {
		t.Errorf("message = %+v, want sent with X's id", m)
	}
	var tweeted bool
	for _, c := range sim.Calls() {
		if c.Method == "POST" && c.Path == "/2/tweets" && c.Status == 201 && c.Username == sample.Brands[0].ScreenName {
			tweeted = true
		}
	}
	if !tweeted {
		t.Errorf("X saw no Tweet by @%s: %+v", sample.Brands[0].ScreenName, sim.Calls())
	}
}

// A function whose environment lacks what it needs fails its init: Lambda
// (here the emulator) answers 502, and the log says why.
func TestMissingConfigurationFailsInit(t *testing.T) {
	d := deploy(t)
	fn := d.start("create-case", func(env map[string]string) { delete(env, "OUTBOUND_QUEUE_URL") })
	err := fn.Invoke(context.Background(), event(t, "create-case.json"), nil)
	if err == nil || rie.IsFunctionError(err) || !strings.Contains(err.Error(), "502") {
		t.Fatalf("invoke = %v, want the emulator's 502 for a failed init", err)
	}
	// The function's output reaches the logs through a pipe, possibly after
	// the emulator has answered: wait for it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if logs, err := fn.WaitForLogs(ctx, "OUTBOUND_QUEUE_URL is not set"); err != nil {
		t.Errorf("the logs do not say why: %v\n%s", err, logs)
	}
}

// The reconciler, invoked with the schedule's event, hands a message whose
// command never reached the queue (a crash between writing it and queueing
// it) back to the outbound queue, once.
func TestReconciler(t *testing.T) {
	d := deploy(t)
	fn := d.start("reconciler")
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Hour)
	cust, brand := sample.Customers[0], sample.Brands[0]
	c := &casework.Case{ID: "01JDSAMPLECASE00000000LOST", CustomerID: cust.ID, HandleID: brand.HandleID, Channel: casework.ChannelTweet,
		Status: casework.CaseOpen, CreatedAt: at, UpdatedAt: at, LastActivityAt: at}
	m := &casework.Message{ID: "01JDSAMPLEMESSAGE0000LOST", CaseID: c.ID, Direction: casework.DirectionOut, Kind: casework.KindTweet,
		Text: "@" + cust.Handle + " lost in a crash", Status: casework.StatusQueued, Author: casework.Author{HandleID: brand.HandleID}, CreatedAt: at}
	cmd := casework.Command{ID: m.ID, Kind: casework.CmdTweet, HandleID: brand.HandleID, CaseID: c.ID, MessageID: m.ID, CreatedAt: at}
	if err := d.store.PutWork(ctx, casework.Work{Command: cmd, DueAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := d.store.PutCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := d.store.PutMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(setup.root, "events", "eventbridge", "scheduled.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Stale    int `json:"stale"`
		Requeued int `json:"requeued"`
	}
	if err := fn.Invoke(ctx, json.RawMessage(raw), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Stale != 1 || rep.Requeued != 1 {
		t.Errorf("report %+v, want the lost message handed back", rep)
	}
	cmds := d.commands()
	if len(cmds) != 1 || cmds[0].Kind != casework.CmdTweet || cmds[0].MessageID != m.ID || cmds[0].CaseID != c.ID {
		t.Fatalf("commands = %+v, want the lost Tweet's", cmds)
	}
	if err := fn.Invoke(ctx, json.RawMessage(raw), &rep); err != nil || rep.Requeued != 0 {
		t.Errorf("a second run right after: %+v, %v; want nothing handed back (the command is live)", rep, err)
	}
}
