package sqspoll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/sqsqueue"
)

var local = &localawstest.Servers{SQS: true}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

// client talks to the test binary's SQS server.
func client() *sqs.Client { return localaws.SQSClient(local.SQSEndpoint) }

// testQueue makes a standard queue that redelivers after one second and
// dead-letters after two receives.
func testQueue(t *testing.T, name string) (url, dlq string) {
	t.Helper()
	q := queues.Queue{Name: name, VisibilityTimeout: time.Second, MaxReceiveCount: 2, Retention: time.Hour}
	urls, err := localaws.EnsureQueues(context.Background(), client(), "", []queues.Queue{q})
	if err != nil {
		t.Fatal(err)
	}
	return urls[q.Name], urls[q.DLQName()]
}

func send(t *testing.T, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := client().SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
}

func depth(t *testing.T, url string) int {
	t.Helper()
	out, err := client().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, k := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"} {
		var v int
		fmt.Sscan(out.Attributes[k], &v)
		n += v
	}
	return n
}

func TestPartialFailuresComeBackThenDeadLetter(t *testing.T) {
	url, dlq := testQueue(t, "poll-partial")
	send(t, url, "ok-1", "fail", "ok-2")

	var mu sync.Mutex
	seen := map[string][]int{} // body -> receive counts
	handler := func(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, r := range batch.Records {
			mu.Lock()
			seen[r.Body] = append(seen[r.Body], sqsqueue.ReceiveCount(r))
			mu.Unlock()
			if r.EventSource != "aws:sqs" || r.EventSourceARN == "" || r.ReceiptHandle == "" {
				t.Errorf("record lacks Lambda's fields: %+v", r)
			}
			if r.Body == "fail" {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	}
	p := New(client(), url, handler, WithWaitTime(1), WithLogger(slog.New(slog.DiscardHandler)))
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for depth(t, dlq) == 0 && time.Now().Before(deadline) {
		if _, err := p.PollOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen["ok-1"]) != 1 || len(seen["ok-2"]) != 1 {
		t.Errorf("successful messages delivered %d and %d times, want once each", len(seen["ok-1"]), len(seen["ok-2"]))
	}
	if got := seen["fail"]; len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("failing message receive counts = %v, want [1 2]", got)
	}
	if d := depth(t, dlq); d != 1 {
		t.Errorf("dead-letter queue holds %d, want 1", d)
	}
	if d := depth(t, url); d != 0 {
		t.Errorf("queue still holds %d", d)
	}
}

func TestHandlerErrorOrPanicKeepsTheBatch(t *testing.T) {
	for _, tt := range []struct {
		name    string
		handler Handler
	}{
		{"error", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, errors.New("boom")
		}},
		{"panic", func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) { panic("boom") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url, _ := testQueue(t, "poll-"+tt.name)
			send(t, url, "a", "b")
			p := New(client(), url, tt.handler, WithLogger(slog.New(slog.DiscardHandler)))
			n, err := p.PollOnce(context.Background())
			if err != nil || n == 0 {
				t.Fatalf("PollOnce = %d, %v", n, err)
			}
			if d := depth(t, url); d != 2 {
				t.Errorf("queue holds %d after a failed invocation, want 2", d)
			}
		})
	}
}

func TestRunStopsWithContext(t *testing.T) {
	url, _ := testQueue(t, "poll-run")
	send(t, url, "x")
	got := make(chan string, 1)
	p := New(client(), url, func(_ context.Context, b events.SQSEvent) (events.SQSEventResponse, error) {
		got <- b.Records[0].Body
		return events.SQSEventResponse{}, nil
	}, WithLogger(slog.New(slog.DiscardHandler)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	select {
	case b := <-got:
		if b != "x" {
			t.Errorf("body = %q", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not deliver the message")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop")
	}
}
