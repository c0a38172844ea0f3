package xsim

// OAuth 2.0 Authorization Code Flow with PKCE, as X's pages describe it
// (fundamentals/authentication/oauth-2-0/authorization-code.mdx and
// user-access-token.mdx):
//
//   - GET /i/oauth2/authorize: the consent page (x.com's, here the
//     simulator's) for response_type=code, client_id, redirect_uri (exact
//     match with the app's callback URLs), scope, state (up to 500
//     characters), code_challenge and code_challenge_method (S256 or
//     plain). Authorizing redirects to redirect_uri with code and state;
//     cancelling with error=access_denied and state. The code is good once,
//     for 30 seconds.
//   - POST /2/oauth2/token: grant_type=authorization_code (code,
//     redirect_uri, code_verifier) and grant_type=refresh_token
//     (refresh_token). The simulated app is a confidential client (a Web
//     App): it authenticates with HTTP Basic client id:secret, and a
//     request without that header is refused as X refuses it
//     (unauthorized_client, "Missing valid authorization header"). Access
//     tokens last two hours (Options.AccessTokenLifetime, PUT /sim/oauth2);
//     a refresh token is issued only with offline.access and is good once.
//   - POST /2/oauth2/revoke: token (an access or a refresh token).
//
// Where X's pages are silent the simulator follows RFC 6749: errors are
// {"error", "error_description"} with 400 (invalid_request, invalid_grant,
// unsupported_grant_type) or 401 (unauthorized_client); a used, revoked or
// unknown refresh token or code is invalid_grant. (X has been seen
// answering invalid_request "Value passed for the token was invalid." for
// such a refresh token; the product treats both as a refused grant.) A
// refresh leaves the access tokens given out before it valid until they
// expire; revoking a refresh token, or the user revoking the app
// (DELETE /sim/users/{username}/connected-apps), ends the whole grant and
// every access token of it.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Default OAuth 2.0 client credentials of the simulated app (Options).
const (
	DefaultOAuth2ClientID     = "local-oauth2-client-id"
	DefaultOAuth2ClientSecret = "local-oauth2-client-secret"
)

// DefaultAccessTokenLifetime is X's: two hours.
const DefaultAccessTokenLifetime = 2 * time.Hour

// authCodeLifetime is how long X's authorization code can be exchanged.
const authCodeLifetime = 30 * time.Second

// Endpoint keys of the OAuth 2.0 user endpoints.
const (
	EndpointOAuth2Token  = "POST /2/oauth2/token"
	EndpointOAuth2Revoke = "POST /2/oauth2/revoke"
	EndpointUsersMe      = "GET /2/users/me"
)

// oauth2Scopes are the scopes X's page lists.
var oauth2Scopes = []string{
	"tweet.read", "tweet.write", "tweet.moderate.write", "users.email", "users.read",
	"follows.read", "follows.write", "offline.access", "space.read", "mute.read",
	"mute.write", "like.read", "like.write", "list.read", "list.write", "block.read",
	"block.write", "bookmark.read", "bookmark.write", "dm.read", "dm.write", "media.write",
}

// grant is one user's authorization of the app: the current refresh token
// and the access tokens given out under it.
type grant struct {
	ID       string
	UserID   string
	ClientID string
	Scope    string
	// Refresh is the refresh token that is good now ("" without
	// offline.access, or once the grant is revoked).
	Refresh string `json:",omitempty"`
	// Access are the access tokens given out and not yet expired.
	Access  []accessToken
	Revoked bool `json:",omitempty"`
}

type accessToken struct {
	Token   string
	Expires time.Time
}

// authCode is an authorization code waiting to be exchanged.
type authCode struct {
	userID, clientID, redirectURI, scope string
	challenge, method                    string
	expires                              time.Time
}

// oauth2State is the simulated app's OAuth 2.0 grants (kept with the state)
// and codes (not kept).
type oauth2State struct {
	grants    []*grant
	byAccess  map[string]*grant
	byRefresh map[string]*grant
	codes     map[string]*authCode
}

func (o *oauth2State) init() {
	if o.byAccess == nil {
		o.byAccess, o.byRefresh, o.codes = map[string]*grant{}, map[string]*grant{}, map[string]*authCode{}
	}
}

// add keeps g and indexes its tokens.
func (o *oauth2State) add(g *grant) {
	o.init()
	o.grants = append(o.grants, g)
	o.index(g)
}

func (o *oauth2State) index(g *grant) {
	if g.Refresh != "" {
		o.byRefresh[g.Refresh] = g
	}
	for _, a := range g.Access {
		o.byAccess[a.Token] = g
	}
}

// revoke ends g: its refresh token and every access token.
func (o *oauth2State) revoke(g *grant) {
	delete(o.byRefresh, g.Refresh)
	for _, a := range g.Access {
		delete(o.byAccess, a.Token)
	}
	g.Refresh, g.Access, g.Revoked = "", nil, true
}

// accessUser returns the user id an access token acts for; expired is
// set for a token of the app that is past its lifetime.
func (o *oauth2State) accessUser(tok string, now time.Time) (userID string, known, expired bool) {
	g := o.byAccess[tok]
	if g == nil {
		return "", false, false
	}
	for _, a := range g.Access {
		if a.Token == tok {
			return g.UserID, true, !now.Before(a.Expires)
		}
	}
	return "", false, false
}

// newToken returns a random token in X's style (base64url).
func newToken() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Sim) clientID() string {
	if s.opts.OAuth2ClientID != "" {
		return s.opts.OAuth2ClientID
	}
	return DefaultOAuth2ClientID
}

func (s *Sim) clientSecret() string {
	if s.opts.OAuth2ClientSecret != "" {
		return s.opts.OAuth2ClientSecret
	}
	return DefaultOAuth2ClientSecret
}

// accessLifetime is how long an access token given out now lasts. Called
// with s.mu held.
func (s *Sim) accessLifetime() time.Duration {
	if s.tokenLifetime > 0 {
		return s.tokenLifetime
	}
	if s.opts.AccessTokenLifetime > 0 {
		return s.opts.AccessTokenLifetime
	}
	return DefaultAccessTokenLifetime
}

// callbackAllowed reports whether redirect is one of the app's callback
// URLs, compared exactly (X's exact match validation); with none set any
// http or https URL is taken.
func (s *Sim) callbackAllowed(redirect string) bool {
	if len(s.opts.CallbackURLs) > 0 {
		return slices.Contains(s.opts.CallbackURLs, redirect)
	}
	u, err := url.Parse(redirect)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Fragment == ""
}

// authorizeRequest is the authorize URL's parameters.
type authorizeRequest struct {
	ResponseType, ClientID, RedirectURI, Scope, State, Challenge, Method string
}

func readAuthorizeRequest(v url.Values) authorizeRequest {
	return authorizeRequest{
		ResponseType: v.Get("response_type"), ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"),
		Scope: v.Get("scope"), State: v.Get("state"), Challenge: v.Get("code_challenge"), Method: v.Get("code_challenge_method"),
	}
}

// check validates the request. A bad client or redirect URI is shown on
// the page (never redirected to, RFC 6749 4.1.2.1); any other fault is
// redirected as an error code.
func (s *Sim) checkAuthorize(a authorizeRequest) (pageErr, redirectErr string) {
	if a.ClientID != s.clientID() {
		return "Something went wrong: this app's client_id is not known.", ""
	}
	if a.RedirectURI == "" || !s.callbackAllowed(a.RedirectURI) {
		return "Something went wrong: redirect_uri does not match a callback URL of this app.", ""
	}
	switch {
	case a.ResponseType != "code":
		return "", "unsupported_response_type"
	case a.Scope == "":
		return "", "invalid_scope"
	case a.State == "" || len(a.State) > 500:
		return "", "invalid_request"
	case a.Challenge == "" || (a.Method != "S256" && a.Method != "plain"):
		return "", "invalid_request"
	}
	for _, sc := range strings.Fields(a.Scope) {
		if !slices.Contains(oauth2Scopes, sc) {
			return "", "invalid_scope"
		}
	}
	return "", ""
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize app - X (simulated)</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}label{display:block;margin:1rem 0}
.err{color:#b00020}</style></head>
<body><main>
<h1>Authorize app</h1>
{{if .PageErr}}<p class="err" role="alert">{{.PageErr}}</p>{{else}}
<p>The app is asking to access your X account with these permissions:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
{{if .LoginErr}}<p class="err" role="alert">{{.LoginErr}}</p>{{end}}
<form method="post" action="/i/oauth2/authorize">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<label>Username <input name="username" autocomplete="username" value="{{.Username}}" required></label>
<button type="submit" name="decision" value="allow">Authorize app</button>
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
</form>{{end}}
</main></body></html>
`))

type consentData struct {
	PageErr, LoginErr, Username string
	Scopes                      []string
	Hidden                      map[string]string
}

func (s *Sim) renderConsent(w http.ResponseWriter, status int, a authorizeRequest, d consentData) {
	d.Scopes = strings.Fields(a.Scope)
	d.Hidden = map[string]string{"response_type": a.ResponseType, "client_id": a.ClientID, "redirect_uri": a.RedirectURI,
		"scope": a.Scope, "state": a.State, "code_challenge": a.Challenge, "code_challenge_method": a.Method}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = consentPage.Execute(w, d)
}

// redirectBack sends the browser to the app's callback with params.
func redirectBack(w http.ResponseWriter, r *http.Request, redirect string, params url.Values) {
	u, _ := url.Parse(redirect)
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// GET /i/oauth2/authorize: the consent page.
func (s *Sim) authorizePage(w http.ResponseWriter, r *http.Request) {
	a := readAuthorizeRequest(r.URL.Query())
	s.mu.Lock()
	pageErr, redirectErr := s.checkAuthorize(a)
	s.mu.Unlock()
	if pageErr != "" {
		s.renderConsent(w, http.StatusBadRequest, a, consentData{PageErr: pageErr})
		return
	}
	if redirectErr != "" {
		redirectBack(w, r, a.RedirectURI, url.Values{"error": {redirectErr}, "state": {a.State}})
		return
	}
	s.renderConsent(w, http.StatusOK, a, consentData{})
}

// POST /i/oauth2/authorize: the user's decision, signed in as username.
func (s *Sim) authorizeDecision(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	a := readAuthorizeRequest(r.PostForm)
	s.mu.Lock()
	defer s.mu.Unlock()
	pageErr, redirectErr := s.checkAuthorize(a)
	if pageErr != "" {
		s.renderConsent(w, http.StatusBadRequest, a, consentData{PageErr: pageErr})
		return
	}
	if redirectErr != "" {
		redirectBack(w, r, a.RedirectURI, url.Values{"error": {redirectErr}, "state": {a.State}})
		return
	}
	if r.PostForm.Get("decision") != "allow" {
		redirectBack(w, r, a.RedirectURI, url.Values{"error": {"access_denied"}, "state": {a.State}})
		return
	}
	name := r.PostForm.Get("username")
	u := s.st.userByName(name)
	if u == nil {
		s.renderConsent(w, http.StatusOK, a, consentData{LoginErr: "No account @" + trimAt(name) + ".", Username: name})
		return
	}
	code := newToken()
	s.st.oauth2.init()
	now := time.Now()
	for c, ac := range s.st.oauth2.codes {
		if now.After(ac.expires) {
			delete(s.st.oauth2.codes, c)
		}
	}
	s.st.oauth2.codes[code] = &authCode{userID: u.ID, clientID: a.ClientID, redirectURI: a.RedirectURI, scope: a.Scope,
		challenge: a.Challenge, method: a.Method, expires: now.Add(authCodeLifetime)}
	redirectBack(w, r, a.RedirectURI, url.Values{"code": {code}, "state": {a.State}})
}

// oauth2Error is RFC 6749 5.2's error body.
type oauth2Error struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func tokenError(status int, code, desc string) (int, any) {
	return status, oauth2Error{Error: code, Description: desc}
}

// tokenEndpoint wraps the token and revoke endpoints: a form body,
// recorded, and the confidential client's Basic authentication.
func (s *Sim) tokenEndpoint(h func(form url.Values) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
		s.mu.Lock()
		defer s.mu.Unlock()
		rec := s.record(r, redactForm(body))
		rec.Auth = "basic"
		status, out := s.serveToken(r, body, h)
		rec.Status = status
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, status, out)
	}
}

func (s *Sim) serveToken(r *http.Request, body []byte, h func(url.Values) (int, any)) (int, any) {
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 2.3.1: form-encoded before they are joined.
		i, err1 := url.QueryUnescape(id)
		sec, err2 := url.QueryUnescape(secret)
		ok = err1 == nil && err2 == nil && hmac.Equal([]byte(i), []byte(s.clientID())) && hmac.Equal([]byte(sec), []byte(s.clientSecret()))
	}
	if !ok {
		return tokenError(http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return tokenError(http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return tokenError(http.StatusBadRequest, "invalid_request", "The request body could not be read.")
	}
	if c := form.Get("client_id"); c != "" && c != s.clientID() {
		return tokenError(http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header")
	}
	return h(form)
}

// redactForm keeps codes, verifiers and tokens out of GET /sim/requests.
func redactForm(body []byte) []byte {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil
	}
	for _, k := range []string{"code", "code_verifier", "refresh_token", "token"} {
		if form.Has(k) {
			form.Set(k, "[redacted]")
		}
	}
	return []byte(form.Encode())
}

// POST /2/oauth2/token. Called with s.mu held.
func (s *Sim) oauth2Token(form url.Values) (int, any) {
	o := &s.st.oauth2
	o.init()
	now := time.Now()
	switch form.Get("grant_type") {
	case "authorization_code":
		code := form.Get("code")
		if code == "" || form.Get("redirect_uri") == "" || form.Get("code_verifier") == "" {
			return tokenError(http.StatusBadRequest, "invalid_request", "Missing required parameter [code, redirect_uri or code_verifier].")
		}
		ac := o.codes[code]
		delete(o.codes, code) // good once, whatever happens next
		if ac == nil || now.After(ac.expires) {
			return tokenError(http.StatusBadRequest, "invalid_grant", "Value passed for the authorization code was invalid.")
		}
		if form.Get("redirect_uri") != ac.redirectURI {
			return tokenError(http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request.")
		}
		if !pkceMatches(ac.method, ac.challenge, form.Get("code_verifier")) {
			return tokenError(http.StatusBadRequest, "invalid_grant", "Value passed for the code_verifier was invalid.")
		}
		g := &grant{ID: newToken()[:16], UserID: ac.userID, ClientID: ac.clientID, Scope: ac.scope}
		out := s.issue(g, now)
		o.add(g)
		return http.StatusOK, out
	case "refresh_token":
		rt := form.Get("refresh_token")
		if rt == "" {
			return tokenError(http.StatusBadRequest, "invalid_request", "Missing required parameter [refresh_token].")
		}
		g := o.byRefresh[rt]
		if g == nil || g.Revoked {
			return tokenError(http.StatusBadRequest, "invalid_grant", "Value passed for the token was invalid.")
		}
		delete(o.byRefresh, rt)
		kept := g.Access[:0]
		for _, a := range g.Access {
			if now.Before(a.Expires) {
				kept = append(kept, a)
			} else {
				delete(o.byAccess, a.Token)
			}
		}
		g.Access = kept
		out := s.issue(g, now)
		o.index(g)
		return http.StatusOK, out
	case "":
		return tokenError(http.StatusBadRequest, "invalid_request", "Missing required parameter [grant_type].")
	default:
		return tokenError(http.StatusBadRequest, "unsupported_grant_type", "Only authorization_code and refresh_token are supported.")
	}
}

// issue gives g a new access token (and refresh token with offline.access)
// and returns the token response.
func (s *Sim) issue(g *grant, now time.Time) map[string]any {
	life := s.accessLifetime()
	at := accessToken{Token: newToken(), Expires: now.Add(life)}
	g.Access = append(g.Access, at)
	out := map[string]any{"token_type": "bearer", "expires_in": int(life.Round(time.Second) / time.Second),
		"access_token": at.Token, "scope": g.Scope}
	g.Refresh = ""
	if slices.Contains(strings.Fields(g.Scope), "offline.access") {
		g.Refresh = newToken()
		out["refresh_token"] = g.Refresh
	}
	return out
}

// pkceMatches is RFC 7636 4.6.
func pkceMatches(method, challenge, verifier string) bool {
	switch method {
	case "S256":
		sum := sha256.Sum256([]byte(verifier))
		return hmac.Equal([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge))
	case "plain":
		return hmac.Equal([]byte(verifier), []byte(challenge))
	}
	return false
}

// POST /2/oauth2/revoke. Called with s.mu held. An unknown token is
// revoked already (RFC 7009 2.2).
func (s *Sim) oauth2Revoke(form url.Values) (int, any) {
	o := &s.st.oauth2
	o.init()
	tok := form.Get("token")
	if tok == "" {
		return tokenError(http.StatusBadRequest, "invalid_request", "Missing required parameter [token].")
	}
	if g := o.byRefresh[tok]; g != nil {
		o.revoke(g)
	} else if g := o.byAccess[tok]; g != nil {
		delete(o.byAccess, tok)
		g.Access = slices.DeleteFunc(g.Access, func(a accessToken) bool { return a.Token == tok })
	}
	return http.StatusOK, map[string]bool{"revoked": true}
}

// GET /2/users/me
func (s *Sim) usersMeAPI(c *call) (int, any) {
	return http.StatusOK, map[string]any{"data": s.userData(c.user, c.user, c.r.URL.Query().Get("user.fields"))}
}

// DELETE /sim/users/{username}/connected-apps: the user revokes the app
// on x.com/settings/connected_apps → 200 {revoked: n}, the grants ended.
func (s *Sim) ctlRevokeApp(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userFromPath(w, r, "username")
	if u == nil {
		return
	}
	n := 0
	for _, g := range s.st.oauth2.grants {
		if g.UserID == u.ID && !g.Revoked {
			s.st.oauth2.revoke(g)
			n++
		}
	}
	writeJSON(w, http.StatusOK, map[string]int{"revoked": n})
}

// PUT /sim/oauth2 {access_token_lifetime_s} → 200 {access_token_lifetime_s,
// client_id}: how long access tokens given out from now on last (0: back
// to Options.AccessTokenLifetime or X's two hours).
func (s *Sim) ctlOAuth2Settings(w http.ResponseWriter, r *http.Request) {
	var in struct {
		LifetimeS *float64 `json:"access_token_lifetime_s"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.LifetimeS == nil || *in.LifetimeS < 0 {
		ctlError(w, http.StatusBadRequest, "access_token_lifetime_s is a number of seconds, 0 or more.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLifetime = time.Duration(*in.LifetimeS * float64(time.Second))
	writeJSON(w, http.StatusOK, map[string]any{"access_token_lifetime_s": s.accessLifetime().Seconds(), "client_id": s.clientID()})
}
