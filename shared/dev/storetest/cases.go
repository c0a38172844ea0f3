package storetest

import (
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func newCase(i int, customerID string, status casework.CaseStatus, activity time.Time) *casework.Case {
	return &casework.Case{
		ID: idAt(i), CustomerID: customerID, HandleID: "handle-1", Channel: casework.ChannelTweet, Status: status,
		CreatedAt: base, UpdatedAt: activity, LastActivityAt: activity,
	}
}

func caseIDs(cs []casework.Case) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testCasePutGet(t *testing.T, f *fixture) {
	s := f.store
	c := newCase(1, "cust-1", casework.CaseNew, base.Add(time.Hour))
	// Every field comes back as written (times in UTC).
	c.StatusChangedBy, c.StatusChangedAt = casework.Agent{ID: "sub-1", Email: "a@example.com"}, base.Add(time.Hour).In(time.FixedZone("X", 3600))
	c.Summary = casework.CaseSummary{CustomerName: "Alice", CustomerHandle: "alice", BrandScreenName: "AcmeSupport",
		LastMessage: &casework.LastMessage{ID: idAt(9), Direction: casework.DirectionIn, Kind: casework.KindTweet, FirstLine: "hi", CreatedAt: base}}
	must(t, s.PutCase(f.ctx, c))
	got, err := s.GetCase(f.ctx, c.ID)
	must(t, err)
	c.StatusChangedAt = c.StatusChangedAt.UTC()
	if !reflect.DeepEqual(got, c) || got.Version != 1 {
		t.Fatalf("got %+v\nwant %+v", got, c)
	}
	dup := *c
	dup.Version = 0
	WantCode(t, s.PutCase(f.ctx, &dup), casework.EConflict)

	must(t, c.MoveTo(casework.CaseOpen, base.Add(2*time.Hour)))
	must(t, s.PutCase(f.ctx, c))
	stale := *got
	must(t, stale.MoveTo(casework.CaseClosed, base.Add(3*time.Hour)))
	WantCode(t, s.PutCase(f.ctx, &stale), casework.EConflict)
	got, err = s.GetCase(f.ctx, c.ID)
	must(t, err)
	if got.Status != casework.CaseOpen || got.Version != 2 {
		t.Fatalf("after a stale write: %s version %d, want open 2", got.Status, got.Version)
	}
	// Updating a case that was never created is a conflict too.
	ghost := newCase(2, "cust-1", casework.CaseOpen, base)
	ghost.Version = 3
	WantCode(t, s.PutCase(f.ctx, ghost), casework.EConflict)
}

// Ten writers change one case at once, each reading it, changing it and
// writing it back, retrying on EConflict: no update is lost.
func testCaseConcurrentReadModifyWrite(t *testing.T, f *fixture) {
	s := f.store
	c := newCase(1, "cust-1", casework.CaseNew, base)
	must(t, s.PutCase(f.ctx, c))
	const writers = 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	conflicts := make(chan int, writers)
	for i := range writers {
		wg.Go(func() {
			lost := 0
			for {
				cur, err := s.GetCase(f.ctx, c.ID)
				if err != nil {
					errs <- err
					return
				}
				if i == 0 {
					if err := cur.MoveTo(casework.CaseOpen, cur.UpdatedAt); err != nil {
						errs <- err
						return
					}
				}
				cur.Touch(base.Add(time.Duration(i+1) * time.Minute))
				err = s.PutCase(f.ctx, cur)
				if casework.ErrorCode(err) == casework.EConflict {
					lost++
					continue
				}
				if err != nil {
					errs <- err
				}
				conflicts <- lost
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	close(conflicts)
	for err := range errs {
		t.Fatal(err)
	}
	total := 0
	for n := range conflicts {
		total += n
	}
	got, err := s.GetCase(f.ctx, c.ID)
	must(t, err)
	if got.Version != 1+writers {
		t.Errorf("version %d, want %d", got.Version, 1+writers)
	}
	if got.Status != casework.CaseOpen {
		t.Errorf("status %s: the status change was lost", got.Status)
	}
	if want := base.Add(writers * time.Minute); !got.LastActivityAt.Equal(want) {
		t.Errorf("last activity %v, want %v", got.LastActivityAt, want)
	}
	t.Logf("%d conflicts resolved by retrying", total)
}

func testCasesOfCustomer(t *testing.T, f *fixture) {
	s := f.store
	// Nine cases of one customer, activity rising with i (created out of
	// order), every third one open; and cases of someone else.
	var all, open []string // newest first
	for _, i := range []int{4, 0, 8, 2, 6, 1, 3, 7, 5} {
		st := casework.CaseClosed
		if i%3 == 0 {
			st = casework.CaseOpen
		}
		must(t, s.PutCase(f.ctx, newCase(i, "cust-1", st, base.Add(time.Duration(i)*time.Hour))))
	}
	for i := 8; i >= 0; i-- {
		all = append(all, idAt(i))
		if i%3 == 0 {
			open = append(open, idAt(i))
		}
	}
	for i := 10; i < 13; i++ {
		must(t, s.PutCase(f.ctx, newCase(i, "cust-2", casework.CaseOpen, base.Add(time.Duration(i)*time.Hour))))
	}

	read := func(status casework.CaseStatus, limit int) (ids []string, sizes []int) {
		t.Helper()
		cursor := ""
		for {
			page, err := s.CasesOfCustomer(f.ctx, "cust-1", status, casework.PageRequest{Limit: limit, Cursor: cursor})
			must(t, err)
			ids = append(ids, caseIDs(page.Items)...)
			sizes = append(sizes, len(page.Items))
			if page.NextCursor == "" {
				return ids, sizes
			}
			if len(sizes) > 20 {
				t.Fatal("pages never end")
			}
			cursor = page.NextCursor
		}
	}
	ids, sizes := read("", 4)
	if !slices.Equal(ids, all) || !slices.Equal(sizes, []int{4, 4, 1}) {
		t.Fatalf("all cases: %v in pages %v, want %v in 4,4,1", ids, sizes, all)
	}
	ids, sizes = read(casework.CaseOpen, 2)
	if !slices.Equal(ids, open) || sizes[0] != 2 || sizes[1] != 1 {
		t.Fatalf("open cases: %v in pages %v, want %v in 2,1", ids, sizes, open)
	}
	ids, _ = read(casework.CasePending, 2)
	if len(ids) != 0 {
		t.Fatalf("pending cases: %v", ids)
	}

	// Activity moves a case to the front.
	c, err := s.GetCase(f.ctx, idAt(0))
	must(t, err)
	c.Touch(base.Add(100 * time.Hour))
	must(t, s.PutCase(f.ctx, c))
	page, err := s.CasesOfCustomer(f.ctx, "cust-1", "", casework.PageRequest{Limit: 1})
	must(t, err)
	if got := caseIDs(page.Items); !slices.Equal(got, []string{c.ID}) || page.NextCursor == "" {
		t.Fatalf("newest case %v (cursor %q), want %s", got, page.NextCursor, c.ID)
	}

	// A cursor of another list is refused.
	other, err := s.CasesOfCustomer(f.ctx, "cust-2", "", casework.PageRequest{Limit: 1})
	must(t, err)
	_, err = s.CasesOfCustomer(f.ctx, "cust-1", "", casework.PageRequest{Cursor: other.NextCursor})
	WantCode(t, err, casework.EValidation)
	_, err = s.CasesOfCustomer(f.ctx, "cust-1", "", casework.PageRequest{Cursor: "not a cursor"})
	WantCode(t, err, casework.EValidation)
}

func testCasesByStatus(t *testing.T, f *fixture) {
	s := f.store
	var cases []*casework.Case
	for i := range 5 {
		c := newCase(i, "cust-"+string(rune('a'+i%2)), casework.CaseNew, base.Add(time.Duration(i)*time.Minute))
		must(t, s.PutCase(f.ctx, c))
		cases = append(cases, c)
	}
	must(t, cases[3].MoveTo(casework.CasePending, base.Add(time.Hour)))
	must(t, s.PutCase(f.ctx, cases[3]))

	page, err := s.CasesByStatus(f.ctx, casework.CaseNew, casework.PageRequest{Limit: 3})
	must(t, err)
	if got, want := caseIDs(page.Items), []string{idAt(4), idAt(2), idAt(1)}; !slices.Equal(got, want) || page.NextCursor == "" {
		t.Fatalf("first page %v cursor %q, want %v and a cursor", got, page.NextCursor, want)
	}
	page, err = s.CasesByStatus(f.ctx, casework.CaseNew, casework.PageRequest{Limit: 3, Cursor: page.NextCursor})
	must(t, err)
	if got, want := caseIDs(page.Items), []string{idAt(0)}; !slices.Equal(got, want) || page.NextCursor != "" {
		t.Fatalf("second page %v cursor %q, want %v and no cursor", got, page.NextCursor, want)
	}
	page, err = s.CasesByStatus(f.ctx, casework.CasePending, casework.PageRequest{})
	must(t, err)
	if got := caseIDs(page.Items); !slices.Equal(got, []string{idAt(3)}) {
		t.Fatalf("pending %v", got)
	}
	_, err = s.CasesByStatus(f.ctx, "", casework.PageRequest{})
	WantCode(t, err, casework.EValidation)
}

func testDMCasePointer(t *testing.T, f *fixture) {
	s := f.store
	c1 := newCase(1, "cust-1", casework.CaseOpen, base)
	c2 := newCase(2, "cust-1", casework.CaseNew, base)
	c1.Channel, c2.Channel = casework.ChannelDM, casework.ChannelDM
	must(t, s.PutCase(f.ctx, c1))
	must(t, s.PutCase(f.ctx, c2))

	_, err := s.DMCase(f.ctx, "cust-1", "handle-1")
	WantCode(t, err, casework.ENotFound)
	must(t, s.SetDMCase(f.ctx, "cust-1", "handle-1", c1.ID, ""))
	got, err := s.DMCase(f.ctx, "cust-1", "handle-1")
	must(t, err)
	if got.ID != c1.ID {
		t.Fatalf("DM case %s, want %s", got.ID, c1.ID)
	}
	// Someone else already pointed it somewhere: conflicts.
	WantCode(t, s.SetDMCase(f.ctx, "cust-1", "handle-1", c2.ID, ""), casework.EConflict)
	WantCode(t, s.SetDMCase(f.ctx, "cust-1", "handle-1", c2.ID, idAt(77)), casework.EConflict)
	// Replacing with the right previous case works.
	must(t, s.SetDMCase(f.ctx, "cust-1", "handle-1", c2.ID, c1.ID))
	got, err = s.DMCase(f.ctx, "cust-1", "handle-1")
	must(t, err)
	if got.ID != c2.ID {
		t.Fatalf("DM case %s, want %s", got.ID, c2.ID)
	}
	// Other pairs are separate.
	_, err = s.DMCase(f.ctx, "cust-1", "handle-2")
	WantCode(t, err, casework.ENotFound)
	// A pointer at a case that does not exist reads as none.
	must(t, s.SetDMCase(f.ctx, "cust-2", "handle-1", idAt(55), ""))
	_, err = s.DMCase(f.ctx, "cust-2", "handle-1")
	WantCode(t, err, casework.ENotFound)
}

func testDeleteCaseOnlyWhenUnchanged(t *testing.T, f *fixture) {
	s := f.store
	c := newCase(1, "cust-1", casework.CaseNew, base)
	must(t, s.PutCase(f.ctx, c))
	WantCode(t, s.DeleteCase(f.ctx, c.ID, c.Version+1), casework.EConflict)
	c.Status = casework.CaseOpen
	must(t, s.PutCase(f.ctx, c))
	WantCode(t, s.DeleteCase(f.ctx, c.ID, 1), casework.EConflict) // changed since version 1
	must(t, s.DeleteCase(f.ctx, c.ID, c.Version))
	_, err := s.GetCase(f.ctx, c.ID)
	WantCode(t, err, casework.ENotFound)
	WantCode(t, s.DeleteCase(f.ctx, c.ID, c.Version), casework.EConflict) // gone
}

// TestUpdateCaseLosesNoUpdate runs the domain's own read-modify-write
// (casework.UpdateCase) from several writers at once against dynalite.
func testUpdateCaseLosesNoUpdate(t *testing.T, f *fixture) {
	s := f.store
	c := newCase(2, "cust-1", casework.CaseNew, base)
	must(t, s.PutCase(f.ctx, c))
	const writers = 4
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			mine, err := s.GetCase(f.ctx, c.ID)
			if err == nil {
				_, err = casework.UpdateCase(f.ctx, s, mine, func(cur *casework.Case) (bool, error) {
					if i == 0 {
						if err := cur.MoveTo(casework.CaseOpen, base); err != nil {
							return false, err
						}
					}
					cur.Touch(base.Add(time.Duration(i+1) * time.Minute))
					return true, nil
				})
			}
			if err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetCase(f.ctx, c.ID)
	must(t, err)
	if got.Status != casework.CaseOpen || !got.LastActivityAt.Equal(base.Add(writers*time.Minute)) || got.Version != writers+1 {
		t.Errorf("after %d writers: status %s, activity %s, version %d", writers, got.Status, got.LastActivityAt, got.Version)
	}
}

// RecentCases merges several statuses newest activity first, pages them
// with one cursor, and keeps only the cases active from activeAfter's
// millisecond on.
func testRecentCases(t *testing.T, f *fixture) {
	s := f.store
	// Seven cases, activity i minutes after base (created out of order):
	// 0, 3 and 6 new, 1 and 4 open, 2 and 5 closed.
	statuses := []casework.CaseStatus{casework.CaseNew, casework.CaseOpen, casework.CaseClosed}
	for _, i := range []int{3, 0, 6, 1, 5, 2, 4} {
		must(t, s.PutCase(f.ctx, newCase(i, "cust-1", statuses[i%3], base.Add(time.Duration(i)*time.Minute))))
	}
	read := func(sts []casework.CaseStatus, after time.Time, limit int) (got []string, sizes []int) {
		t.Helper()
		cursor := ""
		for range 10 {
			page, err := s.RecentCases(f.ctx, sts, after, casework.PageRequest{Limit: limit, Cursor: cursor})
			must(t, err)
			got = append(got, caseIDs(page.Items)...)
			sizes = append(sizes, len(page.Items))
			if cursor = page.NextCursor; cursor == "" {
				return got, sizes
			}
		}
		t.Fatal("pages never end")
		return nil, nil
	}
	inbox := []casework.CaseStatus{casework.CaseNew, casework.CaseOpen}
	got, sizes := read(inbox, time.Time{}, 2)
	if want := []string{idAt(6), idAt(4), idAt(3), idAt(1), idAt(0)}; !slices.Equal(got, want) || !slices.Equal(sizes, []int{2, 2, 1}) {
		t.Fatalf("new and open: %v in pages %v, want %v in 2,2,1", got, sizes, want)
	}
	got, _ = read(statuses, time.Time{}, 3)
	if len(got) != 7 || got[0] != idAt(6) || got[6] != idAt(0) {
		t.Fatalf("every status: %v", got)
	}
	// Active from base+3m's millisecond on: 3, 4 and 6, not 0 and 1; a time
	// inside the millisecond of case 3's activity still includes it.
	got, _ = read(inbox, base.Add(3*time.Minute+500*time.Microsecond), 1)
	if want := []string{idAt(6), idAt(4), idAt(3)}; !slices.Equal(got, want) {
		t.Fatalf("active since base+3m: %v, want %v", got, want)
	}
	got, _ = read(inbox, base.Add(3*time.Minute+time.Millisecond), 50)
	if want := []string{idAt(6), idAt(4)}; !slices.Equal(got, want) {
		t.Fatalf("active after base+3m: %v, want %v", got, want)
	}
	// Activity moves a case up, and into a poll after its new time.
	c, err := s.GetCase(f.ctx, idAt(0))
	must(t, err)
	c.Touch(base.Add(time.Hour))
	must(t, s.PutCase(f.ctx, c))
	got, _ = read(inbox, base.Add(30*time.Minute), 50)
	if want := []string{idAt(0)}; !slices.Equal(got, want) {
		t.Fatalf("active after base+30m: %v, want %v", got, want)
	}

	_, err = s.RecentCases(f.ctx, nil, time.Time{}, casework.PageRequest{})
	WantCode(t, err, casework.EValidation)
	_, err = s.RecentCases(f.ctx, []casework.CaseStatus{"lost"}, time.Time{}, casework.PageRequest{})
	WantCode(t, err, casework.EValidation)
	_, err = s.RecentCases(f.ctx, inbox, time.Time{}, casework.PageRequest{Cursor: "not a cursor"})
	WantCode(t, err, casework.EValidation)
	other, err := s.CasesByStatus(f.ctx, casework.CaseClosed, casework.PageRequest{Limit: 1})
	must(t, err)
	_, err = s.RecentCases(f.ctx, inbox, time.Time{}, casework.PageRequest{Cursor: other.NextCursor})
	WantCode(t, err, casework.EValidation)
}

// testCaseCustomerTweet: the case keeps the customer's newest Tweet and
// whether it is known, and a case without them reads back without them.
func testCaseCustomerTweet(t *testing.T, f *fixture) {
	s := f.store
	c := newCase(40, "cust-1", casework.CaseNew, base)
	c.CustomerTweet, c.CustomerTweetKnown = &casework.TweetRef{MessageID: idAt(41), XID: "4141"}, true
	must(t, s.PutCase(f.ctx, c))
	got, err := s.GetCase(f.ctx, c.ID)
	must(t, err)
	if !got.CustomerTweetKnown || got.CustomerTweet == nil || *got.CustomerTweet != *c.CustomerTweet {
		t.Fatalf("read back %+v known %v", got.CustomerTweet, got.CustomerTweetKnown)
	}
	got.CustomerTweet, got.CustomerTweetKnown = nil, false
	must(t, s.PutCase(f.ctx, got))
	got, err = s.GetCase(f.ctx, c.ID)
	must(t, err)
	if got.CustomerTweetKnown || got.CustomerTweet != nil {
		t.Fatalf("cleared, read back %+v known %v", got.CustomerTweet, got.CustomerTweetKnown)
	}
}

// NoteCaseActivity moves a case's activity and last message forward only,
// without a version, bumping the version so versioned writers read again;
// concurrent notes all land and the newest wins (issue 21 item 6).
func testNoteCaseActivity(t *testing.T, f *fixture) {
	s := f.store
	c := newCase(1, "cust-1", casework.CaseOpen, base.Add(time.Hour))
	other := newCase(2, "cust-1", casework.CaseOpen, base.Add(2*time.Hour))
	must(t, s.PutCase(f.ctx, c))
	must(t, s.PutCase(f.ctx, other))
	msg := func(i int, at time.Time) casework.LastMessage {
		return casework.LastMessage{ID: idAt(i), Direction: casework.DirectionOut, Kind: casework.KindTweet, FirstLine: "reply", CreatedAt: at}
	}
	at := base.Add(3 * time.Hour)
	for _, tt := range []struct {
		name string
		m    casework.LastMessage
		want bool
		last string // the last message id stored after it
	}{
		{"newer", msg(20, at), true, idAt(20)},
		{"older", msg(30, at.Add(-time.Second)), false, idAt(20)},
		{"same time, smaller id", msg(10, at), false, idAt(20)},
		{"same time, greater id", msg(21, at), true, idAt(21)},
		{"same message again", msg(21, at), false, idAt(21)},
	} {
		before, err := s.GetCase(f.ctx, c.ID)
		must(t, err)
		changed, err := s.NoteCaseActivity(f.ctx, c.ID, tt.m)
		must(t, err)
		got, err := s.GetCase(f.ctx, c.ID)
		must(t, err)
		if changed != tt.want || got.Summary.LastMessage == nil || got.Summary.LastMessage.ID != tt.last {
			t.Fatalf("%s: changed %t, last message %+v; want %t, %s", tt.name, changed, got.Summary.LastMessage, tt.want, tt.last)
		}
		if tt.want && (got.Version != before.Version+1 || !got.LastActivityAt.Equal(tt.m.CreatedAt) || !reflect.DeepEqual(*got.Summary.LastMessage, tt.m)) {
			t.Fatalf("%s: stored %+v (version %d after %d)", tt.name, got, got.Version, before.Version)
		}
		if !tt.want && got.Version != before.Version {
			t.Fatalf("%s: version moved from %d to %d for no change", tt.name, before.Version, got.Version)
		}
	}
	// A versioned write from before the note conflicts.
	stale := *c
	WantCode(t, s.PutCase(f.ctx, &stale), casework.EConflict)
	// The lists order by the new activity.
	p, err := s.CasesOfCustomer(f.ctx, "cust-1", "", casework.PageRequest{})
	must(t, err)
	if got := caseIDs(p.Items); !slices.Equal(got, []string{c.ID, other.ID}) {
		t.Errorf("cases of customer %v, want the noted case first", got)
	}
	p, err = s.CasesByStatus(f.ctx, casework.CaseOpen, casework.PageRequest{})
	must(t, err)
	if got := caseIDs(p.Items); !slices.Equal(got, []string{c.ID, other.ID}) {
		t.Errorf("open cases %v, want the noted case first", got)
	}
	// Twenty notes at once all land; the newest is the last message.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := s.NoteCaseActivity(f.ctx, other.ID, msg(100+i, at.Add(time.Duration(i)*time.Millisecond))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetCase(f.ctx, other.ID)
	must(t, err)
	if got.Summary.LastMessage == nil || got.Summary.LastMessage.ID != idAt(119) {
		t.Errorf("after concurrent notes the last message is %+v, want %s", got.Summary.LastMessage, idAt(119))
	}
	_, err = s.NoteCaseActivity(f.ctx, idAt(99), msg(1, at))
	WantCode(t, err, casework.ENotFound)
}
