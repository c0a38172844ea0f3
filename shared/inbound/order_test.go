package inbound

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

// TestArrivalOrderDoesNotSplitAThread: issue 21 item 3. A customer's
// thread (a Post mentioning the brand, the customer's replies under it)
// ends in one case whatever order X delivers it in: replies before their
// parent, a reply to a reply before both, and each delivered twice.
func TestArrivalOrderDoesNotSplitAThread(t *testing.T) {
	bob := sample.Customers[1].XUser
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	post := func(id, replyTo string, n int) map[string]any {
		p := map[string]any{"id": id, "author_id": bob, "created_at": t0.Add(time.Duration(n) * time.Minute).Format(time.RFC3339),
			"conversation_id": snowflake(t0, 1), "text": fmt.Sprintf("@AcmeSupport part %d of my complaint", n),
			"entities": map[string]any{"mentions": []any{map[string]any{"start": 0, "end": 12, "username": brandName, "id": brandX}}}}
		typ := "post.mention.create"
		if replyTo != "" {
			p["referenced_tweets"] = []any{map[string]any{"type": "replied_to", "id": replyTo}}
			p["in_reply_to_user_id"] = bob
		}
		d := xaa(fmt.Sprint("-", id), typ, p)
		d["data"].(map[string]any)["includes"] = map[string]any{"users": []any{map[string]any{"id": bob, "username": "bob_stranger", "name": "Bob Stranger"}}}
		return d
	}
	root := snowflake(t0, 1)
	reply := snowflake(t0.Add(time.Minute), 2)
	reply2 := snowflake(t0.Add(2*time.Minute), 3)
	second := snowflake(t0.Add(3*time.Minute), 4) // another reply to the root
	byName := map[string]map[string]any{
		"root": post(root, "", 0), "reply": post(reply, root, 1), "reply to reply": post(reply2, reply, 2), "second reply": post(second, root, 3)}
	for _, order := range [][]string{
		{"root", "reply", "reply to reply", "second reply"}, // X's order
		{"reply", "root", "second reply", "reply to reply"}, // the reply first
		{"reply to reply", "second reply", "reply", "root"}, // all reversed
		{"second reply", "reply", "root", "reply to reply"},
	} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			e := newEnv(t)
			for _, name := range order {
				for range 2 { // X re-delivers
					if n := e.deliverAt(at, byName[name]); n != 0 {
						t.Fatalf("%s: %d failed", name, n)
					}
				}
			}
			_, cases := e.casesOf(bob)
			if len(cases) != 1 || len(cases[0]) != 4 {
				var sizes []int
				for _, c := range cases {
					sizes = append(sizes, len(c))
				}
				t.Fatalf("%d cases with %v messages, want the four Posts in one case", len(cases), sizes)
			}
			seen := map[string]int{}
			for _, m := range cases[0] {
				seen[m.XID]++
			}
			for _, id := range []string{root, reply, reply2, second} {
				if seen[id] != 1 {
					t.Errorf("Post %s is in the case %d times", id, seen[id])
				}
			}
		})
	}
}

// TestEarlyReplyToSomeoneElseKeepsItsOwnCase: the rule joins a customer's
// own thread only. A reply to another user's Post, delivered before that
// Post, is its author's own case; the other user's Post its own.
func TestEarlyReplyToSomeoneElseKeepsItsOwnCase(t *testing.T) {
	e := newEnv(t)
	bob := sample.Customers[1].XUser
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	post := func(id, author, name, replyTo string) map[string]any {
		p := map[string]any{"id": id, "author_id": author, "created_at": t0.Format(time.RFC3339), "text": "@AcmeSupport hello",
			"entities": map[string]any{"mentions": []any{map[string]any{"start": 0, "end": 12, "username": brandName, "id": brandX}}}}
		if replyTo != "" {
			p["referenced_tweets"] = []any{map[string]any{"type": "replied_to", "id": replyTo}}
			p["in_reply_to_user_id"] = aliceX
		}
		d := xaa("-"+id, "post.mention.create", p)
		d["data"].(map[string]any)["includes"] = map[string]any{"users": []any{map[string]any{"id": author, "username": name, "name": name}}}
		return d
	}
	alicePost, bobReply := snowflake(t0, 1), snowflake(t0.Add(time.Second), 2)
	if n := e.deliverAt(at, post(bobReply, bob, "bob_stranger", alicePost), post(alicePost, aliceX, "alice_follows", "")); n != 0 {
		t.Fatalf("%d failed", n)
	}
	for _, who := range []string{bob, aliceX} {
		if _, cases := e.casesOf(who); len(cases) != 1 || len(cases[0]) != 1 {
			t.Errorf("%s: cases %v, want one case of its own Post", who, cases)
		}
	}
}

// TestEarlyReplyJoinsTheCaseOfItsConversation: a conversation an agent
// started (the brand handle's Tweet, sent from a case): the customer's
// reply to the customer's own answer, delivered before that answer, joins
// the agent's case through the conversation's first Post, and so does the
// answer after it.
func TestEarlyReplyJoinsTheCaseOfItsConversation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bob := sample.Customers[1].XUser
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	h, err := e.store.HandleByXUserID(ctx, brandX)
	if err != nil {
		t.Fatal(err)
	}
	cust := &casework.Customer{ID: casework.NewID(t0), Name: "Bob Stranger", CreatedAt: t0, UpdatedAt: t0,
		Twitter: &casework.TwitterAccount{Handle: "bob_stranger", XUserID: bob}}
	if err := e.store.PutCustomer(ctx, cust); err != nil {
		t.Fatal(err)
	}
	brandTweet := snowflake(t0, 1)
	agentCase := &casework.Case{ID: casework.NewID(t0), CustomerID: cust.ID, HandleID: h.ID, Channel: casework.ChannelTweet,
		Status: casework.CaseOpen, CreatedAt: t0, UpdatedAt: t0, LastActivityAt: t0}
	if err := e.store.PutCase(ctx, agentCase); err != nil {
		t.Fatal(err)
	}
	out := &casework.Message{ID: casework.NewID(t0), CaseID: agentCase.ID, Direction: casework.DirectionOut, Kind: casework.KindTweet,
		Text: "@bob_stranger how can we help?", Status: casework.StatusSent, XID: brandTweet, CreatedAt: t0}
	if err := e.store.PutMessage(ctx, out); err != nil {
		t.Fatal(err)
	}
	post := func(id, replyTo, replyToUser string) map[string]any {
		p := map[string]any{"id": id, "author_id": bob, "created_at": t0.Add(time.Minute).Format(time.RFC3339), "conversation_id": brandTweet,
			"text": "@AcmeSupport my order", "in_reply_to_user_id": replyToUser,
			"referenced_tweets": []any{map[string]any{"type": "replied_to", "id": replyTo}},
			"entities":          map[string]any{"mentions": []any{map[string]any{"start": 0, "end": 12, "username": brandName, "id": brandX}}}}
		d := xaa("-"+id, "post.reply.create", p)
		d["data"].(map[string]any)["includes"] = map[string]any{"users": []any{map[string]any{"id": bob, "username": "bob_stranger", "name": "Bob Stranger"}}}
		return d
	}
	answer := snowflake(t0.Add(time.Minute), 2)
	more := snowflake(t0.Add(2*time.Minute), 3)
	if n := e.deliverAt(at, post(more, answer, bob)); n != 0 {
		t.Fatal("the early reply failed")
	}
	if n := e.deliverAt(at, post(answer, brandTweet, brandX)); n != 0 {
		t.Fatal("the answer failed")
	}
	_, cases := e.casesOf(bob)
	if len(cases) != 1 || len(cases[0]) != 3 {
		t.Fatalf("cases %v, want the agent's case with its Tweet and both of the customer's", cases)
	}
}
