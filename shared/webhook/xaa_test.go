package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/activity"
	"github.com/acme/twitter-cases/shared/casework"
	"github.com/acme/twitter-cases/shared/dev/sample"
	"github.com/acme/twitter-cases/shared/sqsqueue"
)

// TestPostXAA: every X Activity sample of a used event type is queued
// byte for byte, grouped by its filter's user; the others are acknowledged
// with 200, counted in the log and never queued, so they can reach no
// dead-letter queue.
func TestPostXAA(t *testing.T) {
	files, err := filepath.Glob("../../events/x/xaa/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			q := &fakeSender{}
			s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{})
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var env struct {
				Data struct {
					EventType string `json:"event_type"`
					Filter    struct {
						UserID string `json:"user_id"`
					} `json:"filter"`
				} `json:"data"`
			}
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatal(err)
			}
			resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body))
			if resp.StatusCode != 200 || len(b) != 0 {
				t.Fatalf("POST = %d %s", resp.StatusCode, b)
			}
			sent := q.sent()
			if !activity.XAAUsed(env.Data.EventType) {
				if len(sent) != 0 {
					t.Errorf("%s queued %d messages; an unused type is only acknowledged", env.Data.EventType, len(sent))
				}
				if logs := s.logs.String(); !strings.Contains(logs, `"event_type":"`+env.Data.EventType+`"`) || !strings.Contains(logs, `"ignored":1`) ||
					!strings.Contains(logs, `"rule":"`+casework.SkipTypeNotUsed+`"`) || !strings.Contains(logs, `"`+casework.MetricInboundSkipped+`":1`) || !strings.Contains(logs, `"_aws":`) {
					t.Errorf("the ignored delivery is not counted in the log:\n%s", logs)
				}
				return
			}
			group := env.Data.Filter.UserID
			if group == "" {
				group = "webhook"
			}
			if len(sent) != 1 || sent[0].body != string(body) || sent[0].group != group {
				t.Errorf("queued %+v; want the delivery byte for byte in group %s", sent, group)
			}
		})
	}
}

// TestPostXAAThroughSQS: a delivery reaches the queue; an unused type
// leaves the queue (and so its dead-letter queue) empty.
func TestPostXAAThroughSQS(t *testing.T) {
	url := inboundQueue(t)
	s := newServer(t, StaticSecret(sample.ConsumerSecret), sqsqueue.New(sqsClient, url), Options{})
	for _, name := range []string{"xaa/profile-update-bio.json", "xaa/dm-indicate-typing.json", "xaa/post-mention-create.json"} {
		body := sampleBody(t, name)
		if resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body)); resp.StatusCode != 200 {
			t.Fatalf("%s: POST = %d %s", name, resp.StatusCode, b)
		}
	}
	got := received(t, url)
	if len(got) != 1 || got[0] != string(sampleBody(t, "xaa/post-mention-create.json")) {
		t.Errorf("queued %d messages, want only the mention", len(got))
	}
}

func TestPostRefusesSignedNonEnvelopes(t *testing.T) {
	q := &fakeSender{}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{})
	for _, body := range []string{`{"data":[]}`, `{"data":"x"}`, `{"data":{}}`, `{"data":{"event_type":"post.create"}}`,
		`{"data":{"payload":{}}}`, `{"data":{"event_type":"post.create","payload":"x"}}`, `{"data":{"event_type":1,"payload":{}}}`} {
		resp, b := s.post(t, []byte(body), Sign(sample.ConsumerSecret, []byte(body)))
		if resp.StatusCode != 400 || problemCode(t, resp, b) != "invalid_json" {
			t.Errorf("POST %s = %d %s, want 400 invalid_json", body, resp.StatusCode, b)
		}
	}
	if n := len(q.sent()); n != 0 {
		t.Errorf("%d queued", n)
	}
}

func TestPostXAATooLarge(t *testing.T) {
	q := &fakeSender{}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{MaxMessageBytes: 500})
	body := sampleBody(t, "xaa/post-quote-create.json")
	resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body))
	if resp.StatusCode != 413 || problemCode(t, resp, b) != "payload_too_large" || len(q.sent()) != 0 {
		t.Errorf("POST = %d %s, %d queued; want 413 and nothing", resp.StatusCode, b, len(q.sent()))
	}
}

// TestPostSplitsEveryEvent: an AAA payload of several events is queued as
// one message per event, so a malformed one fails alone.
func TestPostSplitsEveryEvent(t *testing.T) {
	q := &fakeSender{}
	s := newServer(t, StaticSecret(sample.ConsumerSecret), q, Options{})
	body := sampleBody(t, "dm-batch.json")
	if resp, b := s.post(t, body, Sign(sample.ConsumerSecret, body)); resp.StatusCode != 200 {
		t.Fatalf("POST = %d %s", resp.StatusCode, b)
	}
	sent := q.sent()
	if len(sent) != 2 {
		t.Fatalf("queued %d messages, want one per DM", len(sent))
	}
	for _, m := range sent {
		evs, err := activity.Parse([]byte(m.body))
		if err != nil || len(evs) != 1 {
			t.Errorf("message %.120s: %d events, %v", m.body, len(evs), err)
		}
	}
}
