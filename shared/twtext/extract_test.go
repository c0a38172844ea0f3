package twtext

import (
	"slices"
	"strings"
	"testing"
)

func TestExtractURLsWithIndices(t *testing.T) {
	// Expectations produced by the twitter-text 3.1.0 JavaScript build
	// (js/pkg/twitter-text-3.1.0.js, extractUrlsWithIndices).
	tests := []struct {
		text string
		want []URLEntity
	}{
		{"Hi http://test.co", []URLEntity{{"http://test.co", 3, 17}}},
		{"visit example.com/path?x=1. now", []URLEntity{{"example.com/path?x=1", 6, 26}}},
		{"foo.co.jp and t.co", []URLEntity{{"foo.co.jp", 0, 9}, {"t.co", 14, 18}}},
		{"https://t.co/abc123?x=1", []URLEntity{{"https://t.co/abc123?x=1", 0, 23}}},
		{"https://t.co/" + strings.Repeat("a", 41), nil}, // t.co slug over 40 characters
		{"😷 http://example.com/😷", []URLEntity{{"http://example.com/", 3, 22}}},
		{"😷example.com", []URLEntity{{"example.com", 2, 13}}},
		// The reference's expressions see UTF-16: after an emoji, a domain
		// can start on its low surrogate, so the leading '-' is kept.
		{"😷-example.com", []URLEntity{{"-example.com", 2, 14}}},
		{"-example.com", nil},
		{"a_b.com", nil},
		{"www.-domain.com", nil},
		{"http://あいう.com/x", []URLEntity{{"http://あいう.com/x", 0, 16}}},
		{"http://xn--80ak6aa92e.com", []URLEntity{{"http://xn--80ak6aa92e.com", 0, 25}}},
		{"xn--abc", nil},
		{"x.comx", nil},
		{"example.com.br/path", []URLEntity{{"example.com.br/path", 0, 19}}},
		{"http://example.com/a:(b)", []URLEntity{{"http://example.com/a", 0, 20}}},
		{"http://example.com/a(b)", []URLEntity{{"http://example.com/a(b)", 0, 23}}},
		{"http://en.wikipedia.org/wiki/Primer_(film)", []URLEntity{{"http://en.wikipedia.org/wiki/Primer_(film)", 0, 42}}},
		{"http://example.com:8080/login?next=/home", []URLEntity{{"http://example.com:8080/login?next=/home", 0, 40}}},
		{"user@example.com", nil},
		{"@example.com", nil},
		{"$example.com", nil},
		{"#example.com", nil},
		{"http://example.com/@user/", []URLEntity{{"http://example.com/@user/", 0, 25}}},
		{"(http://example.com)", []URLEntity{{"http://example.com", 1, 19}}},
		{`"example.com"`, []URLEntity{{"example.com", 1, 12}}},
		{"http://example.com/path.", []URLEntity{{"http://example.com/path", 0, 23}}},
		{"https://www.ExaMPLE.COM/index.html", []URLEntity{{"https://www.ExaMPLE.COM/index.html", 0, 34}}},
		{"ftp://example.com", nil},
		{"http://☃.net/", []URLEntity{{"http://☃.net/", 0, 13}}},
		{"randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", nil}, // 64-character label
		{"no dots here", nil},
		{"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := ExtractURLsWithIndices(tc.text)
			if !slices.Equal(got, tc.want) {
				t.Errorf("ExtractURLsWithIndices(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
			urls := ExtractURLs(tc.text)
			if len(urls) != len(tc.want) {
				t.Fatalf("ExtractURLs(%q) = %q", tc.text, urls)
			}
			for i, u := range urls {
				if u != tc.want[i].URL {
					t.Errorf("ExtractURLs(%q)[%d] = %q, want %q", tc.text, i, u, tc.want[i].URL)
				}
			}
		})
	}
}

func TestIsValidURLExtra(t *testing.T) {
	tests := []struct {
		url             string
		requireProtocol bool
		want            bool
	}{
		{"http://example.com", true, true},
		{"example.com", true, false},
		{"example.com", false, true},
		{"ftp://example.com", false, true}, // the scheme is not checked without requireProtocol
		{"HTTPS://EXAMPLE.COM", true, true},
		{"httpx://example.com", true, false},
		{"http://1.2.3.4.com", true, false}, // the IPv4 alternative wins, leaving ".com" unmatched
		{"http://1.2.3.4", true, true},
		{"http://example.com/Русские_слова", true, true},
		{"http://example.com/?q=a%20b#frag", true, true},
		{"http://example.com/%zz", true, false},
		{"http://example.com:123456/", true, false},
		{"", false, false},
	}
	for _, tc := range tests {
		if got := IsValidURL(tc.url, tc.requireProtocol); got != tc.want {
			t.Errorf("IsValidURL(%q, %v) = %v, want %v", tc.url, tc.requireProtocol, got, tc.want)
		}
	}
}

func TestMentionsExtra(t *testing.T) {
	tests := []struct {
		text string
		want []Mention
	}{
		// Indices are UTF-16 code units: the emoji before the mention takes two.
		{"😷 @user hi", []Mention{{ScreenName: "user", Start: 3, End: 8}}},
		{"＠user", []Mention{{ScreenName: "user", Start: 0, End: 5}}},
		{"@a/b @c", []Mention{{ScreenName: "a", ListSlug: "/b", Start: 0, End: 4}, {ScreenName: "c", Start: 5, End: 7}}},
		// Mentions may be up to 20 characters; longer runs are cut, as in the reference.
		{"@" + strings.Repeat("a", 21), []Mention{{ScreenName: strings.Repeat("a", 20), Start: 0, End: 21}}},
		{"email me@example.com", nil},
		{"no mentions", nil},
	}
	for _, tc := range tests {
		got := ExtractMentionsOrListsWithIndices(tc.text)
		if !slices.Equal(got, tc.want) {
			t.Errorf("ExtractMentionsOrListsWithIndices(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
		}
	}
	if got := ExtractMentions("@a/b @c"); !slices.Equal(got, []string{"c"}) {
		t.Errorf("ExtractMentions skips lists: got %q", got)
	}
	if got := ExtractMentionsWithIndices("@a/b"); got != nil {
		t.Errorf("ExtractMentionsWithIndices(list only) = %+v, want nil", got)
	}
}

func TestExtractReplyScreenNameExtra(t *testing.T) {
	tests := []struct {
		text string
		want string
		ok   bool
	}{
		{"@user hello", "user", true},
		{"\u200F@user hello", "user", true}, // directional marks are skipped, as in the Java reference
		{"\t\n @user", "user", true},
		{"@user@other", "", false},
		{"@useré", "", false},
		{"hello @user", "", false},
		{"@", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, ok := ExtractReplyScreenName(tc.text)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ExtractReplyScreenName(%q) = %q, %v, want %q, %v", tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

func TestUsernames(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"@jack", true},
		{"jack", true},
		{"＠jack", true},
		{"@" + strings.Repeat("a", 15), true},
		{"@" + strings.Repeat("a", 16), false},
		{"@", false},
		{"", false},
		{"@@jack", false},
		{"@ja ck", false},
		{" @jack", false},
		{"@jäck", false},
	}
	for _, tc := range tests {
		if got := IsValidUsername(tc.in); got != tc.want {
			t.Errorf("IsValidUsername(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}

	norm := []struct {
		in, want string
		ok       bool
	}{
		{" @Jack_1 ", "Jack_1", true},
		{"jack", "jack", true},
		{"\u3000＠jack\n", "jack", true},
		{"@", "", false},
		{"@bad-name", "", false},
	}
	for _, tc := range norm {
		got, ok := NormalizeHandle(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeHandle(%q) = %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}

	fromX := []struct {
		in, want  string
		ok, typed bool // typed: what NormalizeHandle says
	}{
		{"@abcdefghijklmno", "abcdefghijklmno", true, true},
		{"abcdefghijklmnop", "abcdefghijklmnop", true, false},
		{" abcdefghij_klmnopqrs ", "abcdefghij_klmnopqrs", true, false},
		{"abcdefghijklmnopqrstu", "", false, false},
		{"", "", false, false},
		{"@bad-name", "", false, false},
	}
	for _, tc := range fromX {
		got, ok := NormalizeXScreenName(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeXScreenName(%q) = %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if _, typed := NormalizeHandle(tc.in); typed != tc.typed {
			t.Errorf("NormalizeHandle(%q) ok = %v, want %v", tc.in, typed, tc.typed)
		}
	}
}
