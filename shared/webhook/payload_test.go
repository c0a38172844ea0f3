package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePayloadRefusesWhatIsNotOneObject(t *testing.T) {
	for _, body := range []string{
		``, ` `, `[]`, `"x"`, `1`, `null`, `{`, `{"a":}`, `{"a":1,}`, `{}{}`, `{"a":1} x`, `{"a":1}]`,
		"{\"a\":\"\xff\"}", `{1:2}`,
	} {
		if _, err := parsePayload([]byte(body)); !errors.Is(err, ErrNotObject) {
			t.Errorf("parsePayload(%q) = %v, want ErrNotObject", body, err)
		}
	}
	for _, body := range []string{`{}`, " {\"a\":[1,{\"b\":null}]}\n", `{"for_user_id":"1","x":"\u2028"}`} {
		if _, err := parsePayload([]byte(body)); err != nil {
			t.Errorf("parsePayload(%q) = %v", body, err)
		}
	}
}

func TestSplitKeepsAPayloadThatFits(t *testing.T) {
	body := []byte(" {\"for_user_id\": \"1\",\n \"follow_events\": [ ] }\n")
	parts, err := Split(body, len(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || !bytes.Equal(parts[0], body) {
		t.Fatalf("parts = %q, want the body byte for byte", parts)
	}
}

// dmPayload builds a payload of n Direct Messages to the brand, each from
// its own sender and app, with text of size bytes.
func dmPayload(n, size int) []byte {
	var evs []string
	users := []string{`"1000000000000000001":{"id":"1000000000000000001","screen_name":"AcmeSupport"}`}
	apps := []string{}
	for i := range n {
		sender := fmt.Sprintf("20000000000000000%02d", i)
		app := fmt.Sprintf("300%02d", i)
		evs = append(evs, fmt.Sprintf(`{"type":"message_create","id":"18620000000000000%02d","created_timestamp":"1795601160000",
			"message_create":{"target":{"recipient_id":"1000000000000000001"},"sender_id":%q,"source_app_id":%q,
			"message_data":{"text":%q,"entities":{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[]}}}}`,
			i, sender, app, strings.Repeat("x", size)))
		users = append(users, fmt.Sprintf(`%q:{"id":%q,"screen_name":"customer_%d"}`, sender, sender, i))
		apps = append(apps, fmt.Sprintf(`%q:{"id":%q,"name":"App %d"}`, app, app, i))
	}
	return []byte(`{"for_user_id":"1000000000000000001","direct_message_events":[` + strings.Join(evs, ",") +
		`],"apps":{` + strings.Join(apps, ",") + `},"users":{` + strings.Join(users, ",") + `}}`)
}

type dmPart struct {
	ForUserID string            `json:"for_user_id"`
	Events    []json.RawMessage `json:"direct_message_events"`
	Users     map[string]any    `json:"users"`
	Apps      map[string]any    `json:"apps"`
}

func TestSplitDirectMessagesKeepTheirUsersAndApps(t *testing.T) {
	body := dmPayload(5, 3000)
	var whole dmPart
	if err := json.Unmarshal(body, &whole); err != nil {
		t.Fatal(err)
	}
	parts, err := Split(body, 4000)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 5 {
		t.Fatalf("%d parts, want one per event (5)", len(parts))
	}
	for i, part := range parts {
		if len(part) > 4000 {
			t.Errorf("part %d has %d bytes", i, len(part))
		}
		var p dmPart
		if err := json.Unmarshal(part, &p); err != nil {
			t.Fatalf("part %d: %v\n%s", i, err, part)
		}
		if p.ForUserID != "1000000000000000001" || len(p.Events) != 1 {
			t.Fatalf("part %d = %s", i, part)
		}
		if !bytes.Equal(p.Events[0], whole.Events[i]) {
			t.Errorf("part %d's event is not the original's, byte for byte", i)
		}
		sender := fmt.Sprintf("20000000000000000%02d", i)
		if got, want := keys(p.Users), []string{"1000000000000000001", sender}; !slices.Equal(got, want) {
			t.Errorf("part %d users = %v, want %v", i, got, want)
		}
		if got, want := keys(p.Apps), []string{fmt.Sprintf("300%02d", i)}; !slices.Equal(got, want) {
			t.Errorf("part %d apps = %v, want %v", i, got, want)
		}
		if !reflect.DeepEqual(p.Users[sender], whole.Users[sender]) {
			t.Errorf("part %d: the sender's entry changed", i)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestSplitMixedPayloadInOrder(t *testing.T) {
	pad := strings.Repeat("y", 500)
	body := []byte(`{"for_user_id":"1","user_has_blocked":"false",
		"tweet_create_events":[{"id_str":"11","text":"` + pad + `"},{"id_str":"12","text":"b"}],
		"follow_events":[{"type":"follow","source":{"id":"2"},"target":{"id":"1"}}],
		"user_event":{"revoke":{"source":{"user_id":"1"}}},
		"users":{"2":{"id":"2"},"3":{"id":"3"}}}`)
	parts, err := Split(body, 700)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"for_user_id":"1","user_has_blocked":"false","tweet_create_events":[{"id_str":"11","text":"` + pad + `"}]}`,
		`{"for_user_id":"1","user_has_blocked":"false","tweet_create_events":[{"id_str":"12","text":"b"}]}`,
		`{"for_user_id":"1","user_has_blocked":"false","follow_events":[{"type":"follow","source":{"id":"2"},"target":{"id":"1"}}],"users":{"2":{"id":"2"}}}`,
		`{"for_user_id":"1","user_has_blocked":"false","user_event":{"revoke":{"source":{"user_id":"1"}}}}`,
	}
	if len(parts) != len(want) {
		t.Fatalf("parts:\n%s", bytes.Join(parts, []byte("\n")))
	}
	for i := range want {
		if string(parts[i]) != want[i] {
			t.Errorf("part %d =\n%s\nwant\n%s", i, parts[i], want[i])
		}
	}
}

func TestSplitFailsWhenAnEventAloneIsTooLarge(t *testing.T) {
	body := dmPayload(2, 5000)
	if _, err := Split(body, 4000); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("err = %v, want ErrEventTooLarge", err)
	}
	noEvents := []byte(`{"for_user_id":"1","note":"` + strings.Repeat("z", 5000) + `"}`)
	if _, err := Split(noEvents, 4000); !errors.Is(err, ErrEventTooLarge) {
		t.Errorf("err = %v, want ErrEventTooLarge", err)
	}
}

func TestSplitEscapesWhatSQSRefuses(t *testing.T) {
	body := []byte("{\"for_user_id\":\"1\",\"direct_message_events\":[{\"text\":\"a\uFFFFb\uFFFEc\"}]}")
	for _, max := range []int{1 << 10, 75} { // whole, then split
		parts, err := Split(body, max)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range parts {
			if !sqsAllowed(part) {
				t.Errorf("max %d: part %q has characters SQS refuses", max, part)
			}
			var p struct {
				Events []struct{ Text string } `json:"direct_message_events"`
			}
			if err := json.Unmarshal(part, &p); err != nil || p.Events[0].Text != "a\uFFFFb\uFFFEc" {
				t.Errorf("max %d: part %s decodes to %+v, %v", max, part, p, err)
			}
		}
	}
}

// sqsAllowed reports whether SQS accepts b as a message body:
// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
func sqsAllowed(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		switch {
		case r == 0x9 || r == 0xA || r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}

func sampleFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../../events/x/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in events/x: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// countEvents counts a payload's events the way Split divides them.
func countEvents(t testing.TB, body []byte) int {
	t.Helper()
	p, err := parsePayload(body)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range p {
		switch {
		case m.isEventArray():
			n += len(m.events())
		case m.key == userEventKey:
			n++
		}
	}
	return n
}

// TestSplitSamples splits every sample payload as if each were too large,
// and checks that the parts hold the same events with what they refer to.
func TestSplitSamples(t *testing.T) {
	for name, body := range sampleFiles(t) {
		t.Run(name, func(t *testing.T) {
			parts, err := Split(body, len(body)-1)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != countEvents(t, body) {
				t.Errorf("%d parts for %d events", len(parts), countEvents(t, body))
			}
			var whole map[string]json.RawMessage
			json.Unmarshal(body, &whole)
			for _, part := range parts {
				var p map[string]json.RawMessage
				if err := json.Unmarshal(part, &p); err != nil {
					t.Fatal(err)
				}
				if string(p["for_user_id"]) != string(whole["for_user_id"]) {
					t.Errorf("for_user_id = %s, want %s", p["for_user_id"], whole["for_user_id"])
				}
				if _, ok := whole["users"]; ok && strings.Contains(name, "dm-") {
					if _, ok := p["users"]; !ok {
						t.Errorf("a Direct Message part lost its users: %s", part)
					}
				}
			}
		})
	}
}

// FuzzSplitPayload checks Split's promises on any input: it accepts
// exactly the JSON objects in UTF-8; a payload of at most one event that
// fits comes back byte for byte; otherwise every part fits, is a JSON
// object SQS accepts, and holds exactly one of the payload's events.
func FuzzSplitPayload(f *testing.F) {
	for _, body := range sampleFiles(f) {
		f.Add(body, uint16(0))
		f.Add(body, uint16(len(body)))
	}
	f.Add(dmPayload(3, 50), uint16(300))
	f.Add([]byte(`{"a_events":[1,2,3],"users":{"1":{},"2":[]},"apps":null}`), uint16(10))
	f.Add([]byte(`{"user_event":{},"user_event":{}}`), uint16(0))
	f.Add([]byte("{\"x_events\":[\"\uFFFF\"]}"), uint16(0))
	f.Add([]byte(`[]`), uint16(0))
	f.Add([]byte(`{} `), uint16(100))
	f.Fuzz(func(t *testing.T, body []byte, n uint16) {
		max := 64 + int(n)
		parts, err := Split(body, max)
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		isObject := utf8.Valid(body) && json.Valid(body) && len(trimmed) > 0 && trimmed[0] == '{'
		if errors.Is(err, ErrNotObject) == isObject {
			t.Fatalf("Split(%q) = %v; is a JSON object: %v", body, err, isObject)
		}
		if err != nil {
			if !errors.Is(err, ErrNotObject) && !errors.Is(err, ErrEventTooLarge) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		safe := sqsSafe(body)
		if len(safe) <= max && countEvents(t, body) <= 1 {
			if len(parts) != 1 || !bytes.Equal(parts[0], safe) {
				t.Fatalf("a payload that fits came back changed: %q", parts)
			}
			return
		}
		if len(parts) != countEvents(t, body) {
			t.Fatalf("%d parts for %d events", len(parts), countEvents(t, body))
		}
		for _, part := range parts {
			if len(part) > max || !sqsAllowed(part) {
				t.Fatalf("part of %d bytes (max %d) or refused by SQS: %q", len(part), max, part)
			}
			if countEvents(t, part) != 1 {
				t.Fatalf("part %q does not hold exactly one event", part)
			}
		}
	})
}
