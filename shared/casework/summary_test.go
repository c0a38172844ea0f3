package casework

import (
	"strings"
	"testing"
	"time"
)

func TestFirstLine(t *testing.T) {
	long := strings.Repeat("é", FirstLineMax+5)
	tests := []struct{ text, want string }{
		{"", ""},
		{"one line", "one line"},
		{"\n\n  first \nsecond", "first"},
		{"a\r\nb", "a"},
		{long, strings.Repeat("é", FirstLineMax-1) + "…"},
		{strings.Repeat("x", FirstLineMax), strings.Repeat("x", FirstLineMax)},
	}
	for _, tt := range tests {
		if got := FirstLine(tt.text); got != tt.want {
			t.Errorf("FirstLine(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestNoteMessageKeepsTheNewest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	msg := func(id string, at time.Time, text string) *Message {
		return &Message{ID: id, Direction: DirectionIn, Kind: KindTweet, Text: text, CreatedAt: at}
	}
	var c Case
	steps := []struct {
		m       *Message
		changed bool
		want    string
	}{
		{msg("b", t0.Add(time.Second), "second"), true, "second"},
		{msg("a", t0, "first, applied late"), false, "second"},
		{msg("b", t0.Add(time.Second), "second"), false, "second"},
		{msg("c", t0.Add(time.Second), "same time, later id"), true, "same time, later id"},
		{&Message{ID: "c", CreatedAt: t0.Add(time.Second), Deleted: true}, true, ""},
	}
	for i, s := range steps {
		if got := c.NoteMessage(s.m); got != s.changed || c.Summary.LastMessage.FirstLine != s.want {
			t.Errorf("step %d: changed %v, line %q; want %v, %q", i, got, c.Summary.LastMessage.FirstLine, s.changed, s.want)
		}
	}
}

func TestMoveToByRecordsTheAgent(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Case{Status: CaseOpen}
	a := Agent{ID: "sub-1", Email: "a@example.com"}
	if err := c.MoveToBy(CasePending, now, a); err != nil || c.StatusChangedBy != a || !c.StatusChangedAt.Equal(now) {
		t.Errorf("case = %+v, err %v", c, err)
	}
	if err := c.MoveToBy(CasePending, now.Add(time.Hour), Agent{ID: "other"}); err != nil || c.StatusChangedBy != a {
		t.Errorf("staying in a status recorded %+v", c.StatusChangedBy)
	}
	if err := c.MoveToBy(CaseNew, now, a); ErrorCode(err) != EInvalidTransition {
		t.Errorf("pending → new: %v", err)
	}
}
