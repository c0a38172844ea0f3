package inbound

// The worker's own tests, end to end on dynalite: SQS batches in, batch
// item failures out, events applied to the DynamoDB store. The inbound
// rules themselves are tested in package casework, on the in-memory store.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/dynamo"
	"github.com/acme/twitter-cases/shared/table"
)

var local = &localawstest.Servers{DynamoDB: true}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

const (
	brandX    = "1000000000000000001"
	brandName = "AcmeSupport"
	aliceX    = "2000000000000000001"
)

var tableCount atomic.Int64

type env struct {
	t      *testing.T
	store  *dynamo.Store
	worker *Worker
	msgIDs atomic.Int64
}

// newTable makes a fresh table named prefix-<n> on the local DynamoDB
// through client, holding the connected brand handle the tests' payloads
// are for, and returns its store.
func newTable(t *testing.T, client *dynamodb.Client, prefix string) *dynamo.Store {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("%s-%d", prefix, tableCount.Add(1))
	if err := localaws.EnsureTable(ctx, client, name, table.Definition); err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(client, name)
	brand := &casework.BrandHandle{ID: casework.NewID(time.Now()), ScreenName: brandName, XUserID: brandX,
		CredentialsSecret: sample.Brands[0].Secret, Status: casework.HandleConnected}
	if err := store.PutHandle(ctx, brand); err != nil {
		t.Fatal(err)
	}
	return store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store := newTable(t, localaws.DynamoDBClient(local.DynamoDBEndpoint), "inbound")
	quiet := slog.New(slog.DiscardHandler)
	return &env{t: t, store: store, worker: New(casework.NewInbound(store, nil, quiet), quiet)}
}

// deliverAt sends bodies (JSON values, or strings sent as they are) through
// the worker as one SQS batch received at the given time, and returns how
// many messages failed.
func (e *env) deliverAt(at time.Time, bodies ...any) int {
	e.t.Helper()
	var batch events.SQSEvent
	for _, p := range bodies {
		body, ok := p.(string)
		if !ok {
			b, err := json.Marshal(p)
			if err != nil {
				e.t.Fatal(err)
			}
			body = string(b)
		}
		batch.Records = append(batch.Records, events.SQSMessage{MessageId: fmt.Sprint(e.msgIDs.Add(1)), Body: body,
			Attributes: map[string]string{"SentTimestamp": fmt.Sprint(at.UnixMilli())}})
	}
	resp, err := e.worker.Handle(context.Background(), batch)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(resp.BatchItemFailures)
}

var at = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// xaa is an X Activity delivery for the brand handle.
func xaa(uuid, eventType string, payload any) map[string]any {
	return map[string]any{"data": map[string]any{"event_uuid": uuid, "event_type": eventType,
		"filter": map[string]any{"user_id": brandX}, "tag": "twitter-cases-test", "payload": payload}}
}

// TestMalformedBodiesFail: a body that is not an X payload fails, to be
// retried and then dead-lettered; the rest of its batch is not held back.
func TestMalformedBodiesFail(t *testing.T) {
	e := newEnv(t)
	if n := e.deliverAt(at, "not json", "[]", xaa("5", "dm.read", map[string]any{})); n != 2 {
		t.Errorf("%d of two malformed bodies and one unused event failed, want 2", n)
	}
}

// TestXAAUnusedEventTypeIsDone: a delivery the product does not use is
// acknowledged, never retried, never dead-lettered.
func TestXAAUnusedEventTypeIsDone(t *testing.T) {
	e := newEnv(t)
	for _, typ := range []string{"dm.read", "dm.indicate_typing", "profile.update.bio", "chat.conversation_join", "news.new"} {
		if n := e.deliverAt(at, xaa("5", typ, map[string]any{"anything": true})); n != 0 {
			t.Errorf("%s: failed, would be retried", typ)
		}
	}
	// A used type that does not parse fails, to be retried and kept.
	if n := e.deliverAt(at, xaa("6", "post.mention.create", map[string]any{"id": "1"})); n != 1 {
		t.Error("a malformed Post was not kept")
	}
}

// TestOneBadAAAEventDoesNotSinkItsSibling: issue 10 item 10. The good
// event of a message is applied once and stored; the message keeps failing
// for its bad one.
func TestOneBadAAAEventDoesNotSinkItsSibling(t *testing.T) {
	e := newEnv(t)
	good := map[string]any{"id_str": "701", "text": "@AcmeSupport hello", "timestamp_ms": fmt.Sprint(at.UnixMilli()),
		"user":     map[string]any{"id_str": aliceX, "screen_name": "alice_follows", "name": "Alice"},
		"entities": map[string]any{"user_mentions": []any{map[string]any{"id_str": brandX, "screen_name": brandName}}}}
	payload := map[string]any{"for_user_id": brandX, "tweet_create_events": []any{
		map[string]any{"text": "@AcmeSupport no id", "created_at": "Wed Nov 25 10:00:00 +0000 2026"}, good}}
	for attempt := range 3 {
		if n := e.deliverAt(at, payload); n != 1 {
			t.Fatalf("attempt %d: %d failed; the message must fail for its bad event", attempt, n)
		}
	}
	ctx := context.Background()
	c, err := e.store.CustomerByXUserID(ctx, aliceX)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := e.store.CasesOfCustomer(ctx, c.ID, "", casework.PageRequest{})
	if err != nil || len(cases.Items) != 1 {
		t.Fatalf("cases %+v (%v), want one", cases.Items, err)
	}
	msgs, err := e.store.MessagesOfCase(ctx, cases.Items[0].ID, casework.PageRequest{})
	if err != nil || len(msgs.Items) != 1 || msgs.Items[0].XID != "701" {
		t.Errorf("messages %+v (%v), want the valid Tweet once", msgs.Items, err)
	}
}

// TestKeptDeliveryIsApplied: a pointer to a delivery the webhook kept in
// the table (shared/claimcheck) is applied as the delivery itself; a
// pointer whose body is not kept fails, to be retried and then
// dead-lettered, never dropped (issue 21 item 9).
func TestKeptDeliveryIsApplied(t *testing.T) {
	e := newEnv(t)
	e.worker.WithKept(e.store)
	delivery, err := json.Marshal(xaa("-311", "post.mention.create", map[string]any{
		"id": "1999000000000000311", "author_id": "2999000000000000311", "created_at": "2026-11-25T09:00:00.000Z",
		"text":     "@" + brandName + " " + strings.Repeat("the whole story, ", 20_000),
		"entities": map[string]any{"mentions": []any{map[string]any{"start": 0, "end": 1 + len(brandName), "username": brandName, "id": brandX}}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	var withUsers map[string]any
	_ = json.Unmarshal(delivery, &withUsers)
	withUsers["data"].(map[string]any)["includes"] = map[string]any{"users": []any{
		map[string]any{"id": "2999000000000000311", "username": "long_poster", "name": "Long Poster"}}}
	delivery, _ = json.Marshal(withUsers)
	ptr, err := claimcheck.Keep(context.Background(), e.store, delivery, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n := e.deliverAt(at, string(ptr)); n != 0 {
		t.Fatalf("the pointer to a kept %d-byte delivery failed", len(delivery))
	}
	c, err := e.store.CustomerByXUserID(context.Background(), "2999000000000000311")
	if err != nil || c == nil {
		t.Fatalf("the kept delivery's author is no customer: %v", err)
	}
	missing := `{"` + claimcheck.PointerMember + `":{"id":"00ff","bytes":10,"parts":1}}`
	if n := e.deliverAt(at, missing); n != 1 {
		t.Error("a pointer to a body that is not kept did not fail")
	}
}
