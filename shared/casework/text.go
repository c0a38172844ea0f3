package casework

import "strings"

// strayControl reports whether r is a control character that has no place
// in a name or a Post's text: the C0 controls (U+0000–U+001F) other than
// tab and newline, and DEL (U+007F).
func strayControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n') || r == 0x7f
}

// CleanText removes the stray control characters (C0 other than tab and
// newline, and DEL) from a Post's or message's text, the form in which it
// is stored, counted and sent: a NUL or an escape sequence is nothing an
// agent or a customer can see, and a carriage return before a newline is
// dropped with it.
func CleanText(s string) string {
	if strings.IndexFunc(s, strayControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if strayControl(r) {
			return -1
		}
		return r
	}, s)
}

// hasStrayControl reports whether s holds a stray control character.
func hasStrayControl(s string) bool {
	return strings.IndexFunc(s, strayControl) >= 0
}
