package consoleapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// reachX answers, as X would as any brand handle, whether a user accepts
// DMs and has X Chat keys.
type reachX map[string]casework.DMReach

func (r reachX) DMReach(ctx context.Context, as *casework.BrandHandle, xUserID string) (casework.DMReach, error) {
	return r[xUserID], nil
}

// TestReplyOptionsOfXChat: the reply options say why a DM is offered
// (customer_accepts_dms, from X's receives_your_dm) and why not when the
// customer has no X Chat keys (dm_unavailable), as the document says.
func TestReplyOptionsOfXChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) {
		c.clock = func() time.Time { return casework.XChatCutover.Add(time.Hour) } // X Chat only
		c.reach = reachX{"2000000000000000001": {ReceivesDM: true, ChatKeys: false}, "2000000000000000002": {ReceivesDM: true, ChatKeys: true}}
	})
	bobCase, _ := e.inboundCase(bob, support1, "bob_stranger", "7301")
	aliceCase, _ := e.inboundCase(alice, support1, "alice_follows", "7302")
	var raw struct {
		Handles []struct {
			ScreenName string `json:"screen_name"`
			Modes      []struct {
				Mode, Reason string
			} `json:"modes"`
			DMUnavailable *struct{ Code, Detail string } `json:"dm_unavailable"`
		} `json:"handles"`
	}
	e.do("GET", "/v1/cases/"+bobCase+"/reply-options", nil).want(t, 200, &raw)
	h := raw.Handles[0]
	if h.ScreenName != "AcmeSupport" || len(h.Modes) != 2 || h.Modes[1].Mode != "dm" || h.Modes[1].Reason != "customer_accepts_dms" || h.DMUnavailable != nil {
		t.Errorf("bob: %+v", h)
	}
	e.do("GET", "/v1/cases/"+aliceCase+"/reply-options", nil).want(t, 200, &raw)
	h = raw.Handles[0]
	if len(h.Modes) != 1 || h.DMUnavailable == nil || h.DMUnavailable.Code != "customer_has_no_chat_keys" || h.DMUnavailable.Detail == "" {
		t.Errorf("alice without X Chat keys: %+v", h)
	}
}

// TestXChatMessagesInTheAPI: an X Chat DM is marked end-to-end encrypted,
// and one waiting for its key shows as waiting_for_key with no text, both
// as the document allows; a legacy DM is not marked.
func TestXChatMessagesInTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now().UTC()
	c := &casework.Case{ID: casework.NewID(now), CustomerID: bob, HandleID: support1, Channel: casework.ChannelDM,
		Status: casework.CaseNew, CreatedAt: now, UpdatedAt: now, LastActivityAt: now}
	must(t, e.store.PutCase(e.ctx, c))
	author := casework.Author{CustomerID: bob, ScreenName: "bob_stranger"}
	legacy := e.addMessage(c.ID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindDM, Status: casework.StatusReceived,
		XID: "900", Text: "legacy", Author: author})
	chat := func(id string) *casework.ChatPayload {
		return &casework.ChatPayload{ConversationID: "1000000000000000001-2000000000000000002", MessageID: id, ConversationKeyVersion: "1765000000000"}
	}
	opened := e.addMessage(c.ID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindDM, Status: casework.StatusReceived,
		XID: "e4f4d3fc-8bbf-4928-92eb-e5058d6bb6f6", Text: "encrypted hello", Author: author, Chat: chat("e4f4d3fc-8bbf-4928-92eb-e5058d6bb6f6")})
	waiting := e.addMessage(c.ID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindDM, Status: casework.StatusWaitingForKey,
		XID: "0f52b591-4b7e-4f13-92cd-30e6b2a3f18a", Author: author, Chat: chat("0f52b591-4b7e-4f13-92cd-30e6b2a3f18a")})
	var got struct {
		Messages []struct {
			ID                string `json:"id"`
			Text              string `json:"text"`
			Status            string `json:"status"`
			EndToEndEncrypted *bool  `json:"end_to_end_encrypted"`
		} `json:"messages"`
	}
	e.do("GET", "/v1/cases/"+c.ID, nil).want(t, 200, &got)
	if len(got.Messages) != 3 {
		t.Fatalf("messages %+v", got.Messages)
	}
	for i, want := range []struct {
		id, text, status string
		e2e              bool
	}{{legacy, "legacy", "received", false}, {opened, "encrypted hello", "received", true}, {waiting, "", "waiting_for_key", true}} {
		m := got.Messages[i]
		if m.ID != want.id || m.Text != want.text || m.Status != want.status || (m.EndToEndEncrypted != nil && *m.EndToEndEncrypted) != want.e2e {
			t.Errorf("message %d = %+v, want %+v", i, m, want)
		}
	}
}
