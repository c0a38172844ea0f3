package casework

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/acme/twitter-cases/shared/twtext"
)

// TextMode says how a text goes to X: as a Tweet (a case's first Tweet or a
// mention reply) or as a Direct Message.
type TextMode string

// Text modes.
const (
	ModeMention TextMode = "mention"
	ModeDM      TextMode = "dm"
)

// Valid reports whether m is a known mode.
func (m TextMode) Valid() bool { return m == ModeMention || m == ModeDM }

// TextCount is how a text measures against the limit of its mode.
type TextCount struct {
	Mode TextMode
	// WeightedLength is the Tweet's weighted length under twitter-text's
	// version-3 rules (mention), or the number of characters, as Unicode
	// code points (dm).
	WeightedLength int
	// MaxLength is the mode's limit: the deployment's Tweet limit, or MaxDMLength.
	MaxLength int
	// Valid reports whether the server would accept the text.
	Valid bool
}

// TweetConfig returns twitter-text's version-3 configuration with the
// deployment's Tweet limit (maxLength, 1 to 280) as its maximum.
func TweetConfig(maxLength int) twtext.Config {
	cfg := twtext.ConfigV3
	cfg.MaxWeightedTweetLength = maxLength
	return cfg
}

// CountText measures text as the server judges it in mode (mention when
// mode is ""): exactly what a reply or a new case would be refused for. It
// fails only for an unknown mode.
func (s *Service) CountText(mode TextMode, text string) (TextCount, error) {
	if mode == "" {
		mode = ModeMention
	}
	if !mode.Valid() {
		return TextCount{}, fieldError("mode", "invalid", "A mode is mention or dm.")
	}
	count, err := s.judgeText(mode, CleanText(text))
	count.Valid = err == nil
	return count, nil
}

// judgeText measures text in mode and says why it cannot be sent, if it
// cannot: ETextEmpty for empty or white-space text, and for a Tweet made of
// nothing but @mentions (a case's first Tweet left at its prefill
// "@handle ", say), ETextTooLong (with
// weighted_length and max_length) over the mode's limit, EValidation for
// characters X refuses (U+FFFE, U+FEFF, U+FFFF).
func (s *Service) judgeText(mode TextMode, text string) (TextCount, error) {
	count := TextCount{Mode: mode}
	var fits, clean bool
	switch mode {
	case ModeDM:
		count.MaxLength = MaxDMLength
		count.WeightedLength = utf8.RuneCountInString(text)
		fits = count.WeightedLength <= count.MaxLength
		clean = !strings.ContainsAny(text, "\uFFFE\uFEFF\uFFFF")
	default:
		count.MaxLength = s.tweetMax
		r := twtext.ParseTweet(text, s.tweetConfig)
		count.WeightedLength = r.WeightedLength
		fits = r.WeightedLength <= count.MaxLength
		clean = r.Valid || !fits
	}
	switch {
	case strings.TrimSpace(text) == "":
		return count, &Error{Code: ETextEmpty, Message: "The text is empty.",
			Fields: []FieldError{{Name: "text", Code: ETextEmpty, Detail: "Write something to send."}}}
	case mode == ModeMention && onlyMentions(text):
		return count, &Error{Code: ETextEmpty, Message: "The Tweet has nothing but @mentions.",
			Fields: []FieldError{{Name: "text", Code: ETextEmpty, Detail: "Write something after the @mentions."}}}
	case !fits:
		return count, &Error{
			Code:    ETextTooLong,
			Message: textTooLongMessage(mode, count),
			Fields:  []FieldError{{Name: "text", Code: ETextTooLong, Detail: textTooLongMessage(mode, count)}},
			Extra:   map[string]any{"weighted_length": count.WeightedLength, "max_length": count.MaxLength},
		}
	case !clean:
		return count, fieldError("text", "invalid", "The text contains characters X does not accept (U+FFFE, U+FEFF or U+FFFF).")
	}
	return count, nil
}

// onlyMentions reports whether every word of text (split at white space)
// is one @mention, by twitter-text's extraction.
func onlyMentions(text string) bool {
	words := strings.Fields(text)
	for _, w := range words {
		names := twtext.ExtractMentions(w)
		if len(names) != 1 || strings.TrimLeft(w, "@＠") != names[0] || utf8.RuneCountInString(w) != 1+len(names[0]) {
			return false
		}
	}
	return len(words) > 0
}

func textTooLongMessage(mode TextMode, c TextCount) string {
	if mode == ModeDM {
		return fmt.Sprintf("The Direct Message has %d characters; at most %d are allowed.", c.WeightedLength, c.MaxLength)
	}
	return fmt.Sprintf("The Tweet counts %d characters; at most %d are allowed.", c.WeightedLength, c.MaxLength)
}

// refusal is a rule's refusal (code) of one field of a well-formed request.
func refusal(name, code, detail string) *Error {
	return &Error{Code: code, Message: detail, Fields: []FieldError{{Name: name, Code: code, Detail: detail}}}
}

// fieldError is an EValidation error about one field.
func fieldError(name, code, detail string) *Error {
	return &Error{Code: EValidation, Message: detail, Fields: []FieldError{{Name: name, Code: code, Detail: detail}}}
}
