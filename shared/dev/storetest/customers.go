package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/acme/twitter-cases/shared/casework"
)

func newCustomer(i int, name string, emails, phones []string, handle, xid string) *casework.Customer {
	c := &casework.Customer{
		ID: idAt(i), Name: name, Emails: emails, Phones: phones,
		CreatedAt: base.Add(time.Duration(i) * time.Minute), UpdatedAt: base.Add(time.Duration(i) * time.Minute),
	}
	if handle != "" || xid != "" {
		c.Twitter = &casework.TwitterAccount{Handle: handle, XUserID: xid}
	}
	c.Normalize()
	return c
}

func ids(cs []casework.Customer) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testCustomerPutGet(t *testing.T, f *fixture) {
	s := f.store
	c := newCustomer(1, "Alice Smith", []string{"alice@example.com"}, []string{"+1 555 010 0001"}, "AliceS", "100")
	c.PreviousHandles = []string{"alice_old"}
	must(t, s.PutCustomer(f.ctx, c))
	if c.Version != 1 {
		t.Fatalf("version after create = %d, want 1", c.Version)
	}
	got, err := s.GetCustomer(f.ctx, c.ID)
	must(t, err)
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("got %+v\nwant %+v", got, c)
	}

	// Creating it again is a conflict.
	again := *c
	again.Version = 0
	WantCode(t, s.PutCustomer(f.ctx, &again), casework.EConflict)

	// A stale version loses and changes nothing.
	c.Name = "Alice Jones"
	must(t, s.PutCustomer(f.ctx, c))
	stale := *got // version 1
	stale.Name = "Alice Stale"
	WantCode(t, s.PutCustomer(f.ctx, &stale), casework.EConflict)
	got, err = s.GetCustomer(f.ctx, c.ID)
	must(t, err)
	if got.Name != "Alice Jones" || got.Version != 2 {
		t.Fatalf("after a stale write: name %q version %d, want Alice Jones 2", got.Name, got.Version)
	}
	if page, err := s.CustomersByNamePrefix(f.ctx, "stale", casework.PageRequest{}); err != nil || len(page.Items) != 0 {
		t.Fatalf("the stale write's name is searchable: %v %v", ids(page.Items), err)
	}

	_, err = s.GetCustomer(f.ctx, idAt(999))
	WantCode(t, err, casework.ENotFound)
}

func testCustomerSearch(t *testing.T, f *fixture) {
	s := f.store
	alice := newCustomer(1, "Alice Smith", []string{"Alice@Example.com", "a.smith@work.example"}, []string{"15550100001"}, "", "")
	bob := newCustomer(2, "Bob Smithers", []string{"bob@example.com"}, []string{"+44 20 7946 0000"}, "", "")
	bob.PhoneKeys = []string{"+442079460000", "02079460000", "2079460000"} // as a GB deployment writes them
	ali := newCustomer(3, "Ali Özdemir", []string{"ali@example.com"}, nil, "", "")
	for _, c := range []*casework.Customer{alice, bob, ali} {
		must(t, s.PutCustomer(f.ctx, c))
	}
	tests := []struct {
		name  string
		find  func() ([]casework.Customer, error)
		wants []string
	}{
		{"e-mail in another case", func() ([]casework.Customer, error) { return s.CustomersByEmail(f.ctx, "ALICE@example.COM") }, []string{alice.ID}},
		{"second e-mail", func() ([]casework.Customer, error) { return s.CustomersByEmail(f.ctx, " a.smith@work.example ") }, []string{alice.ID}},
		{"unknown e-mail", func() ([]casework.Customer, error) { return s.CustomersByEmail(f.ctx, "carol@example.com") }, nil},
		{"e-mail prefix is no match", func() ([]casework.Customer, error) { return s.CustomersByEmail(f.ctx, "alice@") }, nil},
		// Alice was written before phone keys: her phones' digits find her.
		{"legacy phone digits", func() ([]casework.Customer, error) { return s.CustomersByPhone(f.ctx, "15550100001") }, []string{alice.ID}},
		{"phone key", func() ([]casework.Customer, error) { return s.CustomersByPhone(f.ctx, "+442079460000") }, []string{bob.ID}},
		{"another phone key", func() ([]casework.Customer, error) { return s.CustomersByPhone(f.ctx, "02079460000") }, []string{bob.ID}},
		{"keys match exactly", func() ([]casework.Customer, error) { return s.CustomersByPhone(f.ctx, "442079460000") }, nil},
		{"phone unknown", func() ([]casework.Customer, error) { return s.CustomersByPhone(f.ctx, "15550100002") }, nil},
		{"phone empty", func() ([]casework.Customer, error) { return s.CustomersByPhone(f.ctx, "") }, nil},
	}
	prefix := func(p string) func() ([]casework.Customer, error) {
		return func() ([]casework.Customer, error) {
			page, err := s.CustomersByNamePrefix(f.ctx, p, casework.PageRequest{})
			if page.NextCursor != "" {
				t.Errorf("prefix %q: cursor on the only page", p)
			}
			return page.Items, err
		}
	}
	tests = append(tests, []struct {
		name  string
		find  func() ([]casework.Customer, error)
		wants []string
	}{
		{"first name prefix", prefix("ali"), []string{ali.ID, alice.ID}}, // by word: "ali" < "alice"
		{"last name prefix", prefix("smi"), []string{alice.ID, bob.ID}},  // "smith" < "smithers"
		{"whole word, upper case", prefix("SMITHERS"), []string{bob.ID}},
		{"not a prefix", prefix("lice"), nil},
		{"non-ASCII word", prefix("öz"), []string{ali.ID}},
		{"two words are not a word", prefix("alice smith"), nil},
		{"empty", prefix(" "), nil},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.find()
			must(t, err)
			if want := append([]string{}, tt.wants...); !slices.Equal(ids(got), want) {
				t.Fatalf("found %v, want %v", ids(got), want)
			}
		})
	}
}

func testCustomerChangedLookupsAreRemoved(t *testing.T, f *fixture) {
	s := f.store
	c := newCustomer(1, "Carol Danvers", []string{"carol@old.example"}, []string{"15550100003"}, "", "")
	must(t, s.PutCustomer(f.ctx, c))
	c.Emails = []string{"carol@new.example"}
	c.Phones = nil
	c.Name = "Carol Marvel"
	must(t, s.PutCustomer(f.ctx, c))

	if got, err := s.CustomersByEmail(f.ctx, "carol@old.example"); err != nil || len(got) != 0 {
		t.Fatalf("old e-mail still finds %v (%v)", ids(got), err)
	}
	if got, err := s.CustomersByEmail(f.ctx, "carol@new.example"); err != nil || !slices.Equal(ids(got), []string{c.ID}) {
		t.Fatalf("new e-mail finds %v (%v)", ids(got), err)
	}
	if got, err := s.CustomersByPhone(f.ctx, "15550100003"); err != nil || len(got) != 0 {
		t.Fatalf("dropped phone still finds %v (%v)", ids(got), err)
	}
	page, err := s.CustomersByNamePrefix(f.ctx, "marv", casework.PageRequest{})
	if err != nil || !slices.Equal(ids(page.Items), []string{c.ID}) {
		t.Fatalf("new name word finds %v (%v)", ids(page.Items), err)
	}
}

func testCustomerNamePrefixPages(t *testing.T, f *fixture) {
	s := f.store
	names := []string{"Jo March", "John Johnson", "Joan Baez", "Jody Foster", "Joe Cocker", "Josephine Baker", "Mary Jones", "Kim Jo"}
	want := map[string]bool{}
	for i, n := range names {
		c := newCustomer(i, n, nil, nil, "", "")
		must(t, s.PutCustomer(f.ctx, c))
		want[c.ID] = true
	}
	for _, limit := range []int{1, 3, 8, 0} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			seen := map[string]bool{}
			cursor := ""
			pages := 0
			for {
				page, err := s.CustomersByNamePrefix(f.ctx, "jo", casework.PageRequest{Limit: limit, Cursor: cursor})
				must(t, err)
				pages++
				if limit > 0 && len(page.Items) > limit {
					t.Fatalf("page of %d, limit %d", len(page.Items), limit)
				}
				for _, c := range page.Items {
					if seen[c.ID] {
						t.Fatalf("customer %s (%s) listed twice", c.ID, c.Name)
					}
					seen[c.ID] = true
				}
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			if len(seen) != len(want) {
				t.Fatalf("found %d customers, want %d", len(seen), len(want))
			}
			if limit == 3 && pages != 3 {
				t.Errorf("8 customers at 3 a page took %d pages, want 3", pages)
			}
		})
	}
	for _, bad := range []string{"%%%", "bm90IGpzb24", "eyJQSyI6IkNOQU1FI3giLCJTSyI6InphcCJ9"} {
		_, err := s.CustomersByNamePrefix(f.ctx, "jo", casework.PageRequest{Cursor: bad})
		WantCode(t, err, casework.EValidation)
	}
}

func testCustomerXUserIDIsUnique(t *testing.T, f *fixture) {
	s := f.store
	a := newCustomer(1, "Eve One", []string{"eve1@example.com"}, nil, "eve_one", "200")
	must(t, s.PutCustomer(f.ctx, a))
	b := newCustomer(2, "Frank Two", []string{"frank@example.com"}, nil, "frank_two", "200")
	WantCode(t, s.PutCustomer(f.ctx, b), casework.EConflict)
	// Nothing of b was written.
	_, err := s.GetCustomer(f.ctx, b.ID)
	WantCode(t, err, casework.ENotFound)
	if found, err := s.CustomersByEmail(f.ctx, "frank@example.com"); err != nil || len(found) != 0 {
		t.Fatalf("a refused customer's e-mail finds %v (%v)", ids(found), err)
	}
	_, err = s.CustomerByHandle(f.ctx, "frank_two")
	WantCode(t, err, casework.ENotFound)
	got, err := s.CustomerByXUserID(f.ctx, "200")
	must(t, err)
	if got.ID != a.ID {
		t.Fatalf("X user id 200 finds %s, want %s", got.ID, a.ID)
	}

	// Once a drops the X account, b can have it.
	a.Twitter = nil
	must(t, s.PutCustomer(f.ctx, a))
	must(t, s.PutCustomer(f.ctx, b))
	got, err = s.CustomerByXUserID(f.ctx, "200")
	must(t, err)
	if got.ID != b.ID {
		t.Fatalf("X user id 200 finds %s, want %s", got.ID, b.ID)
	}
	// And a cannot take it back.
	a.Twitter = &casework.TwitterAccount{Handle: "eve_one", XUserID: "200"}
	WantCode(t, s.PutCustomer(f.ctx, a), casework.EConflict)
	_, err = s.CustomerByHandle(f.ctx, "eve_one")
	WantCode(t, err, casework.ENotFound)
	_, err = s.CustomerByXUserID(f.ctx, "201")
	WantCode(t, err, casework.ENotFound)
}

func testCustomerByHandle(t *testing.T, f *fixture) {
	s := f.store
	c := newCustomer(1, "Hank Four", nil, nil, "@HankFour", "400")
	must(t, s.PutCustomer(f.ctx, c))
	for _, h := range []string{"HankFour", "hankfour", "@HANKFOUR"} {
		got, err := s.CustomerByHandle(f.ctx, h)
		must(t, err)
		if got.ID != c.ID {
			t.Fatalf("handle %s finds %s", h, got.ID)
		}
	}
	// The handle belongs to one customer, whatever its case.
	other := newCustomer(2, "Ivy Five", nil, nil, "hankFOUR", "401")
	WantCode(t, s.PutCustomer(f.ctx, other), casework.EConflict)
	if _, err := s.CustomerByXUserID(f.ctx, "401"); casework.ErrorCode(err) != casework.ENotFound {
		t.Fatalf("a refused customer's X user id was kept: %v", err)
	}

	// A changed handle is found under the new name only.
	c.Twitter.Handle = "Hank_4"
	must(t, s.PutCustomer(f.ctx, c))
	_, err := s.CustomerByHandle(f.ctx, "hankfour")
	WantCode(t, err, casework.ENotFound)
	got, err := s.CustomerByHandle(f.ctx, "HANK_4")
	must(t, err)
	if got.ID != c.ID {
		t.Fatalf("new handle finds %s", got.ID)
	}
	must(t, s.PutCustomer(f.ctx, other))
	_, err = s.CustomerByHandle(f.ctx, "")
	WantCode(t, err, casework.ENotFound)
}

// A customer is found by the X accounts an agent replaced on it, the
// most recently updated first, and no longer once it drops one.
func testCustomerByFormerXUserID(t *testing.T, f *fixture) {
	s := f.store
	carol := newCustomer(1, "Carol", nil, nil, "carol_new", "502")
	carol.FormerXUserIDs = []string{"501"}
	must(t, s.PutCustomer(f.ctx, carol))
	got, err := s.CustomerByFormerXUserID(f.ctx, "501")
	must(t, err)
	if got.ID != carol.ID || got.Twitter.XUserID != "502" {
		t.Fatalf("former 501 finds %+v", got)
	}
	_, err = s.CustomerByFormerXUserID(f.ctx, "502") // her current account is not a former one
	WantCode(t, err, casework.ENotFound)
	carol.FormerXUserIDs = nil
	must(t, s.PutCustomer(f.ctx, carol))
	_, err = s.CustomerByFormerXUserID(f.ctx, "501")
	WantCode(t, err, casework.ENotFound)
}

func testNotFound(t *testing.T, f *fixture) {
	s := f.store
	id := idAt(1)
	tests := []struct {
		name string
		call func() error
	}{
		{"GetCustomer", func() error { _, err := s.GetCustomer(f.ctx, id); return err }},
		{"CustomerByXUserID", func() error { _, err := s.CustomerByXUserID(f.ctx, "1"); return err }},
		{"CustomerByHandle", func() error { _, err := s.CustomerByHandle(f.ctx, "nobody"); return err }},
		{"GetHandle", func() error { _, err := s.GetHandle(f.ctx, id); return err }},
		{"HandleByXUserID", func() error { _, err := s.HandleByXUserID(f.ctx, "1"); return err }},
		{"GetCase", func() error { _, err := s.GetCase(f.ctx, id); return err }},
		{"DMCase", func() error { _, err := s.DMCase(f.ctx, id, id); return err }},
		{"GetMessage", func() error { _, err := s.GetMessage(f.ctx, id, id); return err }},
		{"MessageByXID", func() error { _, err := s.MessageByXID(f.ctx, casework.KindTweet, "1"); return err }},
		{"AddRetweet", func() error { _, err := s.AddRetweet(f.ctx, id, id, casework.Retweet{HandleID: "h"}); return err }},
		{"RemoveRetweet", func() error { _, err := s.RemoveRetweet(f.ctx, id, id, "h"); return err }},
		{"AddFavorite", func() error { _, err := s.AddFavorite(f.ctx, id, id, "h"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { WantCode(t, tt.call(), casework.ENotFound) })
	}
}

// Five new customers race for one X user id and one handle: exactly one wins.
func testCustomerConcurrentClaims(t *testing.T, f *fixture) {
	s := f.store
	const n = 5
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.PutCustomer(f.ctx, newCustomer(i, fmt.Sprintf("Racer %d", i), nil, nil, fmt.Sprintf("racer%d", i), "777"))
		})
	}
	wg.Wait()
	var winners []string
	for i, err := range errs {
		switch casework.ErrorCode(err) {
		case "":
			winners = append(winners, idAt(i))
		case casework.EConflict:
		default:
			t.Fatalf("racer %d: %v", i, err)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d customers got X user id 777", len(winners))
	}
	got, err := s.CustomerByXUserID(f.ctx, "777")
	must(t, err)
	if got.ID != winners[0] {
		t.Fatalf("X user id 777 finds %s, the winner is %s", got.ID, winners[0])
	}
	// The losers' handles were given back: another customer may take them.
	for i := range n {
		if idAt(i) != winners[0] {
			must(t, s.PutCustomer(f.ctx, newCustomer(100+i, fmt.Sprintf("Heir %d", i), nil, nil, fmt.Sprintf("racer%d", i), "")))
		}
	}
}

// A write that loses on its version gives back the claims it took, so the
// value is free at once for someone else.
func testCustomerLostWriteReleasesClaims(t *testing.T, f *fixture) {
	s := f.store
	a := newCustomer(1, "Kim Seven", nil, nil, "", "")
	must(t, s.PutCustomer(f.ctx, a))
	stale := *a
	a.Name = "Kim Eight"
	must(t, s.PutCustomer(f.ctx, a))
	stale.Twitter = &casework.TwitterAccount{Handle: "kim7", XUserID: "888"}
	WantCode(t, s.PutCustomer(f.ctx, &stale), casework.EConflict)
	b := newCustomer(2, "Lee Nine", nil, nil, "kim7", "888")
	must(t, s.PutCustomer(f.ctx, b))

	// Re-writing a customer with the X user id it already has keeps it.
	b.Name = "Lee Ten"
	must(t, s.PutCustomer(f.ctx, b))
	staleB := *b
	staleB.Version = 1
	WantCode(t, s.PutCustomer(f.ctx, &staleB), casework.EConflict)
	got, err := s.CustomerByXUserID(f.ctx, "888")
	must(t, err)
	if got.ID != b.ID {
		t.Fatalf("X user id 888 finds %s", got.ID)
	}
	if _, err := s.CustomerByHandle(f.ctx, "KIM7"); err != nil {
		t.Fatal(err)
	}
}
