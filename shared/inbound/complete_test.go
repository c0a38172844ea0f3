package inbound

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dev/xsim"
	"github.com/acme/twitter-cases/shared/secrets"
	"github.com/acme/twitter-cases/shared/xapi"
)

// simX is the X simulator (holding the sample brand handles and
// customers) and the product's X adapter on it.
type simX struct {
	t   *testing.T
	sim *xsim.Sim
	url string
	x   *xapi.Client
}

func newSimX(t *testing.T) *simX {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	sim := xsim.New(xsim.Options{Logger: quiet})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	x, err := xapi.New(xapi.Config{Secrets: secrets.NewCache(sample.Secrets()), AppSecret: sample.AppSecret, BaseURL: srv.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return &simX{t: t, sim: sim, url: srv.URL, x: x}
}

// ctl calls a control route of the simulator and returns its JSON answer.
func (s *simX) ctl(method, path, body string) map[string]any {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// userLookups counts the simulator's GET /2/users/:id calls for the id,
// by the brand handle that signed them.
func (s *simX) userLookups(id string) map[string]int {
	out := map[string]int{}
	for _, c := range s.sim.Calls() {
		if c.Method == http.MethodGet && c.Path == "/2/users/"+id {
			out[c.Username]++
		}
	}
	return out
}

// newXEnv is newEnv whose rules ask the simulated X.
func newXEnv(t *testing.T) (*env, *simX) {
	t.Helper()
	e := newEnv(t)
	x := newSimX(t)
	quiet := slog.New(slog.DiscardHandler)
	e.worker = New(casework.NewInbound(e.store, nil, quiet).WithX(XPeople(x.x)), quiet)
	return e, x
}

// snowflake is an X id created at t.
func snowflake(t time.Time, seq int64) string {
	return fmt.Sprint((t.UnixMilli()-1288834974657)<<22 | seq)
}

// TestPartialPostIsCompletedFromX: issue 21 item 2. A Post delivered
// without includes.users makes its author a customer with the handle and
// name X gives (GET /2/users/:id, signed as the brand handle) before any
// rule applies it; a Post without created_at is dated by its snowflake id,
// not sent to the dead-letter queue. While X cannot answer, the event is
// retried and nothing of it is written; a customer known with a handle
// costs no call.
func TestPartialPostIsCompletedFromX(t *testing.T) {
	e, x := newXEnv(t)
	bob := sample.Customers[1].XUser
	created := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	post := func(uuid, id, author string, withTime bool) map[string]any {
		p := map[string]any{"id": id, "author_id": author, "text": "@AcmeSupport where is my order?", "edit_history_tweet_ids": []string{id},
			"entities": map[string]any{"mentions": []any{map[string]any{"start": 0, "end": 12, "username": brandName, "id": brandX}}}}
		if withTime {
			p["created_at"] = created.Format(time.RFC3339)
		}
		return xaa(uuid, "post.mention.create", p) // no includes
	}

	// X fails: the event is retried, and no nameless customer is made.
	x.ctl("POST", "/sim/faults", `{"path_prefix":"/2/users/`+bob+`","status":503,"count":1}`)
	if n := e.deliverAt(at, post("-1", snowflake(created, 1), bob, false)); n != 1 {
		t.Fatalf("%d failed while X is down, want the event kept for a retry", n)
	}
	if _, err := e.store.CustomerByXUserID(context.Background(), bob); casework.ErrorCode(err) != casework.ENotFound {
		t.Fatalf("a customer was made while X could not say who it is: %v", err)
	}
	// The retry.
	if n := e.deliverAt(at, post("-1", snowflake(created, 1), bob, false)); n != 0 {
		t.Fatalf("%d failed; a Post without includes.users or created_at is applied", n)
	}
	cust, cases := e.casesOf(bob)
	if cust.Twitter == nil || cust.Twitter.Handle != "bob_stranger" || cust.Name != "Bob Stranger" {
		t.Errorf("customer %+v (twitter %+v), want @bob_stranger, Bob Stranger from X", cust, cust.Twitter)
	}
	if len(cases) != 1 || len(cases[0]) != 1 || !cases[0][0].CreatedAt.Equal(created) {
		t.Fatalf("cases %+v, want one message dated %s by its id", cases, created)
	}
	if got := x.userLookups(bob); got[brandName] != 2 || len(got) != 1 {
		t.Errorf("lookups %v, want two (the failed one and its retry) signed as @%s", got, brandName)
	}

	// Known with a handle now: no call for the next partial Post.
	if n := e.deliverAt(at, post("-2", snowflake(created.Add(time.Minute), 2), bob, true)); n != 0 {
		t.Fatalf("%d failed", n)
	}
	if got := x.userLookups(bob); got[brandName] != 2 {
		t.Errorf("lookups %v: a customer known with a handle was looked up again", got)
	}

	// An account X does not know (deleted since) is applied as delivered.
	gone := "2999999999999999999"
	if n := e.deliverAt(at, post("-3", snowflake(created, 3), gone, true)); n != 0 {
		t.Fatalf("%d failed for an account X no longer has", n)
	}
	if c, err := e.store.CustomerByXUserID(context.Background(), gone); err != nil || c.Name != "X user "+gone {
		t.Errorf("customer of an account X does not know: %+v %v", c, err)
	}
}

// TestPostWithoutAuthorIsCompletedFromX: issue 21 item 2, for the other
// fields the rules need. A mention delivered with neither author_id nor
// entities (only its event type says it mentions the brand) is completed
// from X (GET /2/tweets/:id, then the author) and makes the author's case;
// one X no longer has is skipped, not dead-lettered, and not kept.
func TestPostWithoutAuthorIsCompletedFromX(t *testing.T) {
	e, x := newXEnv(t)
	bob := sample.Customers[1]
	id := x.ctl("POST", "/sim/users/"+bob.Handle+"/tweets", `{"text":"@AcmeSupport my parcel is lost"}`)["id"].(string)
	bare := func(uuid, id string) map[string]any {
		return xaa(uuid, "post.mention.create", map[string]any{"id": id, "text": "@AcmeSupport my parcel is lost"})
	}
	if n := e.deliverAt(at, bare("-1", id)); n != 0 {
		t.Fatalf("%d failed", n)
	}
	cust, cases := e.casesOf(bob.XUser)
	if cust.Twitter == nil || cust.Twitter.Handle != bob.Handle || len(cases) != 1 || len(cases[0]) != 1 || cases[0][0].XID != id {
		t.Fatalf("customer %+v, cases %+v: want @%s's case with the Post", cust, cases, bob.Handle)
	}
	gone := snowflake(at, 9)
	if n := e.deliverAt(at, bare("-2", gone)); n != 0 {
		t.Fatalf("a Post X no longer has: %d failed", n)
	}
	if _, err := e.store.MessageByXID(context.Background(), casework.KindTweet, gone); casework.ErrorCode(err) != casework.ENotFound {
		t.Errorf("a Post X no longer has was kept: %v", err)
	}
}
