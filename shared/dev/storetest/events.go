package storetest

import (
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

// testEventRecords: an event's record keeps both marks (applied, and
// deleted on X) and each mark returns the record as it was, so a Tweet
// marked applied learns of a deletion recorded before; an expired record
// is gone, marks and all.
func testEventRecords(t *testing.T, f *fixture) {
	s := f.store
	expires := f.clock.Now().Add(time.Hour)
	want := func(what string, got casework.EventMark, err error, processed, deleted bool) {
		t.Helper()
		must(t, err)
		if got != (casework.EventMark{Processed: processed, Deleted: deleted}) {
			t.Fatalf("%s: %+v, want processed %v, deleted %v", what, got, processed, deleted)
		}
	}

	rec, err := s.EventRecord(f.ctx, "ev1")
	want("unknown event", rec, err, false, false)
	before, err := s.MarkEventProcessed(f.ctx, "ev1", expires)
	want("first mark", before, err, false, false)
	before, err = s.MarkEventProcessed(f.ctx, "ev1", expires)
	want("second mark", before, err, true, false)
	before, err = s.MarkEventDeleted(f.ctx, "ev1", expires)
	want("deletion after the event", before, err, true, false)
	rec, err = s.EventRecord(f.ctx, "ev1")
	want("applied and deleted", rec, err, true, true)

	// A deletion recorded first: the event is not applied, and marking it
	// applied says it was deleted.
	before, err = s.MarkEventDeleted(f.ctx, "ev2", expires)
	want("tombstone first", before, err, false, false)
	rec, err = s.EventRecord(f.ctx, "ev2")
	want("tombstone alone", rec, err, false, true)
	before, err = s.MarkEventDeleted(f.ctx, "ev2", expires)
	want("tombstone again", before, err, false, true)
	before, err = s.MarkEventProcessed(f.ctx, "ev2", expires)
	want("applied after its deletion", before, err, false, true)

	f.clock.Advance(time.Hour)
	rec, err = s.EventRecord(f.ctx, "ev1")
	want("expired", rec, err, false, false)
	before, err = s.MarkEventDeleted(f.ctx, "ev1", f.clock.Now().Add(time.Hour))
	want("a mark after expiry", before, err, false, false)
	rec, err = s.EventRecord(f.ctx, "ev1")
	want("renewed: the expired mark is not revived", rec, err, false, true)

	_, err = s.MarkEventProcessed(f.ctx, "ev3", time.Time{})
	WantCode(t, err, casework.EValidation)
	_, err = s.MarkEventDeleted(f.ctx, "", expires)
	WantCode(t, err, casework.EValidation)
}

// testRecallEvent: one recall answers as EventRecord, MessageByXID and
// CustomerByXUserID would, and asks nothing more once the event is
// processed.
func testRecallEvent(t *testing.T, f *fixture) {
	s := f.store
	cust := newCustomer(1, "Alice Smith", nil, nil, "alice", "2001")
	must(t, s.PutCustomer(f.ctx, cust))
	caseID := idAt(100)
	msg := newMessage(2, caseID, casework.KindTweet, "9001")
	must(t, s.PutMessage(f.ctx, msg))

	r := casework.Recall{EventID: "tweet:9001", MessageKind: casework.KindTweet, MessageXID: "9001", XUserID: "2001"}
	got, err := s.RecallEvent(f.ctx, r)
	must(t, err)
	if got.Event != (casework.EventMark{}) || got.Message == nil || got.Message.ID != msg.ID || got.Message.CaseID != caseID ||
		got.Customer == nil || got.Customer.ID != cust.ID || got.Customer.Twitter.XUserID != "2001" {
		t.Fatalf("recall = %+v", got)
	}

	// Nothing known: no message of another kind, no customer of another X user.
	got, err = s.RecallEvent(f.ctx, casework.Recall{EventID: "dm:9001", MessageKind: casework.KindDM, MessageXID: "9001", XUserID: "2002"})
	must(t, err)
	if got != (casework.Recalled{}) {
		t.Fatalf("recall of unknown things = %+v", got)
	}
	// An X account a customer had before: the recall says one may have had it.
	former := newCustomer(3, "Carol Jones", nil, nil, "carol", "2004")
	former.FormerXUserIDs = []string{"2003"}
	must(t, s.PutCustomer(f.ctx, former))
	got, err = s.RecallEvent(f.ctx, casework.Recall{EventID: "dm:9002", XUserID: "2003"})
	must(t, err)
	if got != (casework.Recalled{MayBeFormer: true}) {
		t.Fatalf("recall of a former X account = %+v", got)
	}
	// Only the record asked.
	_, err = s.MarkEventDeleted(f.ctx, "tweet:9001", f.clock.Now().Add(time.Hour))
	must(t, err)
	got, err = s.RecallEvent(f.ctx, casework.Recall{EventID: "tweet:9001"})
	must(t, err)
	if got != (casework.Recalled{Event: casework.EventMark{Deleted: true}}) {
		t.Fatalf("recall of the record alone = %+v", got)
	}
	// Processed: the rest is not looked up.
	_, err = s.MarkEventProcessed(f.ctx, "tweet:9001", f.clock.Now().Add(time.Hour))
	must(t, err)
	got, err = s.RecallEvent(f.ctx, r)
	must(t, err)
	if got != (casework.Recalled{Event: casework.EventMark{Processed: true, Deleted: true}}) {
		t.Fatalf("recall of a processed event = %+v", got)
	}
	_, err = s.RecallEvent(f.ctx, casework.Recall{})
	WantCode(t, err, casework.EValidation)
}
