package consoleapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

type apiReplyOptions struct {
	Handles []struct {
		HandleID   string `json:"handle_id"`
		ScreenName string `json:"screen_name"`
		Modes      []struct {
			Mode      string `json:"mode"`
			MaxLength int    `json:"max_length"`
			Prefill   string `json:"prefill"`
			Reason    string `json:"reason"`
		} `json:"modes"`
	} `json:"handles"`
	InReplyTo *apiMessage `json:"in_reply_to"`
}

// modes returns "handle:mode/max/prefill" for every offered mode, and
// "/reason" after a DM's.
func (o apiReplyOptions) modes() []string {
	var out []string
	for _, h := range o.Handles {
		for _, m := range h.Modes {
			s := h.ScreenName + ":" + m.Mode + "/" + strconv.Itoa(m.MaxLength) + "/" + m.Prefill
			if m.Reason != "" {
				s += "/" + m.Reason
			}
			out = append(out, s)
		}
	}
	return out
}

func TestReplyOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aliceCase, aliceTweet := e.inboundCase(alice, support1, "alice_follows", "7001")
	bobCase, _ := e.inboundCase(bob, deals2, "bob_stranger", "7101")
	bobLatest := e.addMessage(bobCase, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindTweet, Status: casework.StatusReceived,
		XID: "7102", Text: "still waiting", Author: casework.Author{CustomerID: bob, ScreenName: "bob_stranger"}})
	// Neither a DM nor our own Tweet is what a mention replies to by default.
	e.addMessage(bobCase, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindDM, Status: casework.StatusReceived, XID: "7103", Text: "psst"})
	e.addMessage(bobCase, casework.Message{Direction: casework.DirectionOut, Kind: casework.KindTweet, Status: casework.StatusSent, XID: "7104", Text: "@bob_stranger ok",
		Author: casework.Author{HandleID: deals2, ScreenName: "AcmeDeals"}})

	tests := []struct {
		name      string
		caseID    string
		modes     []string
		inReplyTo string
	}{
		// Alice follows @AcmeSupport only: DM is offered there and not at @AcmeDeals.
		{"follower", aliceCase, []string{
			"AcmeSupport:mention/140/@alice_follows ", "AcmeSupport:dm/10000//customer_follows", "AcmeDeals:mention/140/@alice_follows ",
		}, aliceTweet},
		// Bob follows nobody: mentions only, the case's own handle first.
		{"non-follower", bobCase, []string{
			"AcmeDeals:mention/140/@bob_stranger ", "AcmeSupport:mention/140/@bob_stranger ",
		}, bobLatest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var o apiReplyOptions
			e.do("GET", "/v1/cases/"+tt.caseID+"/reply-options", nil).want(t, 200, &o)
			if got := o.modes(); strings.Join(got, "|") != strings.Join(tt.modes, "|") {
				t.Errorf("modes = %q, want %q", got, tt.modes)
			}
			if o.InReplyTo == nil || o.InReplyTo.ID != tt.inReplyTo {
				t.Errorf("in_reply_to = %+v, want %s", o.InReplyTo, tt.inReplyTo)
			}
		})
	}

	// A case with no customer Tweet yet has nothing to reply to.
	c, _ := e.createCase(alice, support1, "@alice_follows hi")
	r := e.do("GET", "/v1/cases/"+c.ID+"/reply-options", nil)
	var raw map[string]any
	r.want(t, 200, &raw)
	if v, ok := raw["in_reply_to"]; !ok || v != nil {
		t.Errorf("in_reply_to = %v (present %v), want null", v, ok)
	}
	e.do("GET", "/v1/cases/nope/reply-options", nil).wantProblem(t, 404, "not_found")
}

// TestDMToACustomerWhoWroteByDM: a customer who does not follow a brand
// handle but wrote to it by DM may be answered by DM from that handle (and
// the options say why); not from another handle, and the refusal says why.
func TestDMToACustomerWhoWroteByDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bobCase, _ := e.inboundCase(bob, support1, "bob_stranger", "7201")
	var o apiReplyOptions
	e.do("GET", "/v1/cases/"+bobCase+"/reply-options", nil).want(t, 200, &o)
	if got := strings.Join(o.modes(), "|"); strings.Contains(got, ":dm/") {
		t.Fatalf("before bob wrote: modes %s offer dm", got)
	}
	p := e.do("POST", "/v1/cases/"+bobCase+"/replies", map[string]string{"mode": "dm", "text": "hi"}).wantProblem(t, 422, "dm_not_allowed")
	if !strings.Contains(p.Detail, "does not follow @AcmeSupport and has not written to it by Direct Message") {
		t.Errorf("detail = %q, want the reason", p.Detail)
	}

	// Bob writes to @AcmeSupport by DM (as the inbound worker records it).
	must(t, e.store.SetCustomerWroteByDM(e.ctx, bob, support1, time.Now().Add(-30*24*time.Hour)))
	e.do("GET", "/v1/cases/"+bobCase+"/reply-options", nil).want(t, 200, &o)
	want := []string{"AcmeSupport:mention/140/@bob_stranger ", "AcmeSupport:dm/10000//customer_wrote_by_dm", "AcmeDeals:mention/140/@bob_stranger "}
	if got := o.modes(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("modes = %q, want %q", got, want)
	}
	var out struct {
		Message apiMessage `json:"message"`
	}
	e.do("POST", "/v1/cases/"+bobCase+"/replies", map[string]string{"mode": "dm", "text": "Which order is it?"}).want(t, 202, &out)
	if out.Message.Kind != "dm" || out.Message.Status != "queued" {
		t.Errorf("dm = %+v", out.Message)
	}
	if cmd := e.wantCommands(casework.CmdDM)[0]; cmd.CustomerID != bob || cmd.HandleID != support1 {
		t.Errorf("command = %+v", cmd)
	}
	e.do("POST", "/v1/cases/"+bobCase+"/replies", map[string]string{"mode": "dm", "handle_id": deals2, "text": "hi"}).wantProblem(t, 422, "dm_not_allowed")
	e.wantCommands()
}

func TestReplyMentionAndDM(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aliceCase, aliceTweet := e.inboundCase(alice, support1, "alice_follows", "8001")
	older := aliceTweet
	latest := e.addMessage(aliceCase, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindTweet, Status: casework.StatusReceived,
		XID: "8002", Text: "hello?", Author: casework.Author{CustomerID: alice, ScreenName: "alice_follows"}})

	// A mention replies to the customer's latest Tweet by default...
	var out struct {
		Message apiMessage `json:"message"`
	}
	e.do("POST", "/v1/cases/"+aliceCase+"/replies", map[string]string{"mode": "mention", "text": "@alice_follows on it"}).want(t, 202, &out)
	if m := out.Message; m.Status != "queued" || m.Kind != "tweet" || m.Direction != "out" || m.InReplyToMessageID == nil ||
		*m.InReplyToMessageID != latest || m.Author.HandleID != support1 {
		t.Errorf("mention = %+v, want queued in reply to %s", m, latest)
	}
	cmd := e.wantCommands(casework.CmdTweet)[0]
	if cmd.CaseID != aliceCase || cmd.MessageID != out.Message.ID || cmd.HandleID != support1 {
		t.Errorf("command = %+v", cmd)
	}
	// ...or to the one the agent picks, from another brand handle.
	e.do("POST", "/v1/cases/"+aliceCase+"/replies", map[string]string{"mode": "mention", "handle_id": deals2,
		"text": "@alice_follows about that", "in_reply_to_message_id": older}).want(t, 202, &out)
	if m := out.Message; *m.InReplyToMessageID != older || m.Author.HandleID != deals2 || m.Author.ScreenName != "AcmeDeals" {
		t.Errorf("picked mention = %+v", m)
	}
	e.wantCommands(casework.CmdTweet)

	// A DM to a follower of the brand handle.
	e.do("POST", "/v1/cases/"+aliceCase+"/replies", map[string]string{"mode": "dm", "handle_id": support1, "text": "details by DM"}).want(t, 202, &out)
	if m := out.Message; m.Kind != "dm" || m.Status != "queued" || m.InReplyToMessageID != nil {
		t.Errorf("dm = %+v", m)
	}
	cmd = e.wantCommands(casework.CmdDM)[0]
	if cmd.CustomerID != alice || cmd.MessageID != out.Message.ID || cmd.HandleID != support1 {
		t.Errorf("dm command = %+v", cmd)
	}

	// A reply makes a new case open.
	var got struct {
		Case     apiCase      `json:"case"`
		Messages []apiMessage `json:"messages"`
	}
	e.do("GET", "/v1/cases/"+aliceCase, nil).want(t, 200, &got)
	if got.Case.Status != "open" || len(got.Messages) != 5 {
		t.Errorf("after replies: case %+v with %d messages", got.Case, len(got.Messages))
	}
}

func TestReplyRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aliceCase, _ := e.inboundCase(alice, support1, "alice_follows", "9001")
	bobCase, _ := e.inboundCase(bob, support1, "bob_stranger", "9101")
	dm := e.addMessage(aliceCase, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindDM, Status: casework.StatusReceived, XID: "9002", Text: "dm"})
	queued := e.addMessage(aliceCase, casework.Message{Direction: casework.DirectionOut, Kind: casework.KindTweet, Status: casework.StatusQueued, Text: "@alice_follows x",
		Author: casework.Author{HandleID: support1, ScreenName: "AcmeSupport"}})
	noTweetCase, _ := e.createCase(bob, support1, "@bob_stranger hello")
	e.wantCommands(casework.CmdTweet)

	cjk := func(n int) string { return strings.Repeat("漢", n) }
	tests := []struct {
		name     string
		caseID   string
		body     map[string]string
		status   int
		code     string
		weighted int
		max      int
	}{
		{"dm to a non-follower", bobCase, map[string]string{"mode": "dm", "text": "hi"}, 422, "dm_not_allowed", 0, 0},
		{"dm from a handle not followed", aliceCase, map[string]string{"mode": "dm", "handle_id": deals2, "text": "hi"}, 422, "dm_not_allowed", 0, 0},
		{"dm over 10000", aliceCase, map[string]string{"mode": "dm", "text": strings.Repeat("a", 10001)}, 422, "text_too_long", 10001, 10000},
		{"empty dm", aliceCase, map[string]string{"mode": "dm", "text": ""}, 400, "validation_failed", 0, 0}, // missing: malformed (issue 14 item 7)
		{"white-space dm", aliceCase, map[string]string{"mode": "dm", "text": " "}, 422, "text_empty", 0, 0},
		{"mention 141", aliceCase, map[string]string{"mode": "mention", "text": strings.Repeat("b", 141)}, 422, "text_too_long", 141, 140},
		{"mention 71 CJK", aliceCase, map[string]string{"mode": "mention", "text": cjk(71)}, 422, "text_too_long", 142, 140},
		{"empty mention", aliceCase, map[string]string{"mode": "mention", "text": "  "}, 422, "text_empty", 0, 0},
		{"unknown mode", aliceCase, map[string]string{"mode": "fax", "text": "hi"}, 400, "validation_failed", 0, 0},
		{"no mode", aliceCase, map[string]string{"text": "hi"}, 400, "validation_failed", 0, 0},
		{"reply to a DM", aliceCase, map[string]string{"mode": "mention", "text": "hi", "in_reply_to_message_id": dm}, 422, "invalid_reply_target", 0, 0},
		{"reply to a Tweet not on X", aliceCase, map[string]string{"mode": "mention", "text": "hi", "in_reply_to_message_id": queued}, 422, "invalid_reply_target", 0, 0},
		{"reply to another case's Tweet", bobCase, map[string]string{"mode": "mention", "text": "hi", "in_reply_to_message_id": dm}, 404, "not_found", 0, 0},
		{"dm with in_reply_to", aliceCase, map[string]string{"mode": "dm", "text": "hi", "in_reply_to_message_id": dm}, 400, "validation_failed", 0, 0},
		{"nothing to reply to, no mention", noTweetCase.ID, map[string]string{"mode": "mention", "text": "hello again"}, 422, "customer_not_mentioned", 0, 0},
		{"unknown case", "nope", map[string]string{"mode": "mention", "text": "hi"}, 404, "not_found", 0, 0},
		{"unknown handle", aliceCase, map[string]string{"mode": "mention", "handle_id": "nope", "text": "hi"}, 404, "not_found", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.do("POST", "/v1/cases/"+tt.caseID+"/replies", tt.body).wantProblem(t, tt.status, tt.code)
			if tt.weighted != 0 && (p.WeightedLength == nil || *p.WeightedLength != tt.weighted || *p.MaxLength != tt.max) {
				t.Errorf("problem = %+v, want weighted_length %d max_length %d", p, tt.weighted, tt.max)
			}
		})
	}
	e.wantCommands() // nothing refused was queued

	// At the limits: accepted.
	for _, body := range []map[string]string{
		{"mode": "mention", "text": cjk(70)},
		{"mode": "mention", "text": strings.Repeat("b", 140)},
		{"mode": "dm", "text": strings.Repeat("😀", 10000)},
		{"mode": "mention", "text": "@bob_stranger hello again"},
	} {
		id := aliceCase
		if strings.HasPrefix(body["text"], "@bob") {
			id = noTweetCase.ID
		}
		e.do("POST", "/v1/cases/"+id+"/replies", body).want(t, 202, nil)
	}
	e.wantCommands(casework.CmdTweet, casework.CmdTweet, casework.CmdDM, casework.CmdTweet)
}

// Issue 14 item 4: in a case an agent started, the first mention follow-up
// (no customer Tweet yet) is threaded under the brand's latest Tweet in
// the case; reply options show it, and the agent can still pick another.
func TestFollowUpThreadedUnderTheBrandsTweet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c, first := e.createCase(bob, support1, "@bob_stranger we are looking into it")
	e.wantCommands(casework.CmdTweet)
	sent := func(id, xid string) {
		t.Helper()
		m, err := e.store.GetMessage(e.ctx, c.ID, id)
		must(t, err)
		m.Status, m.XID, m.SentAt = casework.StatusSent, xid, time.Now().UTC()
		must(t, e.store.PutMessage(e.ctx, m))
	}
	sent(first.ID, "7301")

	var o apiReplyOptions
	e.do("GET", "/v1/cases/"+c.ID+"/reply-options", nil).want(t, 200, &o)
	if o.InReplyTo == nil || o.InReplyTo.ID != first.ID {
		t.Fatalf("in_reply_to = %+v, want the brand's first Tweet %s", o.InReplyTo, first.ID)
	}

	var out struct {
		Message apiMessage `json:"message"`
	}
	e.do("POST", "/v1/cases/"+c.ID+"/replies", map[string]string{"mode": "mention", "text": "@bob_stranger any news?"}).want(t, 202, &out)
	if m := out.Message; m.InReplyToMessageID == nil || *m.InReplyToMessageID != first.ID {
		t.Errorf("follow-up = %+v, want it in reply to %s", m, first.ID)
	}
	e.wantCommands(casework.CmdTweet)
	got, err := e.store.GetMessage(e.ctx, c.ID, out.Message.ID)
	must(t, err)
	if got.InReplyToXID != "7301" {
		t.Errorf("stored follow-up replies to X id %q, want 7301", got.InReplyToXID)
	}

	// The latest of the brand's Tweets is the default; the agent may pick an older one.
	sent(out.Message.ID, "7302")
	e.do("GET", "/v1/cases/"+c.ID+"/reply-options", nil).want(t, 200, &o)
	if o.InReplyTo == nil || o.InReplyTo.ID != out.Message.ID {
		t.Errorf("in_reply_to = %+v, want the latest brand Tweet %s", o.InReplyTo, out.Message.ID)
	}
	e.do("POST", "/v1/cases/"+c.ID+"/replies", map[string]string{"mode": "mention", "text": "@bob_stranger (on the first)",
		"in_reply_to_message_id": first.ID}).want(t, 202, &out)
	if m := out.Message; m.InReplyToMessageID == nil || *m.InReplyToMessageID != first.ID {
		t.Errorf("picked = %+v, want it in reply to %s", m, first.ID)
	}
	e.wantCommands(casework.CmdTweet)

	// Under the brand's own Tweet, a reply that does not mention the customer would reach no one.
	p := e.do("POST", "/v1/cases/"+c.ID+"/replies", map[string]string{"mode": "mention", "text": "any news?"}).wantProblem(t, 422, "customer_not_mentioned")
	if len(p.Fields) != 1 || p.Fields[0].Code != "customer_not_mentioned" {
		t.Errorf("fields = %+v, want customer_not_mentioned", p.Fields)
	}

	// Once the customer Tweets in the case, that is the default again.
	theirs := e.addMessage(c.ID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindTweet, Status: casework.StatusReceived,
		XID: "7303", Text: "@AcmeSupport still broken", Author: casework.Author{CustomerID: bob, ScreenName: "bob_stranger"}})
	e.do("GET", "/v1/cases/"+c.ID+"/reply-options", nil).want(t, 200, &o)
	if o.InReplyTo == nil || o.InReplyTo.ID != theirs {
		t.Errorf("in_reply_to = %+v, want the customer's Tweet %s", o.InReplyTo, theirs)
	}
}

// Issue 14 item 3: a case stays bound to the X account it was opened with;
// changing the customer's handle does not re-point it.
func TestCaseKeepsItsXAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old, _ := e.createCase(bob, support1, "@bob_stranger hello")
	e.wantCommands(casework.CmdTweet)
	e.do("PUT", "/v1/customers/"+bob+"/twitter", map[string]string{"handle": "dave"}).want(t, 200, nil)

	var o apiReplyOptions
	e.do("GET", "/v1/cases/"+old.ID+"/reply-options", nil).want(t, 200, &o)
	if got := o.modes(); len(got) == 0 || got[0] != "AcmeSupport:mention/140/@bob_stranger " {
		t.Errorf("old case's modes = %q, want the prefill @bob_stranger", got)
	}
	p := e.do("POST", "/v1/cases/"+old.ID+"/replies", map[string]string{"mode": "mention", "text": "@dave hi"}).wantProblem(t, 422, "customer_not_mentioned")
	if len(p.Fields) != 1 || p.Fields[0].Code != "customer_not_mentioned" {
		t.Errorf("fields = %+v, want customer_not_mentioned", p.Fields)
	}
	e.do("POST", "/v1/cases/"+old.ID+"/replies", map[string]string{"mode": "mention", "text": "@bob_stranger hi again"}).want(t, 202, nil)
	e.wantCommands(casework.CmdTweet)
	stored, err := e.store.GetCase(e.ctx, old.ID)
	must(t, err)
	if stored.Account == nil || stored.Account.XUserID != "2000000000000000002" || stored.Account.Handle != "bob_stranger" {
		t.Errorf("case account = %+v, want bob_stranger's X account", stored.Account)
	}

	// A new case is with the customer's handle now.
	e.do("POST", "/v1/cases", map[string]string{"customer_id": bob, "handle_id": support1, "text": "@bob_stranger hi"}).wantProblem(t, 422, "customer_not_mentioned")
	fresh, _ := e.createCase(bob, support1, "@dave hello")
	e.do("GET", "/v1/cases/"+fresh.ID+"/reply-options", nil).want(t, 200, &o)
	if got := o.modes(); len(got) == 0 || got[0] != "AcmeSupport:mention/140/@dave " {
		t.Errorf("new case's modes = %q, want the prefill @dave", got)
	}
}
