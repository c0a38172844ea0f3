package twtext

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

func FuzzParseTweet(f *testing.F) {
	for _, s := range []string{
		"", " ", "Hi http://test.co", "@user/list-name is great", "👨‍👩‍👧‍👦🇯🇵1️⃣👍🏽❤️",
		"🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "e\u0301\uFB2C\uFEFF",
		"😷-example.com xn--abc.com t.co/abc http://example.com/a(b(c))?q=1",
		"http://あいうえおかきくけこあいうえおかきくけこ.com", "a\xffb\xc0", "\u202E@user",
	} {
		f.Add(s)
	}
	// Seed with every conformance text as well.
	for _, file := range []string{"validate.yml", "extract.yml"} {
		raw, err := os.ReadFile(filepath.Join(conformanceDir, file))
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^\s+text: (".*")$`).FindAllSubmatch(raw, -1) {
			if s, err := strconv.Unquote(string(m[1])); err == nil {
				f.Add(s)
			}
		}
	}

	f.Fuzz(func(t *testing.T, text string) {
		length := utf16Len(text)
		displayEnd := max(length-1, 0)
		var v2Weight int
		for _, cfg := range []Config{ConfigV1, ConfigV2, ConfigV3} {
			r := ParseTweet(text, cfg)
			if r.DisplayRangeStart != 0 || r.ValidRangeStart != 0 || r.DisplayRangeEnd != displayEnd {
				t.Fatalf("v%d: display range %d-%d, valid start %d, UTF-16 length %d", cfg.Version, r.DisplayRangeStart, r.DisplayRangeEnd, r.ValidRangeStart, length)
			}
			if r.ValidRangeEnd < 0 || r.ValidRangeEnd > displayEnd {
				t.Fatalf("v%d: ValidRangeEnd %d outside 0..%d", cfg.Version, r.ValidRangeEnd, displayEnd)
			}
			if r.WeightedLength < 0 || r.Permillage != r.WeightedLength*1000/cfg.MaxWeightedTweetLength {
				t.Fatalf("v%d: weighted %d, permillage %d", cfg.Version, r.WeightedLength, r.Permillage)
			}
			if r.Valid && (r.WeightedLength > cfg.MaxWeightedTweetLength || r.WeightedLength == 0 || text == "") {
				t.Fatalf("v%d: valid with weighted length %d", cfg.Version, r.WeightedLength)
			}
			if text != "" && r.WeightedLength == 0 {
				t.Fatalf("v%d: non-empty text weighs 0", cfg.Version)
			}
			switch cfg.Version {
			case 2:
				v2Weight = r.WeightedLength
			case 3:
				// An emoji sequence never weighs more than its code points.
				if r.WeightedLength > v2Weight {
					t.Fatalf("v3 weight %d > v2 weight %d", r.WeightedLength, v2Weight)
				}
			}
		}

		units := toUnits(text)
		prevEnd := 0
		for _, u := range ExtractURLsWithIndices(text) {
			if u.Start < prevEnd || u.End <= u.Start || u.End > length {
				t.Fatalf("URL %+v out of order or range (length %d)", u, length)
			}
			if got := unitsToString(units[u.Start:u.End]); got != u.URL {
				t.Fatalf("URL %+v but text there is %q", u, got)
			}
			prevEnd = u.End
		}
		prevEnd = 0
		for _, m := range ExtractMentionsOrListsWithIndices(text) {
			if m.Start < prevEnd || m.End <= m.Start || m.End > length || !isAtSign(units[m.Start]) {
				t.Fatalf("mention %+v out of order or range (length %d)", m, length)
			}
			prevEnd = m.End
		}
		if name, ok := ExtractReplyScreenName(text); ok && (name == "" || len(name) > 20) {
			t.Fatalf("reply %q", name)
		}
		IsValidURL(text, true)
		IsValidURL(text, false)
		if name, ok := NormalizeHandle(text); ok && !IsValidUsername(name) {
			t.Fatalf("NormalizeHandle(%q) = %q, which is not valid", text, name)
		}
	})
}
