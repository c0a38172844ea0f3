package sqsqueue

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/queues"
)

var local = &localawstest.Servers{SQS: true}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

// client talks to the test binary's SQS server.
func client() *sqs.Client { return localaws.SQSClient(local.SQSEndpoint) }

func queueURLs(t *testing.T) localaws.QueueURLs {
	t.Helper()
	prefix := strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")) + "-"
	urls, err := localaws.EnsureQueues(context.Background(), client(), prefix, queues.Definitions)
	if err != nil {
		t.Fatal(err)
	}
	return urls
}

func receive(t *testing.T, url string) []sqstypes.Message {
	t.Helper()
	out, err := client().ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameMessageGroupId},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

func TestEnqueueCommand(t *testing.T) {
	url := queueURLs(t)[queues.Outbound.Name]
	q := New(client(), url)
	cmd := casework.Command{ID: "01JDCMD", Kind: casework.CmdTweet, HandleID: "h1", CaseID: "c1", MessageID: "m1",
		CreatedAt: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	for range 2 { // the repeat is deduplicated by the command id
		if err := q.Enqueue(context.Background(), cmd); err != nil {
			t.Fatal(err)
		}
	}
	msgs := receive(t, url)
	if len(msgs) != 1 {
		t.Fatalf("received %d messages, want 1", len(msgs))
	}
	var got casework.Command
	if err := json.Unmarshal([]byte(aws.ToString(msgs[0].Body)), &got); err != nil {
		t.Fatal(err)
	}
	if got != cmd {
		t.Errorf("command = %+v, want %+v", got, cmd)
	}
	if g := msgs[0].Attributes[string(sqstypes.MessageSystemAttributeNameMessageGroupId)]; g != "case-c1" {
		t.Errorf("group = %q, want case-c1", g)
	}
}

func TestSendToStandardQueue(t *testing.T) {
	url := queueURLs(t)[queues.Inbound.Name]
	q := New(client(), url)
	if err := q.Send(context.Background(), `{"for_user_id":"1"}`, "ignored", "ignored"); err != nil {
		t.Fatal(err)
	}
	if msgs := receive(t, url); len(msgs) != 1 || aws.ToString(msgs[0].Body) != `{"for_user_id":"1"}` {
		t.Errorf("received %+v", msgs)
	}
}

func TestSendRefusesOversizedBody(t *testing.T) {
	q := New(client(), queueURLs(t)[queues.Inbound.Name])
	err := q.Send(context.Background(), strings.Repeat("x", MaxMessageBytes+1), "", "")
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("err = %v, want a size error", err)
	}
}

func TestSendFailsWhenQueueIsMissing(t *testing.T) {
	q := New(client(), strings.Replace(queueURLs(t)[queues.Inbound.Name], "inbound", "nope", 1))
	if err := q.Send(context.Background(), "x", "", ""); err == nil {
		t.Fatal("sending to a missing queue succeeded")
	}
}

func TestDelayHidesTheMessage(t *testing.T) {
	url := queueURLs(t)[queues.Inbound.Name]
	q := New(client(), url)
	ctx := context.Background()
	if err := q.Send(ctx, "later", "", ""); err != nil {
		t.Fatal(err)
	}
	msgs := receive(t, url)
	if len(msgs) != 1 {
		t.Fatalf("received %d", len(msgs))
	}
	// Visible again almost at once...
	if err := q.Delay(ctx, aws.ToString(msgs[0].ReceiptHandle), 0); err != nil {
		t.Fatal(err)
	}
	msgs = receive(t, url)
	if len(msgs) != 1 {
		t.Fatalf("after Delay(0) received %d, want the message back", len(msgs))
	}
	// ...or hidden for a long while.
	if err := q.Delay(ctx, aws.ToString(msgs[0].ReceiptHandle), time.Hour); err != nil {
		t.Fatal(err)
	}
	if msgs = receive(t, url); len(msgs) != 0 {
		t.Errorf("after Delay(1h) received %d, want none", len(msgs))
	}
}

func TestReceiveCount(t *testing.T) {
	for _, tt := range []struct {
		attr string
		want int
	}{{"3", 3}, {"1", 1}, {"", 1}, {"x", 1}, {"0", 1}} {
		m := events.SQSMessage{Attributes: map[string]string{"ApproximateReceiveCount": tt.attr}}
		if got := ReceiveCount(m); got != tt.want {
			t.Errorf("ReceiveCount(%q) = %d, want %d", tt.attr, got, tt.want)
		}
	}
}

func TestDeduplicates(t *testing.T) {
	for url, want := range map[string]bool{
		"http://127.0.0.1:1/000000000000/inbound":       false,
		"http://127.0.0.1:1/000000000000/outbound.fifo": true,
	} {
		if got := New(client(), url).Deduplicates(); got != want {
			t.Errorf("%s: Deduplicates() = %v, want %v", url, got, want)
		}
	}
}
