package twtext

import "unicode"

// Code points that glue emoji sequences together (UTS #51).
const (
	zeroWidthJoiner  = 0x200D
	textSelector     = 0xFE0E // VS15: text presentation
	emojiSelector    = 0xFE0F // VS16: emoji presentation
	combiningKeycap  = 0x20E3
	cancelTag        = 0xE007F
	firstTagSpec     = 0xE0020
	lastTagSpec      = 0xE007E
	firstModifier    = 0x1F3FB
	lastModifier     = 0x1F3FF
	firstRegionalInd = 0x1F1E6
	lastRegionalInd  = 0x1F1FF
)

func isRegionalIndicator(c rune) bool { return c >= firstRegionalInd && c <= lastRegionalInd }

func isKeycapBase(c rune) bool { return c >= '0' && c <= '9' || c == '#' || c == '*' }

// needsEmojiSelector lists the pictographs that twitter-text only treats as
// emoji when followed by U+FE0F (©, ®, ™, ♟); alone they are ordinary
// characters (© and ® then weigh 1).
func needsEmojiSelector(c rune) bool {
	return c == 0xA9 || c == 0xAE || c == 0x2122 || c == 0x265F
}

// emojiLen returns the length in UTF-16 code units of the emoji sequence
// that starts at unit index i of u, or 0 if none does. It follows the
// UTS #51 grammar:
//
//	flag        RI RI
//	keycap      [0-9#*] FE0F? 20E3
//	element     Extended_Pictographic (FE0F | Emoji_Modifier)? (tag_spec+ cancel_tag)?
//	zwj         element (200D element)*
//
// An Extended_Pictographic followed by U+FE0E (text presentation) is not an
// emoji, as in twitter-text, and ©, ®, ™ and ♟ need U+FE0F.
func emojiLen(u []rune, i int) int {
	c, w := codePointAt(u, i)
	if c < 0xA9 {
		// Fast path for ASCII: only keycap sequences start here.
		if !isKeycapBase(c) {
			return 0
		}
		switch {
		case i+1 < len(u) && u[i+1] == combiningKeycap:
			return 2
		case i+2 < len(u) && u[i+1] == emojiSelector && u[i+2] == combiningKeycap:
			return 3
		}
		return 0
	}
	if isRegionalIndicator(c) {
		if i+w < len(u) {
			if c2, w2 := codePointAt(u, i+w); isRegionalIndicator(c2) {
				return w + w2
			}
		}
		return w
	}
	n := pictographicElement(u, i)
	if n == 0 {
		return 0
	}
	j := i + n
	for j+1 < len(u) && u[j] == zeroWidthJoiner {
		m := pictographicElement(u, j+1)
		if m == 0 {
			break
		}
		j += 1 + m
	}
	return j - i
}

// pictographicElement returns the length in code units of an emoji element
// (a pictograph with its presentation selector, skin-tone modifier or tag
// sequence) at unit index i of u, or 0.
func pictographicElement(u []rune, i int) int {
	c, w := codePointAt(u, i)
	if !unicode.Is(extendedPictographic, c) {
		return 0
	}
	j := i + w
	if j < len(u) {
		next, nw := codePointAt(u, j)
		switch {
		case next == textSelector:
			return 0
		case next == emojiSelector:
			j += nw
		case next >= firstModifier && next <= lastModifier && unicode.Is(emojiModifierBase, c):
			j += nw
		}
	}
	if j == i+w && needsEmojiSelector(c) {
		return 0
	}
	// Tag sequence (subdivision flags such as England): tag_spec+ cancel_tag.
	k := j
	for k < len(u) {
		t, tw := codePointAt(u, k)
		if t == cancelTag && k > j {
			return k + tw - i
		}
		if t < firstTagSpec || t > lastTagSpec {
			break
		}
		k += tw
	}
	return j - i
}
