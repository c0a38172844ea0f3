package webhook

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

// The samples in events/ are checked here so they cannot rot: the API
// Gateway requests carry a correct signature over their exact body, and
// the SQS batch carries sample payloads in the inbound message format.

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestSampleWebhookPostIsSigned(t *testing.T) {
	var req events.APIGatewayV2HTTPRequest
	readJSON(t, "../../events/apigw/webhook-post.json", &req)
	if req.RequestContext.HTTP.Method != "POST" || req.RawPath != Path || req.IsBase64Encoded {
		t.Fatalf("not a POST of %s: %+v", Path, req.RequestContext.HTTP)
	}
	sig := req.Headers[strings.ToLower(SignatureHeader)]
	if want := independent(sample.ConsumerSecret, []byte(req.Body)); sig != want {
		t.Errorf("the sample's signature is %q; signed with %q over its body it is %q", sig, sample.ConsumerSecret, want)
	}
	if err := Verify(sample.ConsumerSecret, sig, []byte(req.Body)); err != nil {
		t.Error(err)
	}
	if req.Body != compact(t, sampleBody(t, "tweet-mention.json")) {
		t.Error("the sample's body is not events/x/tweet-mention.json, compacted")
	}
	if req.Headers["content-length"] != "" && req.Headers["content-length"] != itoa(len(req.Body)) {
		t.Errorf("content-length %s, body %d bytes", req.Headers["content-length"], len(req.Body))
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestSampleWebhookCRC(t *testing.T) {
	var req events.APIGatewayV2HTTPRequest
	readJSON(t, "../../events/apigw/webhook-crc.json", &req)
	if req.RequestContext.HTTP.Method != "GET" || req.RawPath != Path {
		t.Fatalf("not a GET of %s", Path)
	}
	token := req.QueryStringParameters["crc_token"]
	if req.RawQueryString != "crc_token="+token || token != crcVectors[0].token {
		t.Errorf("crc_token %q (raw query %q), want the documented vector %q", token, req.RawQueryString, crcVectors[0].token)
	}
}

func TestSampleInboundBatch(t *testing.T) {
	var batch events.SQSEvent
	readJSON(t, "../../events/sqs/inbound-batch.json", &batch)
	if len(batch.Records) == 0 {
		t.Fatal("no records")
	}
	samples := map[string]bool{}
	for _, b := range sampleFiles(t) {
		samples[compact(t, b)] = true
	}
	for _, r := range batch.Records {
		sum := md5.Sum([]byte(r.Body))
		if r.Md5OfBody != hex.EncodeToString(sum[:]) {
			t.Errorf("record %s: md5OfBody %s is not the body's", r.MessageId, r.Md5OfBody)
		}
		if r.EventSource != "aws:sqs" || !strings.HasPrefix(r.EventSourceARN, "arn:aws:sqs:") || r.Attributes["SentTimestamp"] == "" {
			t.Errorf("record %s is not an SQS record: %+v", r.MessageId, r)
		}
		if _, err := parsePayload([]byte(r.Body)); err != nil {
			t.Errorf("record %s: %v", r.MessageId, err)
		}
		if !samples[r.Body] {
			t.Errorf("record %s does not carry one of events/x's payloads", r.MessageId)
		}
	}
}

// TestXSamples checks the X payload samples for what the product relies on:
// the sample users' ids and screen names, and a subscription id.
func TestXSamples(t *testing.T) {
	want := map[string]string{}
	for _, b := range sample.Brands {
		want[b.XUserID] = b.ScreenName
	}
	for _, c := range sample.Customers {
		if c.XUser != "" {
			want[c.XUser] = c.Handle
		}
	}
	for name, body := range sampleFiles(t) {
		p, err := parsePayload(body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.eventCounts() == "" {
			t.Errorf("%s has no events", name)
		}
		if f := p.forUserID(); f == "" && !strings.HasPrefix(name, "user-event") || f != "" && want[f] == "" {
			t.Errorf("%s: for_user_id %q is not a sample brand handle", name, f)
		}
		for _, u := range lookup(p, usersKey) {
			var user struct {
				ID         string `json:"id"`
				ScreenName string `json:"screen_name"`
			}
			json.Unmarshal(u.value, &user)
			if user.ID != u.key || want[u.key] != user.ScreenName {
				t.Errorf("%s: users[%s] = %+v, not a sample user", name, u.key, user)
			}
		}
	}
}
