package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

// Vectors derived once, outside Go, with
//
//	printf '%s' "$TOKEN" | openssl dgst -sha256 -hmac local-consumer-secret -binary | base64
//
// (and the same with Python's hmac module).
var crcVectors = []struct{ secret, token, want string }{
	{sample.ConsumerSecret, "Y3JjLXRva2VuLWZyb20teA", "sha256=vGyUW5pFBOFkOl3OmfbFt0Ylov/0OdNo9MR1kdUJmCQ="},
	{sample.ConsumerSecret, "challenge_string", "sha256=rspG9zrIygqR9lVj1MTyGvNIqaofSLVj1AeNIriVoxA="},
}

// independent computes X's token the way X's documentation describes it,
// without the package's code.
func independent(secret string, msg []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(msg)
	return "sha256=" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}

func TestResponseToken(t *testing.T) {
	for _, v := range crcVectors {
		if got := ResponseToken(v.secret, v.token); got != v.want {
			t.Errorf("ResponseToken(%q) = %q, want %q", v.token, got, v.want)
		}
		if got := independent(v.secret, []byte(v.token)); got != v.want {
			t.Errorf("the vector for %q is wrong: HMAC gives %q", v.token, got)
		}
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"for_user_id":"1000000000000000001","follow_events":[]}`)
	good := independent(sample.ConsumerSecret, body)
	raw := strings.TrimPrefix(good, "sha256=")
	tests := []struct {
		name, header string
		body         []byte
		want         error
	}{
		{"valid", good, body, nil},
		{"missing", "", body, ErrNoSignature},
		{"wrong secret", independent("another-secret", body), body, ErrBadSignature},
		{"tampered body", good, append([]byte(" "), body...), ErrBadSignature},
		{"sha1 prefix", "sha1=" + raw, body, ErrMalformedSignature},
		{"no prefix", raw, body, ErrMalformedSignature},
		{"upper-case prefix", "SHA256=" + raw, body, ErrMalformedSignature},
		{"garbage base64", "sha256=not*base64!", body, ErrMalformedSignature},
		{"short digest", "sha256=" + base64.StdEncoding.EncodeToString([]byte("short")), body, ErrMalformedSignature},
		{"unpadded", "sha256=" + strings.TrimRight(raw, "="), body, ErrMalformedSignature},
		{"hex instead of base64", "sha256=" + strings.Repeat("ab", 32), body, ErrMalformedSignature},
		{"trailing space", good + " ", body, ErrMalformedSignature},
		// Go's base64 decoder skips CR and LF even in strict mode; FuzzVerify
		// found this one accepted.
		{"CR LF inside", "sha256=" + raw[:10] + "\r\n" + raw[10:], body, ErrMalformedSignature},
		{"LF at the end", good + "\n", body, ErrMalformedSignature},
		{"CR at the start", "sha256=\r" + raw, body, ErrMalformedSignature},
		{"tab inside", "sha256=" + raw[:10] + "\t" + raw[10:], body, ErrMalformedSignature},
		{"URL-safe alphabet", "sha256=" + base64.URLEncoding.EncodeToString(mac(sample.ConsumerSecret, body)), body, urlSafeWant(raw)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Verify(sample.ConsumerSecret, tt.header, tt.body); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	if Sign(sample.ConsumerSecret, body) != good {
		t.Error("Sign disagrees with X's definition")
	}
}

// urlSafeWant: the URL-safe spelling of raw is refused unless it is the
// same string (no + or / in it).
func urlSafeWant(raw string) error {
	if strings.ContainsAny(raw, "+/") {
		return ErrMalformedSignature
	}
	return nil
}

// FuzzVerify: whatever the header and body, Verify never panics and
// accepts exactly the one correct signature.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"for_user_id":"1"}`)
	f.Add(Sign(sample.ConsumerSecret, body), body)
	f.Add("sha256=", []byte{})
	f.Add("sha256====", []byte("{}"))
	f.Add("sha1=abc", []byte("x"))
	f.Add("", []byte(nil))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify(sample.ConsumerSecret, header, body)
		if want := independent(sample.ConsumerSecret, body); (err == nil) != (header == want) {
			t.Fatalf("Verify(%q) = %v; the correct header is %q", header, err, want)
		}
	})
}
