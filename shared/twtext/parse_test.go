package twtext

import (
	"strings"
	"testing"
)

func TestParseTweetV3Weights(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int // weighted length under ConfigV3
	}{
		{"ZWJ family", "👨‍👩‍👧‍👦", 2},
		{"flag", "🇯🇵", 2},
		{"keycap 1", "1️⃣", 2},
		{"keycap # without FE0F", "#⃣", 2},
		{"keycap #", "#️⃣", 2},
		{"skin tone", "👍🏽", 2},
		{"red heart with FE0F", "❤️", 2},
		{"red heart without FE0F", "❤", 2},
		{"England tag flag", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", 2},
		{"rainbow flag", "🏳️‍🌈", 2},
		{"couple with heart", "👩‍❤️‍💋‍👨", 2},
		{"people holding hands with skin tones", "🧑🏽‍🤝‍🧑🏻", 2},
		{"heart on fire (Emoji 13.1)", "❤️‍🔥", 2},
		{"melting face (Emoji 14)", "🫠", 2},
		{"runner with gender and skin tone", "🏃🏽‍♂️", 2},
		{"two emoji", "😷👾", 4},
		{"emoji sequence then text", "👍🏽ok", 4},
		{"plain ASCII", "hello", 5},
		{"CJK", "日本語", 6},
		{"hangul", "한국어", 6},
		{"Latin accents", "héllo", 5},
		{"general punctuation in range", "\u2014\u2019", 2},
		{"copyright alone weighs 1", "©", 1},
		{"copyright with FE0F is an emoji", "©️", 2},
		{"text presentation selector is not an emoji", "☺︎", 4},
		{"skin tone on a non-base is two emoji", "🐱🏽", 4},
		{"regional indicator alone", "🇯", 2},
		{"digit alone is not a keycap", "1", 1},
		{"dangling ZWJ", "👨\u200d", 3},
		{"URL", "https://example.com/a/very/long/path/that/is/longer/than/twenty-three", 23},
		{"URL without protocol", "example.com", 23},
		{"short URL", "t.co", 23},
		{"URL and text", "see https://example.com/x!", 4 + 23 + 1},
		{"NFC: e + combining acute counts once", "e\u0301", 1},
		{"NFC: A + combining acute then B", "A\u0301B", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseTweet(tc.text, ConfigV3)
			if got.WeightedLength != tc.want {
				t.Errorf("ParseTweet(%q, ConfigV3).WeightedLength = %d, want %d (%+v)", tc.text, got.WeightedLength, tc.want, got)
			}
			if !got.Valid {
				t.Errorf("ParseTweet(%q, ConfigV3).Valid = false, want true", tc.text)
			}
		})
	}
}

func TestParseTweetV2CountsEmojiCodePoints(t *testing.T) {
	// Without emoji parsing every code point counts: 4 people (2 each) and 3 ZWJs (1 each).
	if got := ParseTweet("👨‍👩‍👧‍👦", ConfigV2).WeightedLength; got != 11 {
		t.Errorf("v2 family = %d, want 11", got)
	}
	if got := ParseTweet("👨‍👩‍👧‍👦", ConfigV1).WeightedLength; got != 7 {
		t.Errorf("v1 family = %d, want 7", got)
	}
}

func TestParseTweetLimit140(t *testing.T) {
	cfg := ConfigV3
	cfg.MaxWeightedTweetLength = 140

	tests := []struct {
		name      string
		text      string
		weighted  int
		valid     bool
		permille  int
		validEnd  int
		displayEn int
	}{
		{"140 ASCII", strings.Repeat("a", 140), 140, true, 1000, 139, 139},
		{"141 ASCII", strings.Repeat("a", 141), 141, false, 1007, 139, 140},
		{"70 CJK", strings.Repeat("の", 70), 140, true, 1000, 69, 69},
		{"71 CJK", strings.Repeat("の", 71), 142, false, 1014, 69, 70},
		{"70 ZWJ families", strings.Repeat("👨‍👩‍👧‍👦", 70), 140, true, 1000, 70*11 - 1, 70*11 - 1},
		{"71 ZWJ families", strings.Repeat("👨‍👩‍👧‍👦", 71), 142, false, 1014, 70*11 - 1, 71*11 - 1},
		{"117 ASCII and a URL", strings.Repeat("a", 116) + " https://example.com/" + strings.Repeat("x", 50), 140, true, 1000, 186, 186},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseTweet(tc.text, cfg)
			want := ParseResult{
				WeightedLength:  tc.weighted,
				Valid:           tc.valid,
				Permillage:      tc.permille,
				DisplayRangeEnd: tc.displayEn,
				ValidRangeEnd:   tc.validEnd,
			}
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
	// The copy must not have changed the exported configuration.
	if ConfigV3.MaxWeightedTweetLength != 280 {
		t.Fatalf("ConfigV3 was modified through a copy")
	}
}

func TestParseTweetValidity(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		valid bool
	}{
		{"empty", "", false},
		{"one space (valid, as in the reference)", " ", true},
		{"BOM", "hello\uFEFF", false},
		{"U+FFFE", "\uFFFEhello", false},
		{"U+FFFF", "he\uFFFFllo", false},
		{"right-to-left override is allowed since twitter-text 3.0", "\u202Ehello", true},
		{"invalid UTF-8 byte", "a\xffb", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, cfg := range []Config{ConfigV1, ConfigV2, ConfigV3} {
				if got := ParseTweet(tc.text, cfg).Valid; got != tc.valid {
					t.Errorf("ParseTweet(%q, v%d).Valid = %v, want %v", tc.text, cfg.Version, got, tc.valid)
				}
			}
		})
	}
}

func TestParseTweetRanges(t *testing.T) {
	tests := []struct {
		name string
		text string
		want ParseResult
	}{
		{"empty", "", ParseResult{}},
		{"astral characters count two units", "😷😷", ParseResult{WeightedLength: 4, Valid: true, Permillage: 14, DisplayRangeEnd: 3, ValidRangeEnd: 3}},
		{"valid range stops before an invalid character", "ab\uFEFFcd", ParseResult{WeightedLength: 6, Permillage: 21, DisplayRangeEnd: 4, ValidRangeEnd: 1}},
		{"normalisation shortens the text", "e\u0301e\u0301", ParseResult{WeightedLength: 2, Valid: true, Permillage: 7, DisplayRangeEnd: 3, ValidRangeEnd: 3}},
		// U+FB2C normalises to three code points; the reference would report
		// a negative ValidRangeEnd for long runs of it.
		{"normalisation lengthens the text", strings.Repeat("\uFB2C", 100), ParseResult{WeightedLength: 300, Permillage: 1071, DisplayRangeEnd: 99, ValidRangeEnd: 79}},
		{"valid range clamped at zero", strings.Repeat("\uFB2C", 200), ParseResult{WeightedLength: 600, Permillage: 2142, DisplayRangeEnd: 199, ValidRangeEnd: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseTweet(tc.text, ConfigV3); got != tc.want {
				t.Errorf("ParseTweet(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestConfigsDoNotShareRanges(t *testing.T) {
	if &ConfigV2.Ranges[0] == &ConfigV3.Ranges[0] {
		t.Fatal("ConfigV2 and ConfigV3 share their Ranges backing array")
	}
	if len(ConfigV1.Ranges) != 0 || ConfigV1.Scale != 1 || ConfigV1.DefaultWeight != 1 {
		t.Errorf("unexpected ConfigV1 %+v", ConfigV1)
	}
}

func TestParseTweetZeroScale(t *testing.T) {
	// A zero Scale is treated as 1 instead of dividing by zero.
	cfg := Config{MaxWeightedTweetLength: 10, DefaultWeight: 1, TransformedURLLength: 5}
	if got := ParseTweet("abc", cfg); got.WeightedLength != 3 || !got.Valid {
		t.Errorf("got %+v", got)
	}
	cfg.MaxWeightedTweetLength = 0
	if got := ParseTweet("abc", cfg); got.Valid || got.Permillage != 0 {
		t.Errorf("zero max: got %+v", got)
	}
}
