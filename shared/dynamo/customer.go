package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/table"
)

type customerItem struct {
	PK        string       `dynamodbav:"PK"`
	SK        string       `dynamodbav:"SK"`
	ID        string       `dynamodbav:"id"`
	Name      string       `dynamodbav:"name"`
	Emails    []string     `dynamodbav:"emails,omitempty"`
	Phones    []string     `dynamodbav:"phones,omitempty"`
	PhoneKeys []string     `dynamodbav:"phone_keys,omitempty"`
	Twitter   *twitterItem `dynamodbav:"twitter,omitempty"`
	Version   int64        `dynamodbav:"version"`
	CreatedAt string       `dynamodbav:"created_at,omitempty"`
	UpdatedAt string       `dynamodbav:"updated_at,omitempty"`

	// PreviousHandles are the customer's earlier screen names, most recent first.
	PreviousHandles []string `dynamodbav:"previous_handles,omitempty"`
	// FormerXUserIDs are X accounts an agent replaced, most recent first.
	FormerXUserIDs []string `dynamodbav:"former_x_user_ids,omitempty"`
	// MergedInto names the customer this one was merged into.
	MergedInto string `dynamodbav:"merged_into,omitempty"`
	// XStatus is what X's batch compliance reported of the X account.
	XStatus           string `dynamodbav:"x_status,omitempty"`
	XStatusRedactedAt string `dynamodbav:"x_status_redacted_at,omitempty"`
	XStatusAppliedAt  string `dynamodbav:"x_status_applied_at,omitempty"`
}

type twitterItem struct {
	Handle  string `dynamodbav:"handle,omitempty"`
	XUserID string `dynamodbav:"x_user_id,omitempty"`
}

// lookupItem finds a customer by e-mail, phone or name word; it is only a
// hint, checked against the customer's record by every reader.
type lookupItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	CustomerID string `dynamodbav:"customer_id"`
	// Version is the customer version whose write put it here, so a
	// later write's cleanup never deletes a lookup a newer write needs.
	Version int64 `dynamodbav:"version"`
}

func customerPK(id string) string { return "CUST#" + id }

const customerSK = "CUST"

func toCustomerItem(c *casework.Customer, version int64) customerItem {
	it := customerItem{
		PK: customerPK(c.ID), SK: customerSK, ID: c.ID, Name: c.Name,
		Emails: nilIfEmpty(c.Emails), Phones: nilIfEmpty(c.Phones), PhoneKeys: nilIfEmpty(c.PhoneKeys), PreviousHandles: nilIfEmpty(c.PreviousHandles),
		FormerXUserIDs: nilIfEmpty(c.FormerXUserIDs), MergedInto: c.MergedInto,
		Version: version, CreatedAt: fmtTime(c.CreatedAt), UpdatedAt: fmtTime(c.UpdatedAt),
		XStatus: c.XStatus, XStatusRedactedAt: fmtTime(c.XStatusRedactedAt), XStatusAppliedAt: fmtTime(c.XStatusAppliedAt),
	}
	if c.Twitter != nil {
		it.Twitter = &twitterItem{Handle: c.Twitter.Handle, XUserID: c.Twitter.XUserID}
	}
	return it
}

func (it *customerItem) customer() (*casework.Customer, error) {
	c := &casework.Customer{ID: it.ID, Name: it.Name, Emails: it.Emails, Phones: it.Phones, PhoneKeys: it.PhoneKeys,
		PreviousHandles: it.PreviousHandles, FormerXUserIDs: it.FormerXUserIDs, MergedInto: it.MergedInto, Version: it.Version,
		XStatus: it.XStatus}
	if it.Twitter != nil {
		c.Twitter = &casework.TwitterAccount{Handle: it.Twitter.Handle, XUserID: it.Twitter.XUserID}
	}
	if err := parseTimes(it.CreatedAt, &c.CreatedAt, it.UpdatedAt, &c.UpdatedAt,
		it.XStatusRedactedAt, &c.XStatusRedactedAt, it.XStatusAppliedAt, &c.XStatusAppliedAt); err != nil {
		return nil, fmt.Errorf("customer %s: %w", it.ID, err)
	}
	return c, nil
}

func decodeCustomer(av map[string]types.AttributeValue) (*casework.Customer, error) {
	var it customerItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, err
	}
	return it.customer()
}

// ---- lookup keys ----

func emailPK(email string) string { return "CEMAIL#" + casework.NormalizeEmail(email) }

// phonePK is the lookup partition of a phone search key (casework.PhoneSearchKeys).
func phonePK(key string) string { return "CPHONE#" + key }

func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

func namePK(word string) string { return "CNAME#" + firstRune(word) }

// formerXUserPK is the lookup partition of an X account a customer had before.
func formerXUserPK(xid string) string { return "CXFORMER#" + xid }

// xUserClaimPK is the claim of an X user id, by a customer (SK CUST) or a brand handle (SK BRAND).
func xUserClaimPK(xid string) string { return "XUSER#" + xid }

func handleClaimPK(handle string) string {
	return "CHANDLE#" + strings.ToLower(strings.TrimPrefix(strings.TrimSpace(handle), "@"))
}

// lookupKeys returns the keys (PK, SK) of the e-mail, phone and name-word
// lookup items a customer's record calls for; a merged customer has none.
func lookupKeys(c *casework.Customer) [][2]string {
	if c.MergedInto != "" {
		return nil
	}
	var keys [][2]string
	sk := customerPK(c.ID)
	for _, e := range c.Emails {
		if casework.NormalizeEmail(e) != "" {
			keys = append(keys, [2]string{emailPK(e), sk})
		}
	}
	for _, k := range c.IndexedPhoneKeys() {
		keys = append(keys, [2]string{phonePK(k), sk})
	}
	for _, w := range c.NameWords() {
		keys = append(keys, [2]string{namePK(w), w + "#" + c.ID})
	}
	for _, x := range c.FormerXUserIDs {
		keys = append(keys, [2]string{formerXUserPK(x), sk})
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	return slices.Compact(keys)
}

func twitterOf(c *casework.Customer) (xid, handle string) {
	if c == nil || c.Twitter == nil {
		return "", ""
	}
	return c.Twitter.XUserID, c.Twitter.Handle
}

// customerClaims are the claims of a customer's X user id and handle.
func (s *Store) customerClaims(c *casework.Customer, version int64, token string) []*claim {
	xid, handle := twitterOf(c)
	owner := map[string]string{"customer_id": c.ID}
	var claims []*claim
	if xid != "" {
		claims = append(claims, &claim{
			pk: xUserClaimPK(xid), sk: customerSK, owner: owner, version: version, token: token,
			taken: fmt.Sprintf("The X user id %s belongs to another customer.", xid),
			holds: func(ctx context.Context, owner map[string]string) (bool, error) {
				other, err := s.getCustomer(ctx, owner["customer_id"])
				x, _ := twitterOf(other)
				return x == xid, err
			},
		})
	}
	if handle != "" {
		claims = append(claims, &claim{
			pk: handleClaimPK(handle), sk: customerSK, owner: owner, version: version, token: token,
			taken: fmt.Sprintf("The Twitter handle @%s belongs to another customer.", handle),
			holds: func(ctx context.Context, owner map[string]string) (bool, error) {
				other, err := s.getCustomer(ctx, owner["customer_id"])
				_, h := twitterOf(other)
				return h != "" && handleClaimPK(h) == handleClaimPK(handle), err
			},
		})
	}
	return claims
}

// PutCustomer creates or updates a customer and its lookups, without a
// transaction: (1) claim the X user id and handle (EConflict, and nothing
// written, when another customer holds one), (2) write every lookup item of
// the new record, (3) write the customer item on its version condition,
// learning the old record from ALL_OLD, (4) delete the lookups and release
// the claims only the old record had. A write that stops half-way leaves
// only extra lookups or claims, which readers check against the record.
// Calls: 1 PutItem per claim (0–2, in parallel), 1 BatchWriteItem for
// every lookup (e-mails, phone keys, former X accounts and their markers,
// name words; none without), 1 PutItem for the customer, 1 DeleteItem per
// dropped value.
func (s *Store) PutCustomer(ctx context.Context, c *casework.Customer) error {
	if c == nil || c.ID == "" {
		return fmt.Errorf("dynamo: put customer: %w", invalid("id", "A customer needs an id."))
	}
	version := c.Version + 1
	token := newToken()
	claims := s.customerClaims(c, version, token)
	taken, err := s.acquireAll(ctx, claims)
	if err != nil {
		return fmt.Errorf("dynamo: put customer %s: %w", c.ID, err)
	}
	keys := lookupKeys(c)
	items, err := lookupItems(c, keys, version)
	if err == nil && len(items) > 0 {
		err = s.batchPut(ctx, items)
	}
	if err != nil {
		s.rollback(ctx, claims, taken)
		return fmt.Errorf("dynamo: put customer %s: lookups: %w", c.ID, err)
	}
	oldAV, err := s.putVersioned(ctx, toCustomerItem(c, version), c.Version, "customer")
	if err != nil {
		s.rollback(ctx, claims, taken)
		return fmt.Errorf("dynamo: put customer %s: %w", c.ID, err)
	}
	c.Version = version
	if oldAV == nil {
		return nil
	}
	old, err := decodeCustomer(oldAV)
	if err != nil {
		return nil // the write succeeded; the stale lookups stay, and readers skip them
	}
	// Clean up what only the old record had. Best effort: a leftover lookup
	// or claim is ignored by readers (and a claim is taken over later).
	var cleanup []func(context.Context) error
	for _, k := range minus(lookupKeys(old), keys) {
		cleanup = append(cleanup, s.deleteLookupFn(k, version))
	}
	oldClaims := s.customerClaims(old, version, token)
	for _, oc := range oldClaims {
		if !slices.ContainsFunc(claims, func(nc *claim) bool { return nc.pk == oc.pk }) {
			cleanup = append(cleanup, s.releaseFn(oc))
		}
	}
	if len(cleanup) > 0 {
		_ = parallel(context.WithoutCancel(ctx), cleanup)
	}
	return nil
}

// lookupItems are the look-up items of keys, and for each former X
// account of the customer its marker (formerMarkerSK in the X user id's
// claim partition), which tells the inbound worker, in the same read as
// the claim, whether any customer may have had the X account.
func lookupItems(c *casework.Customer, keys [][2]string, version int64) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	for _, k := range keys {
		av, err := attributevalue.MarshalMap(lookupItem{PK: k[0], SK: k[1], CustomerID: c.ID, Version: version})
		if err != nil {
			return nil, err
		}
		items = append(items, av)
	}
	if c.MergedInto == "" {
		for _, x := range c.FormerXUserIDs {
			items = append(items, itemKey(xUserClaimPK(x), formerMarkerSK))
		}
	}
	return items, nil
}

// formerMarkerSK is the sort key, in an X user id's claim partition, of
// the marker that some customer lists the X user id among its former X
// accounts. It is never removed (a stale one costs the inbound worker one
// Query of the former-account look-ups, which say who, if anyone).
const formerMarkerSK = "FORMER"

// minus returns the keys of old that are not in keep.
func minus(old, keep [][2]string) [][2]string {
	var out [][2]string
	for _, k := range old {
		if !slices.Contains(keep, k) {
			out = append(out, k)
		}
	}
	return out
}

// deleteLookupFn deletes a lookup item unless a write newer than version put it back.
func (s *Store) deleteLookupFn(k [2]string, version int64) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 s.table,
			Key:                       itemKey(k[0], k[1]),
			ConditionExpression:       aws.String("#version < :version"),
			ExpressionAttributeNames:  names("version"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":version": num(version)},
		})
		if isConditionFailed(err) {
			return nil
		}
		return err
	}
}

// getCustomer reads a customer; nil when there is none. Calls: 1 GetItem.
func (s *Store) getCustomer(ctx context.Context, id string) (*casework.Customer, error) {
	var it customerItem
	ok, err := s.getItem(ctx, customerPK(id), customerSK, &it)
	if err != nil || !ok {
		return nil, err
	}
	return it.customer()
}

// GetCustomer reads a customer. Calls: 1 GetItem.
func (s *Store) GetCustomer(ctx context.Context, id string) (*casework.Customer, error) {
	c, err := s.getCustomer(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("dynamo: get customer %s: %w", id, err)
	}
	if c == nil {
		return nil, fmt.Errorf("dynamo: get customer %s: %w", id, notFound("No customer has the id %s.", id))
	}
	return c, nil
}

// customersByID reads customers with BatchGetItem; missing ones are left out.
func (s *Store) customersByID(ctx context.Context, ids []string) (map[string]*casework.Customer, error) {
	var keys []map[string]types.AttributeValue
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, itemKey(customerPK(id), customerSK))
		}
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*casework.Customer, len(items))
	for _, av := range items {
		c, err := decodeCustomer(av)
		if err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	return out, nil
}

// customersByLookup reads the lookup items of one partition and returns
// the customers whose record still matches, by id. Calls: 1 Query, 1 BatchGetItem.
func (s *Store) customersByLookup(ctx context.Context, pk string, matches func(*casework.Customer) bool) ([]casework.Customer, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("#PK = :pk"),
		ExpressionAttributeNames:  names(table.PK),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, strAttr(it, "customer_id"))
	}
	found, err := s.customersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []casework.Customer{}
	for _, id := range ids {
		if c := found[id]; c != nil && c.MergedInto == "" && matches(c) {
			out = append(out, *c)
			delete(found, id)
		}
	}
	return out, nil
}

// CustomersByEmail finds the customers with this e-mail, case-insensitively.
// Calls: 1 Query, 1 BatchGetItem.
func (s *Store) CustomersByEmail(ctx context.Context, email string) ([]casework.Customer, error) {
	want := casework.NormalizeEmail(email)
	if want == "" {
		return []casework.Customer{}, nil
	}
	out, err := s.customersByLookup(ctx, emailPK(want), func(c *casework.Customer) bool {
		return slices.ContainsFunc(c.Emails, func(e string) bool { return casework.NormalizeEmail(e) == want })
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: customers by e-mail: %w", err)
	}
	return out, nil
}

// CustomersByPhone finds the customers with this phone search key,
// exactly (casework.PhoneSearchKeys; see casework.Store). Calls: 1 Query,
// 1 BatchGetItem.
func (s *Store) CustomersByPhone(ctx context.Context, key string) ([]casework.Customer, error) {
	if key == "" {
		return []casework.Customer{}, nil
	}
	out, err := s.customersByLookup(ctx, phonePK(key), func(c *casework.Customer) bool {
		return slices.Contains(c.IndexedPhoneKeys(), key)
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: customers by phone: %w", err)
	}
	return out, nil
}

// CustomersByNamePrefix finds the customers with a name word that starts
// with prefix, case-insensitively, ordered by that word; an empty prefix
// finds nobody. Each customer is listed once, under its first matching word.
// Calls per page: usually 1 Query and 1 BatchGetItem (more when stale
// lookups had to be skipped).
func (s *Store) CustomersByNamePrefix(ctx context.Context, prefix string, page casework.PageRequest) (casework.Page[casework.Customer], error) {
	prefix = casework.SearchFold(strings.TrimSpace(prefix))
	result := casework.Page[casework.Customer]{Items: []casework.Customer{}}
	if prefix == "" {
		return result, nil
	}
	pk := namePK(prefix)
	found := map[string]*casework.Customer{}
	q := pageQuery{
		in: &dynamodb.QueryInput{
			TableName:                 s.table,
			KeyConditionExpression:    aws.String("#PK = :pk AND begins_with(#SK, :prefix)"),
			ExpressionAttributeNames:  names(table.PK, table.SK),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)},
		},
		cursor: cursorSpec{attrs: []string{table.PK, table.SK}, valid: func(k map[string]string) bool {
			return k[table.PK] == pk && strings.HasPrefix(k[table.SK], prefix)
		}},
		keep: func(ctx context.Context, items []map[string]types.AttributeValue) ([]bool, error) {
			var ids []string
			for _, it := range items {
				ids = append(ids, strAttr(it, "customer_id"))
			}
			got, err := s.customersByID(ctx, ids)
			if err != nil {
				return nil, err
			}
			keep := make([]bool, len(items))
			for i, it := range items {
				c := got[ids[i]]
				if c == nil || c.MergedInto != "" {
					continue
				}
				word, _, _ := strings.Cut(strAttr(it, table.SK), "#")
				// Keep the customer under its first matching word only: this
				// drops stale lookups and lists a customer once across pages.
				words := c.NameWords()
				first := slices.IndexFunc(words, func(w string) bool { return strings.HasPrefix(w, prefix) })
				if first >= 0 && words[first] == word {
					keep[i] = true
					found[c.ID] = c
				}
			}
			return keep, nil
		},
	}
	items, next, err := s.queryPage(ctx, q, page)
	if err != nil {
		return result, fmt.Errorf("dynamo: customers by name prefix %q: %w", prefix, err)
	}
	for _, it := range items {
		result.Items = append(result.Items, *found[strAttr(it, "customer_id")])
	}
	result.NextCursor = next
	return result, nil
}

// customerByClaim reads the customer a claim item names, if its record still
// shows the value. Calls: 2 GetItem.
func (s *Store) customerByClaim(ctx context.Context, pk string, shows func(*casework.Customer) bool) (*casework.Customer, error) {
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.table, Key: itemKey(pk, customerSK), ConsistentRead: aws.Bool(true)})
	if err != nil || res.Item == nil {
		return nil, err
	}
	c, err := s.getCustomer(ctx, strAttr(res.Item, "customer_id"))
	if err != nil || c == nil || !shows(c) {
		return nil, err
	}
	return c, nil
}

// CustomerByXUserID finds the customer with this X user id. Calls: 2 GetItem.
func (s *Store) CustomerByXUserID(ctx context.Context, xUserID string) (*casework.Customer, error) {
	c, err := s.customerByClaim(ctx, xUserClaimPK(xUserID), func(c *casework.Customer) bool {
		xid, _ := twitterOf(c)
		return xid == xUserID
	})
	if err == nil && c == nil {
		err = notFound("No customer has the X user id %s.", xUserID)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: customer by X user id %s: %w", xUserID, err)
	}
	return c, nil
}

// CustomerByFormerXUserID finds the customer, not merged, most recently
// updated, that lists the X user id among its FormerXUserIDs (see
// casework.Store). Calls: 1 Query, 1 BatchGetItem.
func (s *Store) CustomerByFormerXUserID(ctx context.Context, xUserID string) (*casework.Customer, error) {
	found, err := s.customersByLookup(ctx, formerXUserPK(xUserID), func(c *casework.Customer) bool {
		return slices.Contains(c.FormerXUserIDs, xUserID)
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: customer by former X user id %s: %w", xUserID, err)
	}
	if len(found) == 0 {
		return nil, notFound("No customer had the X user id %s.", xUserID)
	}
	latest := slices.MaxFunc(found, func(a, b casework.Customer) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	return &latest, nil
}

// CustomerByHandle finds the customer with this Twitter handle,
// case-insensitively (a leading @ is ignored). Calls: 2 GetItem.
func (s *Store) CustomerByHandle(ctx context.Context, handle string) (*casework.Customer, error) {
	pk := handleClaimPK(handle)
	var c *casework.Customer
	var err error
	if pk != handleClaimPK("") {
		c, err = s.customerByClaim(ctx, pk, func(c *casework.Customer) bool {
			_, h := twitterOf(c)
			return h != "" && handleClaimPK(h) == pk
		})
	}
	if err == nil && c == nil {
		err = notFound("No customer has the Twitter handle %s.", handle)
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: customer by handle %s: %w", handle, err)
	}
	return c, nil
}

// searchKeysPK and searchKeysSK are the item that records which form the
// table's customer look-up keys are in (SearchKeyForm).
const (
	searchKeysPK = "META#SEARCHKEYS"
	searchKeysSK = "META"
)

// SearchKeyForm is the form of customer look-up keys this code writes: 2
// since name words are NFC and case-folded (issue 21 item 10); 1 (or no
// record) before.
const SearchKeyForm = 2

// EnsureSearchKeys reindexes the customers (ReindexCustomers) unless the
// table records that its look-up keys are in SearchKeyForm already, and
// then records it; it returns how many customers it reindexed. Calls: 1
// GetItem when the keys are current; else those of ReindexCustomers and 1
// PutItem.
func (s *Store) EnsureSearchKeys(ctx context.Context) (int, error) {
	var rec struct {
		Form int `dynamodbav:"form"`
	}
	if _, err := s.getItem(ctx, searchKeysPK, searchKeysSK, &rec); err != nil {
		return 0, fmt.Errorf("dynamo: search key form: %w", err)
	}
	if rec.Form >= SearchKeyForm {
		return 0, nil
	}
	n, err := s.ReindexCustomers(ctx)
	if err != nil {
		return n, err
	}
	return n, s.RecordSearchKeyForm(ctx)
}

// RecordSearchKeyForm records that the table's customer look-up keys are
// in SearchKeyForm (after ReindexCustomers). Calls: 1 PutItem.
func (s *Store) RecordSearchKeyForm(ctx context.Context) error {
	item := itemKey(searchKeysPK, searchKeysSK)
	item["form"] = num(SearchKeyForm)
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.table, Item: item}); err != nil {
		return fmt.Errorf("dynamo: record search key form: %w", err)
	}
	return nil
}
