package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/config"
	"github.com/acme/twitter-cases/shared/table"
)

// Store keeps everything the product keeps in one DynamoDB table.
type Store struct {
	client *dynamodb.Client
	table  *string
	now    func() time.Time
	// filterChunk is how many index entries a filtered Query evaluates at
	// least per call (DynamoDB applies Limit before the filter).
	filterChunk int32
	// scanLimit, when positive, caps the items a compliance Scan page
	// reads (tests cross pages with it); 0 is DynamoDB's 1 MB pages.
	scanLimit int32
	// claimGrace is how long a fresh claim item is respected even when its
	// owner's record does not show the value yet (its write may be under way).
	claimGrace time.Duration
	// gets and puts share BatchGetItem and BatchWriteItem calls among
	// callers at the same moment.
	gets, puts *coalescer
}

var _ casework.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock the store judges expiry and claim age by (tests move time with it).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// Open returns the store of a function's configuration: the table
// cfg.TableName through a client of awsCfg (at cfg.DynamoDBEndpoint when
// set). It does no I/O.
func Open(awsCfg aws.Config, cfg config.Config) *Store {
	return New(NewClient(awsCfg, cfg.DynamoDBEndpoint), cfg.TableName)
}

// New returns a store of the table tableName reached through client.
func New(client *dynamodb.Client, tableName string, opts ...Option) *Store {
	s := &Store{
		client:      client,
		table:       aws.String(tableName),
		now:         time.Now,
		filterChunk: 100,
		claimGrace:  2 * time.Minute,
	}
	s.gets = &coalescer{limit: batchGetLimit, send: s.sendGets}
	s.puts = &coalescer{limit: batchPutLimit, exclusive: true, send: s.sendPuts}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping checks that the table answers, with one GetItem of a key that never
// exists (so it needs no permission beyond the table's).
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.table,
		Key:       itemKey("PING", "PING"),
	})
	if err != nil {
		return fmt.Errorf("dynamo: ping: %w", err)
	}
	return nil
}

// ---- keys, times and attribute values ----

// sortableTime is a fixed-width UTC time layout whose strings sort like the times.
const sortableTime = "2006-01-02T15:04:05.000000000Z"

func sortTime(t time.Time) string { return t.UTC().Format(sortableTime) }

// fmtTime stores a time as RFC 3339 (UTC, nanoseconds); the zero time as "".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

// parseTimes parses several stored times into their destinations.
func parseTimes(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		t, err := parseTime(pairs[i].(string))
		if err != nil {
			return err
		}
		*pairs[i+1].(*time.Time) = t
	}
	return nil
}

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{table.PK: str(pk), table.SK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

func boolean(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }

func strSet(s ...string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: s} }

// names is the ExpressionAttributeNames every expression here uses: #x stands
// for the attribute x, so no attribute name ever collides with a reserved word.
func names(attrs ...string) map[string]string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		m["#"+a] = a
	}
	return m
}

// nilIfEmpty lets omitempty drop an empty list or set (an empty set is not a DynamoDB value).
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// attrNames lists the attribute names of an item struct, from its dynamodbav tags.
func attrNames(item any) []string {
	t := reflect.TypeOf(item)
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("dynamodbav"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// ---- errors ----

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func conflict(format string, args ...any) error {
	return casework.Errorf(casework.EConflict, format, args...)
}

func notFound(format string, args ...any) error {
	return casework.Errorf(casework.ENotFound, format, args...)
}

func invalid(field, detail string) error {
	return &casework.Error{
		Code:    casework.EValidation,
		Message: detail,
		Fields:  []casework.FieldError{{Name: field, Code: "invalid", Detail: detail}},
	}
}

// staleVersion is the EConflict of a versioned write that lost its race.
func staleVersion(what string) error {
	return conflict("The %s was changed by someone else; load it again and retry.", what)
}

// ---- single items ----

// getItem reads one item consistently into out and reports whether it exists.
func (s *Store) getItem(ctx context.Context, pk, sk string, out any) (bool, error) {
	res, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      s.table,
		Key:            itemKey(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, err
	}
	if res.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, err
	}
	return true, nil
}

// putVersioned writes item if it is new (version 0) or still at version, and
// returns the item it replaced (nil when it created one); a lost race is EConflict.
func (s *Store) putVersioned(ctx context.Context, item any, version int64, what string) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, err
	}
	in := &dynamodb.PutItemInput{TableName: s.table, Item: av, ReturnValues: types.ReturnValueAllOld}
	if version == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(#PK)")
		in.ExpressionAttributeNames = names(table.PK)
	} else {
		in.ConditionExpression = aws.String("#version = :version")
		in.ExpressionAttributeNames = names("version")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":version": num(version)}
	}
	out, err := s.client.PutItem(ctx, in)
	if isConditionFailed(err) {
		return nil, staleVersion(what)
	}
	if err != nil {
		return nil, err
	}
	return out.Attributes, nil
}

// ---- many items ----

// queryAll runs a Query to its end, following LastEvaluatedKey.
// partitionQuery is the Query for every item of the partition pk, read
// consistently, in ascending order of the sort key; callers add what
// else they need (a sort-key condition, the order, a filter).
func (s *Store) partitionQuery(pk string) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 s.table,
		KeyConditionExpression:    aws.String("#PK = :pk"),
		ExpressionAttributeNames:  names(table.PK),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ConsistentRead:            aws.Bool(true),
	}
}

func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
		if out.LastEvaluatedKey == nil {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// batchGet reads items by key with BatchGetItem (100 keys a call, unprocessed
// keys retried with backoff), consistently; missing items are simply absent.
// Up to 100 keys share a call with other callers' reads made at the same
// moment (see coalescer).
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	if len(keys) <= batchGetLimit {
		c := &batchCall{avs: keys}
		for _, k := range keys {
			c.keys = append(c.keys, itemID(k))
		}
		s.gets.do(ctx, c)
		return c.items, c.err
	}
	var items []map[string]types.AttributeValue
	for chunk := range slices.Chunk(keys, batchGetLimit) {
		got, err := s.batchGetCall(ctx, chunk)
		if err != nil {
			return nil, err
		}
		items = append(items, got...)
	}
	return items, nil
}

// batchGetLimit and batchPutLimit are DynamoDB's most keys a BatchGetItem
// and items a BatchWriteItem carry.
const (
	batchGetLimit = 100
	batchPutLimit = 25
)

// sendGets is the gets coalescer's call: one BatchGetItem of the distinct
// keys, each caller answered with what was found of its own.
func (s *Store) sendGets(ctx context.Context, calls []*batchCall, keys []map[string]types.AttributeValue) {
	items, err := s.batchGetCall(ctx, keys)
	found := make(map[string]map[string]types.AttributeValue, len(items))
	for _, it := range items {
		found[itemID(it)] = it
	}
	for _, c := range calls {
		if c.err = err; err != nil {
			continue
		}
		for _, k := range c.keys {
			if it, ok := found[k]; ok {
				c.items = append(c.items, it)
			}
		}
	}
}

// batchGetCall reads at most batchGetLimit distinct keys: one
// BatchGetItem, and more for keys it leaves unprocessed.
func (s *Store) batchGetCall(ctx context.Context, keys []map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	pending := map[string]types.KeysAndAttributes{
		*s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 8 {
				return nil, errors.New("batch get: keys still unprocessed after 8 retries")
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
			}
		}
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, err
		}
		items = append(items, out.Responses[*s.table]...)
		pending = out.UnprocessedKeys
	}
	return items, nil
}

// batchPut writes items unconditionally with BatchWriteItem (25 a call,
// unprocessed items retried with backoff): the look-up items a record
// needs, which are plain puts, in one request instead of one each. Up to
// 25 items share a call with other callers' writes of other items made
// at the same moment (see coalescer).
func (s *Store) batchPut(ctx context.Context, items []map[string]types.AttributeValue) error {
	if len(items) == 0 {
		return nil
	}
	if len(items) <= batchPutLimit {
		c := &batchCall{avs: items}
		for _, it := range items {
			c.keys = append(c.keys, itemID(it))
		}
		s.puts.do(ctx, c)
		return c.err
	}
	for chunk := range slices.Chunk(items, batchPutLimit) {
		if err := s.batchPutCall(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

// sendPuts is the puts coalescer's call: one BatchWriteItem of every
// caller's items.
func (s *Store) sendPuts(ctx context.Context, calls []*batchCall, items []map[string]types.AttributeValue) {
	err := s.batchPutCall(ctx, items)
	for _, c := range calls {
		c.err = err
	}
}

// batchPutCall writes at most batchPutLimit items of distinct keys: one
// BatchWriteItem, and more for items it leaves unprocessed.
func (s *Store) batchPutCall(ctx context.Context, items []map[string]types.AttributeValue) error {
	reqs := make([]types.WriteRequest, 0, len(items))
	for _, it := range items {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
	}
	pending := map[string][]types.WriteRequest{*s.table: reqs}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 8 {
				return errors.New("batch write: items still unprocessed after 8 retries")
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(10<<attempt) * time.Millisecond):
			}
		}
		out, err := s.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return err
		}
		pending = out.UnprocessedItems
	}
	return nil
}

// parallel runs fns at once (at most 8 at a time) and returns the first
// error in the order of fns.
func parallel(ctx context.Context, fns []func(context.Context) error) error {
	if len(fns) == 1 {
		return fns[0](ctx)
	}
	errs := make([]error, len(fns))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, fn := range fns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(ctx)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// newToken returns a random token that tells one write from another.
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// ---- pages and cursors ----

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return casework.DefaultPageLimit
	case n > casework.MaxPageLimit:
		return casework.MaxPageLimit
	}
	return n
}

// cursorSpec says which key attributes make a list's cursor and checks a
// decoded cursor belongs to the list being read.
type cursorSpec struct {
	attrs []string
	valid func(key map[string]string) bool
}

func (c cursorSpec) encode(item map[string]types.AttributeValue) (string, error) {
	key := make(map[string]string, len(c.attrs))
	for _, a := range c.attrs {
		v, ok := item[a].(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("cursor: item has no string attribute %s", a)
		}
		key[a] = v.Value
	}
	b, err := json.Marshal(key)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (c cursorSpec) decode(cursor string) (map[string]types.AttributeValue, error) {
	if cursor == "" {
		return nil, nil
	}
	bad := invalid("cursor", "The cursor is not valid for this list; start again without it.")
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var key map[string]string
	if err := json.Unmarshal(b, &key); err != nil || len(key) != len(c.attrs) {
		return nil, bad
	}
	for _, a := range c.attrs {
		if key[a] == "" {
			return nil, bad
		}
	}
	if c.valid != nil && !c.valid(key) {
		return nil, bad
	}
	av := make(map[string]types.AttributeValue, len(key))
	for k, v := range key {
		av[k] = str(v)
	}
	return av, nil
}

// pageQuery describes one paginated Query.
type pageQuery struct {
	in     *dynamodb.QueryInput // everything but Limit and ExclusiveStartKey
	cursor cursorSpec
	// chunk is how many items to evaluate in one call when need more are wanted.
	chunk func(need int) int32
	// keep, when set, decides which of a call's items belong on the page
	// (beyond the Query's own filter); it sees each call's items at once so
	// it can batch what it needs to decide.
	keep func(ctx context.Context, items []map[string]types.AttributeValue) ([]bool, error)
}

// queryPage reads one page: it calls Query until limit items are kept or
// the key range is exhausted, and returns the kept items and the cursor of
// the next page ("" when nothing follows). Asking one item more than needed
// lets a page that ends the list carry no cursor.
func (s *Store) queryPage(ctx context.Context, q pageQuery, page casework.PageRequest) ([]map[string]types.AttributeValue, string, error) {
	limit := pageLimit(page.Limit)
	esk, err := q.cursor.decode(page.Cursor)
	if err != nil {
		return nil, "", err
	}
	if q.chunk == nil {
		q.chunk = func(need int) int32 { return int32(need + 1) }
	}
	in := *q.in
	var kept []map[string]types.AttributeValue
	for {
		in.Limit = aws.Int32(q.chunk(limit - len(kept)))
		in.ExclusiveStartKey = esk
		out, err := s.client.Query(ctx, &in)
		if err != nil {
			return nil, "", err
		}
		var ok []bool
		if q.keep != nil && len(out.Items) > 0 {
			if ok, err = q.keep(ctx, out.Items); err != nil {
				return nil, "", err
			}
		}
		for i, item := range out.Items {
			if ok != nil && !ok[i] {
				continue
			}
			if len(kept) == limit { // one more than the page: more follow
				next, err := q.cursor.encode(kept[len(kept)-1])
				return kept, next, err
			}
			kept = append(kept, item)
		}
		if out.LastEvaluatedKey == nil {
			return kept, "", nil
		}
		esk = out.LastEvaluatedKey
		if len(kept) == limit { // full, and the index may hold more
			next, err := q.cursor.encode(esk)
			return kept, next, err
		}
	}
}
