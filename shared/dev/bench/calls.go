package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
)

// CallCount is the DynamoDB operations one console API request sent.
type CallCount struct {
	// Name is the request's, as issue 13 names it.
	Name string
	// Ops are the operations, in order, on an instance whose brand
	// handles are cached (a busy one).
	Ops []string
	// ColdOps are the same request's operations as the first request of a
	// fresh instance, its brand-handle cache empty.
	ColdOps []string
	// Today and Goal are issue 13's count before the work and its goal.
	Today, Goal int
}

// callGoals are issue 13's DynamoDB calls per request: as measured when
// it was filed, and the goal.
var callGoals = map[string][2]int{
	"create case":        {4, 3},
	"reply-options":      {5, 3},
	"reply":              {6, 4},
	"retweet":            {3, 2},
	"follow":             {4, 3},
	"set Twitter handle": {11, 5},
}

// measureCalls counts the DynamoDB operations of the console's busiest
// requests at the client, one after another over the sample data, as a
// function serves them: a case opened by a customer's mention (through
// the inbound worker), then create case, reply options, a mention reply,
// a Retweet of the customer's Tweet, a follow and setting a customer's
// Twitter handle (looked up on the X simulator). No request carries an
// Idempotency-Key. It runs the sequence twice, on tables of their own:
// on one instance whose brand handles are cached (as on a busy one), and
// with each request the first of a fresh instance (its cache empty), so
// the table shows both.
func measureCalls(ctx context.Context, l *local) ([]CallCount, error) {
	if _, err := l.addXUser("carol_online"); err != nil {
		return nil, err
	}
	warm, err := callSequence(ctx, l, "bench-calls", false)
	if err != nil {
		return nil, err
	}
	cold, err := callSequence(ctx, l, "bench-calls-cold", true)
	if err != nil {
		return nil, fmt.Errorf("cold cache: %w", err)
	}
	for i := range warm {
		warm[i].ColdOps = cold[i].Ops
	}
	return warm, nil
}

// callSequence runs measureCalls' requests on a table of its own: on one
// instance with its brand handles cached, or (fresh) each on a new
// instance.
func callSequence(ctx context.Context, l *local, tableName string, fresh bool) ([]CallCount, error) {
	store, err := l.newStore(ctx, tableName, true)
	if err != nil {
		return nil, err
	}
	api, err := l.routes(store)
	if err != nil {
		return nil, err
	}
	brand, bob, alice, carol := sample.Brands[0], sample.Customers[1], sample.Customers[0], sample.Customers[2]

	batch := sqsBatch(0, [][]byte{mention(0, xUser{ID: bob.XUser, Username: bob.Handle, Name: bob.Name}, brand, time.Now())}, time.Now())
	resp, err := l.inboundWorker(store).Handle(ctx, batch)
	if err != nil || len(resp.BatchItemFailures) > 0 {
		return nil, fmt.Errorf("bench: the inbound worker did not apply bob's mention: %v %+v", err, resp.BatchItemFailures)
	}
	cases, err := store.CasesOfCustomer(ctx, bob.ID, "", casework.PageRequest{})
	if err != nil || len(cases.Items) == 0 {
		return nil, fmt.Errorf("bench: bob's mention opened no case: %v", err)
	}
	caseID := cases.Items[0].ID
	msgs, err := store.MessagesOfCase(ctx, caseID, casework.PageRequest{})
	if err != nil || len(msgs.Items) == 0 {
		return nil, fmt.Errorf("bench: bob's case has no message: %v", err)
	}
	tweetID := msgs.Items[0].ID
	// A busy instance has its brand handles cached already.
	if _, err := call(api, "GET", "/v1/handles", nil, 200); err != nil {
		return nil, err
	}
	l.calls.Take()

	steps := []struct {
		name         string
		method, path string
		body         any
		status       int
	}{
		{"create case", "POST", "/v1/cases", map[string]string{"customer_id": alice.ID, "handle_id": brand.HandleID, "text": "@" + alice.Handle + " hello"}, 201},
		{"reply-options", "GET", "/v1/cases/" + caseID + "/reply-options", nil, 200},
		{"reply", "POST", "/v1/cases/" + caseID + "/replies", map[string]string{"text": "@" + bob.Handle + " we are on it", "mode": "mention"}, 202},
		{"retweet", "PUT", "/v1/cases/" + caseID + "/messages/" + tweetID + "/retweets/" + brand.HandleID, nil, 202},
		{"follow", "PUT", "/v1/customers/" + bob.ID + "/follows/" + brand.HandleID, nil, 202},
		{"set Twitter handle", "PUT", "/v1/customers/" + carol.ID + "/twitter", map[string]string{"handle": "carol_online"}, 200},
	}
	var out []CallCount
	for _, st := range steps {
		if fresh {
			if api, err = l.routes(store); err != nil {
				return nil, err
			}
		}
		if _, err := call(api, st.method, st.path, st.body, st.status); err != nil {
			return nil, fmt.Errorf("%s: %w", st.name, err)
		}
		g := callGoals[st.name]
		out = append(out, CallCount{Name: st.name, Ops: l.calls.Take(), Today: g[0], Goal: g[1]})
	}
	return out, nil
}
