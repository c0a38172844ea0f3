package webhook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/acme/twitter-cases/shared/claimcheck"
	"github.com/acme/twitter-cases/shared/dev/localaws"
	"github.com/acme/twitter-cases/shared/dev/localaws/localawstest"
	"github.com/acme/twitter-cases/shared/dev/openapi/openapitest"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/queues"
	"github.com/acme/twitter-cases/shared/sqsqueue"
)

var sqsClient *sqs.Client

var local = &localawstest.Servers{SQS: true, Setup: func(s *localawstest.Servers) {
	sqsClient = localaws.SQSClient(s.SQSEndpoint)
}}

func TestMain(m *testing.M) { localawstest.Main(m, local) }

var queueSeq atomic.Int64

// inboundQueue creates a fresh inbound queue and returns its URL.
func inboundQueue(t *testing.T) string {
	t.Helper()
	prefix := fmt.Sprintf("webhook%d-", queueSeq.Add(1))
	urls, err := localaws.EnsureQueues(context.Background(), sqsClient, prefix, []queues.Queue{queues.Inbound})
	if err != nil {
		t.Fatal(err)
	}
	return urls[queues.Inbound.Name]
}

// received drains the queue and returns the bodies of its messages.
func received(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	var bodies []string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 2, WaitTimeSeconds: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			if _, err := sqsClient.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		if len(out.Messages) > 0 {
			continue
		}
		// Empty: done, unless a batch whose answer was lost (the SDK retried
		// a slow receive) is still in flight; it comes back after 2 s.
		attrs, err := sqsClient.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		if attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)] == "0" {
			return bodies
		}
	}
	t.Fatal("the queue did not drain within 20s")
	return nil
}

// server serves the webhook over HTTP with sender q; its client checks
// every answer against the OpenAPI document.
type server struct {
	url    string
	client *http.Client
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newServer(t *testing.T, secret SecretFunc, q Sender, opts Options) *server {
	t.Helper()
	logs := &syncBuffer{}
	opts.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httptest.NewServer(Handler(secret, q, opts))
	t.Cleanup(srv.Close)
	return &server{url: srv.URL + Path, client: openapitest.Client(t), logs: logs}
}

func (s *server) post(t *testing.T, body []byte, signature string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", s.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if signature != "" {
		req.Header.Set(SignatureHeader, signature)
	}
	return do(t, s.client, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func problemCode(t *testing.T, resp *http.Response, body []byte) string {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want a problem document", ct)
	}
	var p struct{ Code string }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem %q: %v", body, err)
	}
	return p.Code
}

func sampleBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../events/x/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCRC(t *testing.T) {
	s := newServer(t, StaticSecret(sample.ConsumerSecret), nil, Options{})
	for _, v := range crcVectors {
		resp, body := do(t, s.client, mustRequest(t, "GET", s.url+"?crc_token="+v.token))
		var got struct {
			ResponseToken string `json:"response_token"`
		}
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET = %d %s (%v)", resp.StatusCode, body, err)
		}
		if got.ResponseToken != v.want || got.ResponseToken != independent(v.secret, []byte(v.token)) {
			t.Errorf("response_token = %q, want %q", got.ResponseToken, v.want)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Error("a CRC answer must not be cached")
		}
	}
	for _, q := range []string{"", "?crc_token=", "?other=1", "?crc_token=" + url.QueryEscape(`{"for_user_id":"1"}`),
		"?crc_token=" + strings.Repeat("a", MaxCRCTokenLength+1), "?crc_token=a%20b", "?crc_token=a%0A"} {
		resp, body := do(t, s.client, mustRequest(t, "GET", s.url+q))
		if resp.StatusCode != 400 || problemCode(t, resp, body) != "invalid_crc_token" {
			t.Errorf("GET %.60q = %d %s, want 400 invalid_crc_token", q, resp.StatusCode, body)
		}
	}
}

// TestCRCIsNotASigningOracle replays the forgery of issue 9: ask the CRC
// to "answer" an event body, then deliver that body with the answer as its
// signature. The CRC refuses the body, and so the forged delivery has no
// signature to carry and is refused too; nothing is queued.
func TestCRCIsNotASigningOracle(t *testing.T) {
	q := &fakeSender{}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{})
	for _, name := range []string{"dm-received.json", "user-event-revoke.json", "tweet-delete.json", "xaa/dm-received.json", "xaa/oauth-revoke.json"} {
		body := sampleBody(t, name)
		for _, b := range [][]byte{body, bytes.TrimSpace(body), []byte(compact(t, body))} {
			resp, crc := do(t, s.client, mustRequest(t, "GET", s.url+"?crc_token="+url.QueryEscape(string(b))))
			if resp.StatusCode != 400 || problemCode(t, resp, crc) != "invalid_crc_token" {
				t.Fatalf("%s: CRC of the body = %d %s, want 400 invalid_crc_token", name, resp.StatusCode, crc)
			}
			var answer struct {
				ResponseToken string `json:"response_token"`
			}
			_ = json.Unmarshal(crc, &answer) // empty: the problem has none
			if resp, _ := s.post(t, b, answer.ResponseToken); resp.StatusCode != 401 {
				t.Errorf("%s: the forged delivery = %d, want 401", name, resp.StatusCode)
			}
		}
	}
	if n := len(q.sent()); n != 0 {
		t.Errorf("%d forged messages queued", n)
	}
}

// TestValidCRCToken: X's own examples pass; nothing a JSON body needs does.
func TestValidCRCToken(t *testing.T) {
	for token, want := range map[string]bool{
		"challenge_string":                                     true,
		"9b4507b3-9040-4669-9ca3-6b94edb50553":                 true,
		"Y3JjLXRva2VuLWZyb20teA":                               true,
		"OWI0NTA3YjMtOTA0MC00NjY5LTljYTMtNmI5NGVkYjUwNTUz+/==": true,
		strings.Repeat("z", MaxCRCTokenLength):                 true,
		strings.Repeat("z", MaxCRCTokenLength+1):               false,
		"":                                                     false,
		"{}":                                                   false,
		`"a"`:                                                  false,
		"a:b":                                                  false,
		"a b":                                                  false,
		"a\n":                                                  false,
		"é":                                                    false,
		"a\x00":                                                false,
	} {
		if got := ValidCRCToken(token); got != want {
			t.Errorf("ValidCRCToken(%q) = %v, want %v", token, got, want)
		}
	}
}

// FuzzCRCToken: whatever the token, an accepted one cannot be a JSON
// object, so its answer never signs an event body.
func FuzzCRCToken(f *testing.F) {
	f.Add("challenge_string")
	f.Add(`{"a":1}`)
	f.Add(" {}")
	f.Fuzz(func(t *testing.T, token string) {
		if !ValidCRCToken(token) {
			return
		}
		var obj map[string]any
		if json.Unmarshal([]byte(token), &obj) == nil {
			t.Fatalf("accepted token %q is a JSON object", token)
		}
		if strings.ContainsAny(token, "{}\":, \t\r\n") {
			t.Fatalf("accepted token %q holds a JSON structural character", token)
		}
	})
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestNoSecretMeansUnavailable(t *testing.T) {
	body := sampleBody(t, "follow.json")
	for name, secret := range map[string]SecretFunc{
		"error": func(context.Context) (string, error) { return "", errors.New("secrets manager is down") },
		"empty": StaticSecret(""),
	} {
		t.Run(name, func(t *testing.T) {
			q := &fakeSender{}
			s := newServer(t, secret, q, Options{})
			resp, b := do(t, s.client, mustRequest(t, "GET", s.url+"?crc_token=x"))
			if resp.StatusCode != 503 || problemCode(t, resp, b) != "unavailable" {
				t.Errorf("CRC = %d %s, want 503", resp.StatusCode, b)
			}
			// Signed with the empty key: still refused.
			resp, b = s.post(t, body, Sign("", body))
			if resp.StatusCode != 503 || len(q.sent()) != 0 {
				t.Errorf("POST = %d %s, %d queued; want 503 and nothing", resp.StatusCode, b, len(q.sent()))
			}
		})
	}
}

func TestPostQueuesExactlyThePayload(t *testing.T) {
	url := inboundQueue(t)
	s := newServer(t, StaticSecret(sample.ConsumerSecret), sqsqueue.New(sqsClient, url), Options{})
	body := sampleBody(t, "dm-received.json") // indented, as a byte-for-byte check should be
	resp, b := s.post(t, body, independent(sample.ConsumerSecret, body))
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Fatalf("POST = %d %q", resp.StatusCode, b)
	}
	got := received(t, url)
	if len(got) != 1 || got[0] != string(body) {
		t.Fatalf("queued %d messages; want exactly the payload", len(got))
	}
	logs := s.logs.String()
	if strings.Contains(logs, "mug inside") {
		t.Errorf("the log holds message text:\n%s", logs)
	}
	if !strings.Contains(logs, `"events":"direct_message_events=1"`) || !strings.Contains(logs, fmt.Sprintf(`"bytes":%d`, len(body))) {
		t.Errorf("the log lacks the payload's size and events:\n%s", logs)
	}
}

func TestPostRefusesBadSignatures(t *testing.T) {
	url := inboundQueue(t)
	s := newServer(t, StaticSecret(sample.ConsumerSecret), sqsqueue.New(sqsClient, url), Options{})
	body := sampleBody(t, "tweet-mention.json")
	good := independent(sample.ConsumerSecret, body)
	tests := []struct {
		name, signature string
		body            []byte
	}{
		{"wrong secret", independent("not-the-secret", body), body},
		{"tampered body", good, bytes.Replace(body, []byte("A-1042"), []byte("A-1043"), 1)},
		{"missing header", "", body},
		{"sha1 prefix", "sha1=" + strings.TrimPrefix(good, "sha256="), body},
		{"garbage base64", "sha256=%%%not-base64%%%", body},
		{"empty body signed for another", good, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := s.post(t, tt.body, tt.signature)
			if resp.StatusCode != 401 || problemCode(t, resp, b) != "unauthorized" {
				t.Errorf("POST = %d %s, want 401 unauthorized", resp.StatusCode, b)
			}
		})
	}
	if got := received(t, url); len(got) != 0 {
		t.Errorf("%d messages queued from refused deliveries", len(got))
	}
}

func TestPostRefusesSignedMalformedJSON(t *testing.T) {
	url := inboundQueue(t)
	s := newServer(t, StaticSecret(sample.ConsumerSecret), sqsqueue.New(sqsClient, url), Options{})
	for _, body := range []string{`{"for_user_id":`, `[]`, `"payload"`, ``, `{"a":1}{"b":2}`, "{\"a\":\"\xff\"}"} {
		resp, b := s.post(t, []byte(body), independent(sample.ConsumerSecret, []byte(body)))
		if resp.StatusCode != 400 || problemCode(t, resp, b) != "invalid_json" {
			t.Errorf("POST %q = %d %s, want 400 invalid_json", body, resp.StatusCode, b)
		}
	}
	if got := received(t, url); len(got) != 0 {
		t.Errorf("%d messages queued from malformed payloads", len(got))
	}
}

// bigPayload returns a payload of Direct Messages of exactly size bytes.
func bigPayload(t *testing.T, size int) []byte {
	t.Helper()
	body := dmPayload(40, 25000)
	if len(body) > size {
		t.Fatalf("the payload is already %d bytes", len(body))
	}
	return append(body, bytes.Repeat([]byte(" "), size-len(body))...)
}

func TestPostSplitsALargePayload(t *testing.T) {
	url := inboundQueue(t)
	s := newServer(t, StaticSecret(sample.ConsumerSecret), sqsqueue.New(sqsClient, url), Options{})
	body := bigPayload(t, DefaultMaxBodyBytes) // exactly the limit: accepted
	resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body))
	if resp.StatusCode != 200 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	got := received(t, url)
	if len(got) != 40 {
		t.Fatalf("queued %d messages, want one per event (40)", len(got))
	}
	seen := map[string]bool{}
	for _, m := range got {
		var p dmPart
		if err := json.Unmarshal([]byte(m), &p); err != nil {
			t.Fatal(err)
		}
		var ev struct {
			ID            string
			MessageCreate struct {
				SenderID string `json:"sender_id"`
			} `json:"message_create"`
		}
		if len(p.Events) != 1 || json.Unmarshal(p.Events[0], &ev) != nil {
			t.Fatalf("message %.200s", m)
		}
		seen[ev.ID] = true
		if p.ForUserID != "1000000000000000001" || p.Users[ev.MessageCreate.SenderID] == nil || p.Users["1000000000000000001"] == nil || len(p.Users) != 2 {
			t.Errorf("message for event %s has for_user_id %q and users %v", ev.ID, p.ForUserID, keys(p.Users))
		}
	}
	if len(seen) != 40 {
		t.Errorf("%d distinct events queued, want 40", len(seen))
	}
	if !strings.Contains(s.logs.String(), `"messages":40`) {
		t.Errorf("the log does not count the messages:\n%s", s.logs)
	}
}

func TestPostTooLarge(t *testing.T) {
	url := inboundQueue(t)
	s := newServer(t, StaticSecret(sample.ConsumerSecret), sqsqueue.New(sqsClient, url), Options{})
	body := bigPayload(t, DefaultMaxBodyBytes+1)
	resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body))
	if resp.StatusCode != 413 || problemCode(t, resp, b) != "payload_too_large" {
		t.Errorf("POST = %d %s, want 413", resp.StatusCode, b)
	}
	// One event larger than a queue message cannot be queued either, when
	// there is nowhere to keep it (Options.Keep).
	one := dmPayload(1, DefaultMaxMessageBytes)
	resp, b = s.post(t, one, Sign(sample.ConsumerSecret, one))
	if resp.StatusCode != 413 || problemCode(t, resp, b) != "payload_too_large" {
		t.Errorf("POST of one huge event = %d %s, want 413", resp.StatusCode, b)
	}
	if got := received(t, url); len(got) != 0 {
		t.Errorf("%d messages queued", len(got))
	}
}

func TestPostWhenTheQueueFails(t *testing.T) {
	body := sampleBody(t, "follow.json")
	missing := strings.Replace(inboundQueue(t), "inbound", "no-such-queue", 1)
	down := sqs.NewFromConfig(localaws.AWSConfig(), func(o *sqs.Options) {
		o.BaseEndpoint = aws.String("http://127.0.0.1:1")
		o.RetryMaxAttempts = 1
	})
	for name, q := range map[string]Sender{
		"queue missing": sqsqueue.New(sqsClient, missing),
		"sqs down":      sqsqueue.New(down, missing),
	} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{})
			resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body))
			if resp.StatusCode != 503 || problemCode(t, resp, b) != "unavailable" {
				t.Errorf("POST = %d %s, want 503 so X delivers again", resp.StatusCode, b)
			}
		})
	}
}

// fakeSender records messages and fails the ones listed in fail (by index).
type fakeSender struct {
	mu   sync.Mutex
	msgs []sentMessage
	fail map[int]bool
}

type sentMessage struct{ body, group, dedup string }

func (f *fakeSender) Send(ctx context.Context, body, group, dedup string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[len(f.msgs)] {
		f.msgs = append(f.msgs, sentMessage{}) // the attempt counts
		return errors.New("throttled")
	}
	f.msgs = append(f.msgs, sentMessage{body, group, dedup})
	return nil
}

func (f *fakeSender) sent() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.msgs...)
}

func TestPostGroupAndDeduplicationIDs(t *testing.T) {
	q := &fakeSender{}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{})
	body := sampleBody(t, "follow.json")
	if resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body)); resp.StatusCode != 200 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	sum := sha256.Sum256(body)
	if got := q.sent(); len(got) != 1 || got[0].group != "1000000000000000001" || got[0].dedup != hex.EncodeToString(sum[:]) {
		t.Errorf("sent %+v", got)
	}
	revoke := sampleBody(t, "user-event-revoke.json") // no for_user_id
	if resp, _ := s.post(t, revoke, Sign(sample.ConsumerSecret, revoke)); resp.StatusCode != 200 || q.sent()[1].group != "webhook" {
		t.Errorf("revoke: %d, %+v", resp.StatusCode, q.sent())
	}
}

// standardSender is a fakeSender that says it uses no deduplication ids,
// as a standard queue does.
type standardSender struct{ fakeSender }

func (*standardSender) Deduplicates() bool { return false }

func TestPostHashesOnlyForADeduplicatingQueue(t *testing.T) {
	q := &standardSender{}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{})
	body := sampleBody(t, "xaa/post-mention-create.json")
	if resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body)); resp.StatusCode != 200 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	if got := q.sent(); len(got) != 1 || got[0].body != string(body) || got[0].group != "1000000000000000001" || got[0].dedup != "" {
		t.Errorf("sent %+v, want the body, its group and no deduplication id", got)
	}
}

func TestPostFailsWhenAnyPartFails(t *testing.T) {
	q := &fakeSender{fail: map[int]bool{1: true}}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{MaxMessageBytes: 4000})
	body := dmPayload(3, 3000)
	resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body))
	if resp.StatusCode != 503 {
		t.Errorf("POST = %d %s, want 503", resp.StatusCode, b)
	}
	if n := len(q.sent()); n != 2 {
		t.Errorf("%d sends, want 2 (the third is not tried after a failure)", n)
	}
}

func TestOtherMethods(t *testing.T) {
	s := newServer(t, StaticSecret(sample.ConsumerSecret), &fakeSender{}, Options{})
	resp, _ := do(t, http.DefaultClient, mustRequest(t, "PUT", s.url))
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT = %d, want 405", resp.StatusCode)
	}
}

// keptBodies is a claimcheck.Store in memory (the table's adapter is
// tested on the local DynamoDB in shared/dynamo); fail makes it refuse.
type keptBodies struct {
	mu    sync.Mutex
	parts map[string][][]byte
	fail  bool
}

func (k *keptBodies) PutDeliveryParts(_ context.Context, id string, parts [][]byte, _ time.Time) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fail {
		return errors.New("the table is down")
	}
	if k.parts == nil {
		k.parts = map[string][][]byte{}
	}
	k.parts[id] = parts
	return nil
}

func (k *keptBodies) DeliveryParts(_ context.Context, id string, n int) ([][]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if p := k.parts[id]; len(p) == n {
		return p, nil
	}
	return nil, claimcheck.ErrMissing
}

// A signed delivery larger than a queue message (a 311 KB long post with
// its includes) is kept and a pointer to it queued, then answered 200; if
// it cannot be kept the answer is 503 (X delivers it again) and nothing is
// queued (issue 21 item 9: it was 413 payload_too_large, never queued).
func TestPostKeepsADeliveryLargerThanAMessage(t *testing.T) {
	url := inboundQueue(t)
	kept := &keptBodies{}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), sqsqueue.New(sqsClient, url), Options{Keep: kept})
	body := []byte(`{"data":{"event_uuid":"-311","event_type":"post.mention.create","filter":{"user_id":"1"},"tag":"t",` +
		`"payload":{"id":"2","author_id":"3","text":"@AcmeSupport a long story"},"includes":{"users":[` +
		strings.Repeat(`{"id":"3","username":"long_poster","name":"A long description of a reader."},`, 4100) +
		`{"id":"4","username":"x","name":"x"}]}}}`)
	if len(body) < 311_000 {
		t.Fatalf("the delivery is %d bytes", len(body))
	}
	resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body))
	if resp.StatusCode != 200 {
		t.Fatalf("POST of %d bytes = %d %s, want 200", len(body), resp.StatusCode, b)
	}
	got := received(t, url)
	if len(got) != 1 {
		t.Fatalf("%d messages queued, want one pointer", len(got))
	}
	p, ok := claimcheck.Read([]byte(got[0]))
	if !ok {
		t.Fatalf("queued %.200s, want a pointer", got[0])
	}
	back, err := claimcheck.Fetch(context.Background(), kept, p)
	if err != nil || !bytes.Equal(back, body) {
		t.Fatalf("the kept body (%d bytes, %v) is not the delivery (%d bytes)", len(back), err, len(body))
	}
	if !strings.Contains(s.logs.String(), `"kept":1`) {
		t.Errorf("the log does not count the kept message:\n%s", s.logs)
	}

	kept.fail = true
	resp, b = s.post(t, body, Sign(sample.ConsumerSecret, body))
	if resp.StatusCode != 503 {
		t.Errorf("POST when the table fails = %d %s, want 503", resp.StatusCode, b)
	}
	if got := received(t, url); len(got) != 0 {
		t.Errorf("%d messages queued when the body could not be kept", len(got))
	}
}
