package localaws

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/queues"
)

// TestSQSKeepsItsMessagesThroughACrash: with a data folder, what the local
// SQS acknowledged outlives a kill -9 of the server, as SQS's messages
// outlive anything: after a restart on the same folder every message sent
// and not deleted (one being received included) is in its queue again,
// FIFO order kept, and a deleted one is not (issue 21 item 7: the local
// run lost what it had acknowledged).
func TestSQSKeepsItsMessagesThroughACrash(t *testing.T) {
	ctx := context.Background()
	data, logs := t.TempDir(), t.TempDir()
	start := func() (*Server, *sqs.Client, QueueURLs) {
		t.Helper()
		srv, err := StartSQS(ctx, Options{DataDir: data, LogDir: logs})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Stop)
		client := SQSClient(srv.Endpoint)
		urls, err := EnsureQueues(ctx, client, "journal-", queues.Definitions)
		if err != nil {
			t.Fatal(err)
		}
		return srv, client, urls
	}
	srv, client, urls := start()
	in, out := urls[queues.Inbound.Name], urls[queues.Outbound.Name]
	for _, b := range []string{"deleted", "in flight", "waiting 🙂"} {
		if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &in, MessageBody: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []string{"first", "second", "third"} {
		if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &out, MessageBody: aws.String(b),
			MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &in, MaxNumberOfMessages: 2})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("received %v, %v", got, err)
	}
	for _, m := range got.Messages {
		if aws.ToString(m.Body) == "deleted" {
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &in, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}

	srv.Stop() // SIGKILL: no chance to save anything
	_, client, urls = start()
	bodies := func(url string) []string {
		var b []string
		for {
			got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Messages) == 0 {
				return b
			}
			for _, m := range got.Messages {
				b = append(b, aws.ToString(m.Body))
				if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	inbound := bodies(urls[queues.Inbound.Name])
	slices.Sort(inbound)
	if want := []string{"in flight", "waiting 🙂"}; !slices.Equal(inbound, want) {
		t.Errorf("inbound after the crash: %q, want %q", inbound, want)
	}
	if got, want := bodies(urls[queues.Outbound.Name]), []string{"first", "second", "third"}; !slices.Equal(got, want) {
		t.Errorf("outbound after the crash: %q, want %q in order", got, want)
	}
	// A duplicate of a restored FIFO message is still dropped.
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(urls[queues.Outbound.Name]), MessageBody: aws.String("first"),
		MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("first")}); err != nil {
		t.Fatal(err)
	}
	if got := bodies(urls[queues.Outbound.Name]); len(got) != 0 {
		t.Errorf("a repeat within the deduplication window was queued after the restart: %q", got)
	}
}
