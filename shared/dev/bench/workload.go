package bench

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

// xUser is an X account that writes to a brand handle.
type xUser struct {
	ID, Username, Name string
}

// newUser is the seq-th customer no store knows yet, with a name of two
// common words.
func newUser(seq int64) xUser {
	n := strconv.FormatInt(seq, 10)
	name := firstNames[seq%int64(len(firstNames))] + " " + lastNames[(seq/int64(len(firstNames)))%int64(len(lastNames))]
	return xUser{ID: strconv.FormatInt(3_000_000_000_000_000_000+seq, 10), Username: "bench_user_" + n, Name: name}
}

// mention is an X Activity API delivery (post.mention.create, one event
// per delivery as X sends them) of a Tweet by from mentioning the brand
// handle, with the seq-th Tweet id and event id.
func mention(seq int64, from xUser, brand sample.Brand, at time.Time) []byte {
	tweetID := strconv.FormatInt(1_900_000_000_000_000_000+seq, 10)
	text := "@" + brand.ScreenName + " my order B-" + strconv.FormatInt(seq, 10) + " has not arrived, can you help?"
	type mentionEntity struct {
		Start    int    `json:"start"`
		End      int    `json:"end"`
		Username string `json:"username"`
		ID       string `json:"id"`
	}
	type user struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		Username  string `json:"username"`
		Protected bool   `json:"protected"`
		Verified  bool   `json:"verified"`
	}
	delivery := map[string]any{"data": map[string]any{
		"event_uuid": strconv.FormatInt(-4_800_000_000_000_000_000-seq, 10),
		"filter":     map[string]string{"user_id": brand.XUserID},
		"event_type": "post.mention.create",
		"tag":        "twitter-cases-bench",
		"payload": map[string]any{
			"id": tweetID, "author_id": from.ID, "created_at": at.UTC().Format("2006-01-02T15:04:05.000Z"),
			"conversation_id": tweetID, "lang": "en", "edit_history_tweet_ids": []string{tweetID}, "text": text,
			"entities": map[string]any{"mentions": []mentionEntity{{Start: 0, End: 1 + len(brand.ScreenName), Username: brand.ScreenName, ID: brand.XUserID}}},
		},
		"includes": map[string]any{"users": []user{
			{ID: from.ID, Name: from.Name, Username: from.Username},
			{ID: brand.XUserID, Name: brand.Name, Username: brand.ScreenName},
		}},
	}}
	raw, _ := json.Marshal(delivery) // maps and strings only: cannot fail
	return raw
}

// sqsBatch is the batch Lambda's event source mapping hands the inbound
// worker for these queue messages.
func sqsBatch(seq int64, bodies [][]byte, sent time.Time) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		id := "bench-" + strconv.FormatInt(seq, 10) + "-" + strconv.Itoa(i)
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: id, ReceiptHandle: id, Body: string(b), EventSource: "aws:sqs",
			Attributes: map[string]string{
				"ApproximateReceiveCount": "1",
				"SentTimestamp":           strconv.FormatInt(sent.UnixMilli(), 10),
			},
		})
	}
	return ev
}
