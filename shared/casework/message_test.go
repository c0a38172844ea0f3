package casework

import (
	"testing"
	"time"
)

func TestMessageRetweetable(t *testing.T) {
	tweet := func() Message {
		return Message{Kind: KindTweet, Direction: DirectionIn, Status: StatusReceived, XID: "123"}
	}
	tests := []struct {
		name   string
		change func(*Message)
		ok     bool
	}{
		{"customer tweet", func(*Message) {}, true},
		{"dm", func(m *Message) { m.Kind = KindDM }, false},
		{"our own tweet", func(m *Message) { m.Direction = DirectionOut; m.Status = StatusSent }, false},
		{"failed tweet", func(m *Message) { m.Status = StatusFailed }, false},
		{"no x id", func(m *Message) { m.XID = "" }, false},
		{"deleted", func(m *Message) { m.MarkDeleted(time.Now()) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tweet()
			tt.change(&m)
			err := m.Retweetable()
			if (err == nil) != tt.ok {
				t.Fatalf("Retweetable() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && ErrorCode(err) != ENotRetweetable {
				t.Errorf("code = %s", ErrorCode(err))
			}
		})
	}
}

func TestMarkDeletedRemovesText(t *testing.T) {
	m := Message{Text: "my order number is 42"}
	m.MarkDeleted(time.Now())
	if m.Text != "" || !m.Deleted || m.DeletedAt.IsZero() {
		t.Errorf("after MarkDeleted: %+v", m)
	}
}

func TestRetweetedByHandle(t *testing.T) {
	m := Message{RetweetedBy: []string{"h1"}}
	if !m.RetweetedByHandle("h1") || m.RetweetedByHandle("h2") {
		t.Errorf("RetweetedByHandle wrong for %v", m.RetweetedBy)
	}
}
