package twtext

import (
	"strings"
	"testing"
)

// TestLongInputs runs every function on long, adversarial texts. The URL
// finder memoises its domain matching, so this stays linear; a quadratic
// regression would make the test take minutes.
func TestLongInputs(t *testing.T) {
	const n = 100_000
	inputs := map[string]string{
		"dots without TLD":     strings.Repeat("a.", n),
		"labels with _":        strings.Repeat("a_b.", n/2),
		"labels with -":        strings.Repeat("-a.", n/2),
		"protocols":            strings.Repeat("http://", n/4),
		"punycode":             strings.Repeat("xn--a.", n/4),
		"URLs":                 strings.Repeat("http://example.com/a(b) ", n/20),
		"URLs without scheme":  strings.Repeat("example.com ", n/10),
		"long path":            "http://example.com/" + strings.Repeat("a:", n),
		"open parens":          "http://example.com/" + strings.Repeat("(a", n),
		"mentions":             strings.Repeat("@user ", n/5),
		"at signs":             strings.Repeat("@", n),
		"ZWJ sequences":        strings.Repeat("👨‍👩‍👧‍👦", n/20),
		"CJK labels":           strings.Repeat("あ.", n),
		"one huge label":       strings.Repeat("a", n) + ".com",
		"one huge CJK label":   "http://" + strings.Repeat("あ", n) + ".com",
		"combining characters": strings.Repeat("e\u0301", n),
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			r := ParseTweet(text, ConfigV3)
			if r.Valid || r.DisplayRangeEnd != utf16Len(text)-1 {
				t.Errorf("unexpected %+v", r)
			}
			ExtractURLsWithIndices(text)
			ExtractMentionsOrListsWithIndices(text)
			ExtractReplyScreenName(text)
			IsValidURL(text, true)
		})
	}
}
