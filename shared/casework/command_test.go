package casework

import "testing"

func TestCommandGroupAndWork(t *testing.T) {
	for _, tt := range []struct {
		cmd         Command
		group, work string
	}{
		{Command{Kind: CmdTweet, CaseID: "c1", MessageID: "m1", HandleID: "h1"}, "case-c1", "message#c1#m1"},
		{Command{Kind: CmdDM, CaseID: "c1", MessageID: "m2", HandleID: "h1", CustomerID: "u1"}, "case-c1", "message#c1#m2"},
		{Command{Kind: CmdRetweet, CaseID: "c1", MessageID: "m3", HandleID: "h1"}, "retweet-m3-h1", "retweet#c1#m3#h1"},
		{Command{Kind: CmdUnretweet, CaseID: "c1", MessageID: "m3", HandleID: "h1"}, "retweet-m3-h1", "retweet#c1#m3#h1"},
		{Command{Kind: CmdRetweet, CaseID: "c1", MessageID: "m3", HandleID: "h2"}, "retweet-m3-h2", "retweet#c1#m3#h2"},
		{Command{Kind: CmdFollow, CustomerID: "u1", HandleID: "h1"}, "follow-u1-h1", "follow#u1#h1"},
		{Command{Kind: CmdUnfollow, CustomerID: "u1", HandleID: "h1"}, "follow-u1-h1", "follow#u1#h1"},
		{Command{Kind: CmdFollow, CustomerID: "u2", HandleID: "h1"}, "follow-u2-h1", "follow#u2#h1"},
		{Command{Kind: "subscribe", HandleID: "h1"}, "subscribe-h1-", "subscribe#h1###"},
		{Command{Kind: "subscribe", HandleID: "h2"}, "subscribe-h2-", "subscribe#h2###"},
	} {
		if g := tt.cmd.GroupID(); g != tt.group {
			t.Errorf("%+v: GroupID = %q, want %q", tt.cmd, g, tt.group)
		}
		if w := tt.cmd.WorkKey(); w != tt.work {
			t.Errorf("%+v: WorkKey = %q, want %q", tt.cmd, w, tt.work)
		}
	}
}
