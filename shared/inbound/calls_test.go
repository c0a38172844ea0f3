package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/handlecache"
)

// TestDynamoDBCallsPerEvent pins how many DynamoDB requests the worker
// makes for a customer's mention (issue 13: ≤ 9 per event), with the store
// wired as functions/inbound-worker wires it (brand handles cached, here
// warm as on a busy instance). The counts are exact, not ceilings: a change
// that adds a call fails here, and one that saves a call lowers the number
// in the same commit.
func TestDynamoDBCallsPerEvent(t *testing.T) {
	ctx := context.Background()
	var calls localaws.CallLog
	client := localaws.CountingDynamoDBClient(local.DynamoDBEndpoint, &calls)
	store := handlecache.New(newTable(t, client, "inbound-calls"), time.Hour, nil)
	if _, err := store.ListHandles(ctx); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	worker := New(casework.NewInbound(store, nil, quiet), quiet)
	calls.Take()

	steps := []struct {
		name            string
		tweetID, author string
		want            int
	}{
		// The recall (no customer, no former owner of the X account),
		// a new customer (its two claims, its look-up items in one batch,
		// itself), the message (its X id's claim, itself), the new case,
		// the closing mark, the delivery's cost added to the brand's month
		// (what X bills for it, issue 22).
		{"mention from a new user", "8001", "3000000000000000001", 10},
		// The recall and the customer it names; the message, the case,
		// the mark, the cost.
		{"mention from a known customer", "8002", "3000000000000000001", 7},
		// The event's record answers.
		{"the same mention again", "8002", "3000000000000000001", 1},
	}
	for i, st := range steps {
		body := fmt.Sprintf(`{"for_user_id":%q,"tweet_create_events":[{"id_str":%q,"text":"@AcmeSupport hi","timestamp_ms":"1764500000000",`+
			`"user":{"id_str":%q,"screen_name":"dana_%s","name":"Dana Whitfield"},"entities":{"user_mentions":[{"id_str":%q,"screen_name":"AcmeSupport"}]}}]}`,
			brandX, st.tweetID, st.author, st.author[len(st.author)-4:], brandX)
		batch := events.SQSEvent{Records: []events.SQSMessage{{MessageId: fmt.Sprint("c", i), Body: body}}}
		resp, err := worker.Handle(ctx, batch)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("%s: %v %+v", st.name, err, resp.BatchItemFailures)
		}
		ops := calls.Take()
		if len(ops) != st.want {
			t.Errorf("%s: %d DynamoDB calls, want %d: %s", st.name, len(ops), st.want, strings.Join(ops, ", "))
		} else {
			t.Logf("%s: %s", st.name, strings.Join(ops, ", "))
		}
	}
}

// TestBatchOfNewUsersSharesCalls: ten mentions from ten users nobody
// knows, in one batch, make ten customers with a case and the message
// each, in fewer DynamoDB calls than the 10 an event takes alone (100): the
// recalls and look-up writes made at the same moment share calls (see
// dynamo's coalescer; ten events start together and each waits on the
// network, so some always overlap); the batch delivered again is skipped
// by each event's record.
func TestBatchOfNewUsersSharesCalls(t *testing.T) {
	ctx := context.Background()
	var calls localaws.CallLog
	client := localaws.CountingDynamoDBClient(local.DynamoDBEndpoint, &calls)
	store := newTable(t, client, "inbound-batch")
	cached := handlecache.New(store, time.Hour, nil)
	if _, err := cached.ListHandles(ctx); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	worker := New(casework.NewInbound(cached, nil, quiet), quiet)
	var batch events.SQSEvent
	for i := range 10 {
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: fmt.Sprint("n", i),
			Body: mentionBody(fmt.Sprint(9100+i), fmt.Sprint(3100000000000000000+i))})
	}
	calls.Take()
	for round, most := range []int{10*10 - 1, 10} {
		resp, err := worker.Handle(ctx, batch)
		if err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatalf("round %d: %v %+v", round, err, resp.BatchItemFailures)
		}
		if ops := calls.Take(); len(ops) > most {
			t.Errorf("round %d: %d DynamoDB calls for 10 events, want at most %d: %s", round, len(ops), most, strings.Join(ops, ", "))
		}
	}
	for i := range 10 {
		c, err := store.CustomerByXUserID(ctx, fmt.Sprint(3100000000000000000+i))
		if err != nil {
			t.Fatalf("user %d: %v", i, err)
		}
		cases, err := store.CasesOfCustomer(ctx, c.ID, "", casework.PageRequest{})
		if err != nil || len(cases.Items) != 1 {
			t.Fatalf("user %d: cases %+v (%v), want one", i, cases.Items, err)
		}
		msgs, err := store.MessagesOfCase(ctx, cases.Items[0].ID, casework.PageRequest{})
		if err != nil || len(msgs.Items) != 1 || msgs.Items[0].XID != fmt.Sprint(9100+i) || msgs.Items[0].Author.CustomerID != c.ID {
			t.Errorf("user %d: messages %+v (%v), want their own Tweet once", i, msgs.Items, err)
		}
	}
	// Their look-up items (the name word "u" of each) were all written.
	if named, err := store.CustomersByNamePrefix(ctx, "u", casework.PageRequest{Limit: 50}); err != nil || len(named.Items) != 10 {
		t.Errorf("customers named U: %d (%v), want 10", len(named.Items), err)
	}
}
