package twtext

// WeightRange gives every code point from Start to End (inclusive) the same weight.
type WeightRange struct {
	Start, End rune
	Weight     int
}

// Config holds the character-counting rules of one twitter-text configuration (config/v*.json).
//
// Copies of a Config share its Ranges slice; replace the slice rather than
// modifying its elements.
type Config struct {
	// Version is the configuration's version number (1, 2 or 3); it is informational only.
	Version int
	// MaxWeightedTweetLength is the largest valid weighted length.
	MaxWeightedTweetLength int
	// Scale divides the summed weights to give the weighted length.
	Scale int
	// DefaultWeight is the weight of a code point outside every range (and of an emoji sequence).
	DefaultWeight int
	// TransformedURLLength is the weighted length, before scaling, of every URL.
	TransformedURLLength int
	// Ranges lists the code-point ranges whose weight differs from DefaultWeight; the first match wins.
	Ranges []WeightRange
	// EmojiParsingEnabled makes every emoji sequence weigh DefaultWeight as a whole.
	EmojiParsingEnabled bool
}

// ConfigV1 is the version-1 configuration: 140 code points, every code point weighs 1.
var ConfigV1 = Config{
	Version:                1,
	MaxWeightedTweetLength: 140,
	Scale:                  1,
	DefaultWeight:          1,
	TransformedURLLength:   23,
}

// ConfigV2 is the version-2 configuration: 280 weighted, Latin and common punctuation weigh 1, the rest (CJK, emoji...) 2.
var ConfigV2 = Config{
	Version:                2,
	MaxWeightedTweetLength: 280,
	Scale:                  100,
	DefaultWeight:          200,
	TransformedURLLength:   23,
	Ranges:                 v2Ranges(),
}

// ConfigV3 is the version-3 configuration (what X enforces today): ConfigV2 plus emoji parsing.
var ConfigV3 = Config{
	Version:                3,
	MaxWeightedTweetLength: 280,
	Scale:                  100,
	DefaultWeight:          200,
	TransformedURLLength:   23,
	Ranges:                 v2Ranges(),
	EmojiParsingEnabled:    true,
}

// v2Ranges returns a fresh copy of the weight table shared by versions 2 and 3,
// so that a caller changing one configuration's slice cannot change the other.
func v2Ranges() []WeightRange {
	return []WeightRange{
		{Start: 0, End: 4351, Weight: 100},
		{Start: 8192, End: 8205, Weight: 100},
		{Start: 8208, End: 8223, Weight: 100},
		{Start: 8242, End: 8247, Weight: 100},
	}
}

// weight returns the (unscaled) weight of the code point r.
func (c *Config) weight(r rune) int {
	for _, wr := range c.Ranges {
		if r >= wr.Start && r <= wr.End {
			return wr.Weight
		}
	}
	return c.DefaultWeight
}
