package inbound

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/acme/twitter-cases/shared/casework"
)

// syncBuffer is a log sink the worker's goroutines may write at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the JSON log records written so far.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// newLoggedEnv is newEnv with the worker's and the rules' JSON logs kept.
func newLoggedEnv(t *testing.T) (*env, *syncBuffer) {
	t.Helper()
	e := newEnv(t)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	e.worker = New(casework.NewInbound(e.store, nil, log), log)
	return e, logs
}

// casesOf returns the cases of the customer with the X user id and the
// messages of each.
func (e *env) casesOf(xUserID string) (*casework.Customer, [][]casework.Message) {
	e.t.Helper()
	ctx := context.Background()
	c, err := e.store.CustomerByXUserID(ctx, xUserID)
	if err != nil {
		e.t.Fatalf("customer of X user %s: %v", xUserID, err)
	}
	cases, err := e.store.CasesOfCustomer(ctx, c.ID, "", casework.PageRequest{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out [][]casework.Message
	for _, cs := range cases.Items {
		msgs, err := e.store.MessagesOfCase(ctx, cs.ID, casework.PageRequest{})
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, msgs.Items)
	}
	return c, out
}

// TestLongPostIsReadWhole: issue 21 item 1. A long Post (note_tweet) whose
// mention of the brand, links and hashtags are past its first 280
// characters, so only in note_tweet.entities, makes a case with the whole
// text and the note's links.
func TestLongPostIsReadWhole(t *testing.T) {
	e, logs := newLoggedEnv(t)
	full := strings.Repeat("My refund for order B-2231 is three weeks late and nobody answers. ", 5) +
		"#refunds https://t.co/abc @AcmeSupport"
	short := string([]rune(full)[:279]) + "…"
	post := map[string]any{"id": "1861000000000000104", "author_id": aliceX, "created_at": "2026-11-25T10:00:00.000Z",
		"text": short, "edit_history_tweet_ids": []string{"1861000000000000104"},
		"note_tweet": map[string]any{"text": full, "entities": map[string]any{
			"mentions": []any{map[string]any{"start": len([]rune(full)) - 12, "end": len([]rune(full)), "username": brandName, "id": brandX}},
			"urls":     []any{map[string]any{"url": "https://t.co/abc", "expanded_url": "https://example.com/order/B-2231", "display_url": "example.com/order/B-2231"}},
			"hashtags": []any{map[string]any{"tag": "refunds"}},
		}}}
	d := xaa("-11", "post.mention.create", post)
	d["data"].(map[string]any)["includes"] = map[string]any{"users": []any{
		map[string]any{"id": aliceX, "username": "alice_follows", "name": "Alice"},
		map[string]any{"id": brandX, "username": brandName, "name": "Acme Support"}}}
	if n := e.deliverAt(at, d); n != 0 {
		t.Fatalf("%d failed", n)
	}
	_, cases := e.casesOf(aliceX)
	if len(cases) != 1 || len(cases[0]) != 1 {
		t.Fatalf("cases %+v, want one case with the long Post", cases)
	}
	m := cases[0][0]
	if m.Text != full {
		t.Errorf("text %q, want the note's full text", m.Text)
	}
	if len(m.URLs) != 1 || m.URLs[0].ExpandedURL != "https://example.com/order/B-2231" {
		t.Errorf("urls %+v, want the note's link", m.URLs)
	}
	for _, r := range logs.records(t) {
		if r["msg"] == "event skipped" {
			t.Errorf("skipped: %v", r)
		}
	}
}

// TestSkippedEventsAreLoggedAndCounted: issue 21 item 1. An event the rules
// turn into no message is logged with the rule that skipped it, without
// its text, as a CloudWatch embedded metric; it is still done (not
// retried), and a duplicate delivery is not counted twice.
func TestSkippedEventsAreLoggedAndCounted(t *testing.T) {
	e, logs := newLoggedEnv(t)
	const secret = "my card number is 4111"
	post := func(id, text string, extra map[string]any) map[string]any {
		p := map[string]any{"id": id, "author_id": aliceX, "created_at": "2026-11-25T10:00:00.000Z", "text": text,
			"edit_history_tweet_ids": []string{id}}
		for k, v := range extra {
			p[k] = v
		}
		d := xaa("-2"+id, "post.mention.create", p)
		d["data"].(map[string]any)["includes"] = map[string]any{"users": []any{map[string]any{"id": aliceX, "username": "alice_follows", "name": "Alice"}}}
		return d
	}
	deliveries := []any{
		// Mentions nobody the product knows (an Account Activity payload:
		// an X Activity mention event names the brand by its type).
		map[string]any{"for_user_id": brandX, "tweet_create_events": []any{map[string]any{"id_str": "1861000000000000201",
			"text": "@someone_else " + secret, "created_at": "Wed Nov 25 10:00:00 +0000 2026",
			"user":     map[string]any{"id_str": aliceX, "screen_name": "alice_follows", "name": "Alice"},
			"entities": map[string]any{"user_mentions": []any{map[string]any{"id_str": "42", "screen_name": "someone_else"}}}}}},
		// A Retweet.
		post("1861000000000000202", "RT @AcmeSupport: "+secret, map[string]any{
			"referenced_tweets": []any{map[string]any{"type": "retweeted", "id": "1861000000000000001"}}}),
	}
	if n := e.deliverAt(at, deliveries...); n != 0 {
		t.Fatalf("%d failed; a skipped event is done", n)
	}
	if n := e.deliverAt(at, deliveries...); n != 0 {
		t.Fatalf("%d failed again", n)
	}
	rules := map[string]int{}
	for _, r := range logs.records(t) {
		if r["msg"] == "event applied" {
			t.Errorf("a skipped event was logged applied: %v", r)
		}
		if r["msg"] != "event skipped" {
			continue
		}
		line, _ := json.Marshal(r)
		if strings.Contains(string(line), secret) {
			t.Errorf("the skip log holds the text: %s", line)
		}
		aws, _ := r["_aws"].(map[string]any)
		metrics, _ := aws["CloudWatchMetrics"].([]any)
		if len(metrics) != 1 || r[casework.MetricInboundSkipped] != float64(1) {
			t.Errorf("not an embedded metric: %s", line)
		} else if m := metrics[0].(map[string]any); m["Namespace"] == "" || !strings.Contains(string(line), `"Dimensions":[["rule"]]`) {
			t.Errorf("metric without namespace or rule dimension: %s", line)
		}
		rules[r["rule"].(string)]++
	}
	want := map[string]int{casework.SkipNotAddressed: 1, casework.SkipRetweet: 1}
	if len(rules) != len(want) || rules[casework.SkipNotAddressed] != 1 || rules[casework.SkipRetweet] != 1 {
		t.Errorf("skips by rule %v, want %v", rules, want)
	}
}
