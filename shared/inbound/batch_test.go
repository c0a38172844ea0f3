package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/casework"
)

// recorder is an Applier that records the order events arrive in per
// author, and holds every event until as many as wantInFlight are being
// applied at once (so a worker that applies one message at a time never
// gets there, and the test fails on its deadline instead of passing).
type recorder struct {
	mu           sync.Mutex
	byAuthor     map[string][]string
	inFlight     int
	maxInFlight  int
	wantInFlight int
	reached      chan struct{}
	closed       bool
	failID       string
}

func (r *recorder) Apply(ctx context.Context, ev casework.Event) error {
	r.mu.Lock()
	r.byAuthor[ev.Tweet.Author.ID] = append(r.byAuthor[ev.Tweet.Author.ID], ev.Tweet.ID)
	r.inFlight++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	if r.inFlight == r.wantInFlight && !r.closed {
		// Once: in flight may come back to wantInFlight after one finishes.
		close(r.reached)
		r.closed = true
	}
	r.mu.Unlock()
	select {
	case <-r.reached:
	case <-ctx.Done():
		return ctx.Err()
	}
	r.mu.Lock()
	r.inFlight--
	r.mu.Unlock()
	if ev.Tweet.ID == r.failID {
		return fmt.Errorf("applying %s failed", ev.Tweet.ID)
	}
	return nil
}

func mentionBody(tweetID, authorID string) string {
	return fmt.Sprintf(`{"for_user_id":%q,"tweet_create_events":[{"id_str":%q,"text":"@AcmeSupport hi","timestamp_ms":"1764500000000",`+
		`"user":{"id_str":%q,"screen_name":"u%s","name":"U"},"entities":{"user_mentions":[{"id_str":%q,"screen_name":"AcmeSupport"}]}}]}`,
		brandX, tweetID, authorID, authorID, brandX)
}

// TestBatchAppliesCustomersAtOnceAndEachInOrder: the messages of different
// customers are applied at the same time; one customer's in batch order;
// a failure is reported for its own message only.
func TestBatchAppliesCustomersAtOnceAndEachInOrder(t *testing.T) {
	// Four customers: 30 has three Tweets, the others one each.
	authors := []string{"30", "31", "30", "32", "33", "30"}
	rec := &recorder{byAuthor: map[string][]string{}, wantInFlight: 4, reached: make(chan struct{}), failID: "903"}
	var batch events.SQSEvent
	for i, a := range authors {
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: fmt.Sprint("m", i), Body: mentionBody(fmt.Sprint(901+i), a)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := New(rec, slog.New(slog.DiscardHandler)).Handle(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the four customers' messages were never applied at the same time (at most %d at once)", rec.maxInFlight)
	}
	if got := rec.byAuthor["30"]; !slices.Equal(got, []string{"901", "903", "906"}) {
		t.Errorf("customer 30's Tweets applied in the order %v, want the batch's", got)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m2" {
		t.Errorf("batch item failures %+v, want m2's only", resp.BatchItemFailures)
	}
}
