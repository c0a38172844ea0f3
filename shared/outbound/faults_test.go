package outbound

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

// reply queues a reply in the case and returns its message.
func (e *env) reply(caseID string, mode casework.TextMode, text string) *casework.Message {
	e.t.Helper()
	m, err := e.svc.Reply(context.Background(), casework.ReplyRequest{CaseID: caseID, Mode: mode, Text: text})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// dmsSent counts the DMs the simulator accepted.

// dlqDepth is how many commands the dead-letter queue holds.
func (e *env) dlqDepth() int {
	e.t.Helper()
	out, err := e.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(e.dlqURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	_ = json.Unmarshal([]byte(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)]), &n)
	return n
}

// noWorkLeft checks that nothing is left unresolved for the reconciler.
func (e *env) noWorkLeft() {
	e.t.Helper()
	left, err := e.store.StaleWork(context.Background(), time.Now().Add(24*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	if len(left) != 0 {
		e.t.Errorf("work left unresolved: %+v", left)
	}
}

// A reply differing from an earlier one only in its URL, with a 500 on its
// first post, is its own Tweet: the look-up before sending again compares
// the URLs (X shows them as t.co links), not just the words.
func TestRetryAfter5xxDoesNotAdoptATweetWithAnotherURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	first := e.createCase("@alice_follows hi")
	e.runUntil(10*time.Second, e.final(first))
	e.customerTweet(first.CaseID, e.message(first).XID)
	a := e.reply(first.CaseID, casework.ModeMention, "@alice_follows the answer is at https://acme.com/help/a")
	e.runUntil(10*time.Second, e.final(a))
	e.sim.AddFault("/2/tweets", 500, 1, 0)
	b := e.reply(first.CaseID, casework.ModeMention, "@alice_follows the answer is at https://acme.com/help/b")
	e.runUntil(15*time.Second, e.final(b))
	gotA, gotB := e.message(a), e.message(b)
	if gotB.Status != casework.StatusSent || gotB.XID == "" || gotB.XID == gotA.XID {
		t.Fatalf("second reply = %+v %+v; first's X id %s", gotB, gotB.Error, gotA.XID)
	}
	if n := e.tweetsPosted(); n != 3 {
		t.Errorf("%d Tweets posted, want 3 (the case's, then two replies)", n)
	}
	e.noWorkLeft()
}

// Two identical DMs, a 500 on the second: the second is sent, its own X
// Chat message (each DM's payload has its own signed message_id).
func TestIdenticalDMsAfter5xxAreTwoDMs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.chatBrand()
	alice := e.chatCustomer("alice_follows")
	first := e.createCase("@alice_follows hi")
	e.runUntil(10*time.Second, e.final(first))
	a := e.reply(first.CaseID, casework.ModeDM, "Thanks, we're on it")
	e.runUntil(60*time.Second, e.final(a))
	e.sim.AddFault("/2/chat/conversations/", 500, 1, 0)
	b := e.reply(first.CaseID, casework.ModeDM, "Thanks, we're on it")
	e.runUntil(15*time.Second, e.final(b))
	gotA, gotB := e.message(a), e.message(b)
	if gotB.Status != casework.StatusSent || gotB.XID == "" || gotB.XID == gotA.XID {
		t.Fatalf("second DM = %+v %+v; first's X id %s", gotB, gotB.Error, gotA.XID)
	}
	if n := e.chatMessagesOnX(); n != 2 {
		t.Errorf("%d DMs sent, want 2", n)
	}
	if got := e.reads(alice, sample.Brands[0].XUserID); len(got) != 2 {
		t.Errorf("the customer reads %q, want the two DMs", got)
	}
	e.noWorkLeft()
}

// Ten 429s in a row, each resetting a second later, then X takes the
// Tweet: waiting is not a fault, and the message is sent.
func TestRunOfRateLimitsThenSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.sim.AddFault("/2/tweets", 429, 10, time.Second)
	m := e.createCase("@alice_follows after ten rate limits")
	e.runUntil(40*time.Second, e.final(m))
	if got := e.message(m); got.Status != casework.StatusSent || got.XID == "" {
		t.Fatalf("message = %+v %+v, want sent", got, got.Error)
	}
	if n := e.tweetsPosted(); n != 1 {
		t.Errorf("%d Tweets posted, want 1", n)
	}
	if n := e.dlqDepth(); n != 0 {
		t.Errorf("%d commands in the dead-letter queue", n)
	}
	e.noWorkLeft()
}

// More rate limits in a row than the queue delivers a message (here 8
// deliveries, 12 refusals, X's limit resetting every second): the worker
// keeps waiting out X's limits, queueing the command again as a new
// message when its deliveries run low, and the message is sent once, with
// nothing dead-lettered and no X call before a reset (issue 21 item 5:
// the message failed x_rate_limited on its last delivery).
func TestRateLimitsOutlastTheMessagesDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{maxReceives: 8})
	e.sim.AddFault("/2/tweets", 429, 12, time.Second)
	m := e.createCase("@alice_follows after more rate limits than deliveries")
	e.runUntil(60*time.Second, e.final(m))
	if got := e.message(m); got.Status != casework.StatusSent || got.XID == "" {
		t.Fatalf("message = %+v %+v, want sent", got, got.Error)
	}
	if n := e.tweetsPosted(); n != 1 {
		t.Errorf("%d Tweets posted, want 1", n)
	}
	calls := 0
	for _, c := range e.sim.Calls() {
		if c.Method == "POST" && c.Path == "/2/tweets" {
			calls++
		}
	}
	if calls != 13 {
		t.Errorf("X was asked to post %d times, want 13 (12 refused, 1 taken)", calls)
	}
	if n := e.dlqDepth(); n != 0 {
		t.Errorf("%d commands in the dead-letter queue", n)
	}
	e.noWorkLeft()
}

// An endless run of rate limits: past the budget the message fails with
// x_rate_limited and X's reason; nothing stays queued or dead-lettered.
func TestEndlessRateLimitsFailTheMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateBudget: 2 * time.Second})
	e.sim.AddFault("/2/tweets", 429, 1000, time.Second)
	m := e.createCase("@alice_follows never allowed")
	e.runUntil(30*time.Second, e.final(m))
	got := e.message(m)
	if got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != "x_rate_limited" ||
		!strings.Contains(got.Error.Detail, "Too Many Requests") {
		t.Fatalf("message = %+v %+v, want failed x_rate_limited with X's reason", got, got.Error)
	}
	if n := e.dlqDepth(); n != 0 {
		t.Errorf("%d commands in the dead-letter queue", n)
	}
	e.noWorkLeft()
}

// A reset X puts beyond the budget (a daily cap) fails the message at once.
func TestRateLimitResettingBeyondTheBudgetFailsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateBudget: time.Minute})
	e.sim.AddFault("/2/tweets", 429, 1, time.Hour)
	m := e.createCase("@alice_follows over the daily cap")
	e.runUntil(10*time.Second, e.final(m))
	if got := e.message(m); got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != "x_rate_limited" {
		t.Fatalf("message = %+v %+v, want failed x_rate_limited", got, got.Error)
	}
}

// The queue's last delivery makes any failure final, so nothing reaches
// the dead-letter queue still queued.
func TestLastDeliveryFailsTheMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.sim.AddFault("/2/tweets", 503, 1, 0)
	m := e.createCase("@alice_follows on the last delivery")
	rec := e.receiveOne()
	rec.Attributes["ApproximateReceiveCount"] = "20"
	resp, err := e.worker.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{rec}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want done", resp, err)
	}
	if got := e.message(m); got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != "x_unavailable" {
		t.Fatalf("message = %+v %+v, want failed x_unavailable", got, got.Error)
	}
}

// receiveOne takes the next command off the queue as Lambda would hand it over.
func (e *env) receiveOne() events.SQSMessage {
	e.t.Helper()
	recs := e.receive(1)
	return recs[0]
}

// receive takes n commands off the queue (they come back after the
// queue's visibility timeout unless deleted).
func (e *env) receive(n int) []events.SQSMessage {
	e.t.Helper()
	var recs []events.SQSMessage
	deadline := time.Now().Add(10 * time.Second)
	for len(recs) < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("received %d of %d commands", len(recs), n)
		}
		out, err := e.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.queueURL),
			MaxNumberOfMessages: int32(n - len(recs)), WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, m := range out.Messages {
			recs = append(recs, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
				Body: aws.ToString(m.Body), Attributes: m.Attributes})
		}
	}
	return recs
}

// A failing DM in one customer's case holds up only that case: another
// customer's Tweet in the same batch is sent, and only the failing command
// and the later one of its own case come back.
func TestFaultStaysWithItsCase(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{backoff: func(int) time.Duration { return time.Minute }})
	e.chatBrand()
	e.chatCustomer("alice_follows")
	ctx := context.Background()
	first := e.createCase("@alice_follows hi")
	e.runUntil(10*time.Second, e.final(first))
	e.sim.AddFault("/2/chat/conversations/", 500, 100, 0)
	dm := e.reply(first.CaseID, casework.ModeDM, "a DM X keeps failing")
	later := e.reply(first.CaseID, casework.ModeDM, "and one after it")
	_, other, err := e.svc.CreateCase(ctx, casework.NewCase{CustomerID: sample.Customers[1].ID, HandleID: sample.Brands[0].HandleID,
		Text: "@bob_stranger another customer's case"})
	if err != nil {
		t.Fatal(err)
	}
	// The batch as Lambda may hand it over, mixing groups, the failing DM
	// first (built from the commands the service queued).
	brand, alice := sample.Brands[0], sample.Customers[0]
	record := func(cmd casework.Command) events.SQSMessage {
		body, _ := json.Marshal(cmd)
		return events.SQSMessage{MessageId: "sqs-" + cmd.ID, Body: string(body),
			Attributes: map[string]string{"ApproximateReceiveCount": "1", "MessageGroupId": cmd.GroupID()}}
	}
	batch := []events.SQSMessage{
		record(casework.Command{ID: dm.ID, Kind: casework.CmdDM, HandleID: brand.HandleID, CaseID: dm.CaseID, MessageID: dm.ID, CustomerID: alice.ID}),
		record(casework.Command{ID: other.ID, Kind: casework.CmdTweet, HandleID: brand.HandleID, CaseID: other.CaseID, MessageID: other.ID}),
		record(casework.Command{ID: later.ID, Kind: casework.CmdDM, HandleID: brand.HandleID, CaseID: later.CaseID, MessageID: later.ID, CustomerID: alice.ID}),
	}
	ids := map[string]string{dm.ID: "sqs-" + dm.ID, later.ID: "sqs-" + later.ID}
	resp, err := e.worker.Handle(ctx, events.SQSEvent{Records: batch})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if want := []string{ids[dm.ID], ids[later.ID]}; !slices.Equal(failed, want) {
		t.Errorf("batch item failures %v, want the DM and the later DM of its case %v", failed, want)
	}
	if got := e.message(other); got.Status != casework.StatusSent {
		t.Errorf("the other customer's Tweet = %s %+v, want sent at once", got.Status, got.Error)
	}
	if got := e.message(later); got.Status != casework.StatusQueued {
		t.Errorf("the later DM of the failing case = %s, want still queued behind the first", got.Status)
	}
}

// X refuses a DM because the customer does not follow the brand handle:
// the message fails with dm_not_allowed (the API's own code for it) and
// the follow state is corrected, so the console stops offering DMs.
func TestDMRefusedForLackOfFollowCorrectsTheFollowState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	e.chatBrand()
	e.chatCustomer("bob_stranger")
	ctx := context.Background()
	bob, brand := sample.Customers[1], sample.Brands[0]
	// The store believes bob follows @AcmeSupport (an unfollow event was lost).
	if _, err := e.store.SetCustomerFollowsBrand(ctx, bob.ID, brand.HandleID, true, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, first, err := e.svc.CreateCase(ctx, casework.NewCase{CustomerID: bob.ID, HandleID: brand.HandleID, Text: "@bob_stranger hello"})
	if err != nil {
		t.Fatal(err)
	}
	e.runUntil(10*time.Second, e.final(first))
	dm := e.reply(first.CaseID, casework.ModeDM, "a private word")
	e.runUntil(60*time.Second, e.final(dm))
	got := e.message(dm)
	if got.Status != casework.StatusFailed || got.Error == nil || got.Error.Code != casework.EDMNotAllowed {
		t.Fatalf("DM = %+v %+v, want failed dm_not_allowed", got, got.Error)
	}
	f, err := e.store.Follow(ctx, bob.ID, brand.HandleID)
	if err != nil || f.CustomerFollowsBrand {
		t.Errorf("follow state %+v, %v; want the customer not following", f, err)
	}
	if _, err := e.svc.Reply(ctx, casework.ReplyRequest{CaseID: first.CaseID, Mode: casework.ModeDM, Text: "again"}); casework.ErrorCode(err) != casework.EDMNotAllowed {
		t.Errorf("another DM reply: %v, want dm_not_allowed before queueing", err)
	}
}

// A follow of a protected account is a follow request: it stays pending
// (not followed) until the customer accepts, which X reports with a follow
// event (applied by the inbound worker; see the local run's test).
func TestFollowOfProtectedAccountStaysPending(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ctx := context.Background()
	resp, err := http.Post(e.simURL+"/sim/users", "application/json", strings.NewReader(`{"username":"dora_private","name":"Dora","protected":true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	created, err := e.svc.CreateCustomer(ctx, casework.NewCustomer{Name: "Dora", TwitterHandle: "dora_private"})
	if err != nil {
		t.Fatal(err)
	}
	cust := created.Customer
	brand := sample.Brands[0]
	if _, _, err := e.svc.Follow(ctx, cust.ID, brand.HandleID); err != nil {
		t.Fatal(err)
	}
	e.drain()
	f, err := e.store.Follow(ctx, cust.ID, brand.HandleID)
	if err != nil {
		t.Fatal(err)
	}
	if f.BrandFollowsCustomer || f.Pending != casework.ActionFollow {
		t.Errorf("after X's answer: %+v, want not following and the follow pending", f)
	}
	e.noWorkLeft()
}
