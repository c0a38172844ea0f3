package casework

import (
	"testing"
	"time"
)

func TestCaseStatusTransitions(t *testing.T) {
	allowed := map[[2]CaseStatus]bool{
		{CaseNew, CaseOpen}: true, {CaseNew, CasePending}: true, {CaseNew, CaseResolved}: true, {CaseNew, CaseClosed}: true,
		{CaseOpen, CasePending}: true, {CaseOpen, CaseResolved}: true, {CaseOpen, CaseClosed}: true,
		{CasePending, CaseOpen}: true, {CasePending, CaseResolved}: true, {CasePending, CaseClosed}: true,
		{CaseResolved, CaseOpen}: true, {CaseResolved, CaseClosed}: true,
		{CaseClosed, CaseOpen}: true,
	}
	for _, from := range CaseStatuses {
		for _, to := range CaseStatuses {
			want := allowed[[2]CaseStatus{from, to}] || from == to
			if got := from.CanMoveTo(to); got != want {
				t.Errorf("%s -> %s allowed = %v, want %v", from, to, got, want)
			}
		}
	}
	if CaseStatus("archived").CanMoveTo("archived") {
		t.Error("an unknown status may not stay itself")
	}
}

func TestCaseMoveTo(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		from, to CaseStatus
		code     string
	}{
		{CaseNew, CaseOpen, ""},
		{CaseOpen, CaseOpen, ""},
		{CaseResolved, CaseOpen, ""},
		{CaseClosed, CaseResolved, EInvalidTransition},
		{CaseOpen, CaseNew, EInvalidTransition},
		{CaseOpen, "archived", EValidation},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			c := Case{Status: tt.from}
			err := c.MoveTo(tt.to, now)
			if got := ErrorCode(err); got != tt.code {
				t.Fatalf("code = %q, want %q (err %v)", got, tt.code, err)
			}
			if tt.code == "" && c.Status != tt.to {
				t.Errorf("status = %s, want %s", c.Status, tt.to)
			}
			if tt.code != "" && c.Status != tt.from {
				t.Errorf("a refused move changed the status to %s", c.Status)
			}
		})
	}
}

func TestCaseReopen(t *testing.T) {
	now := time.Now()
	for _, tt := range []struct {
		from   CaseStatus
		reopen bool
	}{
		{CaseNew, false}, {CaseOpen, false}, {CasePending, false}, {CaseResolved, true}, {CaseClosed, true},
	} {
		c := Case{Status: tt.from}
		if got := c.Reopen(now); got != tt.reopen {
			t.Errorf("Reopen from %s = %v, want %v", tt.from, got, tt.reopen)
		}
		if tt.reopen && c.Status != CaseOpen {
			t.Errorf("after reopening from %s status = %s", tt.from, c.Status)
		}
	}
}

func TestCaseTouchNeverGoesBack(t *testing.T) {
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	var c Case
	c.Touch(t2)
	c.Touch(t1) // an older event applied late
	if !c.LastActivityAt.Equal(t2) {
		t.Errorf("LastActivityAt = %s, want %s", c.LastActivityAt, t2)
	}
}

// TestCaseKeepsCustomerTweet: NoteMessage keeps the customer's newest
// Tweet on X while it is known, whatever order the messages come in; the
// deletion of that Tweet makes it unknown (the messages tell then), and an
// unknown one is never guessed from a single message.
func TestCaseKeepsCustomerTweet(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tweet := func(id string, dir Direction, kind MessageKind, xid string) *Message {
		return &Message{ID: id, Direction: dir, Kind: kind, XID: xid, Status: StatusReceived, Text: "hi", CreatedAt: at}
	}
	c := &Case{CustomerTweetKnown: true}
	steps := []struct {
		name    string
		m       *Message
		want    string // CustomerTweet's message id, "" for nil
		known   bool
		changed bool
	}{
		{"a brand Tweet", tweet("01B", DirectionOut, KindTweet, "9"), "", true, true},
		{"a customer DM", tweet("01C", DirectionIn, KindDM, "8"), "", true, true},
		{"the customer's Tweet", tweet("01D", DirectionIn, KindTweet, "10"), "01D", true, true},
		{"an older one, late", tweet("01A", DirectionIn, KindTweet, "7"), "01D", true, false},
		{"a newer one", tweet("01E", DirectionIn, KindTweet, "11"), "01E", true, true},
		{"a customer Tweet not on X", tweet("01F", DirectionIn, KindTweet, ""), "01E", true, true},
	}
	deleted := tweet("01E", DirectionIn, KindTweet, "11")
	deleted.MarkDeleted(at)
	steps = append(steps, []struct {
		name    string
		m       *Message
		want    string
		known   bool
		changed bool
	}{
		{"the older one deleted", func() *Message { m := tweet("01D", DirectionIn, KindTweet, "10"); m.MarkDeleted(at); return m }(), "01E", true, false},
		{"the newest one deleted", deleted, "", false, true},
		{"a newer one while unknown", tweet("01G", DirectionIn, KindTweet, "12"), "", false, true},
	}...)
	for _, st := range steps {
		changed := c.NoteMessage(st.m)
		got := ""
		if c.CustomerTweet != nil {
			got = c.CustomerTweet.MessageID
			if c.CustomerTweet.XID != st.m.XID && got == st.m.ID {
				t.Errorf("%s: XID %q, want %q", st.name, c.CustomerTweet.XID, st.m.XID)
			}
		}
		if got != st.want || c.CustomerTweetKnown != st.known {
			t.Errorf("%s: CustomerTweet %q known %v, want %q known %v", st.name, got, c.CustomerTweetKnown, st.want, st.known)
		}
		if changed != st.changed {
			t.Errorf("%s: changed %v, want %v", st.name, changed, st.changed)
		}
	}
}
