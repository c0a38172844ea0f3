// Package phone reads phone numbers as libphonenumber does (through
// github.com/nyaruka/phonenumbers, its Go port, with Google's metadata for
// every region), so the console finds a customer by the number an agent
// types, written nationally or internationally.
//
// The library carries its metadata and loads it when the package is
// initialised: only the functions that search or write customers' phone
// numbers import this package (it implements support.Phones).
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

// E164 returns s in E.164 form ("+15550100001") when it is a possible
// phone number: written internationally ("+44 20 7946 0958", "0044 …"
// from the US), or nationally in the default region ("(555) 010-0001",
// "5550100001"). Possible means the right length for its country, not
// that the number is assigned, so test and fictional numbers work too.
// An extension is dropped. It reports false for anything else.
func (b *Book) E164(s string) (string, bool) {
	n, err := phonenumbers.Parse(s, b.region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}
