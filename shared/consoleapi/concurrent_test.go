package consoleapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
)

// Issue 21 item 6: agents replying at once to one case all succeed (50 at
// once got 36 × 409 "kept changing"), and none is doubled: each reply is
// one message and one queued Tweet. The case is new, so the first reply
// also opens it.
func TestConcurrentRepliesToOneCaseAllSucceed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, _ := e.inboundCase(bob, support1, "bob_stranger", "7501")
	const n = 50
	statuses := make([]int, n)
	bodies := make([]string, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() {
			body, _ := json.Marshal(map[string]string{"mode": "mention", "text": fmt.Sprintf("@bob_stranger reply %d", i)})
			req, err := http.NewRequest("POST", e.srv.URL+"/v1/cases/"+caseID+"/replies", bytes.NewReader(body))
			if err != nil {
				panic(err)
			}
			req.Header.Set("Authorization", "Bearer "+devToken)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", fmt.Sprintf("concurrent-%d", i))
			start.Wait()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				bodies[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			statuses[i], bodies[i] = resp.StatusCode, string(b)
		})
	}
	start.Done()
	wg.Wait()
	failed := 0
	for i, st := range statuses {
		if st != http.StatusAccepted {
			failed++
			if failed <= 3 {
				t.Errorf("reply %d: %d %s", i, st, bodies[i])
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent replies failed", failed, n)
	}

	cmds := e.wantCommands(slices.Repeat([]casework.CommandKind{casework.CmdTweet}, n)...)
	msgs := map[string]bool{}
	for _, c := range cmds {
		if msgs[c.MessageID] {
			t.Errorf("message %s queued twice", c.MessageID)
		}
		msgs[c.MessageID] = true
	}
	var texts []string
	var newest apiMessage
	for cursor := ""; ; {
		var l list[apiMessage]
		e.do("GET", "/v1/cases/"+caseID+"/messages?limit=200"+cursor, nil).want(t, 200, &l)
		for _, m := range l.Items {
			if m.Direction == "out" {
				texts = append(texts, m.Text)
				newest = m
			}
		}
		if l.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *l.NextCursor
	}
	slices.Sort(texts)
	if len(texts) != n || len(slices.Compact(slices.Clone(texts))) != n {
		t.Errorf("%d replies stored (%d distinct), want %d", len(texts), len(slices.Compact(texts)), n)
	}
	// The case is open, and its inbox row shows the newest reply.
	var got struct {
		Case apiCase `json:"case"`
	}
	e.do("GET", "/v1/cases/"+caseID, nil).want(t, 200, &got)
	if got.Case.Status != "open" {
		t.Errorf("case status %q, want open", got.Case.Status)
	}
	var inbox list[struct {
		ID          string `json:"id"`
		LastMessage struct {
			ID string `json:"id"`
		} `json:"last_message"`
	}]
	e.do("GET", "/v1/cases?customer_id="+bob, nil).want(t, 200, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].LastMessage.ID != newest.ID {
		t.Errorf("case list %+v, want the case with its last message %s", inbox.Items, newest.ID)
	}
}
