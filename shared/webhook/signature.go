package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// SignatureHeader is the header that carries a delivery's signature.
const SignatureHeader = "X-Twitter-Webhooks-Signature"

const signaturePrefix = "sha256="

// Why a signature is refused.
var (
	ErrNoSignature        = errors.New("webhook: no signature header")
	ErrMalformedSignature = errors.New(`webhook: the signature is not "sha256=" and a base64 HMAC-SHA256`)
	ErrBadSignature       = errors.New("webhook: the signature does not match the body")
)

func mac(secret string, msg []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(msg)
	return h.Sum(nil)
}

// MaxCRCTokenLength is the longest crc_token the webhook answers. X's tokens
// are short opaque strings (its documentation's examples are a word such as
// "challenge_string" or a UUID; the tokens X sends are base64 of about 48
// characters), so 256 leaves ample room.
const MaxCRCTokenLength = 256

// ErrInvalidCRCToken: a crc_token that is missing, too long, or has a
// character outside ValidCRCToken's alphabet.
var ErrInvalidCRCToken = errors.New("webhook: the crc_token is not shaped as X sends them")

// ValidCRCToken reports whether token is shaped as X sends them: 1 to
// MaxCRCTokenLength characters, each an ASCII letter or digit or one of
// "-", "_", ".", "=", "+" and "/" (base64 in either alphabet, UUIDs and
// plain words). Refusing anything else keeps the CRC from being a signing
// oracle: an event body is a JSON object, so it starts with "{" (after
// optional whitespace) and holds '"' and ":", none of which a token may
// contain, and so no CRC answer is ever the signature of an event body.
func ValidCRCToken(token string) bool {
	if len(token) == 0 || len(token) > MaxCRCTokenLength {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == '=', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// ResponseToken is the answer to a CRC with token:
// "sha256=" + base64(HMAC-SHA256(secret, token)).
func ResponseToken(secret, token string) string {
	return signaturePrefix + base64.StdEncoding.EncodeToString(mac(secret, []byte(token)))
}

// Sign returns the signature header X sends with body:
// "sha256=" + base64(HMAC-SHA256(secret, body)). The X simulator and the
// tests sign with it.
func Sign(secret string, body []byte) string {
	return signaturePrefix + base64.StdEncoding.EncodeToString(mac(secret, body))
}

// parseSignature decodes a signature header into its HMAC.
func parseSignature(header string) ([]byte, error) {
	if header == "" {
		return nil, ErrNoSignature
	}
	enc, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return nil, ErrMalformedSignature
	}
	// Go's decoder skips CR and LF even in strict mode, so the length and
	// a re-encoding pin the header to the one canonical spelling: 44
	// characters of standard, padded base64 and nothing else.
	if len(enc) != base64.StdEncoding.EncodedLen(sha256.Size) {
		return nil, ErrMalformedSignature
	}
	sum, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil || len(sum) != sha256.Size || base64.StdEncoding.EncodeToString(sum) != enc {
		return nil, ErrMalformedSignature
	}
	return sum, nil
}

// Verify checks header, the value of SignatureHeader, against body in
// constant time. It returns nil, ErrNoSignature, ErrMalformedSignature or
// ErrBadSignature.
func Verify(secret, header string, body []byte) error {
	sum, err := parseSignature(header)
	if err != nil {
		return err
	}
	return verifySum(secret, sum, body)
}

// verifySum checks a parsed signature against body in constant time.
func verifySum(secret string, sum, body []byte) error {
	if !hmac.Equal(sum, mac(secret, body)) {
		return ErrBadSignature
	}
	return nil
}
