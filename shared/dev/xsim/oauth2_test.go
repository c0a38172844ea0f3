package xsim

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testCallback = "http://127.0.0.1:9/oauth/callback"

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize goes through the consent page as username and returns the
// callback's query.
func (f *fixture) authorize(t *testing.T, username, challenge, method, scope string) url.Values {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {DefaultOAuth2ClientID}, "redirect_uri": {testCallback},
		"scope": {scope}, "state": {"st-123"}, "code_challenge": {challenge}, "code_challenge_method": {method}}
	resp, err := http.Get(f.srv.URL + "/i/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Authorize app") {
		t.Fatalf("consent page: %d %s", resp.StatusCode, page)
	}
	form := url.Values{}
	for k, v := range q {
		form[k] = v
	}
	form.Set("username", username)
	form.Set("decision", "allow")
	resp, err = noRedirect.PostForm(f.srv.URL+"/i/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("decision: %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), testCallback+"?") {
		t.Fatalf("redirected to %q", resp.Header.Get("Location"))
	}
	return loc.Query()
}

// token posts form to a token endpoint, as a confidential client unless
// basic is false.
func (f *fixture) token(t *testing.T, path string, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(DefaultOAuth2ClientID, DefaultOAuth2ClientSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func (f *fixture) me(t *testing.T, access string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/2/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	return f.send(req)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const fullScope = "tweet.read tweet.write users.read dm.read dm.write offline.access"

func TestOAuth2CodeFlowWithPKCE(t *testing.T) {
	f := newFixture(t, Options{})
	verifier := strings.Repeat("v", 50)
	cb := f.authorize(t, "AcmeSupport", s256(verifier), "S256", fullScope)
	if cb.Get("state") != "st-123" || cb.Get("code") == "" {
		t.Fatalf("callback query %v", cb)
	}
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")}, "redirect_uri": {testCallback}, "code_verifier": {verifier}}

	if st, out := f.token(t, "/2/oauth2/token", exchange, false); st != http.StatusUnauthorized || out["error"] != "unauthorized_client" {
		t.Fatalf("without Basic: %d %v", st, out)
	}
	st, out := f.token(t, "/2/oauth2/token", exchange, true)
	if st != http.StatusOK || out["token_type"] != "bearer" || out["expires_in"] != float64(7200) || out["refresh_token"] == nil || out["scope"] != fullScope {
		t.Fatalf("exchange: %d %v", st, out)
	}
	access, refresh := out["access_token"].(string), out["refresh_token"].(string)
	if a := f.me(t, access); a.status != 200 || str(a.body, "data", "username") != "AcmeSupport" || str(a.body, "data", "id") != acmeSupport.XUserID {
		t.Fatalf("GET /2/users/me: %d %s", a.status, a.raw)
	}
	if st, out := f.token(t, "/2/oauth2/token", exchange, true); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("code used twice: %d %v", st, out)
	}

	// The refresh token is good once.
	refreshForm := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	st, out = f.token(t, "/2/oauth2/token", refreshForm, true)
	if st != http.StatusOK || out["refresh_token"] == refresh || out["access_token"] == access {
		t.Fatalf("refresh: %d %v", st, out)
	}
	refresh2 := out["refresh_token"].(string)
	if st, out := f.token(t, "/2/oauth2/token", refreshForm, true); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh token reused: %d %v", st, out)
	}
	if a := f.me(t, out["access_token"].(string)); a.status != 200 {
		t.Fatalf("new access token: %d", a.status)
	}

	// The user revokes the app: every token of the grant ends.
	if a := f.ctl(http.MethodDelete, "/sim/users/AcmeSupport/connected-apps", ""); a.status != 200 || a.body["revoked"] != float64(1) {
		t.Fatalf("revoke app: %d %s", a.status, a.raw)
	}
	if a := f.me(t, access); a.status != http.StatusUnauthorized {
		t.Fatalf("access token after revocation: %d", a.status)
	}
	if st, out := f.token(t, "/2/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh2}}, true); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh after revocation: %d %v", st, out)
	}
}

func TestOAuth2PKCEChecks(t *testing.T) {
	f := newFixture(t, Options{})
	for _, tc := range []struct {
		name, method, challenge, verifier string
		ok                                bool
	}{
		{"S256", "S256", s256("right-verifier"), "right-verifier", true},
		{"S256 wrong verifier", "S256", s256("right-verifier"), "wrong-verifier", false},
		{"S256 challenge sent as verifier", "S256", s256("right-verifier"), s256("right-verifier"), false},
		{"plain", "plain", "challenge", "challenge", true},
		{"plain wrong verifier", "plain", "challenge", "other", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cb := f.authorize(t, "alice_follows", tc.challenge, tc.method, "tweet.read users.read")
			st, out := f.token(t, "/2/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")},
				"redirect_uri": {testCallback}, "code_verifier": {tc.verifier}}, true)
			if tc.ok != (st == http.StatusOK) {
				t.Fatalf("%d %v", st, out)
			}
			if tc.ok && out["refresh_token"] != nil {
				t.Fatalf("a refresh token without offline.access: %v", out)
			}
			if !tc.ok && out["error"] != "invalid_grant" {
				t.Fatalf("refusal %v", out)
			}
		})
	}
}

func TestOAuth2AuthorizeRefusals(t *testing.T) {
	f := newFixture(t, Options{CallbackURLs: []string{testCallback}})
	good := url.Values{"response_type": {"code"}, "client_id": {DefaultOAuth2ClientID}, "redirect_uri": {testCallback},
		"scope": {"tweet.read"}, "state": {"s"}, "code_challenge": {"c"}, "code_challenge_method": {"S256"}}
	for _, tc := range []struct {
		name         string
		change       func(url.Values)
		status       int
		redirectErr  string
		pageContains string
	}{
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, 400, "", "client_id"},
		{"callback not registered", func(v url.Values) { v.Set("redirect_uri", testCallback+"/x") }, 400, "", "redirect_uri"},
		{"no challenge", func(v url.Values) { v.Del("code_challenge") }, 302, "invalid_request", ""},
		{"other method", func(v url.Values) { v.Set("code_challenge_method", "S512") }, 302, "invalid_request", ""},
		{"unknown scope", func(v url.Values) { v.Set("scope", "tweet.read everything") }, 302, "invalid_scope", ""},
		{"state too long", func(v url.Values) { v.Set("state", strings.Repeat("s", 501)) }, 302, "invalid_request", ""},
		{"token response type", func(v url.Values) { v.Set("response_type", "token") }, 302, "unsupported_response_type", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{}
			for k, v := range good {
				q[k] = append([]string(nil), v...)
			}
			tc.change(q)
			resp, err := noRedirect.Get(f.srv.URL + "/i/oauth2/authorize?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.redirectErr != "" {
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if loc.Query().Get("error") != tc.redirectErr || !strings.HasPrefix(loc.String(), testCallback) {
					t.Fatalf("redirected to %s", loc)
				}
			}
			if tc.pageContains != "" && !strings.Contains(string(body), tc.pageContains) {
				t.Fatalf("page %s", body)
			}
		})
	}
	// Cancel on the consent page.
	form := url.Values{}
	for k, v := range good {
		form[k] = v
	}
	form.Set("decision", "deny")
	resp, err := noRedirect.PostForm(f.srv.URL+"/i/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s" {
		t.Fatalf("cancel: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestOAuth2AccessTokensExpire(t *testing.T) {
	f := newFixture(t, Options{})
	if a := f.ctl(http.MethodPut, "/sim/oauth2", `{"access_token_lifetime_s": 0.05}`); a.status != 200 {
		t.Fatalf("settings: %d %s", a.status, a.raw)
	}
	cb := f.authorize(t, "AcmeDeals", "p", "plain", fullScope)
	st, out := f.token(t, "/2/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")},
		"redirect_uri": {testCallback}, "code_verifier": {"p"}}, true)
	if st != 200 {
		t.Fatalf("exchange %d %v", st, out)
	}
	access := out["access_token"].(string)
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := f.me(t, access)
		if a.status == http.StatusUnauthorized {
			if a.body["title"] != "Unauthorized" || a.body["status"] != float64(401) {
				t.Fatalf("X's 401: %s", a.raw)
			}
			break
		}
		if a.status != 200 || time.Now().After(deadline) {
			t.Fatalf("access token still answers %d", a.status)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	// The refresh token still works after the access token expired.
	st, out = f.token(t, "/2/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {out["refresh_token"].(string)}}, true)
	if st != 200 {
		t.Fatalf("refresh %d %v", st, out)
	}
	if st, out := f.token(t, "/2/oauth2/revoke", url.Values{"token": {out["refresh_token"].(string)}}, true); st != 200 || out["revoked"] != true {
		t.Fatalf("revoke %d %v", st, out)
	}
}

// A user's access token from the flow works on the app endpoints that
// take user context (X Activity subscriptions) as on the user endpoints.
func TestOAuth2TokenOnAppEndpoints(t *testing.T) {
	f := newFixture(t, Options{})
	cb := f.authorize(t, "AcmeSupport", "p", "plain", fullScope)
	_, out := f.token(t, "/2/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")},
		"redirect_uri": {testCallback}, "code_verifier": {"p"}}, true)
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/2/activity/subscriptions", nil)
	req.Header.Set("Authorization", "Bearer "+out["access_token"].(string))
	if a := f.send(req); a.status != http.StatusOK {
		t.Fatalf("list subscriptions with a flow token: %d %s", a.status, a.raw)
	}
}
