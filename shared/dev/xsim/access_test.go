package xsim

import (
	"net/http"
	"strings"
	"testing"
)

// TestSelfServeRules: a self-serve app is refused follows (403
// client-forbidden), replies to Posts that did not summon it, and
// programmatic @mentions of users who do not follow it; Enterprise is not.
func TestSelfServeRules(t *testing.T) {
	for _, access := range []string{AccessSelfServe, AccessEnterprise} {
		t.Run(access, func(t *testing.T) {
			f := newFixture(t, Options{Access: access})
			selfServe := access == AccessSelfServe
			mention := f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"@AcmeSupport my order is late"}`)
			plain := f.ctl("POST", "/sim/users/bob_stranger/tweets", `{"text":"my order is late"}`)
			mentionID, plainID := str(mention.body, "id"), str(plain.body, "id")
			if mentionID == "" || plainID == "" {
				t.Fatalf("customer tweets: %s / %s", mention.raw, plain.raw)
			}
			tests := []struct {
				name, method, path, body string
				forbidden                bool   // refused on self-serve
				want                     string // a fragment of the refusal
			}{
				{"follow", "POST", "/2/users/" + acmeSupport.XUserID + "/following", `{"target_user_id":"` + bob.XUser + `"}`, true,
					`"title":"Client Forbidden","detail":"Following and unfollowing through the X API are not available to self-serve (pay-per-use) apps. Enterprise access is required.","type":"https://api.twitter.com/2/problems/client-forbidden"`},
				{"unfollow", "DELETE", "/2/users/" + acmeSupport.XUserID + "/following/" + bob.XUser, "", true,
					`"type":"https://api.twitter.com/2/problems/client-forbidden"`},
				{"reply to a mention", "POST", "/2/tweets", `{"text":"@bob_stranger on it","reply":{"in_reply_to_tweet_id":"` + mentionID + `"}}`, false, ""},
				{"reply to a Post that did not mention the brand", "POST", "/2/tweets", `{"text":"@bob_stranger hello","reply":{"in_reply_to_tweet_id":"` + plainID + `"}}`, true,
					`"detail":"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to."`},
				{"mention of a follower", "POST", "/2/tweets", `{"text":"@alice_follows hello from Acme"}`, false, ""},
				{"mention of a stranger", "POST", "/2/tweets", `{"text":"@bob_stranger hello from Acme"}`, true,
					`"detail":"Self-serve apps may not programmatically @mention @bob_stranger, who has not engaged with the author.","type":"https://api.twitter.com/2/problems/client-forbidden"`},
			}
			for _, tc := range tests {
				a := f.api(acmeSupport, tc.method, tc.path, tc.body)
				refused := a.status == http.StatusForbidden
				if refused != (selfServe && tc.forbidden) || refused && !strings.Contains(a.raw, tc.want) {
					t.Errorf("%s: %d %s", tc.name, a.status, a.raw)
				}
			}
		})
	}
}

func TestParseAccess(t *testing.T) {
	for in, want := range map[string]string{"": AccessSelfServe, "self-serve": AccessSelfServe, "enterprise": AccessEnterprise} {
		if got, err := ParseAccess(in); got != want || err != nil {
			t.Errorf("ParseAccess(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseAccess("basic"); err == nil {
		t.Error(`ParseAccess("basic") took it`)
	}
}

// TestCreditBalance: with a balance, each call takes its price; once it is
// spent every call is refused with 402 until credits are added.
func TestCreditBalance(t *testing.T) {
	f := newFixture(t, Options{})
	if a := f.ctl("PUT", "/sim/credits", `{"balance_usd":"0.02"}`); str(a.body, "balance_usd") != "0.020000" {
		t.Fatalf("set credits: %s", a.raw)
	}
	first := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows one"}`)
	second := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows two"}`) // the balance goes negative, as X allows
	third := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows three"}`)
	if first.status != 201 || second.status != 201 || third.status != http.StatusPaymentRequired || !strings.Contains(third.raw, `"status":402`) {
		t.Errorf("calls: %d, %d, %d %s", first.status, second.status, third.status, third.raw)
	}
	if a := f.ctl("GET", "/sim/credits", ""); str(a.body, "balance_usd") != "-0.010000" {
		t.Errorf("balance: %s", a.raw)
	}
	f.ctl("PUT", "/sim/credits", `{"balance_usd":null}`)
	if a := f.api(acmeSupport, "POST", "/2/tweets", `{"text":"@alice_follows four"}`); a.status != 201 {
		t.Errorf("with no balance: %d %s", a.status, a.raw)
	}
}
