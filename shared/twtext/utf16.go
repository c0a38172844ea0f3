package twtext

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// runeLen16 returns the number of UTF-16 code units that encode c.
func runeLen16(c rune) int {
	if c >= 0x10000 {
		return 2
	}
	return 1
}

// utf16Len returns the length of s in UTF-16 code units; every byte of an
// invalid UTF-8 sequence counts as one (it decodes to U+FFFD).
func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		n += runeLen16(c)
	}
	return n
}

// b16Cursor converts non-decreasing byte offsets of s into UTF-16 offsets.
type b16Cursor struct {
	s      string
	bi, ui int
}

// at returns the UTF-16 offset of byte offset i (a rune boundary), which must
// not be smaller than the offset of the previous call.
func (c *b16Cursor) at(i int) int {
	for c.bi < i {
		r, size := utf8.DecodeRuneInString(c.s[c.bi:])
		c.ui += runeLen16(r)
		c.bi += size
	}
	return c.ui
}

// toUnits returns s as UTF-16 code units (one per element), the form in
// which the reference's regular expressions see text. Invalid UTF-8 bytes
// become U+FFFD.
func toUnits(s string) []rune {
	u := make([]rune, 0, len(s))
	for _, c := range s {
		if c >= 0x10000 {
			hi, lo := utf16.EncodeRune(c)
			u = append(u, hi, lo)
		} else {
			u = append(u, c)
		}
	}
	return u
}

// unitsToString converts UTF-16 code units back to a string.
func unitsToString(u []rune) string {
	var b strings.Builder
	b.Grow(len(u))
	for i := 0; i < len(u); {
		c, w := codePointAt(u, i)
		b.WriteRune(c)
		i += w
	}
	return b.String()
}

// codePointAt decodes the code point at unit index i of u and returns it with
// its width in units (2 for a surrogate pair, else 1; a lone surrogate is
// returned as is).
func codePointAt(u []rune, i int) (rune, int) {
	c := u[i]
	if c >= 0xD800 && c <= 0xDBFF && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] <= 0xDFFF {
		return utf16.DecodeRune(c, u[i+1]), 2
	}
	return c, 1
}
