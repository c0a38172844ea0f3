package twtext

import "regexp"

// Expressions of twitter-text's isValidUrl (js/src/regexp/validateUrl*.js,
// based on the RFC 3986 ABNF), written with explicit upper-case ranges
// because the reference matches them case-insensitively.
const (
	reURLUnreserved = `[a-zA-Z` + reCyrillic + reCyrillicFolded + `0-9\-._~]`
	reURLPctEncoded = `(?:%[0-9a-fA-F]{2})`
	reURLSubDelims  = `[!$&'()*+,;=]`
	reURLPchar      = `(?:` + reURLUnreserved + `|` + reURLPctEncoded + `|` + reURLSubDelims + `|[:|@])`
	reURLUserinfo   = `(?:` + reURLUnreserved + `|` + reURLPctEncoded + `|` + reURLSubDelims + `|:)*`
	reURLDecOctet   = `(?:[0-9]|(?:[1-9][0-9])|(?:1[0-9]{2})|(?:2[0-4][0-9])|(?:25[0-5]))`
	reURLIPv4       = `(?:` + reURLDecOctet + `(?:\.` + reURLDecOctet + `){3})`
	reURLIPv6       = `(?:\[[a-fA-F0-9:\.]+\])`
	reURLIP         = `(?:` + reURLIPv4 + `|` + reURLIPv6 + `)`
	reURLUniChar    = `[^\x00-\x7f]`

	reURLUnicodeSubDomainSegment = `(?:(?:[a-zA-Z0-9]|` + reURLUniChar + `)(?:(?:[a-zA-Z0-9_\-]|` + reURLUniChar +
		`)*(?:[a-zA-Z0-9]|` + reURLUniChar + `))?)`
	reURLUnicodeDomainSegment = `(?:(?:[a-zA-Z0-9]|` + reURLUniChar + `)(?:(?:[a-zA-Z0-9\-]|` + reURLUniChar +
		`)*(?:[a-zA-Z0-9]|` + reURLUniChar + `))?)`
	reURLUnicodeDomainTld = `(?:(?:[a-zA-Z]|` + reURLUniChar + `)(?:(?:[a-zA-Z0-9\-]|` + reURLUniChar +
		`)*(?:[a-zA-Z0-9]|` + reURLUniChar + `))?)`
	reURLUnicodeDomain = `(?:(?:` + reURLUnicodeSubDomainSegment + `\.)*(?:` + reURLUnicodeDomainSegment + `\.)` +
		reURLUnicodeDomainTld + `)`
	reURLUnicodeHost      = `(?:` + reURLIP + `|` + reURLUnicodeDomain + `)`
	reURLUnicodeAuthority = `(?:(` + reURLUserinfo + `)@)?(` + reURLUnicodeHost + `)(?::([0-9]{1,5}))?`
)

var (
	// urlPartsRe splits a URL into scheme, authority, path, query and fragment
	// (twitter-text's validateUrlUnencoded, a modified RFC 3986 Appendix B).
	urlPartsRe = lazyRegexp(`^(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$`)

	urlSchemeRe    = lazyRegexp(`(?:[a-zA-Z][a-zA-Z0-9+\-.]*)`)
	urlAuthorityRe = lazyRegexp(reURLUnicodeAuthority)
	urlPathRe      = lazyRegexp(`(/` + reURLPchar + `*)*`)
	urlQueryRe     = lazyRegexp(`(` + reURLPchar + `|/|\?)*`)
)

// IsValidURL reports whether s is a valid URL as twitter-text's isValidUrl (with Unicode domains) judges it; with requireProtocol the scheme must be http or https.
func IsValidURL(s string, requireProtocol bool) bool {
	if s == "" {
		return false
	}
	parts := urlPartsRe().FindStringSubmatchIndex(s)
	if parts == nil {
		return false
	}
	group := func(i int) (string, bool) {
		if parts[2*i] < 0 {
			return "", false
		}
		return s[parts[2*i]:parts[2*i+1]], true
	}
	if requireProtocol {
		scheme, ok := group(1)
		if !ok || !wholeMatch(urlSchemeRe(), scheme) || !isHTTPScheme(scheme) {
			return false
		}
	}
	authority, _ := group(2)
	path, _ := group(3)
	query, _ := group(4)
	fragment, _ := group(5)
	return wholeMatch(urlPathRe(), path) &&
		(query == "" || wholeMatch(urlQueryRe(), query)) &&
		(fragment == "" || wholeMatch(urlQueryRe(), fragment)) &&
		wholeMatch(urlAuthorityRe(), authority)
}

// wholeMatch reproduces the reference's isValidMatch: the first
// (leftmost-first) match of re in s must be all of s. This is not the same as
// anchoring re: "1.2.3.4.com" fails because the IPv4 alternative wins.
func wholeMatch(re *regexp.Regexp, s string) bool {
	loc := re.FindStringIndex(s)
	return loc != nil && loc[0] == 0 && loc[1] == len(s)
}

func isHTTPScheme(s string) bool {
	switch len(s) {
	case 4, 5:
	default:
		return false
	}
	const want = "https"
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != want[i] {
			return false
		}
	}
	return true
}
