package twtext

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// The official twitter-text conformance suite (see testdata/twitter-text/README.md).
const conformanceDir = "testdata/twitter-text"

// knownFailures lists conformance cases ("section/description") that this
// package does not pass, with the reason. It is empty: every case passes. A
// case listed here that starts passing makes the test fail, so the list
// stays accurate.
var knownFailures = map[string]string{}

// unimplementedSections are conformance sections this package deliberately
// does not test: list and hashtag validation are not part of its API.
var unimplementedSections = map[string]string{
	"validate.yml/lists":    "list validation (isValidList) is not implemented",
	"validate.yml/hashtags": "hashtag validation (isValidHashtag) is not implemented",
}

type conformanceCase[T any] struct {
	Description string `yaml:"description"`
	Text        string `yaml:"text"`
	Expected    T      `yaml:"expected"`
}

type weightedExpectation struct {
	WeightedLength    int  `yaml:"weightedLength"`
	Valid             bool `yaml:"valid"`
	Permillage        int  `yaml:"permillage"`
	DisplayRangeStart int  `yaml:"displayRangeStart"`
	DisplayRangeEnd   int  `yaml:"displayRangeEnd"`
	ValidRangeStart   int  `yaml:"validRangeStart"`
	ValidRangeEnd     int  `yaml:"validRangeEnd"`
}

type mentionExpectation struct {
	ScreenName string `yaml:"screen_name"`
	ListSlug   string `yaml:"list_slug"`
	Indices    []int  `yaml:"indices"`
}

// loadSections reads the "tests" map of a conformance file, keeping each
// section undecoded so that every section can be accounted for.
func loadSections(t *testing.T, file string) map[string]yaml.Node {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(conformanceDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests map[string]yaml.Node `yaml:"tests"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(doc.Tests) == 0 {
		t.Fatalf("%s: no test sections", file)
	}
	return doc.Tests
}

// runSection decodes one section and runs check on every case in a subtest
// named after the case description; check returns what is wrong ("" if
// nothing). It fails if the section is empty.
func runSection[T any](t *testing.T, file, name string, node yaml.Node, check func(c conformanceCase[T]) string) {
	t.Helper()
	var cases []conformanceCase[T]
	if err := node.Decode(&cases); err != nil {
		t.Fatalf("%s/%s: %v", file, name, err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s/%s: no cases", file, name)
	}
	t.Run(name, func(t *testing.T) {
		for _, c := range cases {
			key := name + "/" + c.Description
			t.Run(c.Description, func(t *testing.T) {
				problem := check(c)
				reason, known := knownFailures[key]
				switch {
				case known && problem == "":
					t.Errorf("known failure %q now passes; remove it from knownFailures", key)
				case known:
					t.Logf("known failure (%s): %s", reason, problem)
				case problem != "":
					t.Error(problem)
				}
			})
		}
	})
}

func TestConformanceValidate(t *testing.T) {
	const file = "validate.yml"
	sections := loadSections(t, file)
	handled := map[string]func(yaml.Node){
		"tweets": func(n yaml.Node) {
			runSection(t, file, "tweets", n, func(c conformanceCase[bool]) string {
				if got := ParseTweet(c.Text, ConfigV1).Valid; got != c.Expected {
					return fmt.Sprintf("ParseTweet(%q, ConfigV1).Valid = %v, want %v", c.Text, got, c.Expected)
				}
				return ""
			})
		},
		"usernames": func(n yaml.Node) {
			runSection(t, file, "usernames", n, func(c conformanceCase[bool]) string {
				if got := IsValidUsername(c.Text); got != c.Expected {
					return fmt.Sprintf("IsValidUsername(%q) = %v, want %v", c.Text, got, c.Expected)
				}
				return ""
			})
		},
		"urls": func(n yaml.Node) {
			runSection(t, file, "urls", n, func(c conformanceCase[bool]) string {
				if got := IsValidURL(c.Text, true); got != c.Expected {
					return fmt.Sprintf("IsValidURL(%q, true) = %v, want %v", c.Text, got, c.Expected)
				}
				return ""
			})
		},
		"urls_without_protocol": func(n yaml.Node) {
			runSection(t, file, "urls_without_protocol", n, func(c conformanceCase[bool]) string {
				if got := IsValidURL(c.Text, false); got != c.Expected {
					return fmt.Sprintf("IsValidURL(%q, false) = %v, want %v", c.Text, got, c.Expected)
				}
				return ""
			})
		},
		"WeightedTweetsCounterTest": func(n yaml.Node) {
			runSection(t, file, "WeightedTweetsCounterTest", n, func(c conformanceCase[weightedExpectation]) string {
				got := ParseTweet(c.Text, ConfigV2)
				want := ParseResult{
					WeightedLength:    c.Expected.WeightedLength,
					Valid:             c.Expected.Valid,
					Permillage:        c.Expected.Permillage,
					DisplayRangeStart: c.Expected.DisplayRangeStart,
					DisplayRangeEnd:   c.Expected.DisplayRangeEnd,
					ValidRangeStart:   c.Expected.ValidRangeStart,
					ValidRangeEnd:     c.Expected.ValidRangeEnd,
				}
				if got != want {
					return fmt.Sprintf("ParseTweet(%.60q..., ConfigV2)\n got %+v\nwant %+v", c.Text, got, want)
				}
				return ""
			})
		},
	}
	checkSections(t, file, sections, handled)
}

func TestConformanceExtract(t *testing.T) {
	const file = "extract.yml"
	sections := loadSections(t, file)
	handled := map[string]func(yaml.Node){
		"mentions": func(n yaml.Node) {
			runSection(t, file, "mentions", n, func(c conformanceCase[[]string]) string {
				if got := ExtractMentions(c.Text); !slices.Equal(got, c.Expected) {
					return fmt.Sprintf("ExtractMentions(%q) = %q, want %q", c.Text, got, c.Expected)
				}
				return ""
			})
		},
		"mentions_with_indices": func(n yaml.Node) {
			runSection(t, file, "mentions_with_indices", n, func(c conformanceCase[[]mentionExpectation]) string {
				return compareMentions("ExtractMentionsWithIndices", c.Text, ExtractMentionsWithIndices(c.Text), c.Expected)
			})
		},
		"mentions_or_lists_with_indices": func(n yaml.Node) {
			runSection(t, file, "mentions_or_lists_with_indices", n, func(c conformanceCase[[]mentionExpectation]) string {
				return compareMentions("ExtractMentionsOrListsWithIndices", c.Text, ExtractMentionsOrListsWithIndices(c.Text), c.Expected)
			})
		},
		"replies": func(n yaml.Node) {
			// expected is a screen name, or null when the text is not a reply.
			runSection(t, file, "replies", n, func(c conformanceCase[*string]) string {
				got, ok := ExtractReplyScreenName(c.Text)
				switch {
				case c.Expected == nil && ok:
					return fmt.Sprintf("ExtractReplyScreenName(%q) = %q, want no reply", c.Text, got)
				case c.Expected != nil && (!ok || got != *c.Expected):
					return fmt.Sprintf("ExtractReplyScreenName(%q) = %q, %v, want %q", c.Text, got, ok, *c.Expected)
				}
				return ""
			})
		},
	}
	checkSections(t, file, sections, handled)
}

// checkSections runs every handled section and fails on any section that is
// neither handled nor listed in unimplementedSections, so that nothing in the
// suite is skipped silently.
func checkSections(t *testing.T, file string, sections map[string]yaml.Node, handled map[string]func(yaml.Node)) {
	t.Helper()
	names := make([]string, 0, len(sections))
	for name := range sections {
		names = append(names, name)
	}
	slices.Sort(names)
	for name := range handled {
		if _, ok := sections[name]; !ok {
			t.Errorf("%s: section %q is missing", file, name)
		}
	}
	for _, name := range names {
		if run, ok := handled[name]; ok {
			run(sections[name])
			continue
		}
		if reason, ok := unimplementedSections[file+"/"+name]; ok {
			t.Run(name, func(t *testing.T) { t.Skip(reason) })
			continue
		}
		t.Errorf("%s: section %q is not tested", file, name)
	}
}

// compareMentions describes how got differs from want ("" if it does not).
func compareMentions(fn, text string, got []Mention, want []mentionExpectation) string {
	conv := make([]mentionExpectation, len(got))
	for i, g := range got {
		conv[i] = mentionExpectation{ScreenName: g.ScreenName, ListSlug: g.ListSlug, Indices: []int{g.Start, g.End}}
	}
	if !slices.EqualFunc(conv, want, func(a, b mentionExpectation) bool {
		return a.ScreenName == b.ScreenName && a.ListSlug == b.ListSlug && slices.Equal(a.Indices, b.Indices)
	}) {
		return fmt.Sprintf("%s(%q) = %+v, want %+v", fn, text, conv, want)
	}
	return ""
}
