package xsim

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// oauthParams are the parameters of an "Authorization: OAuth ..." header.
type oauthParams map[string]string

// parseOAuthHeader reads an OAuth 1.0a Authorization header (RFC 5849
// 3.5.1): comma-separated name="value" pairs, values percent-encoded.
func parseOAuthHeader(h string) (oauthParams, error) {
	if len(h) < 6 || !strings.EqualFold(h[:6], "OAuth ") {
		return nil, errors.New("not an OAuth header")
	}
	p := oauthParams{}
	for _, part := range strings.Split(h[6:], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, errors.New("malformed OAuth parameter")
		}
		value = strings.TrimSpace(value)
		if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
			return nil, errors.New("unquoted OAuth parameter")
		}
		v, err := url.PathUnescape(value[1 : len(value)-1])
		if err != nil {
			return nil, err
		}
		name = strings.TrimSpace(name)
		if _, dup := p[name]; dup {
			return nil, errors.New("repeated OAuth parameter")
		}
		p[name] = v
	}
	return p, nil
}

// percentEncode is RFC 5849 3.6: every byte but ALPHA, DIGIT, '-', '.', '_'
// and '~' becomes %XX with upper-case hex digits.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// signatureBase is RFC 5849 3.4.1: the upper-case method, the base string
// URI and the normalised parameters, each percent-encoded, joined by '&'.
// params holds every signed parameter (query, oauth_ but oauth_signature,
// form body), decoded.
func signatureBase(method, baseURI string, params [][2]string) string {
	enc := make([][2]string, len(params))
	for i, p := range params {
		enc[i] = [2]string{percentEncode(p[0]), percentEncode(p[1])}
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i][0] != enc[j][0] {
			return enc[i][0] < enc[j][0]
		}
		return enc[i][1] < enc[j][1]
	})
	pairs := make([]string, len(enc))
	for i, p := range enc {
		pairs[i] = p[0] + "=" + p[1]
	}
	return strings.ToUpper(method) + "&" + percentEncode(baseURI) + "&" + percentEncode(strings.Join(pairs, "&"))
}

// hmacSHA1 signs base with consumer secret and token secret (RFC 5849 3.4.2).
func hmacSHA1(base, consumerSecret, tokenSecret string) []byte {
	m := hmac.New(sha1.New, []byte(percentEncode(consumerSecret)+"&"+percentEncode(tokenSecret)))
	m.Write([]byte(base))
	return m.Sum(nil)
}

// signedParams collects the parameters of r that its signature covers:
// the query, the oauth_ parameters but the signature (and realm), and the
// body when it is a form.
func signedParams(r *http.Request, body []byte, op oauthParams) [][2]string {
	var params [][2]string
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			params = append(params, [2]string{k, v})
		}
	}
	for k, v := range op {
		if k == "oauth_signature" || k == "realm" {
			continue
		}
		params = append(params, [2]string{k, v})
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, vs := range form {
				for _, v := range vs {
					params = append(params, [2]string{k, v})
				}
			}
		}
	}
	return params
}

// authenticate returns the user whose credentials signed r, or nil. It
// rebuilds the base string with CanonicalBaseURL and r's path, as X sees
// the request the client signed. Called with s.mu held.
func (s *Sim) authenticate(r *http.Request, body []byte) (*user, string) {
	op, err := parseOAuthHeader(r.Header.Get("Authorization"))
	if err != nil {
		return nil, "missing or malformed OAuth header"
	}
	if op["oauth_consumer_key"] != s.opts.ConsumerKey {
		return nil, "unknown consumer key"
	}
	if op["oauth_signature_method"] != "HMAC-SHA1" {
		return nil, "unsupported signature method"
	}
	if v, ok := op["oauth_version"]; ok && v != "1.0" {
		return nil, "unsupported OAuth version"
	}
	u := s.st.byToken[op["oauth_token"]]
	if u == nil {
		return nil, "unknown access token"
	}
	ts, err := strconv.ParseInt(op["oauth_timestamp"], 10, 64)
	if err != nil || op["oauth_nonce"] == "" {
		return nil, "missing timestamp or nonce"
	}
	want := hmacSHA1(signatureBase(r.Method, CanonicalBaseURL+r.URL.EscapedPath(), signedParams(r, body, op)), s.opts.ConsumerSecret, u.TokenSecret)
	got, err := base64.StdEncoding.DecodeString(op["oauth_signature"])
	if err != nil || !hmac.Equal(got, want) {
		return nil, "signature does not match"
	}
	now := time.Now()
	if w := s.opts.TimestampWindow; w > 0 {
		if d := now.Sub(time.Unix(ts, 0)); d > w || d < -w {
			return nil, "timestamp out of bounds"
		}
	}
	// A nonce is good once per token and timestamp.
	key := op["oauth_token"] + "\x00" + op["oauth_timestamp"] + "\x00" + op["oauth_nonce"]
	if _, seen := s.nonces[key]; seen {
		return nil, "nonce already used"
	}
	s.nonces[key] = now
	if len(s.nonces) > 100000 || now.Sub(s.lastSeen) > time.Hour {
		for k, at := range s.nonces {
			if now.Sub(at) > time.Hour {
				delete(s.nonces, k)
			}
		}
		s.lastSeen = now
	}
	return u, ""
}

// userTokens are the OAuth 1.0a access token and secret the simulator
// gives out for a user it made (the sample brand handles keep their own):
// derived from the id, so they survive restarts and resets.
func userTokens(id string) (token, secret string) {
	sum := sha256.Sum256([]byte("xsim oauth1 " + id))
	return id + "-" + hex.EncodeToString(sum[:10]), hex.EncodeToString(sum[10:30])
}

// userBearer is the OAuth 2.0 user access token the simulator gives out for
// a user, derived from the id as userTokens are.
func userBearer(id string) string {
	sum := sha256.Sum256([]byte("xsim oauth2 " + id))
	return "xsim-" + base64.RawURLEncoding.EncodeToString(sum[:24])
}

// authenticateUser returns the user a user-context request acts for: an
// OAuth 2.0 user access token (Authorization: Bearer) or an OAuth 1.0a
// signature, as X takes both on its user-context endpoints. appOnly is set
// when the request carries the app's own bearer token instead. Called with
// s.mu held.
func (s *Sim) authenticateUser(r *http.Request, body []byte) (u *user, kind string, appOnly bool, why string) {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok = strings.TrimSpace(tok)
		if u := s.st.byBearer[tok]; u != nil && tok != "" {
			return u, "oauth2", false, ""
		}
		if id, known, expired := s.st.oauth2.accessUser(tok, time.Now()); known {
			if u := s.st.users[id]; u != nil && !expired {
				return u, "oauth2", false, ""
			}
			return nil, "", false, "access token expired"
		}
		if hmac.Equal([]byte(tok), []byte(s.BearerToken())) {
			return nil, "bearer", true, "app-only token"
		}
		return nil, "", false, "unknown bearer token"
	}
	u, why = s.authenticate(r, body)
	if u == nil {
		return nil, "", false, why
	}
	return u, "oauth1", false, ""
}
