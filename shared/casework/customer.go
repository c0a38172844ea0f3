package casework

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/acme/twitter-cases/shared/twtext"
)

// Customer is a person the team supports.
type Customer struct {
	ID     string
	Name   string
	Emails []string
	Phones []string
	// PhoneKeys are the keys a phone search finds the customer by (see
	// IndexPhones and PhoneSearchKeys), written with the phones; nil for a
	// customer written before keys existed, found by its phones' digits.
	PhoneKeys []string
	Twitter   *TwitterAccount
	// PreviousHandles are screen names the customer's X account had before,
	// most recent first (at most MaxPreviousHandles): renamed on X, or given
	// up when X passed the name on to another account.
	PreviousHandles []string
	// FormerXUserIDs are the X accounts (user ids) the customer had before
	// an agent gave them another or removed theirs, most recent first (at
	// most MaxFormerXUserIDs): a case opened with one stays with it, and a
	// message from one still reaches this customer while no other
	// customer has that account.
	FormerXUserIDs []string
	// MergedInto is the customer this one was merged into; a merged
	// customer keeps only its id, name and this pointer.
	MergedInto string
	// XStatus is what X's batch compliance reported of the customer's X
	// account ("deleted", "deactivated", "suspended", "protected"; ""
	// while none): their Posts' content is removed from the product and
	// the console says why; the record itself (name, e-mails, phones) is
	// the support team's and stays. XStatusRedactedAt is when X says it
	// happened, XStatusAppliedAt when the product applied it.
	XStatus           string
	XStatusRedactedAt time.Time
	XStatusAppliedAt  time.Time
	// Version counts the customer's writes, for optimistic concurrency.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TwitterAccount is a customer's X account: screen name and X user id.
type TwitterAccount struct {
	Handle  string
	XUserID string
}

// Normalize trims the name and collapses its runs of spaces, tabs and
// newlines (other control characters stay, for Validate to refuse),
// lower-cases e-mails, reduces phones to their digits (keeping a leading
// '+') and drops duplicates, in place.
func (c *Customer) Normalize() {
	c.Name = strings.Join(strings.FieldsFunc(c.Name, func(r rune) bool {
		return unicode.IsSpace(r) && !strayControl(r)
	}), " ")
	c.Emails = normalizeAll(c.Emails, NormalizeEmail)
	c.Phones = normalizeAll(c.Phones, NormalizePhone)
	if c.Twitter != nil {
		c.Twitter.Handle = strings.TrimPrefix(strings.TrimSpace(c.Twitter.Handle), "@")
	}
}

// Validate reports what is wrong with a normalised customer.
func (c *Customer) Validate() error {
	var v validation
	if c.Name == "" {
		v.add("name", "required", "A customer needs a name.")
	} else if len(c.Name) > 200 {
		v.add("name", "invalid", "A name has at most 200 characters.")
	} else if hasStrayControl(c.Name) {
		v.add("name", "invalid", "A name holds no control characters (U+0000 to U+001F other than tab and newline, or U+007F).")
	}
	for i, e := range c.Emails {
		if !ValidEmail(e) {
			v.add(fieldIndex("emails", i), "invalid", "%q is not an e-mail address.", e)
		}
	}
	for i, p := range c.Phones {
		if d := strings.TrimPrefix(p, "+"); len(d) < 5 || len(d) > 15 {
			v.add(fieldIndex("phones", i), "invalid", "A phone number has 5 to 15 digits.")
		}
	}
	if c.Twitter != nil {
		if _, ok := twtext.NormalizeHandle(c.Twitter.Handle); !ok {
			v.add("twitter_handle", EInvalidHandle, "A Twitter handle is an optional @ and 1 to 15 letters, digits or underscores.")
		}
	}
	return v.err()
}

// MaxPreviousHandles is how many earlier screen names a customer keeps.
const MaxPreviousHandles = 10

// MaxFormerXUserIDs is how many earlier X accounts a customer keeps.
const MaxFormerXUserIDs = 10

// SetTwitter gives the customer the X account t. When it is the same X
// account under another screen name (a rename on X), or the screen name is
// lost (t.Handle ""), the old screen name becomes the most recent of
// PreviousHandles; a different X account starts with none, and the one it
// replaces becomes the most recent of FormerXUserIDs.
func (c *Customer) SetTwitter(t *TwitterAccount) {
	old := c.Twitter
	c.Twitter = t
	if t != nil && t.XUserID != "" {
		c.FormerXUserIDs = slices.DeleteFunc(slices.Clone(c.FormerXUserIDs), func(x string) bool { return x == t.XUserID })
	}
	if old != nil && old.XUserID != "" && (t == nil || t.XUserID != old.XUserID) {
		former := slices.DeleteFunc(slices.Clone(c.FormerXUserIDs), func(x string) bool { return x == old.XUserID })
		former = append([]string{old.XUserID}, former...)
		c.FormerXUserIDs = former[:min(len(former), MaxFormerXUserIDs)]
	}
	if old == nil || old.Handle == "" {
		return
	}
	if t == nil || t.XUserID != old.XUserID {
		c.PreviousHandles = nil
		return
	}
	if strings.EqualFold(old.Handle, t.Handle) {
		return
	}
	prev := slices.DeleteFunc(slices.Clone(c.PreviousHandles), func(h string) bool {
		return strings.EqualFold(h, old.Handle) || strings.EqualFold(h, t.Handle)
	})
	prev = append([]string{old.Handle}, prev...)
	c.PreviousHandles = prev[:min(len(prev), MaxPreviousHandles)]
}

// Limits on a customer's contact data: counts per customer and lengths of
// one entry as typed.
const (
	MaxEmails = 20
	MaxPhones = 20
	// MaxEmailLength is the longest e-mail address SMTP carries (RFC 5321).
	MaxEmailLength = 254
	// MaxPhoneLength bounds a phone number as typed, separators included.
	MaxPhoneLength = 32
)

// ValidateContacts checks e-mail addresses and phone numbers as an agent
// typed them, before Normalize would silently drop what is not one: each
// e-mail is a bare address of at most MaxEmailLength characters; each phone
// is 5 to 15 digits (E.164's range) with an optional leading '+' and only
// spaces, '-', '.', '(' and ')' between them, at most MaxPhoneLength
// characters; at most MaxEmails and MaxPhones of them. Every bad entry is
// listed, under EInvalidContact (a well-formed request the rules refuse).
func ValidateContacts(emails, phones []string) error {
	var v validation
	if len(emails) > MaxEmails {
		v.add("emails", "too_many", "A customer has at most %d e-mail addresses; %d were given.", MaxEmails, len(emails))
	} else {
		for i, e := range emails {
			switch e = strings.TrimSpace(e); {
			case e == "":
				v.add(fieldIndex("emails", i), "invalid_email", "An e-mail address cannot be empty.")
			case len(e) > MaxEmailLength:
				v.add(fieldIndex("emails", i), "invalid_email", "An e-mail address has at most %d characters.", MaxEmailLength)
			case !ValidEmail(NormalizeEmail(e)):
				v.add(fieldIndex("emails", i), "invalid_email", "%q is not an e-mail address.", e)
			}
		}
	}
	if len(phones) > MaxPhones {
		v.add("phones", "too_many", "A customer has at most %d phone numbers; %d were given.", MaxPhones, len(phones))
	} else {
		for i, p := range phones {
			if detail := phoneProblem(strings.TrimSpace(p)); detail != "" {
				v.add(fieldIndex("phones", i), "invalid_phone", "%s", detail)
			}
		}
	}
	if len(v.fields) == 0 {
		return nil
	}
	msg := v.fields[0].Detail
	if len(v.fields) > 1 {
		msg = "Some e-mail addresses or phone numbers are not valid."
	}
	return &Error{Code: EInvalidContact, Message: msg, Fields: v.fields}
}

// phoneProblem says what is wrong with a phone number as typed, or "".
func phoneProblem(p string) string {
	if len(p) > MaxPhoneLength {
		return "A phone number has at most " + strconv.Itoa(MaxPhoneLength) + " characters."
	}
	digits := 0
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()", r):
		default:
			return strconv.Quote(p) + " is not a phone number: only digits, a leading +, spaces and - . ( ) are allowed."
		}
	}
	if digits < 5 || digits > 15 {
		return "A phone number has 5 to 15 digits."
	}
	return ""
}

// HasTwitter reports whether the customer has a Twitter handle with a known X user id.
func (c *Customer) HasTwitter() bool {
	return c.Twitter != nil && c.Twitter.Handle != "" && c.Twitter.XUserID != ""
}

// NameWords returns the folded words of the name (SearchFold), the keys of
// a name search by word prefix.
func (c *Customer) NameWords() []string {
	words := strings.FieldsFunc(SearchFold(c.Name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	slices.Sort(words)
	return slices.Compact(words)
}

// SearchFold is the form in which a name search compares text, stored keys
// and queries alike: NFC (so "Zoe" + U+0308 and "Zoë" as typed are one
// word), then Unicode full case folding (so "ΟΔΥΣΣΕΥΣ", "οδυσσευς" and
// "Straße"/"STRASSE" match), then NFC again, since folding can leave a
// sequence that composes.
func SearchFold(s string) string {
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(s)))
}

// NormalizeEmail trims and lower-cases an e-mail address.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// ValidEmail reports whether s is a bare e-mail address (no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// NormalizePhone keeps a phone number's digits, and a leading '+' if it had one.
func NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	if strings.HasPrefix(s, "+") {
		b.WriteByte('+')
	}
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func normalizeAll(in []string, norm func(string) string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if n := norm(s); n != "" && n != "+" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func fieldIndex(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// accountCopy is a copy of the customer's X account, or nil.
func (c *Customer) accountCopy() *TwitterAccount {
	if c.Twitter == nil {
		return nil
	}
	a := *c.Twitter
	return &a
}
