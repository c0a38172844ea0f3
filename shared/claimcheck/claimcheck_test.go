package claimcheck

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// memStore keeps parts in memory (the table's adapter is tested on the
// local DynamoDB in shared/dynamo).
type memStore map[string][][]byte

func (m memStore) PutDeliveryParts(_ context.Context, id string, parts [][]byte, _ time.Time) error {
	m[id] = parts
	return nil
}

func (m memStore) DeliveryParts(_ context.Context, id string, n int) ([][]byte, error) {
	if p := m[id]; len(p) == n {
		return p, nil
	}
	return nil, ErrMissing
}

// Only a pointer Keep wrote reads as one: X's own formats, and anything
// else, are messages to apply as they are.
func TestRead(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want bool
	}{
		{`{"` + PointerMember + `":{"id":"ab","bytes":3,"parts":1}}`, true},
		{`{"data":{"event_type":"post.mention.create"}}`, false},
		{`{"for_user_id":"1","tweet_create_events":[]}`, false},
		{`{"` + PointerMember + `":{"id":"ab","bytes":3,"parts":0}}`, false},
		{`{"` + PointerMember + `":{"id":"","bytes":3,"parts":1}}`, false},
		{`{"` + PointerMember + `":{"id":"ab","bytes":3,"parts":1},"data":{}}`, false},
		{`{"` + PointerMember + `":`, false},
		{` {"` + PointerMember + `":{"id":"ab","bytes":3,"parts":1}}`, false},
	} {
		if _, got := Read([]byte(tc.msg)); got != tc.want {
			t.Errorf("Read(%s) = %v, want %v", tc.msg, got, tc.want)
		}
	}
}

// A kept body comes back whole; a body that does not match its id (the
// table holding something else under it) is refused, not applied.
func TestKeepAndFetch(t *testing.T) {
	ctx := context.Background()
	s := memStore{}
	body := []byte(strings.Repeat(`{"text":"a long story 🙂"}`, 40_000))
	msg, err := Keep(ctx, s, body, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := Read(msg)
	if !ok || p.Bytes != len(body) || p.Parts != 1 {
		t.Fatalf("pointer %s", msg)
	}
	got, err := Fetch(ctx, s, p)
	if err != nil || string(got) != string(body) {
		t.Fatalf("fetched %d bytes, %v", len(got), err)
	}
	other, err := Keep(ctx, s, []byte("another body"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	q, _ := Read(other)
	s[p.ID] = s[q.ID]
	p.Bytes = 100
	if _, err := Fetch(ctx, s, p); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("a body under another id: %v, want refused", err)
	}
	delete(s, p.ID)
	if _, err := Fetch(ctx, s, p); !errors.Is(err, ErrMissing) {
		t.Errorf("a body not kept: %v, want ErrMissing", err)
	}
}
