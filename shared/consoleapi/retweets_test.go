package consoleapi_test

import (
	"slices"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
)

func retweetPath(caseID, messageID, handleID string) string {
	return "/v1/cases/" + caseID + "/messages/" + messageID + "/retweets/" + handleID
}

func TestRetweetOncePerHandleAndUndo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, tweet := e.inboundCase(bob, support1, "bob_stranger", "6001")
	var out struct {
		Message apiMessage `json:"message"`
	}

	e.do("PUT", retweetPath(caseID, tweet, support1), nil).want(t, 202, &out)
	if !slices.Equal(out.Message.RetweetedBy, []string{support1}) {
		t.Errorf("retweeted_by = %v", out.Message.RetweetedBy)
	}
	cmd := e.wantCommands(casework.CmdRetweet)[0]
	if cmd.CaseID != caseID || cmd.MessageID != tweet || cmd.HandleID != support1 {
		t.Errorf("command = %+v", cmd)
	}

	// Again with the same brand handle: 200, nothing more queued.
	e.do("PUT", retweetPath(caseID, tweet, support1), nil).want(t, 200, &out)
	if !slices.Equal(out.Message.RetweetedBy, []string{support1}) {
		t.Errorf("retweeted_by = %v", out.Message.RetweetedBy)
	}
	e.wantCommands()

	// Another brand handle may Retweet it too.
	e.do("PUT", retweetPath(caseID, tweet, deals2), nil).want(t, 202, &out)
	if got := slices.Sorted(slices.Values(out.Message.RetweetedBy)); !slices.Equal(got, []string{support1, deals2}) {
		t.Errorf("retweeted_by = %v", got)
	}
	e.wantCommands(casework.CmdRetweet)

	// The case shows it.
	var got struct {
		Messages []apiMessage `json:"messages"`
	}
	e.do("GET", "/v1/cases/"+caseID, nil).want(t, 200, &got)
	if len(got.Messages[0].RetweetedBy) != 2 {
		t.Errorf("message in case = %+v", got.Messages[0])
	}

	// Undo: 202 and an unretweet.
	e.do("DELETE", retweetPath(caseID, tweet, support1), nil).want(t, 202, &out)
	if !slices.Equal(out.Message.RetweetedBy, []string{deals2}) {
		t.Errorf("after undo retweeted_by = %v", out.Message.RetweetedBy)
	}
	cmd = e.wantCommands(casework.CmdUnretweet)[0]
	if cmd.MessageID != tweet || cmd.HandleID != support1 || cmd.CaseID != caseID {
		t.Errorf("unretweet command = %+v", cmd)
	}
	// Undoing a Retweet that is not recorded answers from that state: 200,
	// nothing sent to X.
	e.do("DELETE", retweetPath(caseID, tweet, support1), nil).want(t, 200, &out)
	if !slices.Equal(out.Message.RetweetedBy, []string{deals2}) {
		t.Errorf("after a second undo retweeted_by = %v", out.Message.RetweetedBy)
	}
	other, _ := e.inboundCase(bob, support1, "bob_stranger", "6050")
	otherTweet := mustLatestTweet(t, e, other)
	e.do("DELETE", retweetPath(other, otherTweet, support1), nil).want(t, 200, &out)
	e.wantCommands()
}

func TestRetweetRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caseID, tweet := e.inboundCase(bob, support1, "bob_stranger", "6101")
	dm := e.addMessage(caseID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindDM, Status: casework.StatusReceived, XID: "6102", Text: "dm",
		Author: casework.Author{CustomerID: bob, ScreenName: "bob_stranger"}})
	failed := e.addMessage(caseID, casework.Message{Direction: casework.DirectionOut, Kind: casework.KindTweet, Status: casework.StatusFailed, Text: "@bob_stranger x",
		Author: casework.Author{HandleID: support1, ScreenName: "AcmeSupport"}, Error: &casework.MessageError{Code: "403", Detail: "duplicate"}})
	ours := e.addMessage(caseID, casework.Message{Direction: casework.DirectionOut, Kind: casework.KindTweet, Status: casework.StatusSent, XID: "6103", Text: "@bob_stranger y",
		Author: casework.Author{HandleID: support1, ScreenName: "AcmeSupport"}})
	disconnected := casework.BrandHandle{ID: "01JDTESTHANDLE0000000000DX", ScreenName: "AcmeOld", XUserID: "1000000000000000009",
		CredentialsSecret: "s", Status: casework.HandleDisconnected}
	must(t, e.store.PutHandle(e.ctx, &disconnected))

	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"a DM", "PUT", retweetPath(caseID, dm, support1), 422, "not_retweetable"},
		{"a failed Tweet", "PUT", retweetPath(caseID, failed, support1), 422, "not_retweetable"},
		{"our own Tweet", "PUT", retweetPath(caseID, ours, support1), 422, "not_retweetable"},
		{"undo on a DM", "DELETE", retweetPath(caseID, dm, support1), 422, "not_retweetable"},
		{"unknown message", "PUT", retweetPath(caseID, "nope", support1), 404, "not_found"},
		{"unknown case", "PUT", retweetPath("nope", tweet, support1), 404, "not_found"},
		{"unknown handle", "PUT", retweetPath(caseID, tweet, "nope"), 404, "not_found"},
		{"disconnected handle", "PUT", retweetPath(caseID, tweet, disconnected.ID), 422, "handle_disconnected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.do(tt.method, tt.path, nil).wantProblem(t, tt.status, tt.code)
		})
	}
	e.wantCommands()
}
