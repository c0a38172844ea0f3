package activity

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// deliveryCases are bodies whose answers the fast walk must either give
// exactly as encoding/json's decoding does, or leave to it.
var deliveryCases = []string{
	`{"data":{"event_uuid":"1","event_type":"post.mention.create","filter":{"user_id":"42"},"tag":"t","payload":{"id":"9"}}}`,
	` {"data" : {"event_type" : "a" , "payload" : { } } } `,
	"\n{\"data\":\t{\"payload\":{\"x\":[1,{\"y\":\"}\"}]},\"event_type\":\"b\"}}\r\n",
	`{"for_user_id":"42","tweet_create_events":[]}`,
	`{"FOR_USER_ID":null,"data":{"event_type":"a","payload":{}}}`,
	`{"data":{"event_type":"a","payload":{}},"for_user_id":1}`,
	`{"user_event":{"revoke":{}}}`,
	`{"for_user_id":"42","data":{}}`,
	`{}`,
	// names matched in either case, or through escapes and Unicode folding
	`{"DATA":{"Event_Type":"a","PAYLOAD":{},"Filter":{"USER_ID":"7"}}}`,
	`{"Data":{"event_type":"a","payload":{}},"data":{"event_type":"b","payload":{}}}`,
	`{"data":{"event_type":"a","payload":{}},"data":{"tag":"t"}}`,
	`{"\u0064ata":{"event_type":"a","payload":{}}}`,
	`{"data":{"event_type":"a","payload":{},"filter":{"uſer_id":"7"}}}`,
	`{"data":{"event_type":"a","payload":{},"filter":{"user_id":"7","user_id":"8"}}}`,
	`{"data":{"event_type":"a","payload":{},"filter":{"user_id":"7"},"filter":{"direction":"x"}}}`,
	`{"data":{"event_type":"a","event_type":"b","payload":{}}}`,
	`{"data":{"event_type":"a","event_type":null,"payload":{}}}`,
	`{"data":{"event_type":"a","payload":{},"payload":null}}`,
	`{"data":{"event_type":"a","payload":null,"payload":{}}}`,
	`{"dätä":{"event_type":"a","payload":{}}}`,
	`{"data":{"event_type":"a","payload":{},"tag":"\"}"}}`,
	// values that are not what the envelope needs
	`{"data":[1]}`,
	`{"data":null}`,
	`{"data":"x"}`,
	`{"data":{"payload":{}}}`,
	`{"data":{"event_type":"","payload":{}}}`,
	`{"data":{"event_type":null,"payload":{}}}`,
	`{"data":{"event_type":7,"payload":{}}}`,
	`{"data":{"event_type":"dm.received","payload":"x"}}`,
	`{"data":{"event_type":"a"}}`,
	`{"data":{"event_type":"a","payload":{},"filter":null}}`,
	`{"data":{"event_type":"a","payload":{},"filter":[]}}`,
	`{"data":{"event_type":"a","payload":{},"filter":{"user_id":7}}}`,
	`{"data":{"event_type":"a","payload":{},"filter":{"user_id":null}}}`,
	`{"data":{"event_type":"a","payload":{},"filter":{}}}`,
	`{"data":{"event_type":"a\u0062","payload":{},"filter":{"user_id":"\u0037"}}}`,
	`{"data":{"event_type":"é","payload":{}}}`,
	"{\"data\":{\"event_type\":\"a\xff\",\"payload\":{}}}",
	// not one JSON object
	`[1]`, `null`, `"x"`, `1`, ``, ` `, `{"data":`, `{"data":{}}x`, `{"data":{}} {}`, `{"a":1,}`,
}

// TestReadDeliveryFastIsDecoding holds the fast walk to the rule: wherever
// it answers, encoding/json's decoding answers the same.
func TestReadDeliveryFastIsDecoding(t *testing.T) {
	bodies := append([]string(nil), deliveryCases...)
	for _, dir := range []string{"../../events/x", "../../events/x/xaa"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("samples in %s: %v", dir, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, string(b))
		}
	}
	for _, body := range bodies {
		compareDelivery(t, []byte(body))
	}
}

// TestReadDeliveryFastServesX checks that every X Activity sample takes the
// fast walk, which is what makes the webhook cheap.
func TestReadDeliveryFastServesX(t *testing.T) {
	files, _ := filepath.Glob("../../events/x/xaa/*.json")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if env, isXAA, done := readDeliveryFast(b); !done || !isXAA || env.EventType == "" {
			t.Errorf("%s: fast walk = %+v, XAA %v, done %v", filepath.Base(f), env, isXAA, done)
		}
	}
	for _, body := range deliveryCases[:3] {
		if _, _, done := readDeliveryFast([]byte(body)); !done {
			t.Errorf("%s: left to decoding", body)
		}
	}
}

func compareDelivery(t *testing.T, body []byte) {
	t.Helper()
	wantEnv, wantXAA, wantErr := readDeliveryDecoded(body)
	env, isXAA, done := readDeliveryFast(body)
	if done && (wantErr != nil || env != wantEnv || isXAA != wantXAA) {
		t.Errorf("%q: fast walk = %+v, XAA %v; decoding = %+v, XAA %v, err %v", body, env, isXAA, wantEnv, wantXAA, wantErr)
	}
	gotEnv, gotXAA, gotErr := ReadDelivery(body)
	if gotEnv != wantEnv || gotXAA != wantXAA || (gotErr == nil) != (wantErr == nil) || errors.Is(gotErr, ErrNotEnvelope) != errors.Is(wantErr, ErrNotEnvelope) {
		t.Errorf("%q: ReadDelivery = %+v, %v, %v; decoding = %+v, %v, %v", body, gotEnv, gotXAA, gotErr, wantEnv, wantXAA, wantErr)
	}
}

func FuzzReadDelivery(f *testing.F) {
	for _, body := range deliveryCases {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { compareDelivery(t, body) })
}

func BenchmarkReadDelivery(b *testing.B) {
	body, err := os.ReadFile("../../events/x/xaa/post-mention-create.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := ReadDelivery(body); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkReadDeliveryDecoded(b *testing.B) {
	body, _ := os.ReadFile("../../events/x/xaa/post-mention-create.json")
	for b.Loop() {
		readDeliveryDecoded(body)
	}
}

func BenchmarkValid(b *testing.B) {
	body, _ := os.ReadFile("../../events/x/xaa/post-mention-create.json")
	for b.Loop() {
		json.Valid(body)
	}
}
