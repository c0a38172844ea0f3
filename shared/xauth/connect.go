package xauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
)

// DefaultAuthorizeURL is X's consent page.
const DefaultAuthorizeURL = "https://x.com/i/oauth2/authorize"

// Scopes are the OAuth 2.0 scopes the product asks a brand handle for,
// read off the endpoints it calls (X's scope table): Posts and replies
// (tweet.read, tweet.write), users and users/me (users.read), follows
// (follows.read, follows.write), likes (like.read, like.write), X Chat and
// DMs (dm.read, dm.write), media (media.write), and offline.access for a
// refresh token, without which the connection ends after two hours.
var Scopes = []string{
	"tweet.read", "tweet.write", "users.read", "follows.read", "follows.write",
	"like.read", "like.write", "dm.read", "dm.write", "media.write", "offline.access",
}

// NewVerifier returns a PKCE code verifier: 43 characters of base64url
// from 32 random bytes (RFC 7636 4.1).
func NewVerifier() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Challenge is the verifier's S256 code challenge (RFC 7636 4.2).
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL is X's authorize URL for the client: response_type=code,
// the scopes, state and the verifier's S256 challenge. authorizeURL ""
// means X's.
func (c Client) AuthorizeURL(authorizeURL, redirectURI, state, verifier string, scopes []string) string {
	if authorizeURL == "" {
		authorizeURL = DefaultAuthorizeURL
	}
	q := url.Values{
		"response_type": {"code"}, "client_id": {c.ClientID}, "redirect_uri": {redirectURI},
		"scope": {strings.Join(scopes, " ")}, "state": {state},
		"code_challenge": {Challenge(verifier)}, "code_challenge_method": {"S256"},
	}
	// X's pages ask for %20 between scopes, not '+'.
	return authorizeURL + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}

// Exchange trades an authorization code (good for 30 seconds) for tokens.
func (c Client) Exchange(ctx context.Context, code, redirectURI, verifier string) (TokenResponse, error) {
	return c.Token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}})
}
