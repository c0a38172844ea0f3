package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dynamo"
)

// scenario is one story told in both of X's formats: each AAA sample of
// events/x beside its X Activity twin in events/x/xaa, in the order they
// are applied.
var scenario = []struct{ aaa, xaa string }{
	{"tweet-mention.json", "xaa/post-mention-create.json"},
	{"tweet-own-echo.json", "xaa/post-create.json"},
	{"tweet-reply.json", "xaa/post-reply-create.json"},
	{"tweet-extended.json", "xaa/post-mention-create-long.json"},
	{"tweet-quote.json", "xaa/post-quote-create.json"},
	{"tweet-retweet.json", "xaa/post-repost-create.json"},
	{"dm-received.json", "xaa/dm-received.json"},
	{"dm-sent-echo.json", "xaa/dm-sent.json"},
	{"follow.json", "xaa/follow-follow.json"},
	{"favorite.json", "xaa/like-create.json"},
	{"unfollow.json", "xaa/follow-unfollow.json"},
	{"tweet-delete-own.json", "xaa/post-delete.json"},
	{"user-event-revoke.json", "xaa/oauth-revoke.json"},
}

// received is when the webhook received the nth delivery of the scenario:
// after every event it tells of, in order.
func received(n int) string {
	return fmt.Sprint(time.Date(2026, 11, 25, 13, 0, n, 0, time.UTC).UnixMilli())
}

func record(t *testing.T, name string, n int) events.SQSMessage {
	t.Helper()
	body, err := os.ReadFile("../../events/x/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return events.SQSMessage{MessageId: fmt.Sprintf("%s-%d", name, n), Body: string(body),
		Attributes: map[string]string{"SentTimestamp": received(n)}}
}

// TestBothFormatsGiveTheSameResult applies the scenario in AAA to one
// table and in XAA to another, then compares what an agent would see.
func TestBothFormatsGiveTheSameResult(t *testing.T) {
	aStore, aHandle := deploy(t, "inbound-fn-aaa")
	xStore, xHandle := deploy(t, "inbound-fn-xaa")
	for i, s := range scenario {
		if resp := aHandle(events.SQSEvent{Records: []events.SQSMessage{record(t, s.aaa, i)}}); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%s failed", s.aaa)
		}
		if resp := xHandle(events.SQSEvent{Records: []events.SQSMessage{record(t, s.xaa, i)}}); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("%s failed", s.xaa)
		}
	}
	a, x := snapshot(t, aStore), snapshot(t, xStore)
	if !reflect.DeepEqual(a, x) {
		aj, _ := json.MarshalIndent(a, "", " ")
		xj, _ := json.MarshalIndent(x, "", " ")
		t.Errorf("AAA gave\n%s\nXAA gave\n%s", aj, xj)
	}
	if len(a.Messages) < 5 {
		t.Errorf("the scenario made only %d messages: %s", len(a.Messages), fmt.Sprint(a.Messages))
	}

	// Every XAA delivery again, in reverse, twice: nothing changes.
	var batch []events.SQSMessage
	for i := len(scenario) - 1; i >= 0; i-- {
		batch = append(batch, record(t, scenario[i].xaa, len(scenario)+i), record(t, scenario[i].xaa, i))
	}
	for start := 0; start < len(batch); start += 10 {
		if resp := xHandle(events.SQSEvent{Records: batch[start:min(start+10, len(batch))]}); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("redelivery failures: %+v", resp.BatchItemFailures)
		}
	}
	if again := snapshot(t, xStore); !reflect.DeepEqual(again, x) {
		aj, _ := json.MarshalIndent(again, "", " ")
		t.Errorf("duplicates and reorderings changed the result:\n%s", aj)
	}
}

// TestEveryXAASampleApplies feeds each of events/x/xaa through the worker.
func TestEveryXAASampleApplies(t *testing.T) {
	_, handle := deploy(t, "inbound-fn-xaa-samples")
	entries, err := os.ReadDir("../../events/x/xaa")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for i, e := range entries {
		if resp := handle(events.SQSEvent{Records: []events.SQSMessage{record(t, "xaa/"+e.Name(), i)}}); len(resp.BatchItemFailures) != 0 {
			t.Errorf("%s was not applied", e.Name())
		}
	}
}

type view struct {
	Customers []string
	Cases     []string
	Messages  []string
	Follows   []string
	Handles   []string
}

// snapshot is what the scenario left, with customers named by X id.
func snapshot(t *testing.T, store *dynamo.Store) view {
	t.Helper()
	ctx := context.Background()
	var v view
	xid := map[string]string{}
	for _, id := range []string{"2000000000000000001", "2000000000000000002"} {
		c, err := store.CustomerByXUserID(ctx, id)
		if err != nil {
			continue
		}
		xid[c.ID] = id
	}
	for _, h := range sample.Brands {
		xid[h.HandleID] = h.XUserID
	}
	for cid, x := range xid {
		c, err := store.GetCustomer(ctx, cid)
		if err != nil {
			continue // a brand handle
		}
		v.Customers = append(v.Customers, fmt.Sprintf("%s %s @%s", x, c.Name, c.Twitter.Handle))
		cases, err := store.CasesOfCustomer(ctx, cid, "", casework.PageRequest{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range cases.Items {
			msgs, err := store.MessagesOfCase(ctx, k.ID, casework.PageRequest{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			// A case is named by its first message's X id, not its own id:
			// a thread's case id derives from X's conversation_id, which
			// XAA carries and AAA does not (casework.ThreadCaseID).
			label := k.ID
			if len(msgs.Items) > 0 {
				label = "case-of-" + msgs.Items[0].XID
			}
			v.Cases = append(v.Cases, fmt.Sprintf("%s %s %s %s", label, x, k.Channel, k.Status))
			for _, m := range msgs.Items {
				var favs []string
				for _, f := range m.FavoritedBy {
					favs = append(favs, xid[f])
				}
				v.Messages = append(v.Messages, fmt.Sprintf("%s %s %s %s %s x=%s re=%s deleted=%v favs=%v urls=%v media=%v %q",
					m.ID, label, m.Direction, m.Kind, m.Status, m.XID, m.InReplyToXID, m.Deleted, favs, m.URLs, m.Media, m.Text))
			}
		}
		follows, err := store.FollowsOf(ctx, cid)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range follows {
			v.Follows = append(v.Follows, fmt.Sprintf("%s %s brand→customer=%v customer→brand=%v", x, xid[f.HandleID], f.BrandFollowsCustomer, f.CustomerFollowsBrand))
		}
	}
	hs, err := store.ListHandles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		v.Handles = append(v.Handles, fmt.Sprintf("%s @%s %s", h.XUserID, h.ScreenName, h.Status))
	}
	for _, s := range [][]string{v.Customers, v.Cases, v.Messages, v.Follows, v.Handles} {
		slices.Sort(s)
	}
	return v
}
