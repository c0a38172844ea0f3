package xsim

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The RFC 5849 example (section 3.4.1.1), with its expected base string.
func TestSignatureBaseRFC5849(t *testing.T) {
	req := httptest.NewRequest("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", strings.NewReader("c2&a3=2+q"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", `OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"`)
	op, err := parseOAuthHeader(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	got := signatureBase(req.Method, "http://example.com"+req.URL.EscapedPath(), signedParams(req, []byte("c2&a3=2+q"), op))
	want := "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	if got != want {
		t.Errorf("base string\n got %s\nwant %s", got, want)
	}
}

func TestOAuthVerification(t *testing.T) {
	f := newFixture(t, Options{})
	lookup := CanonicalBaseURL + "/2/users/by/username/alice_follows?user.fields=created_at"
	good := brandCreds(acmeSupport)
	tests := []struct {
		name   string
		creds  creds
		url    string
		tamper func(r *http.Request)
		want   int
	}{
		{"signed by gotwi", good, lookup, nil, http.StatusOK},
		{"other brand", brandCreds(acmeDeals), lookup, nil, http.StatusOK},
		{"path changed after signing", good, lookup, func(r *http.Request) {
			r.URL.Path = "/2/users/by/username/bob_stranger"
		}, http.StatusUnauthorized},
		{"query changed after signing", good, lookup, func(r *http.Request) { r.URL.RawQuery = "user.fields=description" }, http.StatusUnauthorized},
		{"method changed after signing", good, CanonicalBaseURL + "/2/tweets/1", func(r *http.Request) { r.Method = http.MethodDelete }, http.StatusUnauthorized},
		{"signed for another host", good, "https://api.example.com/2/users/by/username/alice_follows", nil, http.StatusUnauthorized},
		{"wrong consumer secret", creds{good.consumerKey, "nope", good.token, good.tokenSecret}, lookup, nil, http.StatusUnauthorized},
		{"wrong token secret", creds{good.consumerKey, good.consumerSecret, good.token, "nope"}, lookup, nil, http.StatusUnauthorized},
		{"unknown token", creds{good.consumerKey, good.consumerSecret, "1-unknown", good.tokenSecret}, lookup, nil, http.StatusUnauthorized},
		{"unknown consumer key", creds{"other-app", good.consumerSecret, good.token, good.tokenSecret}, lookup, nil, http.StatusUnauthorized},
		{"no header", good, lookup, func(r *http.Request) { r.Header.Del("Authorization") }, http.StatusUnauthorized},
		{"bearer token", good, lookup, func(r *http.Request) { r.Header.Set("Authorization", "Bearer AAAA") }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := f.sign(tt.creds, http.MethodGet, tt.url, "")
			if strings.HasPrefix(tt.url, "https://api.example.com") {
				req.URL.Path = "/2/users/by/username/alice_follows"
			}
			if tt.tamper != nil {
				tt.tamper(req)
			}
			a := f.send(req)
			if a.status != tt.want {
				t.Fatalf("status %d, want %d: %s", a.status, tt.want, a.raw)
			}
			if tt.want == http.StatusUnauthorized {
				// X's 401 body.
				if want := `{"title":"Unauthorized","detail":"Unauthorized","type":"about:blank","status":401}`; strings.TrimSpace(a.raw) != want {
					t.Errorf("body %s, want %s", a.raw, want)
				}
			}
		})
	}

	t.Run("replayed nonce", func(t *testing.T) {
		req := f.sign(good, http.MethodGet, lookup, "")
		again := req.Clone(context.Background())
		if a := f.send(req); a.status != http.StatusOK {
			t.Fatalf("first: %d", a.status)
		}
		if a := f.send(again); a.status != http.StatusUnauthorized {
			t.Errorf("replay: %d, want 401", a.status)
		}
	})

	t.Run("recorded with the authenticated user", func(t *testing.T) {
		calls := f.sim.Calls()
		last := calls[len(calls)-1]
		if last.Status != http.StatusUnauthorized || last.UserID != "" {
			t.Errorf("last call %+v", last)
		}
		first := calls[0]
		if first.Status != http.StatusOK || first.Username != "AcmeSupport" || first.Path != "/2/users/by/username/alice_follows" || first.Query != "user.fields=created_at" {
			t.Errorf("first call %+v", first)
		}
	})
}

func TestTimestampWindow(t *testing.T) {
	f := newFixture(t, Options{TimestampWindow: 5 * time.Minute})
	c := brandCreds(acmeSupport)
	for _, tt := range []struct {
		name string
		age  time.Duration
		want int
	}{
		{"fresh", 0, http.StatusOK},
		{"a minute old", time.Minute, http.StatusOK},
		{"an hour old", time.Hour, http.StatusUnauthorized},
		{"an hour ahead", -time.Hour, http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := strconv.FormatInt(time.Now().Add(-tt.age).Unix(), 10)
			path := "/2/users/by/username/alice_follows"
			op := oauthParams{"oauth_consumer_key": c.consumerKey, "oauth_token": c.token, "oauth_signature_method": "HMAC-SHA1",
				"oauth_timestamp": ts, "oauth_nonce": "n" + ts, "oauth_version": "1.0"}
			req := httptest.NewRequest("GET", CanonicalBaseURL+path, nil)
			sig := base64.StdEncoding.EncodeToString(hmacSHA1(signatureBase("GET", CanonicalBaseURL+path, signedParams(req, nil, op)), c.consumerSecret, c.tokenSecret))
			out, _ := http.NewRequest("GET", f.srv.URL+path, nil)
			h := "OAuth "
			for k, v := range op {
				h += k + `="` + percentEncode(v) + `",`
			}
			out.Header.Set("Authorization", h+`oauth_signature="`+percentEncode(sig)+`"`)
			if a := f.send(out); a.status != tt.want {
				t.Errorf("%d, want %d", a.status, tt.want)
			}
		})
	}
}

func TestAPIAnswers(t *testing.T) {
	f := newFixture(t, Options{LegacyDMs: true})
	first := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows hello from Acme"}`)
	tweetID := str(first.body, "data", "id")
	if first.status != http.StatusCreated || !isID(tweetID) || str(first.body, "data", "text") != "@alice_follows hello from Acme" {
		t.Fatalf("create tweet: %d %s", first.status, first.raw)
	}
	if str(first.body, "data", "edit_history_tweet_ids", 0) != tweetID {
		t.Errorf("edit_history_tweet_ids: %s", first.raw)
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		want   string // a fragment of the exact answer
	}{
		{"duplicate tweet", "POST", "/2/tweets", `{"text":"@alice_follows hello from Acme"}`, 403,
			`{"title":"Forbidden","detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","status":403}`},
		{"same text by another brand", "POST", "/2/tweets", `{"text":"@alice_follows hello from Acme"}`, 201, `"data":{"id":"`},
		{"reply to a missing tweet", "POST", "/2/tweets", `{"text":"@alice_follows hi","reply":{"in_reply_to_tweet_id":"1234"}}`, 403,
			`"detail":"You attempted to reply to a Tweet that is deleted or not visible to you."`},
		{"reply to a bad id", "POST", "/2/tweets", `{"text":"@alice_follows hi","reply":{"in_reply_to_tweet_id":"x1"}}`, 400,
			`"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"`},
		{"empty tweet", "POST", "/2/tweets", `{"text":"  "}`, 400, `"type":"https://api.twitter.com/2/problems/invalid-request"`},
		{"tweet too long", "POST", "/2/tweets", `{"text":"` + strings.Repeat("a", 281) + `"}`, 403, `"title":"Forbidden"`},
		{"body not JSON", "POST", "/2/tweets", `text=hi`, 400, `"title":"Invalid Request"`},
		{"lookup tweet", "GET", "/2/tweets/" + tweetID + "?tweet.fields=author_id,created_at", "", 200, `"author_id":"` + acmeSupport.XUserID + `"`},
		{"lookup missing tweet", "GET", "/2/tweets/42", "", 200,
			`{"errors":[{"value":"42","detail":"Could not find tweet with id: [42].","title":"Not Found Error","resource_type":"tweet","parameter":"id","resource_id":"42","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`},
		{"lookup bad tweet id", "GET", "/2/tweets/abc", "", 400, `"message":"The ` + "`id`" + ` query parameter value [abc] does not match ^[0-9]{1,19}$"`},
		{"lookup user", "GET", "/2/users/by/username/ALICE_FOLLOWS", "", 200,
			`{"data":{"id":"` + alice.XUser + `","name":"Alice Follower","username":"alice_follows"}}`},
		{"lookup unknown user", "GET", "/2/users/by/username/nobody_here", "", 200,
			`{"errors":[{"value":"nobody_here","detail":"Could not find user with username: [nobody_here].","title":"Not Found Error","resource_type":"user","parameter":"username","resource_id":"nobody_here","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`},
		{"lookup invalid username", "GET", "/2/users/by/username/a.b", "", 400, `"parameters":{"username":["a.b"]}`},
		{"retweet", "POST", "/2/users/" + acmeDeals.XUserID + "/retweets", `{"tweet_id":"` + tweetID + `"}`, 200, `{"data":{"retweeted":true}}`},
		{"retweet again", "POST", "/2/users/" + acmeDeals.XUserID + "/retweets", `{"tweet_id":"` + tweetID + `"}`, 200, `{"data":{"retweeted":true}}`},
		{"retweet a missing tweet", "POST", "/2/users/" + acmeDeals.XUserID + "/retweets", `{"tweet_id":"77"}`, 200,
			`"detail":"Could not find tweet with tweet_id: [77].","title":"Not Found Error","resource_type":"tweet","parameter":"tweet_id"`},
		{"retweet as someone else", "POST", "/2/users/" + acmeSupport.XUserID + "/retweets", `{"tweet_id":"` + tweetID + `"}`, 400,
			"must be the same as the authenticating user [" + acmeDeals.XUserID + "]"},
		{"undo retweet", "DELETE", "/2/users/" + acmeDeals.XUserID + "/retweets/" + tweetID, "", 200, `{"data":{"retweeted":false}}`},
		{"undo retweet again", "DELETE", "/2/users/" + acmeDeals.XUserID + "/retweets/" + tweetID, "", 200, `{"data":{"retweeted":false}}`},
		{"follow", "POST", "/2/users/" + acmeDeals.XUserID + "/following", `{"target_user_id":"` + bob.XUser + `"}`, 200,
			`{"data":{"following":true,"pending_follow":false}}`},
		{"follow unknown", "POST", "/2/users/" + acmeDeals.XUserID + "/following", `{"target_user_id":"5"}`, 200, `"resource_type":"user"`},
		{"unfollow", "DELETE", "/2/users/" + acmeDeals.XUserID + "/following/" + bob.XUser, "", 200, `{"data":{"following":false}}`},
		{"unfollow bad id", "DELETE", "/2/users/" + acmeDeals.XUserID + "/following/bob", "", 400, `"parameters":{"target_user_id":["bob"]}`},
		{"dm to a follower", "POST", "/2/dm_conversations/with/" + alice.XUser + "/messages", `{"text":"hi"}`, 403,
			`"detail":"You cannot send messages to users who are not following you."`}, // alice follows @AcmeSupport, not @AcmeDeals
		{"unknown route", "GET", "/2/spaces/1", "", 404, `"title":"Not Found Error"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := acmeDeals
			if strings.HasPrefix(tt.name, "duplicate") || strings.HasPrefix(tt.name, "lookup") || strings.HasPrefix(tt.name, "reply") || strings.HasPrefix(tt.name, "empty") || strings.HasPrefix(tt.name, "tweet too") || strings.HasPrefix(tt.name, "body") {
				as = acmeSupport
			}
			a := f.api(as, tt.method, tt.path, tt.body)
			if a.status != tt.status || !strings.Contains(a.raw, tt.want) {
				t.Errorf("%d %s\nwant %d with %s", a.status, a.raw, tt.status, tt.want)
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.status != 404 {
				for _, h := range []string{"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} {
					if a.header.Get(h) == "" {
						t.Errorf("no %s header", h)
					}
				}
			}
		})
	}

	t.Run("dm allowed when the customer follows the brand", func(t *testing.T) {
		a := f.api(acmeSupport, "POST", "/2/dm_conversations/with/"+alice.XUser+"/messages", `{"text":"We can help here."}`)
		if a.status != http.StatusCreated || !isID(str(a.body, "data", "dm_event_id")) {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		if got, want := str(a.body, "data", "dm_conversation_id"), acmeSupport.XUserID+"-"+alice.XUser; got != want {
			t.Errorf("dm_conversation_id %s, want %s", got, want)
		}
	})
}

func TestIDsIncreaseEvenWithAFixedClock(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	f := newFixture(t, Options{Clock: func() time.Time { return at }})
	var last uint64
	for i := 0; i < 5; i++ {
		a := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"tweet number `+strconv.Itoa(i)+`"}`)
		id, err := strconv.ParseUint(str(a.body, "data", "id"), 10, 64)
		if err != nil || id <= last {
			t.Fatalf("id %d after %d", id, last)
		}
		if ms := int64(id>>22) + twepoch; ms != at.UnixMilli() && i == 0 {
			t.Errorf("first id encodes %d ms, want %d", ms, at.UnixMilli())
		}
		last = id
	}
}

func TestRateLimitsAndFaults(t *testing.T) {
	f := newFixture(t, Options{RateLimits: map[string]int{EndpointLookupUser: 2}})
	path := "/2/users/by/username/alice_follows"
	for i, wantRemaining := range []string{"1", "0"} {
		a := f.api(acmeSupport, "GET", path, "")
		if a.status != 200 || a.header.Get("x-rate-limit-limit") != "2" || a.header.Get("x-rate-limit-remaining") != wantRemaining {
			t.Fatalf("call %d: %d limit %s remaining %s", i, a.status, a.header.Get("x-rate-limit-limit"), a.header.Get("x-rate-limit-remaining"))
		}
	}
	a := f.api(acmeSupport, "GET", path, "")
	if a.status != http.StatusTooManyRequests || strings.TrimSpace(a.raw) != `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}` {
		t.Fatalf("over the limit: %d %s", a.status, a.raw)
	}
	reset, _ := strconv.ParseInt(a.header.Get("x-rate-limit-reset"), 10, 64)
	if d := time.Until(time.Unix(reset, 0)); d < 14*time.Minute || d > 16*time.Minute {
		t.Errorf("reset in %s, want about 15 minutes", d)
	}
	// Limits are per user.
	if a := f.api(acmeDeals, "GET", path, ""); a.status != 200 {
		t.Errorf("another user: %d", a.status)
	}

	// Faults: the next two tweets fail with 503, then calls succeed; a 429
	// fault carries the reset it was given.
	if a := f.ctl("POST", "/sim/faults", `{"path_prefix":"/2/tweets","status":503,"count":2}`); a.status != http.StatusCreated {
		t.Fatalf("add fault: %d %s", a.status, a.raw)
	}
	for i := 0; i < 2; i++ {
		if a := f.api(acmeDeals, "POST", "/2/tweets", `{"text":"fault test"}`); a.status != 503 || str(a.body, "title") != "Service Unavailable" {
			t.Errorf("faulted call %d: %d %s", i, a.status, a.raw)
		}
	}
	if a := f.api(acmeDeals, "POST", "/2/tweets", `{"text":"fault test"}`); a.status != 201 {
		t.Errorf("after the faults: %d %s", a.status, a.raw)
	}
	f.ctl("POST", "/sim/faults", `{"path_prefix":"/2/users/","status":429,"count":1,"retry_after_s":30}`)
	a = f.api(acmeDeals, "POST", "/2/users/"+acmeDeals.XUserID+"/following", `{"target_user_id":"`+bob.XUser+`"}`)
	reset, _ = strconv.ParseInt(a.header.Get("x-rate-limit-reset"), 10, 64)
	if a.status != 429 || a.header.Get("x-rate-limit-remaining") != "0" || time.Until(time.Unix(reset, 0)) > 31*time.Second {
		t.Errorf("429 fault: %d remaining %s reset %s", a.status, a.header.Get("x-rate-limit-remaining"), a.header.Get("x-rate-limit-reset"))
	}
	if a := f.ctl("POST", "/sim/faults", `{"path_prefix":"2/tweets","status":200,"count":1}`); a.status != 400 {
		t.Errorf("bad fault accepted: %d", a.status)
	}
}

// TestDMToACustomerWhoWroteFirst: a brand handle may answer a customer who
// does not follow it once the customer has written to it by DM, and only
// that brand handle.
func TestDMToACustomerWhoWroteFirst(t *testing.T) {
	f := newFixture(t, Options{LegacyDMs: true})
	path := "/2/dm_conversations/with/" + bob.XUser + "/messages"
	if a := f.api(acmeSupport, "POST", path, `{"text":"Can we help?"}`); a.status != 403 {
		t.Fatalf("before bob wrote: %d %s", a.status, a.raw)
	}
	if a := f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"AcmeSupport","text":"my order is late"}`); a.status != 201 {
		t.Fatalf("bob's dm: %d %s", a.status, a.raw)
	}
	if a := f.api(acmeSupport, "POST", path, `{"text":"Sorry to hear that, which order?"}`); a.status != 201 {
		t.Errorf("answer to bob's dm: %d %s", a.status, a.raw)
	}
	if a := f.api(acmeDeals, "POST", path, `{"text":"Deals for you"}`); a.status != 403 {
		t.Errorf("another brand handle bob never wrote to: %d %s", a.status, a.raw)
	}
}

func TestControlRoutes(t *testing.T) {
	f := newFixture(t, Options{LegacyDMs: true})
	created := f.ctl("POST", "/sim/users", `{"username":"@carol_new","name":"Carol New"}`)
	carolID := str(created.body, "id")
	if created.status != 201 || !isID(carolID) || str(created.body, "username") != "carol_new" {
		t.Fatalf("create user: %d %s", created.status, created.raw)
	}
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"existing username", "POST", "/sim/users", `{"username":"Carol_New"}`, 409},
		{"invalid username", "POST", "/sim/users", `{"username":"carol.new"}`, 400},
		{"tweet by unknown user", "POST", "/sim/users/nobody/tweets", `{"text":"hi"}`, 404},
		{"dm to unknown user", "POST", "/sim/users/carol_new/dms", `{"to":"nobody","text":"hi"}`, 404},
		{"follow unknown", "PUT", "/sim/users/carol_new/following/nobody", "", 404},
		{"delete unknown tweet", "DELETE", "/sim/tweets/1", "", 404},
		{"timeline of unknown", "GET", "/sim/timeline/nobody", "", 404},
	} {
		if a := f.ctl(tt.method, tt.path, tt.body); a.status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, a.status, a.raw, tt.status)
		}
	}

	// The new user is found by lookups; Tweets and DMs follow X's rules.
	if a := f.api(acmeSupport, "GET", "/2/users/by/username/carol_new", ""); str(a.body, "data", "id") != carolID {
		t.Errorf("lookup: %s", a.raw)
	}
	tw := f.ctl("POST", "/sim/users/carol_new/tweets", `{"text":"@AcmeSupport where is my parcel?"}`)
	if tw.status != 201 || !isID(str(tw.body, "id")) {
		t.Fatalf("tweet: %d %s", tw.status, tw.raw)
	}
	if a := f.ctl("POST", "/sim/users/carol_new/tweets", `{"text":"@AcmeSupport where is my parcel?"}`); a.status != 403 || str(a.body, "detail") != "You are not allowed to create a Tweet with duplicate content." {
		t.Errorf("duplicate: %d %s", a.status, a.raw)
	}
	if a := f.ctl("POST", "/sim/users/carol_new/tweets", `{"text":"@AcmeSupport hello?","in_reply_to_tweet_id":"99"}`); a.status != 403 {
		t.Errorf("reply to a missing tweet: %d %s", a.status, a.raw)
	}
	if a := f.ctl("POST", "/sim/users/carol_new/dms", `{"to":"@AcmeSupport","text":"hello"}`); a.status != 201 || !isID(str(a.body, "id")) {
		t.Errorf("dm to a brand (open to anyone): %d %s", a.status, a.raw)
	}
	if a := f.ctl("POST", "/sim/users/bob_stranger/dms", `{"to":"carol_new","text":"hello"}`); a.status != 403 || str(a.body, "title") != "Forbidden" {
		t.Errorf("dm to a customer who does not follow: %d %s", a.status, a.raw)
	}
	if a := f.ctl("PUT", "/sim/users/carol_new/following/AcmeDeals", ""); a.status != 200 || dig(a.body, "changed") != true {
		t.Errorf("follow: %d %s", a.status, a.raw)
	}
	if a := f.ctl("PUT", "/sim/users/carol_new/following/AcmeDeals", ""); dig(a.body, "changed") != false {
		t.Errorf("follow again: %s", a.raw)
	}
	if a := f.api(acmeDeals, "POST", "/2/dm_conversations/with/"+carolID+"/messages", `{"text":"Thanks for following!"}`); a.status != 201 {
		t.Errorf("brand dm after the follow: %d %s", a.status, a.raw)
	}

	// The timeline shows what X holds for the user.
	tl := f.ctl("GET", "/sim/timeline/carol_new", "")
	if n := len(dig(tl.body, "tweets").([]any)); n != 1 {
		t.Errorf("%d tweets: %s", n, tl.raw)
	}
	if str(tl.body, "tweets", 0, "mentions", 0) != "AcmeSupport" || len(dig(tl.body, "dms").([]any)) != 2 || str(tl.body, "following", 0, "username") != "AcmeDeals" {
		t.Errorf("timeline %s", tl.raw)
	}
	if a := f.ctl("DELETE", "/sim/tweets/"+str(tw.body, "id"), ""); a.status != 200 {
		t.Errorf("delete: %d", a.status)
	}
	if tl := f.ctl("GET", "/sim/timeline/carol_new", ""); len(dig(tl.body, "tweets").([]any)) != 0 {
		t.Errorf("deleted tweet still on the timeline: %s", tl.raw)
	}
	if a := f.ctl("DELETE", "/sim/users/carol_new/following/AcmeDeals", ""); a.status != 200 || dig(a.body, "following") != false {
		t.Errorf("unfollow: %s", a.raw)
	}

	// GET /sim/requests lists the API calls, filtered by path.
	req := f.ctl("GET", "/sim/requests?path_prefix=/2/dm_conversations", "")
	calls := dig(req.body, "requests").([]any)
	if len(calls) != 1 || str(calls[0], "username") != "AcmeDeals" || str(calls[0], "body", "text") != "Thanks for following!" || dig(calls[0], "status") != float64(201) {
		t.Errorf("requests: %s", req.raw)
	}

	// Reset forgets everything but the sample data.
	if a := f.ctl("POST", "/sim/reset", ""); a.status != 200 {
		t.Fatalf("reset: %d", a.status)
	}
	if a := f.ctl("GET", "/sim/timeline/carol_new", ""); a.status != 404 {
		t.Errorf("created user survived the reset")
	}
	if a := f.ctl("GET", "/sim/requests", ""); len(dig(a.body, "requests").([]any)) != 0 {
		t.Errorf("requests survived the reset: %s", a.raw)
	}
	tl = f.ctl("GET", "/sim/timeline/alice_follows", "")
	if str(tl.body, "user", "id") != alice.XUser || str(tl.body, "following", 0, "username") != "AcmeSupport" || len(dig(tl.body, "dms").([]any)) != 0 {
		t.Errorf("sample data after reset: %s", tl.raw)
	}
	if a := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows hello again"}`); a.status != 201 {
		t.Errorf("brand credentials after reset: %d", a.status)
	}
	if a := f.api(acmeSupport, "POST", "/2/dm_conversations/with/"+alice.XUser+"/messages", `{"text":"still following"}`); a.status != 201 {
		t.Errorf("sample follow after reset: %d %s", a.status, a.raw)
	}
}

func TestStartServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sim := New(Options{})
	base, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(base + "/sim/timeline/AcmeSupport")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("timeline: %d", resp.StatusCode)
	}
	cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, err := http.Get(base + "/sim/timeline/AcmeSupport"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still serving after cancel")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUserTweetsTimeline(t *testing.T) {
	f := newFixture(t, Options{})
	var ids []string
	for i := 0; i < 7; i++ {
		a := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"update `+strconv.Itoa(i)+` & more <3"}`)
		ids = append(ids, str(a.body, "data", "id"))
	}
	theirs := f.ctl("POST", "/sim/users/alice_follows/tweets", `{"text":"@AcmeSupport nice"}`)
	f.api(acmeSupport, "POST", "/2/users/"+acmeSupport.XUserID+"/retweets", `{"tweet_id":"`+str(theirs.body, "id")+`"}`)
	base := "/2/users/" + acmeSupport.XUserID + "/tweets"

	// Newest first, Retweets left out on request, in pages of max_results.
	a := f.api(acmeSupport, "GET", base+"?exclude=retweets&max_results=5&tweet.fields=created_at", "")
	data := dig(a.body, "data").([]any)
	if a.status != 200 || len(data) != 5 || str(data[0], "id") != ids[6] || str(a.body, "meta", "newest_id") != ids[6] ||
		str(a.body, "meta", "oldest_id") != ids[2] || dig(a.body, "meta", "result_count") != float64(5) || str(data[0], "created_at") == "" {
		t.Fatalf("first page: %d %s", a.status, a.raw)
	}
	if str(data[0], "text") != "update 6 &amp; more &lt;3" {
		t.Errorf("text %q, want X's HTML entities", str(data[0], "text"))
	}
	next := str(a.body, "meta", "next_token")
	a = f.api(acmeSupport, "GET", base+"?exclude=retweets&max_results=5&pagination_token="+next, "")
	if data := dig(a.body, "data").([]any); len(data) != 2 || str(data[1], "id") != ids[0] || str(a.body, "meta", "next_token") != "" {
		t.Errorf("second page: %s", a.raw)
	}
	// With Retweets, since a time, and an empty answer.
	if a := f.api(acmeSupport, "GET", base, ""); !strings.HasPrefix(str(a.body, "data", 0, "text"), "RT @alice_follows: ") {
		t.Errorf("retweets included: %s", a.raw)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if a := f.api(acmeSupport, "GET", base+"?start_time="+future, ""); strings.TrimSpace(a.raw) != `{"meta":{"result_count":0}}` {
		t.Errorf("empty: %s", a.raw)
	}
	for _, q := range []string{"?max_results=500", "?start_time=yesterday", "?pagination_token=nope"} {
		if a := f.api(acmeSupport, "GET", base+q, ""); a.status != 400 {
			t.Errorf("%s: %d", q, a.status)
		}
	}
	if a := f.api(acmeSupport, "GET", "/2/users/123/tweets", ""); str(a.body, "errors", 0, "resource_type") != "user" {
		t.Errorf("unknown user: %s", a.raw)
	}
}
