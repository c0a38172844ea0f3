package storetest

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func newMessage(i int, caseID string, kind casework.MessageKind, xid string) *casework.Message {
	return &casework.Message{
		ID: idAt(i), CaseID: caseID, Direction: casework.DirectionIn, Kind: kind,
		Text: "hello", Status: casework.StatusReceived, XID: xid,
		Author:    casework.Author{CustomerID: "cust-1", ScreenName: "alice"},
		CreatedAt: base.Add(time.Duration(i) * time.Millisecond),
	}
}

func messageIDs(ms []casework.Message) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func testMessagesOfCasePages(t *testing.T, f *fixture) {
	s := f.store
	caseID := idAt(1000)
	var want []string
	for _, i := range []int{3, 0, 6, 1, 5, 2, 4} { // written out of order
		must(t, s.PutMessage(f.ctx, newMessage(i, caseID, casework.KindTweet, "")))
	}
	for i := range 7 {
		want = append(want, idAt(i))
	}
	must(t, s.PutMessage(f.ctx, newMessage(50, idAt(1001), casework.KindTweet, ""))) // another case
	must(t, s.PutCase(f.ctx, newCase(1000, "cust-1", casework.CaseOpen, base)))      // same partition, not a message

	var got []string
	var sizes []int
	cursor := ""
	for {
		page, err := s.MessagesOfCase(f.ctx, caseID, casework.PageRequest{Limit: 3, Cursor: cursor})
		must(t, err)
		got = append(got, messageIDs(page.Items)...)
		sizes = append(sizes, len(page.Items))
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if len(sizes) > 5 {
			t.Fatal("pages never end")
		}
	}
	if !slices.Equal(got, want) || !slices.Equal(sizes, []int{3, 3, 1}) {
		t.Fatalf("messages %v in pages %v, want %v in 3,3,1", got, sizes, want)
	}

	// A list that ends exactly at a page's end has no cursor on that page.
	page, err := s.MessagesOfCase(f.ctx, caseID, casework.PageRequest{Limit: 7})
	must(t, err)
	if len(page.Items) != 7 || page.NextCursor != "" {
		t.Fatalf("limit 7: %d items, cursor %q", len(page.Items), page.NextCursor)
	}
	page, err = s.MessagesOfCase(f.ctx, idAt(4242), casework.PageRequest{})
	must(t, err)
	if len(page.Items) != 0 || page.NextCursor != "" || page.Items == nil {
		t.Fatalf("a case without messages: %+v", page)
	}

	first, err := s.MessagesOfCase(f.ctx, caseID, casework.PageRequest{Limit: 1})
	must(t, err)
	otherCase, err := s.MessagesOfCase(f.ctx, idAt(1001), casework.PageRequest{Limit: 1})
	must(t, err)
	if first.NextCursor == "" || otherCase.NextCursor != "" {
		t.Fatalf("cursors %q %q", first.NextCursor, otherCase.NextCursor)
	}
	must(t, s.PutCase(f.ctx, newCase(1001, "cust-1", casework.CaseOpen, base)))
	foreign, err := s.CasesByStatus(f.ctx, casework.CaseOpen, casework.PageRequest{Limit: 1})
	must(t, err)
	bad := map[string]string{
		"another list's cursor": foreign.NextCursor,
		"not base64":            "***",
		"not JSON":              base64.RawURLEncoding.EncodeToString([]byte("PK=CASE")),
		"wrong case":            base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"CASE#x","SK":"MSG#y"}`)),
		"not a message key":     base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"CASE#` + caseID + `","SK":"CASE"}`)),
		"extra attributes":      base64.RawURLEncoding.EncodeToString([]byte(`{"PK":"CASE#` + caseID + `","SK":"MSG#1","X":"y"}`)),
		"padded base64":         first.NextCursor + "==",
		"JSON of wrong types":   base64.RawURLEncoding.EncodeToString([]byte(`{"PK":1,"SK":2}`)),
	}
	for name, cursor := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := s.MessagesOfCase(f.ctx, caseID, casework.PageRequest{Cursor: cursor})
			WantCode(t, err, casework.EValidation)
		})
	}
}

func testMessagePutGet(t *testing.T, f *fixture) {
	s := f.store
	caseID := idAt(1000)
	m := newMessage(1, caseID, casework.KindTweet, "")
	m.Direction, m.Status, m.Author = casework.DirectionOut, casework.StatusQueued, casework.Author{HandleID: "h1", ScreenName: "AcmeSupport"}
	m.InReplyToMessageID, m.InReplyToXID = idAt(0), "900"
	m.SentBy, m.AttemptedAt = casework.Agent{ID: "sub-1", Email: "a@example.com"}, base.Add(time.Second)
	m.URLs = []casework.Link{{URL: "https://t.co/x", ExpandedURL: "https://example.com/x"}}
	m.Media = []casework.Media{{Key: "3_1", Type: "photo", URL: "https://pbs.twimg.com/1.jpg"}}
	must(t, s.PutMessage(f.ctx, m))
	got, err := s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !reflect.DeepEqual(got, m) || got.Version != 1 {
		t.Fatalf("got %+v\nwant %+v", got, m)
	}

	// It fails on X: an error, then a retry clears it again.
	m.Status, m.Error = casework.StatusFailed, &casework.MessageError{Code: "187", Detail: "Status is a duplicate."}
	must(t, s.PutMessage(f.ctx, m))
	got, err = s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !reflect.DeepEqual(got.Error, m.Error) || got.Status != casework.StatusFailed {
		t.Fatalf("error %+v status %s", got.Error, got.Status)
	}
	m.Status, m.Error = casework.StatusSent, nil
	m.XID, m.SentAt = "1001", base.Add(time.Minute)
	must(t, s.PutMessage(f.ctx, m))
	got, err = s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !reflect.DeepEqual(got, m) || got.Version != 3 {
		t.Fatalf("got %+v\nwant %+v", got, m)
	}

	// Found by X id, per kind.
	byX, err := s.MessageByXID(f.ctx, casework.KindTweet, "1001")
	must(t, err)
	if byX.ID != m.ID {
		t.Fatalf("X id 1001 finds %s", byX.ID)
	}
	_, err = s.MessageByXID(f.ctx, casework.KindDM, "1001")
	WantCode(t, err, casework.ENotFound)

	// Another message cannot have the same X id; a DM can (ids of different things).
	other := newMessage(2, caseID, casework.KindTweet, "1001")
	WantCode(t, s.PutMessage(f.ctx, other), casework.EConflict)
	_, err = s.GetMessage(f.ctx, caseID, other.ID)
	WantCode(t, err, casework.ENotFound)
	dm := newMessage(3, idAt(1001), casework.KindDM, "1001")
	must(t, s.PutMessage(f.ctx, dm))
	byX, err = s.MessageByXID(f.ctx, casework.KindDM, "1001")
	must(t, err)
	if byX.ID != dm.ID || byX.CaseID != dm.CaseID {
		t.Fatalf("DM X id 1001 finds %s of %s", byX.ID, byX.CaseID)
	}

	// A stale version loses and changes nothing.
	stale := *got
	stale.Text = "stale"
	stale.Version = 2
	WantCode(t, s.PutMessage(f.ctx, &stale), casework.EConflict)
	again := *m
	again.Version = 0
	WantCode(t, s.PutMessage(f.ctx, &again), casework.EConflict)
	got, err = s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if got.Text != "hello" || got.Version != 3 {
		t.Fatalf("after stale writes: %q version %d", got.Text, got.Version)
	}

	// Deleted on X: the text goes.
	m.MarkDeleted(base.Add(time.Hour))
	must(t, s.PutMessage(f.ctx, m))
	got, err = s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if got.Text != "" || !got.Deleted || !got.DeletedAt.Equal(base.Add(time.Hour)) {
		t.Fatalf("deleted message %+v", got)
	}

	// A changed X id moves the claim.
	m.XID = "1002"
	must(t, s.PutMessage(f.ctx, m))
	_, err = s.MessageByXID(f.ctx, casework.KindTweet, "1001")
	WantCode(t, err, casework.ENotFound)
	must(t, s.PutMessage(f.ctx, other)) // now free
}

func testRetweetsAndFavorites(t *testing.T, f *fixture) {
	s := f.store
	caseID := idAt(1000)
	m := newMessage(1, caseID, casework.KindTweet, "2001")
	must(t, s.PutMessage(f.ctx, m))

	steps := []struct {
		name string
		call func() (bool, error)
		want bool
	}{
		{"retweet", func() (bool, error) { return s.AddRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h1"}) }, true},
		{"retweet again", func() (bool, error) { return s.AddRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h1"}) }, false},
		{"retweet by another handle", func() (bool, error) { return s.AddRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h2"}) }, true},
		{"undo", func() (bool, error) { return s.RemoveRetweet(f.ctx, caseID, m.ID, "h1") }, true},
		{"undo again", func() (bool, error) { return s.RemoveRetweet(f.ctx, caseID, m.ID, "h1") }, false},
		{"undo one never made", func() (bool, error) { return s.RemoveRetweet(f.ctx, caseID, m.ID, "h3") }, false},
		{"like", func() (bool, error) { return s.AddFavorite(f.ctx, caseID, m.ID, "h1") }, true},
		{"like again", func() (bool, error) { return s.AddFavorite(f.ctx, caseID, m.ID, "h1") }, false},
	}
	for _, st := range steps {
		got, err := st.call()
		must(t, err)
		if got != st.want {
			t.Fatalf("%s: %v, want %v", st.name, got, st.want)
		}
	}
	got, err := s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !slices.Equal(got.RetweetedBy, []string{"h2"}) || !slices.Equal(got.FavoritedBy, []string{"h1"}) {
		t.Fatalf("retweeted by %v, favorited by %v", got.RetweetedBy, got.FavoritedBy)
	}
	if got.Version != 1 {
		t.Fatalf("version %d: retweets must leave it alone", got.Version)
	}
	if !got.RetweetedByHandle("h2") || got.RetweetedByHandle("h1") {
		t.Fatal("RetweetedByHandle disagrees with the store")
	}

	// A write of the message from an older copy keeps the Retweets and
	// hands them back.
	m.Status = casework.StatusReceived
	m.Text = "edited"
	must(t, s.PutMessage(f.ctx, m))
	if !slices.Equal(m.RetweetedBy, []string{"h2"}) || !slices.Equal(m.FavoritedBy, []string{"h1"}) {
		t.Fatalf("after put: retweeted by %v, favorited by %v", m.RetweetedBy, m.FavoritedBy)
	}
	got, err = s.GetMessage(f.ctx, caseID, m.ID)
	must(t, err)
	if !slices.Equal(got.RetweetedBy, []string{"h2"}) || got.Text != "edited" {
		t.Fatalf("after put: %+v", got)
	}

	_, err = s.AddRetweet(f.ctx, caseID, idAt(77), casework.Retweet{HandleID: "h1"})
	WantCode(t, err, casework.ENotFound)
	_, err = s.AddRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: ""})
	WantCode(t, err, casework.EValidation)
}

// Ten brand handles Retweet one message at once: every Retweet is kept.
func testConcurrentRetweets(t *testing.T, f *fixture) {
	s := f.store
	m := newMessage(1, idAt(1000), casework.KindTweet, "3001")
	must(t, s.PutMessage(f.ctx, m))
	var wg sync.WaitGroup
	var want []string
	for i := range 10 {
		h := fmt.Sprintf("h%02d", i)
		want = append(want, h)
		wg.Go(func() {
			if added, err := s.AddRetweet(f.ctx, m.CaseID, m.ID, casework.Retweet{HandleID: h}); err != nil || !added {
				t.Errorf("retweet by %s: %v %v", h, added, err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetMessage(f.ctx, m.CaseID, m.ID)
	must(t, err)
	slices.Sort(got.RetweetedBy)
	if !slices.Equal(got.RetweetedBy, want) || got.Version != 1 {
		t.Fatalf("retweeted by %v version %d", got.RetweetedBy, got.Version)
	}
}

func testRecentMessagesOfCaseNewestFirst(t *testing.T, f *fixture) {
	s := f.store
	caseID := idAt(2000)
	for _, i := range []int{2, 0, 4, 1, 3} {
		must(t, s.PutMessage(f.ctx, newMessage(i, caseID, casework.KindTweet, "")))
	}
	must(t, s.PutCase(f.ctx, newCase(2000, "cust-1", casework.CaseOpen, base))) // same partition, not a message
	var got []string
	cursor := ""
	for range 5 {
		page, err := s.RecentMessagesOfCase(f.ctx, caseID, casework.PageRequest{Limit: 2, Cursor: cursor})
		must(t, err)
		got = append(got, messageIDs(page.Items)...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if want := []string{idAt(4), idAt(3), idAt(2), idAt(1), idAt(0)}; !slices.Equal(got, want) {
		t.Fatalf("newest first = %v, want %v", got, want)
	}
}

func testRetweetLog(t *testing.T, f *fixture) {
	s := f.store
	caseID := "case-rtlog"
	m := &casework.Message{ID: idAt(501), CaseID: caseID, Direction: casework.DirectionIn, Kind: casework.KindTweet,
		Status: casework.StatusReceived, XID: "9501", Text: "hi", CreatedAt: time.Now().UTC()}
	must(t, s.PutMessage(f.ctx, m))
	agent := casework.Agent{ID: "sub-1", Email: "a@example.com"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	get := func() *casework.Message {
		t.Helper()
		got, err := s.GetMessage(f.ctx, caseID, m.ID)
		must(t, err)
		return got
	}

	added, err := s.AddRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h1", By: agent, At: at})
	must(t, err)
	if got := get(); !added || len(got.Retweets) != 1 || got.Retweets[0] != (casework.Retweet{HandleID: "h1", By: agent, At: at}) {
		t.Errorf("after a Retweet: added %v, retweets %+v", added, got.Retweets)
	}
	// An update of the message keeps the log.
	m = get()
	m.Status = casework.StatusReceived
	must(t, s.PutMessage(f.ctx, m))
	if got := get(); len(got.Retweets) != 1 {
		t.Errorf("after an update: %+v", got.Retweets)
	}

	refusal := casework.RetweetRefusal{HandleID: "h1", Error: casework.MessageError{Code: "x_forbidden", Detail: "You cannot Retweet this."}, At: at.Add(time.Minute)}
	removed, err := s.RefuseRetweet(f.ctx, caseID, m.ID, refusal)
	must(t, err)
	if got := get(); !removed || len(got.RetweetedBy) != 0 || len(got.Retweets) != 0 ||
		len(got.RetweetRefusals) != 1 || got.RetweetRefusals[0] != refusal {
		t.Errorf("after a refusal: %+v", got)
	}

	// Retweeting again clears the refusal; undoing leaves neither.
	_, err = s.AddRetweet(f.ctx, caseID, m.ID, casework.Retweet{HandleID: "h1", By: agent, At: at.Add(time.Hour)})
	must(t, err)
	if got := get(); len(got.RetweetRefusals) != 0 || len(got.Retweets) != 1 || !got.Retweets[0].At.Equal(at.Add(time.Hour)) {
		t.Errorf("after a second Retweet: %+v %+v", got.Retweets, got.RetweetRefusals)
	}
	_, err = s.RemoveRetweet(f.ctx, caseID, m.ID, "h1")
	must(t, err)
	if got := get(); len(got.RetweetRefusals) != 0 || len(got.Retweets) != 0 {
		t.Errorf("after undo: %+v %+v", got.Retweets, got.RetweetRefusals)
	}
}
