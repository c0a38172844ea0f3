package twtext

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// referenceRecord is one line of testdata/reference/twitter-text-3.1.0.jsonl:
// what the twitter-text 3.1.0 JavaScript build returns for a text.
type referenceRecord struct {
	Text            string            `json:"text"`
	V1              [5]any            `json:"v1"`
	V2              [5]any            `json:"v2"`
	V3              [5]any            `json:"v3"`
	URLs            []json.RawMessage `json:"urls"`
	Mentions        []json.RawMessage `json:"mentions"`
	Reply           *string           `json:"reply"`
	ValidURL        bool              `json:"validUrl"`
	ValidURLNoProto bool              `json:"validUrlNoProto"`
}

func (r referenceRecord) result(v [5]any) ParseResult {
	return ParseResult{
		WeightedLength:  int(v[0].(float64)),
		Valid:           v[1].(bool),
		Permillage:      int(v[2].(float64)),
		DisplayRangeEnd: int(v[3].(float64)),
		ValidRangeEnd:   int(v[4].(float64)),
	}
}

// TestReferenceResults compares every function with the JavaScript reference
// on a few hundred varied texts (see testdata/reference/README.md).
func TestReferenceResults(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "reference", "twitter-text-3.1.0.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var r referenceRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		t.Run(fmt.Sprintf("line%d", line), func(t *testing.T) {
			for _, c := range []struct {
				cfg  Config
				want [5]any
			}{{ConfigV1, r.V1}, {ConfigV2, r.V2}, {ConfigV3, r.V3}} {
				if got, want := ParseTweet(r.Text, c.cfg), r.result(c.want); got != want {
					t.Errorf("ParseTweet(%q, v%d)\n got %+v\nwant %+v", r.Text, c.cfg.Version, got, want)
				}
			}

			var wantURLs []URLEntity
			for _, raw := range r.URLs {
				var u URLEntity
				if err := json.Unmarshal(raw, &[]any{&u.URL, &u.Start, &u.End}); err != nil {
					t.Fatal(err)
				}
				wantURLs = append(wantURLs, u)
			}
			if got := ExtractURLsWithIndices(r.Text); !slices.Equal(got, wantURLs) {
				t.Errorf("ExtractURLsWithIndices(%q)\n got %+v\nwant %+v", r.Text, got, wantURLs)
			}

			var wantMentions []Mention
			for _, raw := range r.Mentions {
				var m Mention
				if err := json.Unmarshal(raw, &[]any{&m.ScreenName, &m.ListSlug, &m.Start, &m.End}); err != nil {
					t.Fatal(err)
				}
				wantMentions = append(wantMentions, m)
			}
			if got := ExtractMentionsOrListsWithIndices(r.Text); !slices.Equal(got, wantMentions) {
				t.Errorf("ExtractMentionsOrListsWithIndices(%q)\n got %+v\nwant %+v", r.Text, got, wantMentions)
			}

			reply, ok := ExtractReplyScreenName(r.Text)
			if ok != (r.Reply != nil) || ok && reply != *r.Reply {
				t.Errorf("ExtractReplyScreenName(%q) = %q, %v, want %v", r.Text, reply, ok, r.Reply)
			}
			if got := IsValidURL(r.Text, true); got != r.ValidURL {
				t.Errorf("IsValidURL(%q, true) = %v, want %v", r.Text, got, r.ValidURL)
			}
			if got := IsValidURL(r.Text, false); got != r.ValidURLNoProto {
				t.Errorf("IsValidURL(%q, false) = %v, want %v", r.Text, got, r.ValidURLNoProto)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if line < 500 {
		t.Fatalf("only %d reference records", line)
	}
}
