package consoleapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/consoleapi"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/phone"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/sqsqueue"
	"github.com/acme/twitter-cases/shared/table"
)

// The local DynamoDB and SQS that TestMain starts for every test.
var (
	ddbClient *dynamodb.Client
	sqsClient *sqs.Client
)

var local = &localawstest.Servers{DynamoDB: true, SQS: true, Setup: func(s *localawstest.Servers) {
	ddbClient, sqsClient = localaws.DynamoDBClient(s.DynamoDBEndpoint), localaws.SQSClient(s.SQSEndpoint)
}}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

const devToken = "test-dev-token"

// The seeded brand handles and customers of every env.
const (
	support1 = "01JDTESTHANDLE000000000001" // @AcmeSupport
	deals2   = "01JDTESTHANDLE000000000002" // @AcmeDeals
	alice    = "01JDTESTCUSTOMER0000000001" // @alice_follows, follows @AcmeSupport
	bob      = "01JDTESTCUSTOMER0000000002" // @bob_stranger, follows nobody
	carol    = "01JDTESTCUSTOMER0000000003" // no Twitter handle
)

// env is one test's own table, queues, service and HTTP server.
type env struct {
	t        *testing.T
	ctx      context.Context
	store    *dynamo.Store
	queueURL string
	outbox   *switchOutbox
	xusers   *fakeX
	srv      *httptest.Server
}

type envConfig struct {
	tweetMax int
	noXUsers bool
	origins  []string
	handles  int // how many brand handles to seed (1 or 2)
	creds    casework.Credentials
	ddb      *dynamodb.Client                    // the service's DynamoDB client; nil is the shared one
	wrap     func(casework.Store) casework.Store // wraps the service's store, as the functions' wiring does
	access   casework.XAccess                    // the deployment's X access; enterprise unless a test says
	reach    casework.XReach                     // X's answer on DMs; nil: none
	clock    func() time.Time                    // the service's clock; nil: now
}

var seq atomic.Int64

var notName = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// newEnv gives the test its own table and queues, seeds them, and serves
// every console API route on an httptest.Server.
func newEnv(t *testing.T, opts ...func(*envConfig)) *env {
	t.Helper()
	cfg := envConfig{tweetMax: 140, handles: 2, origins: []string{"https://console.example.com"}, access: casework.AccessEnterprise}
	for _, o := range opts {
		o(&cfg)
	}
	ctx := context.Background()
	n := seq.Add(1)
	name := fmt.Sprintf("c%d-%s", n, notName.ReplaceAllString(t.Name(), "-"))
	if len(name) > 200 {
		name = name[:200]
	}
	if err := localaws.EnsureTable(ctx, ddbClient, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(ddbClient).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second,
		func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
		}); err != nil {
		t.Fatal(err)
	}
	urls, err := localaws.EnsureQueues(ctx, sqsClient, fmt.Sprintf("capi%d-", n), queues.Definitions)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{
		t: t, ctx: ctx,
		store:    dynamo.New(ddbClient, name),
		queueURL: urls[queues.Outbound.Name],
		xusers: &fakeX{users: map[string]casework.XUser{
			"alice_follows": {ID: "2000000000000000001", Username: "alice_follows"},
			"bob_stranger":  {ID: "2000000000000000002", Username: "bob_stranger"},
			"carol_online":  {ID: "2000000000000000003", Username: "Carol_Online"},
			"dave":          {ID: "2000000000000000004", Username: "dave"},
		}},
	}
	e.outbox = &switchOutbox{inner: sqsqueue.New(sqsClient, e.queueURL)}
	phones, err := phone.New(phone.DefaultRegion)
	must(t, err)
	e.seed(cfg.handles, phones)
	if cfg.ddb != nil {
		e.store = dynamo.New(cfg.ddb, name)
	}
	var svcStore casework.Store = e.store
	if cfg.wrap != nil {
		svcStore = cfg.wrap(e.store)
	}
	deps := casework.Deps{Store: svcStore, Outbox: e.outbox, XUsers: e.xusers, Credentials: cfg.creds, Phones: phones, Clock: newClock().Now, TweetMaxLength: cfg.tweetMax, XAccess: cfg.access, Reach: cfg.reach}
	if cfg.noXUsers {
		deps.XUsers = nil
	}
	if cfg.clock != nil {
		deps.Clock = cfg.clock
	}
	svc := casework.NewService(deps)
	h, err := consoleapi.Routes(svc, e.store, consoleapi.Options{DevToken: devToken, AllowedOrigins: cfg.origins}, consoleapi.Patterns())
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

func withTweetMax(n int) func(*envConfig)            { return func(c *envConfig) { c.tweetMax = n } }
func withoutXUsers() func(*envConfig)                { return func(c *envConfig) { c.noXUsers = true } }
func withHandles(n int) func(*envConfig)             { return func(c *envConfig) { c.handles = n } }
func withOrigins(o ...string) func(*envConfig)       { return func(c *envConfig) { c.origins = o } }
func withAccess(a casework.XAccess) func(*envConfig) { return func(c *envConfig) { c.access = a } }

// seed writes the brand handles and customers the tests rely on.
// seed writes the brand handles and the three customers, their phones
// indexed by phones as the console indexes them.
func (e *env) seed(handles int, phones casework.Phones) {
	e.t.Helper()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hs := []casework.BrandHandle{
		{ID: support1, ScreenName: "AcmeSupport", XUserID: "1000000000000000001", CredentialsSecret: "test/x/AcmeSupport", Status: casework.HandleConnected},
		{ID: deals2, ScreenName: "AcmeDeals", XUserID: "1000000000000000002", CredentialsSecret: "test/x/AcmeDeals", Status: casework.HandleConnected},
	}
	for _, h := range hs[:handles] {
		h.CreatedAt, h.UpdatedAt = at, at
		must(e.t, e.store.PutHandle(e.ctx, &h))
	}
	cs := []casework.Customer{
		{ID: alice, Name: "Alice Follower", Emails: []string{"alice@example.com"}, Phones: []string{"+1 555 010 0001"},
			Twitter: &casework.TwitterAccount{Handle: "alice_follows", XUserID: "2000000000000000001"}},
		{ID: bob, Name: "Bob Stranger", Emails: []string{"bob@example.com"}, Phones: []string{"+1 555 010 0002"},
			Twitter: &casework.TwitterAccount{Handle: "bob_stranger", XUserID: "2000000000000000002"}},
		{ID: carol, Name: "Carol Offline", Emails: []string{"carol@example.com"}, Phones: []string{"+1 555 010 0003"}},
	}
	for _, c := range cs {
		c.CreatedAt, c.UpdatedAt = at, at
		c.Normalize()
		casework.IndexPhones(&c, phones)
		must(e.t, e.store.PutCustomer(e.ctx, &c))
	}
	_, err := e.store.SetCustomerFollowsBrand(e.ctx, alice, support1, true, at)
	must(e.t, err)
}

// inboundCase writes a case that a customer's Tweet started, as the inbound
// worker would, and returns the case id and the Tweet's message id.
func (e *env) inboundCase(customerID, handleID, screenName, xid string) (string, string) {
	e.t.Helper()
	now := time.Now().UTC()
	c := &casework.Case{ID: casework.NewID(now), CustomerID: customerID, HandleID: handleID, Channel: casework.ChannelTweet,
		Status: casework.CaseNew, CreatedAt: now, UpdatedAt: now, LastActivityAt: now}
	must(e.t, e.store.PutCase(e.ctx, c))
	m := e.addMessage(c.ID, casework.Message{Direction: casework.DirectionIn, Kind: casework.KindTweet, Status: casework.StatusReceived,
		XID: xid, Text: "@AcmeSupport help", Author: casework.Author{CustomerID: customerID, ScreenName: screenName}})
	return c.ID, m
}

// addMessage writes a message into a case and returns its id.
func (e *env) addMessage(caseID string, m casework.Message) string {
	e.t.Helper()
	time.Sleep(2 * time.Millisecond) // ids and times in order
	now := time.Now().UTC()
	m.ID, m.CaseID, m.CreatedAt = casework.NewID(now), caseID, now
	must(e.t, e.store.PutMessage(e.ctx, &m))
	return m.ID
}

// ---- HTTP ----

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with the dev token (unless a header overrides
// Authorization) and a JSON body (a string is sent as it is), and checks
// the answer against the OpenAPI document.
func (e *env) do(method, path string, body any, header ...string) response {
	e.t.Helper()
	return e.send(openapitest.Client(e.t), method, path, body, header...)
}

// doUnchecked is do for requests the OpenAPI document has no operation for
// (unknown routes, preflights).
func (e *env) doUnchecked(method, path string, body any, header ...string) response {
	e.t.Helper()
	return e.send(http.DefaultClient, method, path, body, header...)
}

func (e *env) send(client *http.Client, method, path string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		must(e.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	must(e.t, err)
	req.Header.Set("Authorization", "Bearer "+devToken)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := client.Do(req)
	must(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(e.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// want fails the test unless the answer has the status, and decodes its body into v.
func (r response) want(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// problem is a problem document as the API sends it.
type problem struct {
	Type           string                `json:"type"`
	Title          string                `json:"title"`
	Status         int                   `json:"status"`
	Detail         string                `json:"detail"`
	Code           string                `json:"code"`
	Fields         []casework.FieldError `json:"fields"`
	WeightedLength *int                  `json:"weighted_length"`
	MaxLength      *int                  `json:"max_length"`
}

// wantProblem fails the test unless the answer is a problem document with the status and code.
func (r response) wantProblem(t *testing.T, status int, code string) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (status %d, body %s)", ct, r.status, r.body)
	}
	var p problem
	r.want(t, status, &p)
	if p.Code != code || p.Status != status || p.Type == "" || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem = %s, want status %d code %s", r.body, status, code)
	}
	return p
}

// The API's JSON, as a console sees it.
type apiMessage struct {
	ID                 string   `json:"id"`
	CaseID             string   `json:"case_id"`
	Direction          string   `json:"direction"`
	Kind               string   `json:"kind"`
	Text               string   `json:"text"`
	Status             string   `json:"status"`
	XID                *string  `json:"x_id"`
	InReplyToMessageID *string  `json:"in_reply_to_message_id"`
	RetweetedBy        []string `json:"retweeted_by"`
	Author             struct {
		HandleID   string `json:"handle_id"`
		CustomerID string `json:"customer_id"`
		ScreenName string `json:"screen_name"`
	} `json:"author"`
	Error *struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"error"`
	CreatedAt string `json:"created_at"`
	SentAt    string `json:"sent_at"`
}

type apiCase struct {
	ID             string `json:"id"`
	CustomerID     string `json:"customer_id"`
	HandleID       string `json:"handle_id"`
	Channel        string `json:"channel"`
	Status         string `json:"status"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	LastActivityAt string `json:"last_activity_at"`
}

type apiFollow struct {
	HandleID             string  `json:"handle_id"`
	ScreenName           string  `json:"screen_name"`
	BrandFollowsCustomer bool    `json:"brand_follows_customer"`
	CustomerFollowsBrand bool    `json:"customer_follows_brand"`
	Pending              *string `json:"pending"`
}

type apiCustomer struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Emails  []string `json:"emails"`
	Phones  []string `json:"phones"`
	Twitter *struct {
		Handle  string `json:"handle"`
		XUserID string `json:"x_user_id"`
	} `json:"twitter"`
	Follows []apiFollow `json:"follows"`
}

type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// createCase creates a case with the customer through the API and returns it.
func (e *env) createCase(customerID, handleID, text string) (apiCase, apiMessage) {
	e.t.Helper()
	var out struct {
		Case    apiCase    `json:"case"`
		Message apiMessage `json:"message"`
	}
	e.do("POST", "/v1/cases", map[string]string{"customer_id": customerID, "handle_id": handleID, "text": text}).want(e.t, 201, &out)
	return out.Case, out.Message
}

// ---- the outbound queue ----

// commands receives and deletes every command waiting in the env's
// outbound queue, in queue order.
func (e *env) commands() []casework.Command {
	e.t.Helper()
	var out []casework.Command
	for {
		res, err := sqsClient.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(e.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30,
		})
		must(e.t, err)
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			var cmd casework.Command
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &cmd); err != nil {
				e.t.Fatalf("command body %s: %v", aws.ToString(m.Body), err)
			}
			out = append(out, cmd)
			_, err := sqsClient.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(e.queueURL), ReceiptHandle: m.ReceiptHandle})
			must(e.t, err)
		}
	}
}

// rawCommands receives and deletes every waiting message, as raw JSON objects.
func (e *env) rawCommands() []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for {
		res, err := sqsClient.ReceiveMessage(e.ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(e.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30,
		})
		must(e.t, err)
		if len(res.Messages) == 0 {
			return out
		}
		for _, m := range res.Messages {
			var raw map[string]any
			must(e.t, json.Unmarshal([]byte(aws.ToString(m.Body)), &raw))
			out = append(out, raw)
			_, err := sqsClient.DeleteMessage(e.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(e.queueURL), ReceiptHandle: m.ReceiptHandle})
			must(e.t, err)
		}
	}
}

// wantCommands fails the test unless exactly these kinds were queued since the last look.
func (e *env) wantCommands(kinds ...casework.CommandKind) []casework.Command {
	e.t.Helper()
	got := e.commands()
	// Commands of different cases or customers are in different FIFO
	// groups, whose relative order SQS does not promise: compare the kinds
	// as a multiset.
	var gotKinds []casework.CommandKind
	for _, c := range got {
		gotKinds = append(gotKinds, c.Kind)
	}
	slices.Sort(gotKinds)
	kinds = slices.Clone(kinds)
	slices.Sort(kinds)
	if fmt.Sprint(gotKinds) != fmt.Sprint(kinds) {
		e.t.Fatalf("queued commands %v, want %v", gotKinds, kinds)
	}
	return got
}

// switchOutbox is the SQS outbox, or a failing one while fail is set.
type switchOutbox struct {
	inner casework.Outbox
	fail  atomic.Bool
	// When block is set, Enqueue signals entered and waits for block to close.
	block, entered chan struct{}
}

func (o *switchOutbox) Enqueue(ctx context.Context, cmd casework.Command) error {
	if o.block != nil {
		select {
		case o.entered <- struct{}{}:
		default:
		}
		<-o.block
	}
	if o.fail.Load() {
		return errors.New("sqs: send: connection refused")
	}
	return o.inner.Enqueue(ctx, cmd)
}

// fakeX knows a few X accounts by username (case-insensitively).
type fakeX struct {
	mu    sync.Mutex
	users map[string]casework.XUser
	calls []string
}

func (x *fakeX) LookupUser(_ context.Context, username string) (casework.XUser, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.calls = append(x.calls, username)
	if u, ok := x.users[strings.ToLower(username)]; ok {
		return u, nil
	}
	return casework.XUser{}, casework.Errorf(casework.ETwitterUserNotFound, "X has no user @%s.", username)
}

// clock is a test clock near the real time that moves a millisecond at
// every reading, so ids and activity times follow the order of requests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().UTC()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
