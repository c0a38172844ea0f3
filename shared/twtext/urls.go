package twtext

import (
	"io"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Limits from twitter-text's extractUrlsWithIndices.js and idna.js.
const (
	maxURLLength        = 4096
	maxTcoSlugLength    = 40
	maxDomainLabelChars = 63
	defaultProtocolLen  = len("https://")
)

// URLEntity is a URL found in a text.
type URLEntity struct {
	// URL is the URL as it appears in the text (without a protocol if it had none).
	URL string
	// Start and End delimit the URL in UTF-16 code units; End is exclusive.
	Start, End int
}

// ExtractURLs returns the URLs in text, with or without a protocol, in order of appearance.
func ExtractURLs(text string) []string {
	entities := ExtractURLsWithIndices(text)
	if len(entities) == 0 {
		return nil
	}
	urls := make([]string, len(entities))
	for i, e := range entities {
		urls[i] = e.URL
	}
	return urls
}

// ExtractURLsWithIndices returns the URLs in text with their UTF-16 positions, as twitter-text's extractUrlsWithIndices does.
func ExtractURLsWithIndices(text string) []URLEntity {
	units := toUnits(text)
	spans := extractURLSpans(units)
	if len(spans) == 0 {
		return nil
	}
	out := make([]URLEntity, len(spans))
	for i, sp := range spans {
		out[i] = URLEntity{URL: unitsToString(units[sp.start:sp.end]), Start: sp.start, End: sp.end}
	}
	return out
}

// urlSpan is a URL's position as UTF-16 unit indices [start, end).
type urlSpan struct{ start, end int }

// Regular expressions for the part of a URL after its domain, transcribed from
// twitter-text's js/src/regexp (validUrlPath, validUrlBalancedParens,
// validUrlPathEndingChars, validUrlQueryChars, validUrlQueryEndingChars).
// The reference matches them case-insensitively, hence the explicit A-Z and
// the folded extras. Go's leftmost-first matching picks the same match as the
// reference's backtracking engine (none of them uses look-around).
const (
	reGeneralPathChar = `[a-zA-Z0-9!*';:=+,.$/%#\[\]\-\x{2013}_~@|&` +
		reCyrillic + reCyrillicFolded + reLatinAccents + reLatinAccentsFolded + `]`
	reBalancedParens = `\((?:` + reGeneralPathChar + `+|(?:` + reGeneralPathChar + `*\(` +
		reGeneralPathChar + `+\)` + reGeneralPathChar + `*))\)`
	rePathEndingChars = `[+\-a-zA-Z0-9=_#/` + reCyrillic + reCyrillicFolded + reLatinAccents +
		reLatinAccentsFolded + `]`
	// rePath is validUrlPath. The reference splices validUrlPathEndingChars
	// ("[...]|(?:balanced parens)") into it without brackets, so its "|"
	// splits the whole alternative: a path segment is either general
	// characters ending in an ending character, or a parenthesised group on
	// its own, or "@user/". Java's Regex.java has the same shape. This is why
	// "/a:(b)" stops after "/a" while "/a(b)" is kept whole.
	rePath = `(?:(?:` + reGeneralPathChar + `*(?:` + reBalancedParens + reGeneralPathChar + `*)*` +
		rePathEndingChars + `|(?:` + reBalancedParens + `))|(?:@` + reGeneralPathChar + `+/))`
	reQueryChar       = `[a-zA-Z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]`
	reQueryEndingChar = `[a-zA-Z0-9\-_&=#/]`
)

var (
	// urlTailRe matches the optional port ($1), path ($2) and query ($3).
	urlTailRe = lazyRegexp(`^(?::([0-9]+))?(/` + rePath + `*)?(\?` + reQueryChar + `*` + reQueryEndingChar + `)?`)
	// tcoRe is twitter-text's validTcoUrl; $1 is the slug.
	tcoRe = lazyRegexp(`^[hH][tT][tT][pP][sS]?://[tT]\.[cC][oO]/([a-zA-Z0-9]+)(?:\?` + reQueryChar + `*` + reQueryEndingChar + `)?`)
)

// runeReader feeds UTF-16 code units (as runes) to the regexp package,
// reporting each as one byte wide so that match positions come back as unit
// indices. None of the expressions it is used with matches a surrogate, as in
// the reference.
type runeReader struct {
	r []rune
	i int
}

func (rr *runeReader) ReadRune() (rune, int, error) {
	if rr.i >= len(rr.r) {
		return 0, 0, io.EOF
	}
	c := rr.r[rr.i]
	rr.i++
	return c, 1, nil
}

// isURLPrecedingChar reports whether c may precede a URL (twitter-text's
// validUrlPrecedingChars, whose directional-marker alternative is already
// covered by the negated class).
func isURLPrecedingChar(c rune) bool {
	return !(isASCIIAlnum(c) || c == '@' || c == '＠' || c == '$' || c == '#' || c == '＃' || isInvalidChar(c))
}

// isDomainChar reports whether c is in twitter-text's validDomainChars.
func isDomainChar(c rune) bool {
	return !(isPunct(c) || isSpace(c) || isInvalidChar(c) || isDirectionalMarker(c))
}

// isLabelChar reports whether c may appear inside a (sub)domain label.
func isLabelChar(c rune) bool {
	return c == '_' || c == '-' || isDomainChar(c)
}

// isASCIIDomainChar reports whether c may appear in a label of
// twitter-text's validAsciiDomain (matched case-insensitively).
func isASCIIDomainChar(c rune) bool {
	return c == '-' || isASCIIAlnum(c) || isLatinAccentFolded(c)
}

func isPunycodeChar(c rune) bool { return c == '-' || isASCIIAlnum(c) }

// tldTable indexes the TLD lists for matching at a position.
type tldTable struct {
	priority map[string]int // folded TLD -> position in generic-then-country order
	hasLen   []bool         // hasLen[n]: some TLD is n code units long (all are in the BMP)
	maxLen   int
}

var tldIndex = sync.OnceValue(func() *tldTable {
	t := &tldTable{priority: make(map[string]int, len(genericTLDs)+len(countryTLDs))}
	add := func(tld string) {
		folded := make([]rune, 0, len(tld))
		for _, c := range tld {
			folded = append(folded, foldTLDRune(c))
		}
		key := string(folded)
		if _, dup := t.priority[key]; !dup {
			t.priority[key] = len(t.priority)
		}
		t.maxLen = max(t.maxLen, len(folded))
	}
	for _, tld := range genericTLDs {
		add(tld)
	}
	for _, tld := range countryTLDs {
		add(tld)
	}
	t.hasLen = make([]bool, t.maxLen+1)
	for key := range t.priority {
		t.hasLen[utf8.RuneCountInString(key)] = true
	}
	return t
})

// foldTLDRune maps c to the form used to compare TLDs case-insensitively.
// Like JavaScript's non-Unicode case folding it never maps a non-ASCII
// character to an ASCII one (so U+212A KELVIN SIGN does not match "k").
func foldTLDRune(c rune) rune {
	if c < utf8.RuneSelf {
		if c >= 'A' && c <= 'Z' {
			return c + ('a' - 'A')
		}
		return c
	}
	if l := unicode.ToLower(c); l >= utf8.RuneSelf {
		return l
	}
	return c
}

// tldAt returns the length in code units of the top-level domain that
// twitter-text's validDomain would match at r[p:] (a listed gTLD, then a
// listed ccTLD, each followed by something other than [0-9a-zA-Z@+-], then
// punycode), treating limit as the end of the text; 0 if there is none.
func tldAt(r []rune, p, limit int) int {
	t := tldIndex()
	var buf [64 * utf8.UTFMax]byte
	nb, best, bestLen := 0, -1, 0
	for n := 1; n <= t.maxLen && n <= 64 && p+n <= limit; n++ {
		c := r[p+n-1]
		if c == '.' || c == ' ' || c == '/' {
			break // no TLD contains these
		}
		nb += utf8.EncodeRune(buf[nb:], foldTLDRune(c))
		if !t.hasLen[n] {
			continue
		}
		if prio, ok := t.priority[string(buf[:nb])]; ok && (best < 0 || prio < best) && tldBoundary(r, p+n, limit) {
			best, bestLen = prio, n
		}
	}
	if bestLen > 0 {
		return bestLen
	}
	if p+4 < limit && (r[p] == 'x' || r[p] == 'X') && (r[p+1] == 'n' || r[p+1] == 'N') &&
		r[p+2] == '-' && r[p+3] == '-' && isPunycodeChar(r[p+4]) {
		k := p + 5
		for k < limit && isPunycodeChar(r[k]) {
			k++
		}
		return k - p
	}
	return 0
}

// tldBoundary is the look-ahead after a listed TLD: (?=[^0-9a-zA-Z@+-]|$).
func tldBoundary(r []rune, i, limit int) bool {
	if i >= limit {
		return true
	}
	c := r[i]
	return !(isASCIIAlnum(c) || c == '@' || c == '+' || c == '-')
}

// urlMatch is one match of twitter-text's extractUrl expression.
type urlMatch struct {
	start    int // first rune of the URL (after the preceding character)
	protoLen int // length of "http://" or "https://", 0 if absent
	domStart int
	domEnd   int
	hasPath  bool
	end      int // end of the whole match (port, path and query included)
}

// urlScanner finds URLs the way twitter-text's extractUrlsWithIndices does.
// It works on UTF-16 code units, like the reference's regular expressions:
// a surrogate is an ordinary domain character there, so that, for instance,
// after an emoji the reference can start a domain on its low surrogate. It
// memoises domain matches so that long inputs (many dots) stay linear.
type urlScanner struct {
	r      []rune
	n      int
	labEnd []int32 // labEnd[x]: first index >= x that is '.' or not a label character
	nextUS []int32 // nextUS[x]: first index >= x holding '_'
	dom    []int32 // memoised domainEnd: 0 unknown, -1 none, else end+1
	tld    []int32 // memoised tldAt(x, n): 0 unknown, -1 none, else length
	stack  []int32
}

func newURLScanner(r []rune) *urlScanner {
	n := len(r)
	buf := make([]int32, 4*(n+1))
	s := &urlScanner{
		r: r, n: n,
		labEnd: buf[0 : n+1],
		nextUS: buf[n+1 : 2*(n+1)],
		dom:    buf[2*(n+1) : 3*(n+1)],
		tld:    buf[3*(n+1):],
	}
	s.labEnd[n], s.nextUS[n] = int32(n), int32(n)
	for x := n - 1; x >= 0; x-- {
		c := r[x]
		if c != '.' && isLabelChar(c) {
			s.labEnd[x] = s.labEnd[x+1]
		} else {
			s.labEnd[x] = int32(x)
		}
		if c == '_' {
			s.nextUS[x] = int32(x)
		} else {
			s.nextUS[x] = s.nextUS[x+1]
		}
	}
	return s
}

// label reports whether a subdomain label (validSubdomain) starts at x and,
// if so, the index of the '.' that ends it.
func (s *urlScanner) label(x int) (dot int, ok bool) {
	b := int(s.labEnd[x])
	if b == x || b >= s.n || s.r[b] != '.' || !isDomainChar(s.r[x]) || !isDomainChar(s.r[b-1]) {
		return 0, false
	}
	return b, true
}

func (s *urlScanner) tldAt(p int) int {
	if v := s.tld[p]; v != 0 {
		return max(int(v), 0)
	}
	l := tldAt(s.r, p, s.n)
	if l == 0 {
		s.tld[p] = -1
	} else {
		s.tld[p] = int32(l)
	}
	return l
}

// domainEnd returns the end of twitter-text's validDomain matched at x, or -1.
//
// validDomain is validSubdomain* validDomainName (gTLD|ccTLD|punycode). Each
// label runs to the next '.', so the only backtracking is over how many
// labels the greedy validSubdomain* gives back: the deepest label that is a
// valid domain name (no '_') and is followed by a TLD wins. Hence
// domainEnd(x) = domainEnd(next label) if that succeeds, else the label at x
// as the domain name.
func (s *urlScanner) domainEnd(x int) int {
	if v := s.dom[x]; v != 0 {
		return decodeMemo(v)
	}
	stack := s.stack[:0]
	for y := x; s.dom[y] == 0; {
		dot, ok := s.label(y)
		if !ok {
			s.dom[y] = -1
			break
		}
		stack = append(stack, int32(y))
		y = dot + 1
	}
	for i := len(stack) - 1; i >= 0; i-- {
		y := int(stack[i])
		next := int(s.labEnd[y]) + 1
		end := decodeMemo(s.dom[next])
		if end < 0 && int(s.nextUS[y]) >= next-1 {
			if l := s.tldAt(next); l > 0 {
				end = next + l
			}
		}
		if end < 0 {
			s.dom[y] = -1
		} else {
			s.dom[y] = int32(end + 1)
		}
	}
	s.stack = stack
	return decodeMemo(s.dom[x])
}

func decodeMemo(v int32) int {
	if v < 0 {
		return -1
	}
	return int(v) - 1
}

// protocolLen returns 7 or 8 if r[q:] starts with "http://" or "https://"
// (case-insensitively), else 0.
func protocolLen(r []rune, q int) int {
	const p = "https://"
	i := 0
	for ; i < 4; i++ {
		if q+i >= len(r) || r[q+i]|0x20 != rune(p[i]) {
			return 0
		}
	}
	n := 7
	if q+4 < len(r) && r[q+4]|0x20 == 's' {
		n, i = 8, 5
	}
	for ; i < n; i++ {
		if q+i >= len(r) || r[q+i] != rune(p[i+8-n]) {
			return 0
		}
	}
	return n
}

// matchAt tries twitter-text's URL expression (without the preceding
// character) at unit index q.
func (s *urlScanner) matchAt(q int) (urlMatch, bool) {
	if q >= s.n {
		return urlMatch{}, false
	}
	if pl := protocolLen(s.r, q); pl > 0 {
		if e := s.domainEnd(q + pl); e >= 0 {
			return s.finish(q, pl, e), true
		}
	}
	if e := s.domainEnd(q); e >= 0 {
		return s.finish(q, 0, e), true
	}
	return urlMatch{}, false
}

func (s *urlScanner) finish(q, protoLen, domEnd int) urlMatch {
	m := urlMatch{start: q, protoLen: protoLen, domStart: q + protoLen, domEnd: domEnd, end: domEnd}
	if loc := urlTailRe().FindReaderSubmatchIndex(&runeReader{r: s.r[domEnd:]}); loc != nil {
		m.end = domEnd + loc[1]
		m.hasPath = loc[4] >= 0
	}
	return m
}

// extractURLSpans reproduces twitter-text's extractUrlsWithIndices (with
// extractUrlsWithoutProtocol) on the UTF-16 code units r.
func extractURLSpans(r []rune) []urlSpan {
	hasDot := false
	for _, c := range r {
		if c == '.' {
			hasDot = true
			break
		}
	}
	if !hasDot {
		return nil
	}
	s := newURLScanner(r)
	var out []urlSpan
	for pos := 0; pos < s.n; {
		var (
			m      urlMatch
			found  bool
			before rune = -1
		)
		for p := pos; p < s.n && !found; p++ {
			// validUrlPrecedingChars: a preceding character, or the start of the text.
			if isURLPrecedingChar(r[p]) {
				if m, found = s.matchAt(p + 1); found {
					before = r[p]
					break
				}
			}
			if p == 0 {
				m, found = s.matchAt(0)
			}
		}
		if !found {
			break
		}
		pos = m.end
		out = s.accept(out, m, before)
	}
	return out
}

// accept applies extractUrlsWithIndices' checks to one match and appends the
// resulting URLs to out.
func (s *urlScanner) accept(out []urlSpan, m urlMatch, before rune) []urlSpan {
	if !validHostAndLength(s.r, m) {
		return out
	}
	if m.protoLen == 0 {
		// invalidUrlWithoutProtocolPrecedingChars
		if before == '-' || before == '_' || before == '.' || before == '/' {
			return out
		}
		n := len(out)
		out = appendASCIIDomains(out, s.r, m.domStart, m.domEnd)
		if len(out) == n {
			return out
		}
		if m.hasPath {
			out[len(out)-1].end = m.end
		}
		return out
	}
	end := m.end
	if loc := tcoRe().FindReaderSubmatchIndex(&runeReader{r: s.r[m.start:m.end]}); loc != nil {
		if loc[3]-loc[2] > maxTcoSlugLength {
			return out
		}
		end = m.start + loc[1]
	}
	return append(out, urlSpan{m.start, end})
}

// appendASCIIDomains appends the matches of twitter-text's validAsciiDomain
// inside r[ds:de] (treated as a string of its own) to out.
func appendASCIIDomains(out []urlSpan, r []rune, ds, de int) []urlSpan {
	var ends []int
	for s := ds; s < de; {
		ends = ends[:0]
		for x := s; ; {
			b := x
			for b < de && isASCIIDomainChar(r[b]) {
				b++
			}
			if b == x || b >= de || r[b] != '.' {
				break
			}
			ends = append(ends, b+1)
			x = b + 1
		}
		matched := false
		for i := len(ends) - 1; i >= 0; i-- {
			if l := tldAt(r, ends[i], de); l > 0 {
				out = append(out, urlSpan{s, ends[i] + l})
				s = ends[i] + l
				matched = true
				break
			}
		}
		if !matched {
			// Every start inside this chain of labels sees a suffix of
			// the same chain, so it fails too.
			if len(ends) > 0 {
				s = ends[len(ends)-1]
			} else {
				s++
			}
		}
	}
	return out
}

// validHostAndLength is extractUrlsWithIndices' isValidUrl: every label of the
// domain must be 1 to 63 characters once punycode-encoded, a domain starting
// with "xn--" must contain an ASCII domain, and the URL plus protocol must fit
// in 4096 UTF-16 code units.
func validHostAndLength(r []rune, m urlMatch) bool {
	dom := r[m.domStart:m.domEnd]
	if len(dom) >= 4 && dom[0] == 'x' && dom[1] == 'n' && dom[2] == '-' && dom[3] == '-' &&
		len(appendASCIIDomains(nil, r, m.domStart, m.domEnd)) == 0 {
		return false
	}
	start := 0
	for i := 0; i <= len(dom); i++ {
		if i == len(dom) || dom[i] == '.' {
			if !punycodeLabelOK(dom[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	protoLen := m.protoLen
	if protoLen == 0 {
		protoLen = defaultProtocolLen
	}
	return protoLen+m.end-m.start <= maxURLLength
}

// punycodeLabelOK reports whether punycode.toASCII(label) (punycode.js 1.4,
// which also splits on the IDNA separators U+3002, U+FF0E and U+FF61) is 1 to
// 63 characters long.
func punycodeLabelOK(label []rune) bool {
	total, parts, start := 0, 0, 0
	for i := 0; i <= len(label); i++ {
		if i < len(label) && label[i] != 0x3002 && label[i] != 0xFF0E && label[i] != 0xFF61 {
			continue
		}
		n, ok := toASCIILen(label[start:i])
		if !ok {
			return false
		}
		total += n
		parts++
		if total > maxDomainLabelChars {
			return false
		}
		start = i + 1
	}
	total += parts - 1
	return total >= 1 && total <= maxDomainLabelChars
}

// toASCIILen returns the length of punycode.js's toASCII of one label (given
// as UTF-16 code units): the label itself if it is printable ASCII, else
// "xn--" plus its punycode. ok is false when the result is certainly too long
// for a DNS label.
func toASCIILen(label []rune) (n int, ok bool) {
	printable := true
	for _, c := range label {
		if c < 0x20 || c > 0x7E {
			printable = false
			break
		}
	}
	if printable {
		return len(label), true
	}
	// punycode.js decodes surrogate pairs (ucs2decode) before encoding.
	var buf [maxDomainLabelChars]rune
	cps := buf[:0]
	for i := 0; i < len(label); {
		c, w := codePointAt(label, i)
		// The encoding has at least one character per code point.
		if len(cps)+1+4 > maxDomainLabelChars {
			return 0, false
		}
		cps = append(cps, c)
		i += w
	}
	return 4 + punycodeLen(cps), true
}

// punycodeLen returns the length of the RFC 3492 punycode encoding of input
// (at most 59 code points here, so the arithmetic cannot overflow).
func punycodeLen(input []rune) int {
	const (
		base        = 36
		tmin        = 1
		tmax        = 26
		initialBias = 72
		initialN    = 128
	)
	basic := 0
	for _, c := range input {
		if c < 0x80 {
			basic++
		}
	}
	out := basic
	if basic > 0 {
		out++ // delimiter
	}
	n, delta, bias, h := initialN, 0, initialBias, basic
	for h < len(input) {
		m := int(unicode.MaxRune) + 1
		for _, c := range input {
			if int(c) >= n && int(c) < m {
				m = int(c)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, c := range input {
			if int(c) < n {
				delta++
			}
			if int(c) != n {
				continue
			}
			q := delta
			for k := base; ; k += base {
				t := min(max(k-bias, tmin), tmax)
				if q < t {
					break
				}
				out++
				q = (q - t) / (base - t)
			}
			out++
			bias = punycodeAdapt(delta, h+1, h == basic)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return out
}

func punycodeAdapt(delta, numPoints int, first bool) int {
	const (
		base = 36
		tmin = 1
		tmax = 26
		skew = 38
		damp = 700
	)
	if first {
		delta /= damp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((base-tmin)*tmax)/2 {
		delta /= base - tmin
		k += base
	}
	return k + (base-tmin+1)*delta/(delta+skew)
}
