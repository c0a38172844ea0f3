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
	sum, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil || len(sum) != sha256.Size {
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
	if !hmac.Equal(sum, mac(secret, body)) {
		return ErrBadSignature
	}
	return nil
}
