package xsim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/michimani/gotwi"

	"github.com/acme/twitter-cases/shared/dev/sample"
)

var (
	acmeSupport = sample.Brands[0] // @AcmeSupport
	acmeDeals   = sample.Brands[1] // @AcmeDeals
	alice       = sample.Customers[0]
	bob         = sample.Customers[1]
)

// creds are the OAuth 1.0a secrets a request is signed with.
type creds struct {
	consumerKey, consumerSecret, token, tokenSecret string
}

func brandCreds(b sample.Brand) creds {
	return creds{sample.ConsumerKey, sample.ConsumerSecret, b.Credentials.AccessToken, b.Credentials.AccessTokenSecret}
}

// fixture is a simulator behind an httptest server, with a webhook receiver.
type fixture struct {
	t    *testing.T
	sim  *Sim
	srv  *httptest.Server
	hook *receiver
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{t: t}
	if opts.WebhookURL == "" {
		f.hook = newReceiver(t)
		opts.WebhookURL = f.hook.srv.URL
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.DeliveryBackoff == 0 {
		opts.DeliveryBackoff = 5 * time.Millisecond
	}
	f.sim = New(opts)
	f.srv = httptest.NewServer(f.sim.Handler())
	t.Cleanup(func() {
		f.srv.Close()
		f.sim.Close()
	})
	return f
}

// sign returns a request to the simulator for the canonical X URL rawURL,
// signed by gotwi's own OAuth 1.0a signer, as the product's requests are.
func (f *fixture) sign(c creds, method, rawURL, body string) *http.Request {
	f.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		f.t.Fatal(err)
	}
	params := map[string]string{}
	for k, vs := range u.Query() {
		params[k] = vs[0]
	}
	out, err := gotwi.CreateOAuthSignature(&gotwi.CreateOAuthSignatureInput{
		HTTPMethod: method, RawEndpoint: rawURL, OAuthConsumerKey: c.consumerKey, OAuthToken: c.token,
		SigningKey:   url.QueryEscape(c.consumerSecret) + "&" + url.QueryEscape(c.tokenSecret),
		ParameterMap: params,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+u.RequestURI(), rb)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	req.Header.Set("Authorization", fmt.Sprintf(`OAuth oauth_consumer_key="%s",oauth_nonce="%s",oauth_signature="%s",oauth_signature_method="%s",oauth_timestamp="%s",oauth_token="%s",oauth_version="%s"`,
		url.QueryEscape(c.consumerKey), url.QueryEscape(out.OAuthNonce), url.QueryEscape(out.OAuthSignature),
		url.QueryEscape(out.OAuthSignatureMethod), url.QueryEscape(out.OAuthTimestamp), url.QueryEscape(c.token), url.QueryEscape(out.OAuthVersion)))
	return req
}

// answer is a decoded response.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (f *fixture) send(req *http.Request) answer {
	f.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		f.t.Fatalf("%s %s: answer is not a JSON object: %s", req.Method, req.URL.Path, raw)
	}
	return a
}

// api calls the simulated X API as the brand.
func (f *fixture) api(b sample.Brand, method, path, body string) answer {
	f.t.Helper()
	return f.send(f.sign(brandCreds(b), method, CanonicalBaseURL+path, body))
}

// ctl calls a control route.
func (f *fixture) ctl(method, path, body string) answer {
	f.t.Helper()
	var rb io.Reader
	if body != "" {
		rb = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rb)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.send(req)
}

// flush waits for the simulator's webhook deliveries.
func (f *fixture) flush() {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.sim.Flush(ctx); err != nil {
		f.t.Fatal(err)
	}
}

// receiver is a webhook that checks X's signature and keeps the payloads.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	payloads []map[string]any
	failNext int // answer 500 to that many deliveries first
	badSigs  int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method == http.MethodGet { // CRC
		token := req.URL.Query().Get("crc_token")
		_ = json.NewEncoder(w).Encode(map[string]string{"response_token": Signature(sample.ConsumerSecret, []byte(token))})
		return
	}
	want := Signature(sample.ConsumerSecret, body)
	if !hmac.Equal([]byte(req.Header.Get("x-twitter-webhooks-signature")), []byte(want)) {
		r.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.failNext > 0 {
		r.failNext--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		r.t.Errorf("webhook payload is not a JSON object: %s", body)
	}
	r.payloads = append(r.payloads, p)
}

// take returns and forgets the payloads received so far.
func (r *receiver) take() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.payloads
	r.payloads = nil
	if r.badSigs > 0 {
		r.t.Errorf("%d deliveries had a bad signature", r.badSigs)
	}
	return p
}

// only returns the payloads of one kind for one user.
func only(ps []map[string]any, forUser, kind string) []map[string]any {
	var out []map[string]any
	for _, p := range ps {
		if p["for_user_id"] == forUser && p[kind] != nil {
			out = append(out, p)
		}
	}
	return out
}

// dig walks a decoded JSON value: dig(v, "a", 0, "b").
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := dig(v, path...).(string)
	return s
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
