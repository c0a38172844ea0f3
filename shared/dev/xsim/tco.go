package xsim

import (
	"crypto/sha256"
	"strconv"
	"strings"

	"github.com/acme/twitter-cases/shared/twtext"
)

// urlEntity is X's entity for a link in a Tweet's or DM's text: Start and
// End are code point offsets of the t.co link in the text X shows.
type urlEntity struct {
	Start       int    `json:"start"`
	End         int    `json:"end"`
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
	DisplayURL  string `json:"display_url"`
}

// tcoAlphabet is the alphabet of t.co slugs.
const tcoAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// tcoLink is the t.co link of the n-th URL of the Tweet or DM id: X shows
// every link as https://t.co/ and a ten-character slug (23 characters).
func tcoLink(id string, n int, expanded string) string {
	sum := sha256.Sum256([]byte(id + "#" + strconv.Itoa(n) + "#" + expanded))
	var b strings.Builder
	b.WriteString("https://t.co/")
	for _, c := range sum[:10] {
		b.WriteByte(tcoAlphabet[int(c)%len(tcoAlphabet)])
	}
	return b.String()
}

// wrapURLs is the text X shows in its API answers for the Tweet or DM id:
// every URL replaced by its t.co link, and the entities that say what each
// link stands for (expanded_url gets http:// when the author wrote none, as
// X does). The text is not yet HTML-escaped.
func wrapURLs(id, text string) (string, []urlEntity) {
	found := twtext.ExtractURLsWithIndices(text)
	if len(found) == 0 {
		return text, nil
	}
	units := utf16Offsets(text)
	var b strings.Builder
	var ents []urlEntity
	prev := 0
	for i, u := range found {
		start, end := units[u.Start], units[u.End]
		b.WriteString(text[prev:start])
		expanded := u.URL
		if !strings.Contains(expanded, "://") {
			expanded = "http://" + expanded
		}
		link := tcoLink(id, i, expanded)
		at := len([]rune(b.String()))
		b.WriteString(link)
		ents = append(ents, urlEntity{Start: at, End: at + len([]rune(link)), URL: link, ExpandedURL: expanded,
			DisplayURL: displayURL(expanded)})
		prev = end
	}
	b.WriteString(text[prev:])
	return b.String(), ents
}

// displayURL is X's display form of a link: no scheme, cut at 26 characters.
func displayURL(expanded string) string {
	_, rest, _ := strings.Cut(expanded, "://")
	rest = strings.TrimPrefix(rest, "www.")
	if r := []rune(rest); len(r) > 26 {
		return string(r[:25]) + "…"
	}
	return rest
}

// utf16Offsets maps each UTF-16 offset of s (0 to its length in units) to
// the byte offset where that unit's character starts.
func utf16Offsets(s string) map[int]int {
	m := map[int]int{}
	units := 0
	for i, r := range s {
		m[units] = i
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
	}
	m[units] = len(s)
	return m
}
