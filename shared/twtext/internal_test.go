package twtext

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"unicode"

	"gopkg.in/yaml.v3"
)

// TestTLDListsMatchConformanceData checks that tlds.go was generated from
// the tld_lib.yml in testdata (run "go generate" after updating it).
func TestTLDListsMatchConformanceData(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(conformanceDir, "tld_lib.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var lists struct {
		Country []string `yaml:"country"`
		Generic []string `yaml:"generic"`
	}
	if err := yaml.Unmarshal(raw, &lists); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lists.Generic, genericTLDs[:]) {
		t.Error("genericTLDs differs from tld_lib.yml; run go generate")
	}
	if !slices.Equal(lists.Country, countryTLDs[:]) {
		t.Error("countryTLDs differs from tld_lib.yml; run go generate")
	}
}

// jsCanonicalize is the case canonicalisation of a non-Unicode,
// case-insensitive JavaScript regular expression (ECMA-262 Canonicalize).
func jsCanonicalize(c rune) rune {
	u := unicode.ToUpper(c)
	if c >= 128 && u < 128 {
		return c
	}
	return u
}

// TestCaseInsensitiveClassExtras recomputes which BMP code points a
// case-insensitive JavaScript class built from latinAccentChars or
// cyrillicLettersAndMarks also matches, and checks the hand-written lists.
func TestCaseInsensitiveClassExtras(t *testing.T) {
	check := func(name string, in func(rune) bool, extraRe string, isExtra func(rune) bool) {
		t.Helper()
		canon := map[rune]bool{}
		for c := rune(0); c <= 0xFFFF; c++ {
			if in(c) {
				canon[jsCanonicalize(c)] = true
			}
		}
		extraClass := regexp.MustCompile(`^[` + extraRe + `]$`)
		for c := rune(0x80); c <= 0xFFFF; c++ {
			if c >= 0xD800 && c <= 0xDFFF {
				continue
			}
			want := !in(c) && canon[jsCanonicalize(c)]
			if got := extraClass.MatchString(string(c)); got != want {
				t.Errorf("%s: U+%04X in folded extras = %v, want %v", name, c, got, want)
			}
			if isExtra != nil {
				if got := isExtra(c) && !in(c); got != want {
					t.Errorf("%s: isLatinAccentFolded(U+%04X) extra = %v, want %v", name, c, got, want)
				}
			}
		}
	}
	check("latin", isLatinAccent, reLatinAccentsFolded, isLatinAccentFolded)
	check("cyrillic", func(c rune) bool { return c >= 0x400 && c <= 0x4FF }, reCyrillicFolded, nil)

	latinRe := regexp.MustCompile(`^[` + reLatinAccents + `]$`)
	for c := rune(0); c <= 0xFFFF; c++ {
		if c >= 0xD800 && c <= 0xDFFF {
			continue
		}
		if latinRe.MatchString(string(c)) != isLatinAccent(c) {
			t.Errorf("reLatinAccents and isLatinAccent disagree on U+%04X", c)
		}
	}
}

func TestPunycodeLen(t *testing.T) {
	// Lengths of Python's RFC 3492 "punycode" codec output.
	tests := []struct {
		in   string
		want int
	}{
		{"bücher", 9},
		{"あいう", 5},
		{"☃", 3},
		{"münchen-ü", 12},
		{"aaaaaaaaaaé", 14},
		{"😷x", 6},
		{"ελ", 4},
		{"abc\x01", 5},
		{"日本語ドメイン名例", 27},
	}
	for _, tc := range tests {
		if got := punycodeLen([]rune(tc.in)); got != tc.want {
			t.Errorf("punycodeLen(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
	// punycode.toASCII: 52 CJK characters fit in 63, 53 do not (see the
	// conformance cases on long internationalised domains).
	if !punycodeLabelOK(toUnits("あいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあい")) {
		t.Error("52-character label rejected")
	}
	if punycodeLabelOK(toUnits("あいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいう")) {
		t.Error("53-character label accepted")
	}
}

// TestPictographsInWeightOneRanges guards an assumption of the emoji code:
// the only Extended_Pictographic code points that ConfigV2's ranges weigh 1
// are © and ®, which is why they alone need U+FE0F to count as emoji.
func TestPictographsInWeightOneRanges(t *testing.T) {
	cfg := ConfigV2
	var found []rune
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if unicode.Is(extendedPictographic, c) && cfg.weight(c) < cfg.DefaultWeight {
			found = append(found, c)
		}
	}
	if !slices.Equal(found, []rune{0xA9, 0xAE}) {
		t.Errorf("pictographs weighing 1: %U", found)
	}
	if !unicode.Is(extendedPictographic, 0x1FAE8) || !unicode.Is(emojiModifierBase, 0x1F44D) || unicode.Is(emojiModifierBase, 0x1F431) {
		t.Error("emoji tables look wrong")
	}
}
