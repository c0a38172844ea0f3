// Package phone reads phone numbers as libphonenumber does (through
// github.com/nyaruka/phonenumbers, its Go port, with Google's metadata for
// every region), so the console finds a customer by the number an agent
// types, written nationally or internationally.
//
// The library is large and parses all of its metadata when the package is
// initialised (measured: about 2 MB more in a function's zip, 1.6 MB of
// heap kept, 30-250 ms of init): only code that writes customers' phone
// numbers imports this package (it implements casework.Phones, which turns
// each number into search keys stored with the customer); searching needs
// only those keys.
package phone

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region a national number is read in when the
// deployment names none (config's DEFAULT_PHONE_REGION).
const DefaultRegion = "US"

// Book reads phone numbers with a deployment's default region.
type Book struct {
	region string
}

// New returns a Book reading national numbers in region, an ISO 3166-1
// alpha-2 code that libphonenumber knows ("US", "GB", "DE", ...); an
// unknown region is an error.
func New(region string) (*Book, error) {
	r := strings.ToUpper(strings.TrimSpace(region))
	if !ValidRegion(r) {
		return nil, fmt.Errorf("phone: %q is not a region libphonenumber knows (an ISO 3166-1 alpha-2 code such as US or GB)", region)
	}
	return &Book{region: r}, nil
}

// ValidRegion reports whether region is an upper-case region code
// libphonenumber has metadata for.
func ValidRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[region]
}

// Region is the Book's default region.
func (b *Book) Region() string { return b.region }

// Keys returns the search keys of s (casework.Phones): "+" and its E.164
// digits, its national significant number, and the digits of the number
// as dialled in the default region: its national format for a number of
// that region (with the trunk prefix, such as the 0 of "020 7946 0958" in
// GB; "1 555 010 0001" within the North American plan), else the
// international prefix and the number ("011 44 20 7946 0958" from the
// US). False when s is not a possible number.
func (b *Book) Keys(s string) ([]string, bool) {
	n, ok := b.parse(s)
	if !ok {
		return nil, false
	}
	keys := []string{
		phonenumbers.Format(n, phonenumbers.E164),
		phonenumbers.GetNationalSignificantNumber(n),
	}
	if dialled := digits(phonenumbers.FormatOutOfCountryCallingNumber(n, b.region)); dialled != keys[1] {
		keys = append(keys, dialled)
	}
	return keys, true
}

// parse reads s as a possible phone number: written internationally
// ("+44 20 7946 0958", "011 44 …" from the US) or nationally in the
// default region ("(555) 010-0001"). Possible means the right length for
// its country, not that the number is assigned, so test and fictional
// numbers work too. An extension is dropped.
func (b *Book) parse(s string) (*phonenumbers.PhoneNumber, bool) {
	n, err := phonenumbers.Parse(s, b.region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return nil, false
	}
	n.Extension = nil
	return n, true
}

// digits keeps the digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return r
		}
		return -1
	}, s)
}
