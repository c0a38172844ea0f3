package consoleapi_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// inboxCase is a case as the inbox reads it: apiCase and its summary.
type inboxCase struct {
	apiCase
	CustomerName     string  `json:"customer_name"`
	CustomerHandle   *string `json:"customer_handle"`
	HandleScreenName string  `json:"handle_screen_name"`
	LastMessage      *struct {
		ID        string `json:"id"`
		Direction string `json:"direction"`
		Kind      string `json:"kind"`
		FirstLine string `json:"first_line"`
		CreatedAt string `json:"created_at"`
	} `json:"last_message"`
	StatusChangedBy *apiAgent `json:"status_changed_by"`
	StatusChangedAt string    `json:"status_changed_at"`
}

type apiAgent struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
}

var devAgent = apiAgent{Sub: "dev", Email: "dev@example.com"}

func (e *env) listCases(query string) list[inboxCase] {
	e.t.Helper()
	var l list[inboxCase]
	e.do("GET", "/v1/cases?"+query, nil).want(e.t, 200, &l)
	return l
}

func caseIDs(cs []inboxCase) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

func TestInboxAcrossStatuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, _ := e.createCase(alice, support1, "@alice_follows first line\nsecond line")
	pending, _ := e.createCase(bob, deals2, "@bob_stranger waiting on you")
	e.do("PATCH", "/v1/cases/"+pending.ID, map[string]string{"status": "pending"}).want(t, 200, nil)
	resolved, _ := e.createCase(alice, support1, "@alice_follows done")
	e.do("PATCH", "/v1/cases/"+resolved.ID, map[string]string{"status": "resolved"}).want(t, 200, nil)
	newest, _ := e.createCase(alice, deals2, "@alice_follows newest")

	l := e.listCases("status=new,open,pending")
	if got, want := caseIDs(l.Items), []string{newest.ID, pending.ID, first.ID}; !slices.Equal(got, want) {
		t.Fatalf("inbox = %v, want newest activity first %v", got, want)
	}
	row := l.Items[2]
	if row.CustomerName != "Alice Follower" || row.CustomerHandle == nil || *row.CustomerHandle != "alice_follows" ||
		row.HandleScreenName != "AcmeSupport" || row.LastMessage == nil || row.LastMessage.FirstLine != "@alice_follows first line" ||
		row.LastMessage.Direction != "out" || row.LastMessage.Kind != "tweet" || row.LastMessage.CreatedAt == "" {
		t.Errorf("row = %+v (last message %+v)", row, row.LastMessage)
	}
	if p := l.Items[1]; p.Status != "pending" || p.StatusChangedBy == nil || *p.StatusChangedBy != devAgent || p.StatusChangedAt == "" {
		t.Errorf("pending row = %+v, want status_changed_by %+v", p, devAgent)
	}
	if l.Items[0].StatusChangedBy != nil {
		t.Errorf("a case nobody changed the status of shows %+v", l.Items[0].StatusChangedBy)
	}

	// Pages of one case each walk all three statuses in order.
	var paged []string
	q := "status=pending,open,new&limit=1"
	for range 4 {
		l := e.listCases(q)
		paged = append(paged, caseIDs(l.Items)...)
		if l.NextCursor == nil {
			break
		}
		q = "status=pending,open,new&limit=1&cursor=" + *l.NextCursor
	}
	if want := []string{newest.ID, pending.ID, first.ID}; !slices.Equal(paged, want) {
		t.Errorf("pages = %v, want %v", paged, want)
	}

	// Polling: since the newest activity is that case alone; a reply brings
	// its case back, and a customer's Tweet brings a new one.
	since := l.Items[0].LastActivityAt
	if got := caseIDs(e.listCases("status=new,open,pending&updated_since=" + url.QueryEscape(since)).Items); !slices.Equal(got, []string{newest.ID}) {
		t.Errorf("since the newest activity: %v, want just %s", got, newest.ID)
	}
	time.Sleep(2 * time.Millisecond)
	e.do("POST", "/v1/cases/"+first.ID+"/replies", map[string]string{"mode": "mention", "text": "@alice_follows more"}).want(t, 202, nil)
	inbound, _ := e.inboundCase(bob, support1, "bob_stranger", "7001")
	l = e.listCases("status=new,open,pending&updated_since=" + url.QueryEscape(since))
	if got, want := caseIDs(l.Items), []string{inbound, first.ID, newest.ID}; !slices.Equal(got, want) {
		t.Errorf("since %s: %v, want %v", since, got, want)
	}
	if lm := l.Items[1].LastMessage; lm == nil || lm.FirstLine != "@alice_follows more" {
		t.Errorf("after the reply the last message is %+v", lm)
	}

	// A single status still works, and the resolved case is there alone.
	if got := caseIDs(e.listCases("status=resolved").Items); !slices.Equal(got, []string{resolved.ID}) {
		t.Errorf("resolved = %v", got)
	}
	for _, bad := range []string{
		"status=open,archived", "status=open&updated_since=yesterday", "status=open,new&cursor=garbage",
		"customer_id=" + alice + "&status=open,new", "customer_id=" + alice + "&updated_since=2026-01-01T00:00:00Z",
	} {
		e.do("GET", "/v1/cases?"+bad, nil).wantProblem(t, 400, "validation_failed")
	}
}

func TestWhoDidWhat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, m := e.createCase(alice, support1, "@alice_follows hello")
	var raw map[string]json.RawMessage
	e.do("GET", "/v1/cases/"+c.ID, nil).want(t, 200, &raw)
	var got struct {
		Messages []struct {
			ID     string    `json:"id"`
			SentBy *apiAgent `json:"sent_by"`
		} `json:"messages"`
	}
	must(t, json.Unmarshal(mustJSON(t, raw), &got))
	if len(got.Messages) != 1 || got.Messages[0].ID != m.ID || got.Messages[0].SentBy == nil || *got.Messages[0].SentBy != devAgent {
		t.Errorf("messages = %+v, want sent_by %+v", got.Messages, devAgent)
	}
	var reply struct {
		Message struct {
			SentBy *apiAgent `json:"sent_by"`
		} `json:"message"`
	}
	e.do("POST", "/v1/cases/"+c.ID+"/replies", map[string]string{"mode": "dm", "text": "psst"}).want(t, 202, &reply)
	if reply.Message.SentBy == nil || *reply.Message.SentBy != devAgent {
		t.Errorf("reply sent_by = %+v", reply.Message.SentBy)
	}

	// A customer's message has no sender agent; a Retweet records who asked.
	caseID, tweet := e.inboundCase(bob, support1, "bob_stranger", "7101")
	var rt struct {
		Message struct {
			SentBy   *apiAgent `json:"sent_by"`
			Retweets []struct {
				HandleID string    `json:"handle_id"`
				By       *apiAgent `json:"by"`
				At       string    `json:"at"`
			} `json:"retweets"`
		} `json:"message"`
	}
	e.do("PUT", retweetPath(caseID, tweet, support1), nil).want(t, 202, &rt)
	if rt.Message.SentBy != nil || len(rt.Message.Retweets) != 1 || rt.Message.Retweets[0].HandleID != support1 ||
		rt.Message.Retweets[0].By == nil || *rt.Message.Retweets[0].By != devAgent || rt.Message.Retweets[0].At == "" {
		t.Errorf("retweeted message = %+v", rt.Message)
	}
	e.do("PUT", retweetPath(caseID, tweet, support1), nil).want(t, 200, &rt)
	if len(rt.Message.Retweets) != 1 || rt.Message.Retweets[0].By == nil {
		t.Errorf("Retweeted again: %+v", rt.Message)
	}
	e.do("DELETE", retweetPath(caseID, tweet, support1), nil).want(t, 202, &rt)
	if len(rt.Message.Retweets) != 0 {
		t.Errorf("after undo: %+v", rt.Message.Retweets)
	}
	e.wantCommands(casework.CmdTweet, casework.CmdDM, casework.CmdRetweet, casework.CmdUnretweet)

	// A follow records who asked, and keeps it once X confirms.
	var f struct {
		apiFollow
		RequestedBy     *apiAgent `json:"requested_by"`
		RequestedAction string    `json:"requested_action"`
		RequestedAt     string    `json:"requested_at"`
	}
	e.do("PUT", "/v1/customers/"+bob+"/follows/"+support1, nil).want(t, 202, &f)
	if f.RequestedBy == nil || *f.RequestedBy != devAgent || f.RequestedAction != "follow" || f.RequestedAt == "" {
		t.Errorf("follow = %+v", f)
	}
	_, err := e.store.SetBrandFollowsCustomer(e.ctx, bob, support1, true, time.Now())
	must(t, err)
	var cust struct {
		Follows []struct {
			HandleID    string    `json:"handle_id"`
			Pending     *string   `json:"pending"`
			RequestedBy *apiAgent `json:"requested_by"`
		} `json:"follows"`
	}
	e.do("GET", "/v1/customers/"+bob, nil).want(t, 200, &cust)
	i := slices.IndexFunc(cust.Follows, func(f struct {
		HandleID    string    `json:"handle_id"`
		Pending     *string   `json:"pending"`
		RequestedBy *apiAgent `json:"requested_by"`
	}) bool {
		return f.HandleID == support1
	})
	if i < 0 || cust.Follows[i].Pending != nil || cust.Follows[i].RequestedBy == nil || *cust.Follows[i].RequestedBy != devAgent {
		t.Errorf("follows = %+v", cust.Follows)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}
