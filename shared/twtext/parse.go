package twtext

import "golang.org/x/text/unicode/norm"

// ParseResult is the outcome of ParseTweet, with the fields of twitter-text's parseTweet.
type ParseResult struct {
	// WeightedLength is the Tweet's length under the configuration (summed weights divided by Scale).
	WeightedLength int
	// Valid reports whether the text is non-empty, fits MaxWeightedTweetLength and has no invalid characters.
	Valid bool
	// Permillage is WeightedLength per thousand of MaxWeightedTweetLength (rounded down; above 1000 when too long).
	Permillage int
	// DisplayRangeStart and DisplayRangeEnd cover the whole text, in UTF-16 code units, end inclusive.
	DisplayRangeStart, DisplayRangeEnd int
	// ValidRangeStart and ValidRangeEnd cover the part of the text that fits, in UTF-16 code units, end inclusive.
	ValidRangeStart, ValidRangeEnd int
}

// ParseTweet weighs text the way twitter-text's parseTweet does under cfg.
//
// The text is NFC-normalised first. Every URL (with or without a protocol,
// see ExtractURLsWithIndices) weighs TransformedURLLength; with
// EmojiParsingEnabled every emoji sequence weighs DefaultWeight; every other
// code point weighs what cfg.Ranges gives it (DefaultWeight outside them).
// Text is invalid if it is empty, too long, or contains U+FFFE, U+FEFF or
// U+FFFF. Like the reference, text made only of white space is valid; trim
// it first if that matters.
//
// Ranges are in UTF-16 code units of the original text. As in the reference,
// ValidRangeEnd is computed on the normalised text and shifted by the
// difference in length normalisation made; it is then kept within the text
// (the reference can return a negative value for text that normalisation
// lengthens a lot).
func ParseTweet(text string, cfg Config) ParseResult {
	// Like the reference, work on the UTF-16 code units of the NFC form.
	units := toUnits(norm.NFC.String(text))

	scale := cfg.Scale
	if scale <= 0 {
		scale = 1
	}
	scaledMax := cfg.MaxWeightedTweetLength * scale
	urlWeight := cfg.TransformedURLLength * scale

	urls := extractURLSpans(units)
	weighted := 0
	valid := true
	validEnd := 0 // last unit (of the normalised text) that still fits
	for k := 0; k < len(units); {
		for len(urls) > 0 && urls[0].start < k {
			urls = urls[1:]
		}
		n := 0
		switch {
		case len(urls) > 0 && urls[0].start == k:
			weighted += urlWeight
			n = urls[0].end - k
			urls = urls[1:]
		case cfg.EmojiParsingEnabled:
			if n = emojiLen(units, k); n > 0 {
				weighted += cfg.DefaultWeight
			}
		}
		if n == 0 {
			var c rune
			c, n = codePointAt(units, k)
			weighted += cfg.weight(c)
		}
		k += n
		// The reference checks the last code unit of each URL, emoji or
		// character for invalid characters.
		if valid && isInvalidChar(units[k-1]) {
			valid = false
		}
		if valid && weighted <= scaledMax {
			validEnd = k - 1
		}
	}

	textLen := utf16Len(text)
	res := ParseResult{
		WeightedLength: weighted / scale,
		Valid:          valid && weighted > 0 && weighted <= scaledMax,
	}
	if scaledMax > 0 {
		res.Permillage = int(int64(weighted) * 1000 / int64(scaledMax))
	}
	if textLen > 0 {
		res.DisplayRangeEnd = textLen - 1
	}
	res.ValidRangeEnd = min(max(validEnd+textLen-len(units), 0), res.DisplayRangeEnd)
	return res
}
