package twtext

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxScreenNameLength is the longest screen name X allows when registering a handle.
const maxScreenNameLength = 15

// maxLegacyScreenNameLength is the longest screen name X still sends: older
// accounts kept names of up to 20 characters, as long as a mention can be.
const maxLegacyScreenNameLength = 20

// Mention is an @mention, or an @user/list reference, found in a text.
type Mention struct {
	// ScreenName is the mentioned handle without the '@'.
	ScreenName string
	// ListSlug is the list part including its leading '/' ("/list-name"), or "" for a plain mention.
	ListSlug string
	// Start (the '@') and End (exclusive) are in UTF-16 code units, as in twitter-text.
	Start, End int
}

// mentionRe is twitter-text's validMentionOrList (js/src/regexp): $1 the at
// sign, $2 the screen name, $3 the optional list slug.
var mentionRe = lazyRegexp(
	`(?:^|[^a-zA-Z0-9_!#$%&*@＠]|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)` +
		`([@＠])([a-zA-Z0-9_]{1,20})(/[a-zA-Z][a-zA-Z0-9_-]{0,24})?`)

// lazyRegexp compiles expr on first use, so that a function which never
// parses text pays nothing for twtext's expressions at init (cold start).
// It panics on first use if expr does not compile, as regexp.MustCompile.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// invalidMentionEnd is twitter-text's endMentionMatch: a match followed by an
// at sign, a Latin accented letter or "://" is not a mention.
func invalidMentionEnd(after string) bool {
	if strings.HasPrefix(after, "://") {
		return true
	}
	c, _ := utf8.DecodeRuneInString(after)
	return isAtSign(c) || isLatinAccent(c)
}

// ExtractMentionsOrListsWithIndices returns every @mention and @user/list reference in text, in order.
func ExtractMentionsOrListsWithIndices(text string) []Mention {
	if !strings.ContainsAny(text, "@＠") {
		return nil
	}
	var out []Mention
	cur := b16Cursor{s: text}
	for _, loc := range mentionRe().FindAllStringSubmatchIndex(text, -1) {
		if invalidMentionEnd(text[loc[1]:]) {
			continue
		}
		m := Mention{ScreenName: text[loc[4]:loc[5]]}
		if loc[6] >= 0 {
			m.ListSlug = text[loc[6]:loc[7]]
		}
		m.Start = cur.at(loc[2])
		m.End = m.Start + 1 + len(m.ScreenName) + len(m.ListSlug)
		out = append(out, m)
	}
	return out
}

// ExtractMentionsWithIndices returns the @mentions in text that are not list references, in order.
func ExtractMentionsWithIndices(text string) []Mention {
	all := ExtractMentionsOrListsWithIndices(text)
	out := all[:0]
	for _, m := range all {
		if m.ListSlug == "" {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ExtractMentions returns the screen names mentioned in text (list references excluded), in order.
func ExtractMentions(text string) []string {
	mentions := ExtractMentionsWithIndices(text)
	if len(mentions) == 0 {
		return nil
	}
	names := make([]string, len(mentions))
	for i, m := range mentions {
		names[i] = m.ScreenName
	}
	return names
}

// ExtractReplyScreenName returns the screen name a Tweet replies to: an @mention that opens the text after optional spaces or directional marks.
func ExtractReplyScreenName(text string) (string, bool) {
	// twitter-text's validReply (the Java form, which also skips
	// directional markers): ^(?:spaces|directional)*[@＠]([a-zA-Z0-9_]{1,20})
	i := 0
	for i < len(text) {
		c, size := utf8.DecodeRuneInString(text[i:])
		if !isSpace(c) && !isDirectionalMarker(c) {
			break
		}
		i += size
	}
	c, size := utf8.DecodeRuneInString(text[i:])
	if !isAtSign(c) {
		return "", false
	}
	start := i + size
	end := start
	for end < len(text) && end-start < 20 && isScreenNameByte(text[end]) {
		end++
	}
	if end == start || invalidMentionEnd(text[end:]) {
		return "", false
	}
	return text[start:end], true
}

func isScreenNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
}

// IsValidUsername reports whether s is a valid X handle: an optional leading '@' (or '＠') and then 1 to 15 of [A-Za-z0-9_].
func IsValidUsername(s string) bool {
	_, ok := screenName(s)
	return ok
}

// NormalizeHandle trims surrounding white space and one leading '@' (or '＠') from s and returns the screen name if it is valid.
func NormalizeHandle(s string) (string, bool) {
	return screenName(strings.TrimFunc(s, isSpace))
}

// NormalizeXScreenName is NormalizeHandle for a screen name that comes from
// X itself (an event, a user look-up): older accounts have up to 20
// characters, so it accepts 1 to 20 of [A-Za-z0-9_]. What agents type is
// judged by NormalizeHandle.
func NormalizeXScreenName(s string) (string, bool) {
	return screenNameOfLength(strings.TrimFunc(s, isSpace), maxLegacyScreenNameLength)
}

// screenName strips one leading at sign from s and validates the rest.
func screenName(s string) (string, bool) {
	return screenNameOfLength(s, maxScreenNameLength)
}

// screenNameOfLength is screenName with at most max characters.
func screenNameOfLength(s string, max int) (string, bool) {
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		s = rest
	} else if rest, ok := strings.CutPrefix(s, "＠"); ok {
		s = rest
	}
	if len(s) == 0 || len(s) > max {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if !isScreenNameByte(s[i]) {
			return "", false
		}
	}
	return s, true
}
