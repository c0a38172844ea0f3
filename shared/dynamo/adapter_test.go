package dynamo_test

// The adapter's own tests: what it leaves in the table, and how its readers
// treat items a write that stopped half-way left behind. What the adapter
// answers through casework.Store is the store suite's (store_test.go).

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/storetest"
)

func TestCustomerChangedLookupsAreRemoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	c := newCustomer(1, "Carol Danvers", []string{"carol@old.example"}, []string{"15550100003"}, "", "")
	must(t, s.PutCustomer(f.ctx, c))
	c.Emails = []string{"carol@new.example"}
	c.Phones = nil
	c.Name = "Carol Marvel"
	must(t, s.PutCustomer(f.ctx, c))

	// The stale lookup items are gone from the table, not only filtered out
	// (the store suite checks that they find nothing).
	for _, key := range [][2]string{
		{"CEMAIL#carol@old.example", "CUST#" + c.ID},
		{"CPHONE#15550100003", "CUST#" + c.ID},
		{"CNAME#d", "danvers#" + c.ID},
	} {
		if f.rawItem(key[0], key[1]) != nil {
			t.Errorf("stale lookup %v is still stored", key)
		}
	}
	if f.rawItem("CNAME#c", "carol#"+c.ID) == nil {
		t.Error("the lookup of the kept word carol is gone")
	}
}

func TestCustomerStaleLookupsAreFiltered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	c := newCustomer(1, "Dana Scully", []string{"dana@example.com"}, nil, "", "")
	must(t, s.PutCustomer(f.ctx, c))
	// A write that stopped after its lookups, before the customer item, left these.
	f.putRaw(map[string]string{"PK": "CEMAIL#ghost@example.com", "SK": "CUST#" + c.ID, "customer_id": c.ID})
	f.putRaw(map[string]string{"PK": "CPHONE#15550109999", "SK": "CUST#" + c.ID, "customer_id": c.ID})
	f.putRaw(map[string]string{"PK": "CNAME#f", "SK": "fox#" + c.ID, "customer_id": c.ID})
	f.putRaw(map[string]string{"PK": "CNAME#d", "SK": "dan#" + c.ID, "customer_id": c.ID}) // "dan" is not her word
	missing := idAt(50)                                                                    // a customer that was never written
	f.putRaw(map[string]string{"PK": "CEMAIL#dana@example.com", "SK": "CUST#" + missing, "customer_id": missing})
	f.putRaw(map[string]string{"PK": "CNAME#d", "SK": "dana#" + missing, "customer_id": missing})

	if got, err := s.CustomersByEmail(f.ctx, "ghost@example.com"); err != nil || len(got) != 0 {
		t.Fatalf("stale e-mail lookup finds %v (%v)", ids(got), err)
	}
	if got, err := s.CustomersByPhone(f.ctx, "15550109999"); err != nil || len(got) != 0 {
		t.Fatalf("stale phone lookup finds %v (%v)", ids(got), err)
	}
	if got, err := s.CustomersByEmail(f.ctx, "dana@example.com"); err != nil || !slices.Equal(ids(got), []string{c.ID}) {
		t.Fatalf("e-mail finds %v (%v), want only the real customer", ids(got), err)
	}
	for _, p := range []string{"fo", "fox"} {
		page, err := s.CustomersByNamePrefix(f.ctx, p, casework.PageRequest{})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("stale name lookup %q finds %v (%v)", p, ids(page.Items), err)
		}
	}
	// "da" matches the stale "dan", the real "dana" and the missing customer's
	// "dana": Dana is listed once, under her real word.
	page, err := s.CustomersByNamePrefix(f.ctx, "da", casework.PageRequest{Limit: 1})
	must(t, err)
	var all []string
	for {
		all = append(all, ids(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		page, err = s.CustomersByNamePrefix(f.ctx, "da", casework.PageRequest{Limit: 1, Cursor: page.NextCursor})
		must(t, err)
	}
	if !slices.Equal(all, []string{c.ID}) {
		t.Fatalf("prefix da finds %v, want [%s]", all, c.ID)
	}
}

func TestCustomerStaleClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	ghost := idAt(90) // its write claimed the X user id and stopped there
	f.putRaw(map[string]string{"PK": "XUSER#300", "SK": "CUST", "customer_id": ghost, "token": "t"})
	_, err := client.UpdateItem(f.ctx, updateNumber(f.table, "XUSER#300", "CUST", "claimed_at", f.clock.Now().UnixNano()))
	must(t, err)
	if _, err := s.CustomerByXUserID(f.ctx, "300"); casework.ErrorCode(err) != casework.ENotFound {
		t.Fatalf("a claim of a customer that doesn't exist finds %v", err)
	}

	c := newCustomer(1, "Gina Three", nil, nil, "gina", "300")
	// While the claim is fresh, its write may still be under way.
	storetest.WantCode(t, s.PutCustomer(f.ctx, c), casework.EConflict)
	f.clock.Advance(5 * time.Minute)
	must(t, s.PutCustomer(f.ctx, c))
	got, err := s.CustomerByXUserID(f.ctx, "300")
	must(t, err)
	if got.ID != c.ID {
		t.Fatalf("X user id 300 finds %s, want %s", got.ID, c.ID)
	}
}

// Writes that are refused, lose their race or drop a value leave no lookup
// or claim items behind.
func TestNoItemsLeftBehind(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	a := newCustomer(1, "Eve One", []string{"eve1@example.com"}, nil, "eve_one", "200")
	must(t, s.PutCustomer(f.ctx, a))
	b := newCustomer(2, "Frank Two", []string{"frank@example.com"}, nil, "frank_two", "200")
	storetest.WantCode(t, s.PutCustomer(f.ctx, b), casework.EConflict)
	if f.rawItem("CEMAIL#frank@example.com", "CUST#"+b.ID) != nil || f.rawItem("CHANDLE#frank_two", "CUST") != nil {
		t.Fatal("a refused customer left lookup or claim items")
	}
	a.Twitter = nil
	must(t, s.PutCustomer(f.ctx, a))
	if f.rawItem("XUSER#200", "CUST") != nil || f.rawItem("CHANDLE#eve_one", "CUST") != nil {
		t.Fatal("dropped X user id or handle is still claimed")
	}
	stale := *a
	a.Name = "Eve Eight"
	must(t, s.PutCustomer(f.ctx, a))
	stale.Twitter = &casework.TwitterAccount{Handle: "kim7", XUserID: "888"}
	storetest.WantCode(t, s.PutCustomer(f.ctx, &stale), casework.EConflict)
	if f.rawItem("XUSER#888", "CUST") != nil || f.rawItem("CHANDLE#kim7", "CUST") != nil {
		t.Fatal("a lost write kept its claims")
	}
	m := newMessage(1, idAt(1000), casework.KindTweet, "1001")
	must(t, s.PutMessage(f.ctx, m))
	m.XID = "1002"
	must(t, s.PutMessage(f.ctx, m))
	if f.rawItem("XMSG#tweet#1001", "XMSG") != nil {
		t.Fatal("the old X id claim is still stored")
	}
}

// Five new customers race for one X user id: the losers' handle claims are
// given back, not left to go stale.
func TestConcurrentClaimsLeaveNoLosers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	errs := make([]error, 5)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.PutCustomer(f.ctx, newCustomer(i, fmt.Sprintf("Racer %d", i), nil, nil, fmt.Sprintf("racer%d", i), "777"))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && f.rawItem(fmt.Sprintf("CHANDLE#racer%d", i), "CUST") != nil {
			t.Errorf("racer %d's handle claim was left behind", i)
		}
	}
}

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

func newMessage(i int, caseID string, kind casework.MessageKind, xid string) *casework.Message {
	return &casework.Message{
		ID: idAt(i), CaseID: caseID, Direction: casework.DirectionIn, Kind: kind,
		Text: "hello", Status: casework.StatusReceived, XID: xid, CreatedAt: base.Add(time.Duration(i) * time.Millisecond),
	}
}

func ids(cs []casework.Customer) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// TestReindexCustomersRewritesLegacyNameKeys: name look-ups written before
// issue 21 item 10 were lower-cased, not NFC and folded; the maintenance
// path writes them in the form searches now look up.
func TestReindexCustomersRewritesLegacyNameKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.store
	zoe := newCustomer(1, "Zoe\u0308 Quinn", nil, nil, "", "")
	ody := newCustomer(2, "ΟΔΥΣΣΕΥΣ", nil, nil, "", "")
	must(t, s.PutCustomer(f.ctx, zoe))
	must(t, s.PutCustomer(f.ctx, ody))
	// Leave the table as the old code wrote it: the folded keys gone, the
	// lower-cased ones in their place.
	for _, k := range [][4]string{
		{"CNAME#z", "zoë#" + zoe.ID, "zoe\u0308#" + zoe.ID, zoe.ID},
		{"CNAME#ο", "οδυσσευσ#" + ody.ID, "οδυσσευς#" + ody.ID, ody.ID},
	} {
		if f.rawItem(k[0], k[1]) == nil {
			t.Fatalf("PutCustomer wrote no look-up %s %s", k[0], k[1])
		}
		_, err := client.DeleteItem(f.ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.table), Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: k[0]}, "SK": &types.AttributeValueMemberS{Value: k[1]}}})
		must(t, err)
		f.putRaw(map[string]string{"PK": k[0], "SK": k[2], "customer_id": k[3]})
	}
	find := func(q string) []string {
		page, err := s.CustomersByNamePrefix(f.ctx, q, casework.PageRequest{})
		must(t, err)
		return ids(page.Items)
	}
	if got := find("zoë"); len(got) != 0 {
		t.Fatalf("before the reindex zoë finds %v: the legacy keys were not set up", got)
	}
	// The local run's start: the table records no key form yet.
	n, err := s.EnsureSearchKeys(f.ctx)
	must(t, err)
	if n != 2 {
		t.Errorf("reindexed %d customers, want 2", n)
	}
	if n, err := s.EnsureSearchKeys(f.ctx); err != nil || n != 0 {
		t.Errorf("a second EnsureSearchKeys reindexed %d customers (%v), want none: the form is recorded", n, err)
	}
	for q, want := range map[string]string{"zoë": zoe.ID, "Zoe\u0308": zoe.ID, "οδυσσευς": ody.ID, "ΟΔΥΣΣΕΥΣ": ody.ID} {
		if got := find(q); !slices.Equal(got, []string{want}) {
			t.Errorf("after the reindex %q finds %v, want [%s]", q, got, want)
		}
	}
}
