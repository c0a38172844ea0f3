package twtext

// Character classes shared by the URL and mention finders, transcribed from
// twitter-text's js/src/regexp/*.js (the Java Regex.java defines the same sets).

// Regular-expression fragments (Go RE2 syntax, for use inside [...]).
const (
	// reLatinAccents is twitter-text's latinAccentChars.
	reLatinAccents = `\x{00C0}-\x{00D6}\x{00D8}-\x{00F6}\x{00F8}-\x{00FF}\x{0100}-\x{024F}` +
		`\x{0253}\x{0254}\x{0256}\x{0257}\x{0259}\x{025B}\x{0263}\x{0268}\x{026F}\x{0272}` +
		`\x{0289}\x{028B}\x{02BB}\x{0300}-\x{036F}\x{1E00}-\x{1EFF}`
	// reLatinAccentsFolded lists the extra code points that reLatinAccents
	// matches in a case-insensitive JavaScript regular expression (the
	// reference's URL expressions carry the i flag): the ones whose
	// JavaScript case canonicalisation (simple upper case) equals that of a
	// member. TestCaseInsensitiveClassExtras recomputes it.
	reLatinAccentsFolded = `\x{0260}\x{0269}\x{0275}\x{0280}\x{0283}\x{0288}\x{028A}\x{028C}` +
		`\x{0292}\x{0399}\x{03B9}\x{1FBE}\x{2C65}\x{2C66}\x{2C7E}\x{2C7F}`
	// reCyrillic is twitter-text's cyrillicLettersAndMarks.
	reCyrillic = `\x{0400}-\x{04FF}`
	// reCyrillicFolded is the case-insensitive extension of reCyrillic.
	reCyrillicFolded = `\x{1C80}-\x{1C87}`
)

// isLatinAccent reports whether c is in twitter-text's latinAccentChars.
func isLatinAccent(c rune) bool {
	switch {
	case c < 0xC0:
		return false
	case c <= 0x24F:
		return c != 0xD7 && c != 0xF7
	case c <= 0x2BB:
		switch c {
		case 0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB:
			return true
		}
		return false
	case c >= 0x300 && c <= 0x36F:
		return true
	case c >= 0x1E00 && c <= 0x1EFF:
		return true
	}
	return false
}

// isLatinAccentFolded reports whether c matches latinAccentChars in a
// case-insensitive JavaScript regular expression.
func isLatinAccentFolded(c rune) bool {
	if isLatinAccent(c) {
		return true
	}
	switch c {
	case 0x260, 0x269, 0x275, 0x280, 0x283, 0x288, 0x28A, 0x28C, 0x292, 0x399, 0x3B9, 0x1FBE,
		0x2C65, 0x2C66, 0x2C7E, 0x2C7F:
		return true
	}
	return false
}

func isASCIIAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isSpace reports whether c is in twitter-text's spacesGroup.
func isSpace(c rune) bool {
	switch {
	case c >= 0x09 && c <= 0x0D, c == 0x20, c == 0x85, c == 0xA0, c == 0x1680, c == 0x180E,
		c >= 0x2000 && c <= 0x200A, c == 0x2028, c == 0x2029, c == 0x202F, c == 0x205F, c == 0x3000:
		return true
	}
	return false
}

// isInvalidChar reports whether c may not appear in a Tweet (twitter-text's
// invalidCharsGroup: U+FFFE, U+FEFF, U+FFFF).
func isInvalidChar(c rune) bool {
	return c == 0xFFFE || c == 0xFEFF || c == 0xFFFF
}

// isDirectionalMarker reports whether c is in twitter-text's directionalMarkersGroup.
func isDirectionalMarker(c rune) bool {
	return c >= 0x202A && c <= 0x202E || c == 0x061C || c == 0x200E || c == 0x200F ||
		c >= 0x2066 && c <= 0x2069
}

// isPunct reports whether c is in twitter-text's punct group (which, unlike
// ASCII punctuation, leaves out '"' and '`').
func isPunct(c rune) bool {
	switch c {
	case '!', '\'', '#', '%', '&', '(', ')', '*', '+', ',', '\\', '-', '.', '/', ':', ';',
		'<', '=', '>', '?', '@', '[', ']', '^', '_', '{', '|', '}', '~', '$':
		return true
	}
	return false
}

// isAtSign reports whether c is '@' or the full-width '＠'.
func isAtSign(c rune) bool { return c == '@' || c == '＠' }
