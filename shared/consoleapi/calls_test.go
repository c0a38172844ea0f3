package consoleapi_test

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/handlecache"
)

// TestDynamoDBCallsPerRequest pins how many DynamoDB requests each of the
// console's busiest routes makes (issue 13: each is latency on the agent's
// click and a billed request). The counts are exact, not ceilings: a change
// that adds a call fails here, and one that saves a call lowers the number
// in the same commit.
func TestDynamoDBCallsPerRequest(t *testing.T) {
	var calls localaws.CallLog
	// The store as the functions wire it: brand handles kept a few seconds
	// (handlecache), here warm, as on a busy instance.
	e := newEnv(t, func(c *envConfig) {
		c.ddb = localaws.CountingDynamoDBClient(local.DynamoDBEndpoint, &calls)
		c.wrap = func(s casework.Store) casework.Store { return handlecache.New(s, time.Hour, nil) }
	})
	// Bob's mention comes in through the inbound worker's rules, so the
	// case is as the inbound worker leaves it.
	now := time.Now().UTC()
	err := casework.NewInbound(e.store, time.Now, slog.New(slog.DiscardHandler)).Apply(e.ctx, casework.Event{
		ID: "tweet:7001", Type: casework.EventTweet, ForUserID: "1000000000000000001", At: now,
		Tweet: &casework.Tweet{ID: "7001", Text: "@AcmeSupport help", CreatedAt: now,
			Author:   casework.XAccount{ID: "2000000000000000002", ScreenName: "bob_stranger", Name: "Bob Stranger"},
			Mentions: []casework.XAccount{{ID: "1000000000000000001", ScreenName: "AcmeSupport"}}},
	})
	must(t, err)
	m, err := e.store.MessageByXID(e.ctx, casework.KindTweet, "7001")
	must(t, err)
	caseID, tweet := m.CaseID, m.ID
	e.do("GET", "/v1/handles", nil).want(t, 200, nil)
	calls.Take()

	steps := []struct {
		name         string
		method, path string
		body         any
		status       int
		want         int
	}{
		{"create case", "POST", "/v1/cases", map[string]string{"customer_id": alice, "handle_id": support1, "text": "@alice_follows hello"}, 201, 3},
		{"reply options", "GET", "/v1/cases/" + caseID + "/reply-options", nil, 200, 3},
		// The first reply opens the new case (a versioned write); a
		// further one moves the open case's activity with one write on no
		// version (issue 21 item 6), so that replies do not conflict.
		{"reply", "POST", "/v1/cases/" + caseID + "/replies", map[string]string{"text": "@bob_stranger we are on it", "mode": "mention"}, 202, 4},
		{"reply to an open case", "POST", "/v1/cases/" + caseID + "/replies", map[string]string{"text": "@bob_stranger still on it", "mode": "mention"}, 202, 4},
		{"retweet", "PUT", retweetPath(caseID, tweet, support1), nil, 202, 2},
		{"follow", "PUT", "/v1/customers/" + bob + "/follows/" + support1, nil, 202, 2},
		// A customer write puts every lookup again (Carol's one phone has
		// three search keys: E.164, national, as dialled, issue 14 item
		// 1), all in one BatchWriteItem; the customer and its follow
		// states are read in one Query. The look-up on X is billed: its
		// spend is a record and its month's total (PutItem, UpdateItem).
		{"set Twitter handle", "PUT", "/v1/customers/" + carol + "/twitter", map[string]string{"handle": "carol_online"}, 200, 7},
	}
	for _, st := range steps {
		r := e.do(st.method, st.path, st.body, "Idempotency-Key", "")
		if r.status != st.status {
			t.Fatalf("%s: %d %s", st.name, r.status, r.body)
		}
		ops := calls.Take()
		if len(ops) != st.want {
			t.Errorf("%s: %d DynamoDB calls, want %d: %s", st.name, len(ops), st.want, strings.Join(ops, ", "))
		} else {
			t.Logf("%s: %s", st.name, strings.Join(ops, ", "))
		}
		if slices.Contains(ops, "Scan") {
			t.Errorf("%s scans the table: %s", st.name, strings.Join(ops, ", "))
		}
	}
}
